/* OBU core, one node driven by hand: data forwarding (PROTOCOL.md §5 and
 * §6 fault 6): Upstream to our upstream, tun packets, broadcast and unicast
 * Downstream. */
#include "obu_core_fx.h"

/* Upstream data: forwarded to our upstream with origin unchanged; dropped if
 * it comes from our own upstream (a loop) or carries our own origin. */
static void test_upstream_forward_and_loop(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128], want[128];
	size_t n;

	(void)state;
	hb(f, &R, &R, 0, 1, MS(1001));
	h_clear(&f->h);
	n = b_up(fr, &A, &B, &C, 3, 1);
	memcpy(want, fr, n);
	feed(f, fr, n, MS(1002));
	assert_int_equal(f->h.ntx, 1);
	memcpy(want, R.b, 6);
	memcpy(want + 6, A.b, 6);
	assert_int_equal(f->h.tx[0].len, n);
	assert_memory_equal(f->h.tx[0].b, want, n);
	h_clear(&f->h);
	n = b_up(fr, &A, &R, &C, 3, 1); /* from our upstream */
	feed(f, fr, n, MS(1003));
	n = b_up(fr, &A, &B, &A, 3, 1); /* our own packet came back */
	feed(f, fr, n, MS(1004));
	assert_int_equal(f->h.ntx, 0);
	assert_int_equal(ctr(f, "drop_loop"), 2);
	assert_int_equal(ctr(f, "up_forwarded"), 1);
	fx_free(f);
}

static void test_tun_to_upstream(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t ip[128];
	struct vn_pbuf *b;
	size_t n = b_ip4(ip, 80, 2, 1);

	(void)state;
	obu_core_on_tun(f->c, h_buf(&f->h, ip, n), MS(1001));
	assert_int_equal(f->h.ntx, 0);
	assert_int_equal(ctr(f, "drop_no_upstream"), 1);
	hb(f, &R, &R, 0, 1, MS(1002));
	h_clear(&f->h);
	b = h_buf(&f->h, ip, n);
	obu_core_on_tun(f->c, b, MS(1003));
	assert_int_equal(f->h.ntx, 1);
	assert_int_equal(f->h.tx[0].len, VN_UP_HLEN + n);
	/* the header was pushed into the headroom: the packet did not move */
	assert_ptr_equal(b->data + VN_UP_HLEN, f->h.mem + VN_PBUF_HEADROOM);
	assert_memory_equal(f->h.tx[0].b, R.b, 6);
	assert_memory_equal(f->h.tx[0].b + 6, A.b, 6);
	assert_memory_equal(f->h.tx[0].b + 16, A.b, 6); /* origin: us */
	assert_memory_equal(f->h.tx[0].b + VN_UP_HLEN, ip, n);
	fx_free(f);
}

/* A broadcast Downstream is accepted only from our upstream, delivered, and
 * re-broadcast only when OBUs are below us (§6 fault 6), once. */
static void test_broadcast_downstream(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128];
	size_t n;

	(void)state;
	hb(f, &R, &R, 0, 1, MS(1001));
	h_clear(&f->h);
	n = b_down(fr, &vn_mac_broadcast, &B, &R, &vn_mac_broadcast, 1, 255);
	feed(f, fr, n, MS(1002));
	assert_int_equal(f->h.ndel, 0);
	assert_int_equal(ctr(f, "drop_bcast_not_upstream"), 1);
	n = b_down(fr, &vn_mac_broadcast, &R, &R, &vn_mac_broadcast, 1, 255);
	feed(f, fr, n, MS(1003));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(f->h.del[0].len, n - VN_DOWN_HLEN);
	assert_memory_equal(f->h.del[0].b, fr + VN_DOWN_HLEN, n - VN_DOWN_HLEN);
	assert_int_equal(f->h.ntx, 0); /* nobody below: no re-broadcast */
	feed(f, fr, n, MS(1004));       /* the same packet again: a duplicate */
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(ctr(f, "drop_bcast_dup"), 1);

	/* B's reply comes through us: B is below */
	{
		uint8_t rp[64];
		size_t m = b_reply(rp, &A, &B, &R, 7, 0, 2, &B);

		feed(f, rp, m, MS(1005));
	}
	assert_int_equal(ctr(f, "replies_forwarded"), 1);
	h_clear(&f->h);
	n = b_down(fr, &vn_mac_broadcast, &R, &R, &vn_mac_broadcast, 1, 254);
	feed(f, fr, n, MS(1006));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(f->h.ntx, 1);
	assert_memory_equal(f->h.tx[0].b, vn_mac_broadcast.b, 6);
	assert_memory_equal(f->h.tx[0].b + 6, A.b, 6);
	assert_memory_equal(f->h.tx[0].b + 12, fr + 12, n - 12);
	fx_free(f);
}

