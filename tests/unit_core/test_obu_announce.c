/* When obud announces its addresses (obu/obu_announce.c). */
#include "harness.h"
#include "obu_announce.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
