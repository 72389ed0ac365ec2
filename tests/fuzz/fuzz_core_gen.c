/* fuzz_core's input: the parameters and the frames and packets it builds
 * from fuzzer-chosen fields (fuzz_core_in.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "announce.h"
#include "core_frames.h"
#include "fuzz_core_in.h"

const struct vn_mac macs[16] = {
	{{0x02, 0, 0, 0, 0, 1}}, /* the OBU core */
	{{0x02, 0, 0, 0, 0, 2}},
	{{0x02, 0, 0, 0, 0, 3}},
	{{0x04, 4, 4, 4, 4, 4}}, /* the RSU core */
	{{0x04, 4, 4, 4, 4, 5}},
	{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	{{0x33, 0x33, 0, 0, 0, 1}},
	{{0, 0, 0, 0, 0, 0}},
	/* more OBUs: more than an RSU remembers next hops for one OBU */
	{{0x02, 0, 0, 0, 0, 4}}, {{0x02, 0, 0, 0, 0, 5}}, {{0x02, 0, 0, 0, 0, 6}},
	{{0x02, 0, 0, 0, 0, 7}}, {{0x02, 0, 0, 0, 0, 8}}, {{0x02, 0, 0, 0, 0, 9}},
	{{0x02, 0, 0, 0, 0, 10}}, {{0x02, 0, 0, 0, 0, 11}},
};

/* --- parameters, small tables so that the caps are reached --- */

void obu_params_from(struct in *in, struct obu_params *p)
{
	uint8_t k;

	obu_params_default(p);
	p->max_neighbours = 2 + u8(in) % 7;
	p->max_rsus = 1 + u8(in) % 6; /* 5: more next hops than reply batches */
	p->max_downstream = 1 + u8(in) % 8;
	k = u8(in);
	if (k & 1)
		p->heartbeat_period_ms = u8(in) * 4u; /* 0: learn it */
	if (k & 2) {
		p->history = 2 + u8(in) % 40;
		p->dead_periods = 2 + u8(in) % (p->history - 1);
	}
	if (k & 4)
		p->candidates = 1 + u8(in) % OBU_CAND_MAX;
	if (k & 8)
		p->hysteresis_pct = u8(in) % 101;
	if (k & 16)
		p->relay_sparse = 1u << (u8(in) % 7);
	if (k & 32)
		p->reply_keepalive = 1 + u8(in) % 40;
	if (k & 64)
		p->scope_hops = u8(in) % 5;
	if (k & 128)
		p->reply_hold_ms = u8(in) * 4u; /* above 1000 is refused */
}

void rsu_params_from(struct in *in, struct rsu_params *p)
{
	uint8_t k;

	rsu_params_default(p);
	p->max_obus = 1 + u8(in) % 8;
	p->max_ips = 1 + u8(in) % 8;
	k = u8(in);
	if (k & 1)
		p->heartbeat_period_ms = 1 + u8(in) * 4u;
	if (k & 2)
		p->jitter_pct = u8(in) % 51;
	if (k & 4)
		p->history = 2 + u8(in) % 40;
	if (k & 8)
		p->rtt_hysteresis_ms = u8(in);
	if (k & 16)
		p->ip_expiry_ms = 1000 + (uint32_t)un(in, 2) * 10u;
	if (k & 32) {
		p->obu_timeout_periods = 2 + u8(in) % 100;
		p->stale_periods = 1 + u8(in) % p->obu_timeout_periods;
	}
	if (k & 64)
		p->seed = un(in, 4);
	if (k & 128)
		p->history = 0; /* refused */
}

/* --- frames and packets built from fields --- */

/* An IP packet of at most max bytes: family, length, addresses (unicast,
 * broadcast, multicast, unspecified), sometimes another protocol or an
 * announce (common/announce.h). */