static void test_broadcast_address_filter(void **state)
{
	struct fx *f = fx_new(NULL);
	struct vn_ip_prefix a;
	uint8_t fr[128];
	size_t n;

	(void)state;
	assert_int_equal(vn_ip_prefix_parse("10.0.0.2/24", &a), 0);
	assert_int_equal(obu_core_set_addresses(f->c, &a, 1), 0);
	hb(f, &R, &R, 0, 1, MS(1001));
	n = b_down(fr, &vn_mac_broadcast, &R, &R, &vn_mac_broadcast, 1, 2); /* us */
	feed(f, fr, n, MS(1002));
	n = b_down(fr, &vn_mac_broadcast, &R, &R, &vn_mac_broadcast, 1, 255); /* directed bcast */
	feed(f, fr, n, MS(1003));
	n = b_down(fr, &vn_mac_broadcast, &R, &R, &vn_mac_broadcast, 1, 77); /* someone else */
	feed(f, fr, n, MS(1004));
	assert_int_equal(f->h.ndel, 2);
	assert_int_equal(ctr(f, "bcast_not_for_us"), 1);
	/* IPv6 multicast (ff02::1) is for everyone */
	memcpy(fr, vn_mac_broadcast.b, 6);
	memcpy(fr + 6, R.b, 6);
	fr[12] = 0x30, fr[13] = 0x30, fr[14] = 1, fr[15] = 1;
	memcpy(fr + 16, R.b, 6);
	memcpy(fr + 22, vn_mac_broadcast.b, 6);
	n = VN_DOWN_HLEN + b_ip6(fr + VN_DOWN_HLEN, 60, 1, 0);
	feed(f, fr, n, MS(1005));
	assert_int_equal(f->h.ndel, 3);
	fx_free(f);
}

/* Downstream to another OBU follows the route its replies taught us. */
static void test_downstream_unicast(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128], rp[64];
	size_t n;

	(void)state;
	hb(f, &R, &R, 0, 1, MS(1001));
	n = b_reply(rp, &A, &B, &R, 7, 0, 3, &C); /* C's reply, relayed by B */
	feed(f, rp, n, MS(1002));
	h_clear(&f->h);
	n = b_down(fr, &A, &R, &R, &C, 1, 3);
	feed(f, fr, n, MS(1003));
	assert_int_equal(f->h.ntx, 1);
	assert_memory_equal(f->h.tx[0].b, B.b, 6);
	assert_memory_equal(f->h.tx[0].b + 6, A.b, 6);
	assert_memory_equal(f->h.tx[0].b + 12, fr + 12, n - 12);
	n = b_down(fr, &A, &R, &R, &X, 1, 3); /* nobody knows X */
	feed(f, fr, n, MS(1004));
	assert_int_equal(ctr(f, "drop_no_route"), 1);
	n = b_down(fr, &A, &R, &R, &A, 1, 2); /* for us */
	feed(f, fr, n, MS(1005));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(f->h.ntx, 1);
	/* the RSU salvaged it (rule 12; only its ACKs were lost): once */
	feed(f, fr, n, MS(1050));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(ctr(f, "drop_data_dup"), 1);
	/* the route expires with its replies: v2, after 3 K_a + 2 periods
	 * (6.2 s, rule 8; v1: history, 1 s) -- still there at 7 s, gone at
	 * 7.3 s */
	run_to(f, MS(7000));
	h_clear(&f->h);
	n = b_down(fr, &A, &R, &R, &C, 1, 3);
	feed(f, fr, n, MS(7000));
	assert_int_equal(f->h.ntx, 1);
	run_to(f, MS(7300));
	h_clear(&f->h);
	feed(f, fr, n, MS(7300));
	assert_int_equal(f->h.ntx, 0);
	assert_int_equal(ctr(f, "drop_no_route"), 2);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstream_forward_and_loop),
		cmocka_unit_test(test_tun_to_upstream),
		cmocka_unit_test(test_broadcast_downstream),
		cmocka_unit_test(test_broadcast_address_filter),
		cmocka_unit_test(test_downstream_unicast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
