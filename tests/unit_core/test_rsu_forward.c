/* RSU core, driven by hand: the data paths (PROTOCOL.md §4): Upstream out
 * of tun (once), tun traffic down to the OBUs, OBU to OBU, IPv6, learned
 * addresses expiring. */
#include "rsu_fx.h"

/* Upstream data: IP learned, delivered to tun; tun traffic for that IP goes
 * down to the OBU; unknown/broadcast goes to everyone. */
static void test_data_paths(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128], ip[128];
	struct vn_pbuf *b;
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	h_clear(&f->h);
	n = b_up(fr, &R, &B, &C, 3, 1); /* C's 10.0.0.3 -> 10.0.0.1 */
	feed(f, fr, n, T0 + MS(6));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(f->h.del[0].len, n - VN_UP_HLEN);
	assert_memory_equal(f->h.del[0].b, fr + VN_UP_HLEN, n - VN_UP_HLEN);
	assert_int_equal(ctr(f, "ips_learned"), 1);
	/* tun -> 10.0.0.3: unicast Downstream to B for C, header in headroom */
	n = b_ip4(ip, 100, 1, 3);
	b = h_buf(&f->h, ip, n);
	rsu_core_on_tun(f->c, b, T0 + MS(7));
	assert_int_equal(f->h.ntx, 1);
	assert_ptr_equal(b->data + VN_DOWN_HLEN, f->h.mem + VN_PBUF_HEADROOM);
	assert_int_equal(f->h.tx[0].len, VN_DOWN_HLEN + n);
	assert_memory_equal(f->h.tx[0].b, B.b, 6);
	assert_memory_equal(f->h.tx[0].b + 6, R.b, 6);
	assert_memory_equal(f->h.tx[0].b + 16, R.b, 6);
	assert_memory_equal(f->h.tx[0].b + 22, C.b, 6);
	assert_memory_equal(f->h.tx[0].b + VN_DOWN_HLEN, ip, n);
	/* tun -> unknown and broadcast: one broadcast Downstream each */
	n = b_ip4(ip, 100, 1, 9);
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(8));
	n = b_ip4(ip, 100, 1, 255);
	ip[16] = ip[17] = ip[18] = 255;
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(9));
	assert_int_equal(f->h.ntx, 3);
	for (size_t i = 1; i < 3; i++) {
		assert_memory_equal(f->h.tx[i].b, vn_mac_broadcast.b, 6);
		assert_memory_equal(f->h.tx[i].b + 22, vn_mac_broadcast.b, 6);
	}
	assert_int_equal(ctr(f, "down_broadcast"), 2);
	/* a bad packet from tun */
	ip[0] = 0x35;
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(9));
	assert_int_equal(ctr(f, "drop_tun_bad_ip"), 1);
	fx_free(f);
}

/* Rule 12: an Upstream packet salvaged after its ACKs were lost arrives
 * twice, here through B and then through E: it goes out of tun once
 * (drop_up_dup); another packet of C, and the same packet again through
 * the same neighbour after RSU_UP_DEDUP periods (an end-to-end
 * retransmission), are delivered. */
static void test_upstream_once(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	h_clear(&f->h);
	n = b_up(fr, &R, &B, &C, 3, 1);
	feed(f, fr, n, T0 + MS(10));
	n = b_up(fr, &R, &E, &C, 3, 1); /* the same packet, salvaged via E */
	feed(f, fr, n, T0 + MS(60));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(ctr(f, "up_delivered"), 1);
	assert_int_equal(ctr(f, "drop_up_dup"), 1);
	n = b_up(fr, &R, &B, &C, 3, 2); /* another packet */
	feed(f, fr, n, T0 + MS(61));
	assert_int_equal(f->h.ndel, 2);
	n = b_up(fr, &R, &B, &C, 3, 1); /* the first again, 3 periods on */
	feed(f, fr, n, T0 + MS(311));
	assert_int_equal(f->h.ndel, 3);
	assert_int_equal(ctr(f, "drop_up_dup"), 1);
	fx_free(f);
}

