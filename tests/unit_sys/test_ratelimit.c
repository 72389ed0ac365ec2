/* The log rate limiter: a burst per interval, the rest counted and reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "log.h"

static void test_burst_then_quiet(void **state)
{
	struct vn_ratelimit rl;
	uint64_t supp = 99;

	(void)state;
	vn_ratelimit_init(&rl, 1000000, 3);
	assert_true(vn_ratelimit_ok(&rl, 5000000, &supp));
	assert_int_equal(supp, 0);
	assert_true(vn_ratelimit_ok(&rl, 5000001, &supp));
	assert_true(vn_ratelimit_ok(&rl, 5000002, &supp));
	for (int i = 0; i < 10; i++)
		assert_false(vn_ratelimit_ok(&rl, 5100000, &supp));
	assert_false(vn_ratelimit_ok(&rl, 5999999, &supp));
	/* Next window: allowed again, and told what was left out. */
	assert_true(vn_ratelimit_ok(&rl, 6000000, &supp));
	assert_int_equal(supp, 11);
	assert_true(vn_ratelimit_ok(&rl, 6000001, &supp));
	assert_int_equal(supp, 0);
}

static void test_time_zero_and_backwards(void **state)
{
	struct vn_ratelimit rl;

	(void)state;
	vn_ratelimit_init(&rl, 1000, 1);
	assert_true(vn_ratelimit_ok(&rl, 0, NULL));
	assert_false(vn_ratelimit_ok(&rl, 10, NULL));
	/* A clock that went back must not lock the limiter for ages. */
	vn_ratelimit_init(&rl, 1000, 1);
	assert_true(vn_ratelimit_ok(&rl, 500000, NULL));
	assert_true(vn_ratelimit_ok(&rl, 100, NULL));
	assert_false(vn_ratelimit_ok(&rl, 200, NULL));
}

static void test_zero_burst(void **state)
{
	struct vn_ratelimit rl;

	(void)state;
	vn_ratelimit_init(&rl, 1000, 0);
	assert_false(vn_ratelimit_ok(&rl, 1, NULL));
	assert_false(vn_ratelimit_ok(&rl, 5000, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_quiet),
		cmocka_unit_test(test_time_zero_and_backwards),
		cmocka_unit_test(test_zero_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
