/* OBU to OBU through the RSU: OBU1 -> OBU3 by IP once the RSU has learned
 * OBU3's address. The packet goes up to the RSU and down to OBU3, never
 * out of the RSU's tun. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "scenario.h"

static const uint64_t seeds_dflt[] = { 21, 22, 23 };

/* branches: RSU - OBU1 and RSU - OBU2 - OBU3 (branch = true), or the chain
 * RSU - OBU1 - OBU2 - OBU3, where the packet passes OBU1 twice (up, then
 * down: two directions, not a duplicate). */
static void run(uint64_t seed, bool branch)
{
	struct sim *s = scen_new(seed);
	struct sim_link_cfg l = sim_link_default();
	int n[4];
	struct scen_attach a = { n + 1, 3, 0 };
	struct vn_ip ip1 = sim_ip4(1), ip3 = sim_ip4(3), inet = scen_inet(1);
	uint32_t t[10], learn;

	scen_chain(s, n, 3, &l);
	if (branch) {
		sim_link_up(s, n[1], n[2], false);
		sim_link_both(s, n[0], n[2], &l);
	}
	a.rsu = n[0];
	for (int i = 1; i <= 3; i++)
		assert_int_equal(scen_set_addr(s, n[i], (uint32_t)i), 0);
	assert_true(scen_run_until_pred(s, scen_all_attached, &a, MS(5), SEC(2)) != VN_USEC_NEVER);
	sim_run_for(s, SEC(1));
	/* OBU3 and OBU1 speak first: the RSU learns both addresses. */
	learn = sim_send_ip(s, n[3], &ip3, &inet, 100);
	sim_send_ip(s, n[1], &ip1, &inet, 100);
	sim_run_for(s, MS(50));
	assert_int_equal(sim_delivered(s, n[0], learn), 1);
	for (int i = 0; i < 10; i++) {
		t[i] = sim_send_ip(s, n[1], &ip1, &ip3, 500);
		sim_run_for(s, MS(20));
	}
	sim_run_for(s, MS(50));
	for (int i = 0; i < 10; i++) {
		if (sim_delivered(s, n[3], t[i]) != 1)
			scen_dump_all(s);
		assert_int_equal(sim_delivered(s, n[3], t[i]), 1);
		assert_int_equal(sim_delivered(s, n[0], t[i]), 0);
		assert_int_equal(sim_delivered(s, n[1], t[i]), 0);
		assert_int_equal(sim_delivered(s, n[2], t[i]), 0);
	}
	/* And back: OBU3 -> OBU1. */
	for (int i = 0; i < 10; i++) {
		t[i] = sim_send_ip(s, n[3], &ip3, &ip1, 500);
		sim_run_for(s, MS(20));
	}
	sim_run_for(s, MS(50));
	for (int i = 0; i < 10; i++) {
		assert_int_equal(sim_delivered(s, n[1], t[i]), 1);
		assert_int_equal(sim_delivered(s, n[0], t[i]), 0);
	}
	if (sim_dup_forwards(s))
		sim_dup_report(s, 10);
	assert_int_equal(sim_dup_forwards(s), 0);
	sim_free(s);
}

static void branches(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++)
		run(seeds[k], true);
}

static void chain(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++)
		run(seeds[k], false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(branches),
		cmocka_unit_test(chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