/* OBU to OBU: the Upstream becomes a Downstream in place, origin kept. */
static void test_obu_to_obu(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128];
	struct vn_pbuf *b;
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	reply(f, &D, &D, 0, 0, 1, T0 + MS(5)); /* D direct */
	n = b_up(fr, &R, &D, &D, 4, 1);	/* learn D = 10.0.0.4 */
	feed(f, fr, n, T0 + MS(6));
	h_clear(&f->h);
	n = b_up(fr, &R, &B, &C, 3, 4); /* C -> D */
	b = h_buf(&f->h, fr, n);
	rsu_core_on_frame(f->c, b, T0 + MS(7));
	assert_int_equal(f->h.ndel, 0);
	assert_int_equal(f->h.ntx, 1);
	assert_int_equal(f->h.tx[0].len, n - VN_UP_HLEN + VN_DOWN_HLEN);
	assert_memory_equal(f->h.tx[0].b, D.b, 6);
	assert_memory_equal(f->h.tx[0].b + 6, R.b, 6);
	assert_int_equal(f->h.tx[0].b[15], 1);
	assert_memory_equal(f->h.tx[0].b + 16, C.b, 6); /* origin kept */
	assert_memory_equal(f->h.tx[0].b + 22, D.b, 6);
	assert_memory_equal(f->h.tx[0].b + VN_DOWN_HLEN, fr + VN_UP_HLEN, n - VN_UP_HLEN);
	/* in place: the payload did not move */
	assert_ptr_equal(b->data + VN_DOWN_HLEN, f->h.mem + VN_PBUF_HEADROOM + VN_UP_HLEN);
	assert_int_equal(ctr(f, "up_hairpinned"), 1);
	fx_free(f);
}

/* IPv6 is learned and routed like IPv4; multicast goes to everyone. */
static void test_ipv6(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[256], ip[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	memcpy(fr, R.b, 6);
	memcpy(fr + 6, B.b, 6);
	fr[12] = 0x30, fr[13] = 0x30, fr[14] = 1, fr[15] = 0;
	memcpy(fr + 16, C.b, 6);
	n = VN_UP_HLEN + b_ip6(fr + VN_UP_HLEN, 80, 3, 1); /* fd00::3 -> fd00::1 */
	feed(f, fr, n, T0 + MS(6));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(ctr(f, "ips_learned"), 1);
	h_clear(&f->h);
	n = b_ip6(ip, 100, 1, 3);
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(7));
	assert_int_equal(f->h.ntx, 1);
	assert_memory_equal(f->h.tx[0].b, B.b, 6);
	assert_memory_equal(f->h.tx[0].b + 22, C.b, 6);
	n = b_ip6(ip, 100, 1, 0); /* ff02::1 */
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(8));
	assert_int_equal(f->h.ntx, 2);
	assert_memory_equal(f->h.tx[1].b, vn_mac_broadcast.b, 6);
	assert_int_equal(ctr(f, "down_unicast"), 1);
	assert_int_equal(ctr(f, "down_broadcast"), 1);
	fx_free(f);
}

static void test_ip_expiry(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128], ip[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	n = b_up(fr, &R, &B, &C, 3, 1);
	feed(f, fr, n, T0 + MS(1));
	run_to(f, T0 + MS(298800));
	h_clear(&f->h);
	run_to(f, T0 + MS(299000));
	reply(f, &B, &C, sent_uptime(f, vn_get_be32(f->h.tx[0].b + 32)),
	      vn_get_be32(f->h.tx[0].b + 32), 2, T0 + MS(299001));
	h_clear(&f->h);
	n = b_ip4(ip, 60, 1, 3);
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(299002));
	assert_int_equal(ctr(f, "down_unicast"), 1);
	run_to(f, T0 + MS(301000));
	assert_int_equal(ctr(f, "ips_expired"), 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_paths),
		cmocka_unit_test(test_upstream_once),
		cmocka_unit_test(test_obu_to_obu),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ip_expiry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
