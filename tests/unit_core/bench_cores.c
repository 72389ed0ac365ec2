/* Not a test: per-event cost of the routing cores, single thread, no I/O
 * (the callbacks only count bytes). Prints ns per event. Run:
 *   build/tests/unit_core/bench_cores [iterations]
 * Figures in docs/routing.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "obu_core.h"
#include "rsu_core.h"
#include "wire.h"

static uint64_t bytes_out;

static void b_send(void *c, const uint8_t *f, size_t l)
{
	(void)c;
	(void)f;
	bytes_out += l;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t mem[VN_PBUF_SIZE];

/* An IPv4 header of a 1400-byte packet 10.0.hi.lo -> 10.0.0.dst. */
static void ip4(uint8_t *ip, uint32_t src, uint8_t dst)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = 1400 >> 8;
	ip[3] = 1400 & 0xff;
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10;
	ip[14] = (uint8_t)(src >> 8);
	ip[15] = (uint8_t)src;
	ip[16] = 10;
	ip[19] = dst;
}

static void report(const char *what, double dt, int n)
{
	printf("%-52s %6.0f ns\n", what, dt / n * 1e9);
}

int main(int argc, char **argv)
{
	struct vn_core_io io = {NULL, b_send, b_send, NULL};
	const struct vn_mac A = {{2, 0, 0, 0, 0, 0xa}}, B = {{2, 0, 0, 0, 0, 0xb}};
	const struct vn_mac R = {{4, 4, 4, 4, 4, 4}};
	struct obu_params op;
	struct rsu_params rp;
	struct vn_heartbeat h = {7, 0, 1, R};
	struct vn_pbuf b;
	uint8_t hb[64];
	int n = argc > 1 ? atoi(argv[1]) : 2000000;
	size_t hl;
	double t0;

	if (n <= 0)
		return 2;
	obu_params_default(&op);
	rsu_params_default(&rp);

	/* OBU A with the RSU as upstream */
	struct obu_core *o = obu_core_new(&op, &A, &io, 1000000);
	hl = vn_enc_heartbeat(hb, sizeof(hb), &vn_mac_broadcast, &R, &h);
	vn_pbuf_init(&b, mem, sizeof(mem));
	memcpy(b.data, hb, hl);
	b.len = hl;
	obu_core_on_frame(o, &b, 1001000);

	t0 = now_s();
	for (int i = 0; i < n; i++) {
		uint8_t *p;

		vn_pbuf_init(&b, mem, sizeof(mem));
		p = b.data;
		memcpy(p, A.b, 6);
		memcpy(p + 6, B.b, 6);
		p[12] = 0x30, p[13] = 0x30, p[14] = 1, p[15] = 0;
		memcpy(p + 16, B.b, 6);
		ip4(p + 22, (uint32_t)i, 1);
		memcpy(p + 22 + 4, &i, sizeof(i)); /* IP id: every packet differs */
		b.len = 22 + 1400;
		obu_core_on_frame(o, &b, 1002000 + (vn_usec)i / 100);
	}
	report("OBU: Upstream relayed (1400 B, decode+forward)", now_s() - t0, n);

	t0 = now_s();
	for (int i = 0; i < n; i++) {
		vn_pbuf_init(&b, mem, sizeof(mem));
		ip4(b.data, 2, 1);
		b.len = 1400;
		obu_core_on_tun(o, &b, 1002000 + (vn_usec)i / 100);
	}
	report("OBU: tun packet -> Upstream (1400 B)", now_s() - t0, n);

	t0 = now_s();
	for (int i = 0; i < n; i++) {
		vn_pbuf_init(&b, mem, sizeof(mem));
		memcpy(b.data, hb, hl);
		b.len = hl;
		obu_core_on_frame(o, &b, 1003000);
	}
	report("OBU: duplicate heartbeat (stats + re-evaluation)", now_s() - t0, n);

	/* RSU with 1000 OBUs, each with an IP */
	struct rsu_core *r = rsu_core_new(&rp, &R, &io, 0);

	rsu_core_tick(r, 0);
	for (uint32_t k = 0; k < 1000; k++) {
		struct vn_mac ob = {{2, 0, 0, 1, (uint8_t)(k >> 8), (uint8_t)k}};
		struct vn_msg m;
		uint8_t *p;

		memset(&m, 0, sizeof(m));
		m.hb.hops = 2;
		m.hb.source = R;
		vn_pbuf_init(&b, mem, sizeof(mem));
		b.len = vn_enc_reply(b.data, 64, &R, &B, &m, &ob);
		rsu_core_on_frame(r, &b, 1000);
		vn_pbuf_init(&b, mem, sizeof(mem));
		p = b.data;
		memcpy(p, R.b, 6);
		memcpy(p + 6, B.b, 6);
		p[12] = 0x30, p[13] = 0x30, p[14] = 1, p[15] = 0;
		memcpy(p + 16, ob.b, 6);
		ip4(p + 22, k, 1);
		b.len = 22 + 1400;
		rsu_core_on_frame(r, &b, 1000);
	}
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		vn_pbuf_init(&b, mem, sizeof(mem));
		ip4(b.data, 1, 0);
		b.data[18] = (uint8_t)((i % 1000) >> 8); /* to 10.0.x.y of an OBU */
		b.data[19] = (uint8_t)(i % 1000);
		b.data[16] = 10, b.data[17] = 0;
		b.len = 1400;
		rsu_core_on_tun(r, &b, 2000);
	}
	report("RSU: tun packet -> unicast Downstream (1000 OBUs)", now_s() - t0, n);

	t0 = now_s();
	for (int i = 0; i < n; i++) {
		uint8_t *p;

		vn_pbuf_init(&b, mem, sizeof(mem));
		p = b.data;
		memcpy(p, R.b, 6);
		memcpy(p + 6, B.b, 6);
		p[12] = 0x30, p[13] = 0x30, p[14] = 1, p[15] = 0;
		p[16] = 2, p[17] = 0, p[18] = 0, p[19] = 1, p[20] = 0, p[21] = (uint8_t)(i % 1000);
		ip4(p + 22, (uint32_t)(i % 1000), 250);
		b.len = 22 + 1400;
		rsu_core_on_frame(r, &b, 2000);
	}
	report("RSU: Upstream -> tun (learning the source IP)", now_s() - t0, n);
	printf("(%llu bytes handed out)\n", (unsigned long long)bytes_out);
	obu_core_free(o);
	rsu_core_free(r);
	return 0;
}
