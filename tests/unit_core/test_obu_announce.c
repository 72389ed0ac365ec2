/* When obud announces its addresses (obu/obu_announce.c). */
#include "obu_announce.h"
#include "obu_fx.h"

static const struct vn_mac R1 = {{0x04, 0, 0, 0, 0, 1}};
static const struct vn_mac R2 = {{0x04, 0, 0, 0, 0, 2}};

static void test_schedule(void **state)
{
	struct obu_announce a;
	vn_usec t = MS(1000);

	(void)state;
	obu_announce_init(&a);
	assert_int_equal(obu_announce_next(&a), VN_USEC_NEVER);
	assert_int_equal(obu_announce_due(&a, NULL, t), VN_ANNOUNCE_NONE);
	/* a new RSU: three attach copies at 0, 200 and 800 ms */
	assert_int_equal(obu_announce_due(&a, &R1, t), VN_ANNOUNCE_ATTACH);
	assert_int_equal(obu_announce_due(&a, &R1, t), VN_ANNOUNCE_NONE);
	assert_int_equal(obu_announce_next(&a), t + MS(200));
	assert_int_equal(obu_announce_due(&a, &R1, t + MS(199)), VN_ANNOUNCE_NONE);
	assert_int_equal(obu_announce_due(&a, &R1, t + MS(200)), VN_ANNOUNCE_ATTACH);
	assert_int_equal(obu_announce_next(&a), t + MS(800));
	assert_int_equal(obu_announce_due(&a, &R1, t + MS(800)), VN_ANNOUNCE_ATTACH);
	/* then keep-alives */
	assert_int_equal(obu_announce_next(&a), t + MS(800 + OBU_ANNOUNCE_KEEPALIVE_MS));
	assert_int_equal(obu_announce_due(&a, &R1, t + MS(5000)), VN_ANNOUNCE_NONE);
	assert_int_equal(obu_announce_due(&a, &R1, t + MS(800 + OBU_ANNOUNCE_KEEPALIVE_MS)),
			 VN_ANNOUNCE_KEEPALIVE);
	/* another RSU: attach at once, whatever the keep-alive timer says */
	assert_int_equal(obu_announce_due(&a, &R2, t + MS(12000)), VN_ANNOUNCE_ATTACH);
	/* none: forgotten; the same RSU again is a new attachment */
	assert_int_equal(obu_announce_due(&a, NULL, t + MS(12100)), VN_ANNOUNCE_NONE);
	assert_int_equal(obu_announce_next(&a), VN_USEC_NEVER);
	assert_int_equal(obu_announce_due(&a, &R2, t + MS(12200)), VN_ANNOUNCE_ATTACH);
}

/* obu_announce_send: one announce per address, up the core's upstream,
 * when the schedule says so; nothing without an upstream. */
static void test_send_through_core(void **state)
{
	struct fx *f = fx_new(NULL);
	struct obu_announce a;
	struct vn_ip ip[2];
	uint8_t fr[64];
	struct vn_msg m;
	size_t used;
	vn_usec t = MS(1000);

	(void)state;
	assert_int_equal(vn_ip_parse("10.0.0.10", &ip[0]), 0);
	assert_int_equal(vn_ip_parse("fd00::a", &ip[1]), 0);
	obu_announce_init(&a);
	assert_int_equal(obu_announce_send(&a, f->c, ip, 2, t), 0); /* no upstream */
	feed(f, fr, b_hb(fr, &vn_mac_broadcast, &R, &R, 0, 0, 1), t);
	h_clear(&f->h);
	assert_int_equal(obu_announce_send(&a, f->c, ip, 2, t), 2);
	assert_int_equal(f->h.ntx, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(vn_decode_msg(f->h.tx[i].b, f->h.tx[i].len, &m, &used), VN_RX_OK);
		assert_int_equal(m.type, VN_MSG_UPSTREAM);
		assert_memory_equal(m.to.b, R.b, 6);
		assert_int_equal(vn_announce_parse(m.payload, m.payload_len), VN_ANNOUNCE_ATTACH);
	}
	assert_int_equal(obu_announce_send(&a, f->c, ip, 2, t), 0); /* not due again yet */
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_send_through_core),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