size_t build_ip(struct in *in, uint8_t *p, size_t max)
{
	uint8_t k = u8(in);
	bool v6 = k & 1;
	size_t min = v6 ? 40 : 20;
	size_t len = min + (size_t)(k & 0x40 ? un(in, 2) : u8(in)) % (max - min + 1);
	uint8_t s = u8(in), d = u8(in);
	struct vn_ip src;

	if (v6)
		b_ip6(p, len, s, d);
	else
		b_ip4(p, len, s, d);
	switch ((k >> 1) & 3) {
	case 1: /* limited broadcast, or ff02::1 (b_ip6 with d = 0) */
		if (!v6)
			memset(p + 16, 0xff, 4);
		break;
	case 2: /* multicast */
		if (v6)
			p[24] = 0xff, p[25] = 0x0e;
		else
			p[16] = 224;
		break;
	case 3: /* unspecified source */
		memset(p + (v6 ? 8 : 12), 0, v6 ? 16 : 4);
		break;
	}
	if (k & 0x20)
		p[v6 ? 6 : 9] = u8(in);
	if (k & 0x80) {
		vn_ip_src(p, &src);
		size_t n = vn_announce_build(p, max, &src, 1 + (k >> 3 & 1));
		if (n != 0)
			len = n;
	}
	return len;
}

static vn_u128 uptime(struct in *in, vn_usec now)
{
	uint8_t k = u8(in);
	uint64_t ms = now / VN_USEC_PER_MS;

	switch (k & 3) {
	case 0: /* about now */
		return ms >= (k >> 2) ? ms - (k >> 2) : 0;
	case 1: /* from the future */
		return ms + un(in, 2);
	case 2:
		return un(in, 4);
	default:
		return (vn_u128)un(in, 8) << 64 | un(in, 8);
	}
}

/* Mostly the next ids, sometimes back, sometimes anywhere: relative to the
 * last one this input built (in->id). */
static uint32_t hb_id(struct in *in)
{
	uint8_t k = u8(in);

	if (k >= 0xf0)
		in->id = (uint32_t)un(in, 4);
	else
		in->id += (uint32_t)(k & 15) - 4u;
	return in->id;
}

static uint32_t hops(struct in *in)
{
	static const uint32_t odd[] = {0, 64, 65, UINT32_MAX};
	uint8_t k = u8(in);

	if (k < 200)
		return 1 + k % 6;
	if (k < 240)
		return odd[k & 3];
	return (uint32_t)un(in, 4);
}

/* A data message at f: header by the encoder in front of a built packet. */
static size_t build_data(struct in *in, uint8_t *f, size_t room, bool down,
			 const struct vn_mac *to, const struct vn_mac *from)
{
	static uint8_t mem[VN_PBUF_SIZE];
	size_t hlen = down ? VN_DOWN_HLEN : VN_UP_HLEN;
	const struct vn_mac *origin = mac(in), *dst = mac(in);
	struct vn_pbuf b;

	if (room < hlen + 40)
		return 0;
	vn_pbuf_init(&b, mem, sizeof(mem));
	b.len = build_ip(in, b.data, room - hlen < TUN_MTU ? room - hlen : TUN_MTU);
	if (down)
		vn_enc_downstream(&b, to, from, origin, dst);
	else
		vn_enc_upstream(&b, to, from, origin);
	memcpy(f, b.data, b.len);
	return b.len;
}

/* Up to four messages: control ones back to back, data last. */
size_t build_frame(struct in *in, uint8_t *f, vn_usec now)
{
	unsigned msgs = 1 + (u8(in) & 3);
	size_t n = 0;

	for (unsigned i = 0; i < msgs; i++) {
		uint8_t k = u8(in);
		const struct vn_mac *to = mac(in), *from = mac(in);

		if ((k & 3) >= 2) {
			n += build_data(in, f + n, FRAME_MAX - n, (k & 3) == 3, to, from);
			break;
		}
		const struct vn_mac *src = mac(in);
		vn_u128 up = uptime(in, now);
		uint32_t id = hb_id(in), h = hops(in);

		if ((k & 3) == 0)
			n += b_hb(f + n, to, from, src, up, id, h);
		else
			n += b_reply(f + n, to, from, src, up, id, h, mac(in));
	}
	if (u8(in) & 1) { /* padding, or a trailer */
		size_t pad = u8(in) % 16;
		uint8_t fill = u8(in) & 1 ? 0x42 : 0;

		if (n + pad <= FRAME_MAX) {
			memset(f + n, 0, pad);
			if (pad > 0)
				f[n + pad - 1] = fill;
			n += pad;
		}
	}
	return n;
}
