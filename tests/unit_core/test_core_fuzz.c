/* Structured random input for both cores: well-formed messages with random
 * fields among a few MACs (us, broadcast, neighbours, RSUs), random times and
 * ticks. Every frame a core sends must decode as exactly one valid message
 * from that core; every delivered packet must be a valid IP packet. Run it
 * under -DVANET_SANITIZE=ON for memory and UB checks. */
#include "core_check.h"
#include "harness.h"
#include "obu_core.h"
#include "rsu_core.h"

#define MACS 8

static struct vn_mac macs[MACS];
static struct vn_mac self_mac;
static bool self_rsu;
static uint64_t frames_out, pkts_out;

static uint32_t rng(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (uint32_t)(*x >> 11);
}

static void check_send(void *ctx, const uint8_t *f, size_t len)
{
	const char *why = cc_frame(f, len, &self_mac, self_rsu, VN_PBUF_DATA_MAX);

	(void)ctx;
	if (why != NULL)
		fail_msg("%s", why);
	frames_out++;
}

static void check_deliver(void *ctx, const uint8_t *p, size_t len)
{
	const char *why = cc_packet(p, len);

	(void)ctx;
	if (why != NULL)
		fail_msg("%s", why);
	pkts_out++;
}

static size_t random_frame(uint64_t *x, uint8_t *p, vn_usec now)
{
	const struct vn_mac *to = &macs[rng(x) % MACS], *from = &macs[rng(x) % MACS];
	const struct vn_mac *a = &macs[rng(x) % MACS], *b = &macs[rng(x) % MACS];
	uint32_t id = rng(x) % 4 == 0 ? rng(x) : (uint32_t)(now / 100000) - rng(x) % 12;
	uint32_t hops = rng(x) % 8 == 0 ? rng(x) : 1 + rng(x) % 5;
	vn_u128 up = rng(x) % 8 == 0 ? ((vn_u128)rng(x) << 96 | rng(x)) : (vn_u128)(id * 100u);
	size_t n = 0;

	switch (rng(x) % 5) {
	case 0:
		n = b_hb(p, to, from, a, up, id, hops);
		break;
	case 1:
		n = b_reply(p, to, from, a, up, id, hops, b);
		break;
	case 2:
		n = b_up(p, to, from, a, (uint8_t)(rng(x) % 6), (uint8_t)(rng(x) % 6));
		break;
	case 3:
		n = b_down(p, to, from, a, rng(x) % 3 ? b : &vn_mac_broadcast,
			   (uint8_t)(rng(x) % 6), rng(x) % 4 ? (uint8_t)(rng(x) % 6) : 255);
		break;
	default: /* two control messages back to back */
		n = b_hb(p, to, from, a, up, id, hops);
		n += b_reply(p + n, to, from, a, up, id, hops, b);
		break;
	}
	if (rng(x) % 16 == 0 && n > 20)
		n -= rng(x) % 20; /* cut short */
	return n;
}

static void run_core(bool rsu, uint64_t seed)
{
	struct harness *h = test_calloc(1, sizeof(*h));
	struct vn_core_io io = {h, check_send, check_deliver, NULL};
	struct obu_params op;
	struct rsu_params rp;
	struct obu_core *o = NULL;
	struct rsu_core *r = NULL;
	uint64_t x = seed;
	vn_usec now = MS(1000);
	char text[4096];

	for (int i = 0; i < MACS; i++)
		macs[i] = (struct vn_mac){{0x02, 0, 0, 0, 0, (uint8_t)(i + 1)}};
	macs[6] = vn_mac_broadcast;
	macs[5] = (struct vn_mac){{0x04, 4, 4, 4, 4, 4}};
	self_mac = rsu ? macs[5] : macs[0];
	self_rsu = rsu;
	obu_params_default(&op);
	op.max_neighbours = 4;
	op.max_rsus = 2;
	op.max_downstream = 4;
	rsu_params_default(&rp);
	rp.max_obus = 4;
	rp.max_ips = 4;
	if (rsu)
		r = rsu_core_new(&rp, &self_mac, &io, now);
	else
		o = obu_core_new(&op, &self_mac, &io, now);
	assert_true(rsu ? r != NULL : o != NULL);
	for (int i = 0; i < 300000; i++) {
		uint8_t fr[256];
		size_t n;
		struct vn_pbuf *b;

		now += rng(&x) % 3000;
		if (rng(&x) % 64 == 0) {
			vn_usec t = rsu ? rsu_core_next_timer(r) : obu_core_next_timer(o);

			if (t > now)
				now = t;
			if (rsu)
				rsu_core_tick(r, now);
			else
				obu_core_tick(o, now);
		}
		if (rng(&x) % 16 == 0) {
			n = b_ip4(fr, 40 + rng(&x) % 100, (uint8_t)(rng(&x) % 6),
				  rng(&x) % 5 ? (uint8_t)(rng(&x) % 6) : 255);
			b = h_buf(h, fr, n);
			if (rsu)
				rsu_core_on_tun(r, b, now);
			else
				obu_core_on_tun(o, b, now);
			continue;
		}
		n = random_frame(&x, fr, now);
		b = h_buf(h, fr, n);
		if (rsu)
			rsu_core_on_frame(r, b, now);
		else
			obu_core_on_frame(o, b, now);
		if (i % 50000 == 0) {
			size_t need = rsu ? rsu_core_describe(r, now, text, sizeof(text))
					  : obu_core_describe(o, now, text, sizeof(text));

			assert_true(need < sizeof(text));
			assert_int_equal(strlen(text), need);
		}
	}
	fprintf(stderr, "%s seed %llu: %llu frames sent, %llu packets delivered\n",
		rsu ? "rsu" : "obu", (unsigned long long)seed, (unsigned long long)frames_out,
		(unsigned long long)pkts_out);
	assert_true(frames_out > 0);
	frames_out = pkts_out = 0;
	obu_core_free(o);
	rsu_core_free(r);
	test_free(h);
}

static void test_obu_random(void **state)
{
	(void)state;
	run_core(false, 0x1234567);
	run_core(false, 0xdeadbeef);
}

static void test_rsu_random(void **state)
{
	(void)state;
	run_core(true, 0x7654321);
	run_core(true, 0xfeedface);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_obu_random),
		cmocka_unit_test(test_rsu_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
