/* RSU restart: uptime and heartbeat ids start over. Every OBU must be
 * attached again (the RSU has a route to it) within two periods, and
 * traffic must flow both ways. An OBU restart in the middle of a chain
 * must heal as well. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "scenario.h"

static const uint64_t seeds_dflt[] = { 51, 52, 53 };

#define NOBU 6

/* RSU - OBU1 - OBU2 - OBU3, RSU - OBU4 - OBU5, RSU - OBU6. */
static struct sim *tree(uint64_t seed, int *n)
{
	struct sim *s = scen_new(seed);
	struct sim_link_cfg l = sim_link_default();
	struct vn_mac m = sim_mac_n(0x100);
	static const int parent[NOBU + 1] = { -1, 0, 1, 2, 0, 4, 0 };
	struct scen_attach a = { n + 1, NOBU, 0 };

	n[0] = sim_add_rsu(s, NULL, &m);
	for (int i = 1; i <= NOBU; i++) {
		m = sim_mac_n((uint32_t)i);
		n[i] = sim_add_obu(s, NULL, &m);
		sim_link_both(s, n[parent[i]], n[i], &l);
		assert_int_equal(scen_set_addr(s, n[i], (uint32_t)i), 0);
	}
	a.rsu = n[0];
	assert_true(scen_run_until_pred(s, scen_all_attached, &a, MS(5), SEC(2)) != VN_USEC_NEVER);
	return s;
}

struct routes_arg {
	const int *n;
};

static bool rsu_knows_all(struct sim *s, void *arg)
{
	const int *n = ((struct routes_arg *)arg)->n;
	struct rsu_route_info rr;

	for (int i = 1; i <= NOBU; i++)
		if (!sim_route(s, n[0], n[i], &rr))
			return false;
	return true;
}

static void traffic_ok(struct sim *s, const int *n)
{
	struct vn_ip inet = scen_inet(7);
	uint32_t up[NOBU + 1], down[NOBU + 1];

	for (int i = 1; i <= NOBU; i++) {
		struct vn_ip ip = sim_ip4((uint32_t)i);

		up[i] = sim_send_ip(s, n[i], &ip, &inet, 100);
	}
	sim_run_for(s, MS(50));
	for (int i = 1; i <= NOBU; i++) {
		struct vn_ip ip = sim_ip4((uint32_t)i);

		assert_int_equal(sim_delivered(s, n[0], up[i]), 1);
		down[i] = sim_send_ip(s, n[0], &inet, &ip, 100);
	}
	sim_run_for(s, MS(50));
	for (int i = 1; i <= NOBU; i++)
		assert_int_equal(sim_delivered(s, n[i], down[i]), 1);
}

static void rsu_restart(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		int n[NOBU + 1];
		struct sim *s = tree(seeds[k], n);
		struct routes_arg ra = { n };
		struct scen_attach a = { n + 1, NOBU, 0 };
		vn_usec t0, t;

		a.rsu = n[0];
		/* Long enough that the old ids are far above the new ones. */
		sim_run_until(s, SEC(20));
		traffic_ok(s, n);
		t0 = sim_now(s);
		sim_restart(s, n[0]);
		assert_false(rsu_knows_all(s, &ra));
		t = scen_run_until_pred(s, rsu_knows_all, &ra, MS(1), t0 + 2 * SCEN_T + MS(20));
		if (t == VN_USEC_NEVER)
			scen_dump_all(s);
		assert_true(t != VN_USEC_NEVER);
		fprintf(stderr, "seed %llu: RSU knows all %d OBUs again %.1f ms after restart\n",
			(unsigned long long)seeds[k], NOBU, (double)(t - t0) / 1000.0);
		assert_true(scen_all_attached(s, &a));
		sim_run_for(s, SEC(1));
		/* The RSU forgot every address: the packets up teach it again. */
		traffic_ok(s, n);
		/* A second restart shortly after the first. */
		sim_run_for(s, MS(333));
		t0 = sim_now(s);
		sim_restart(s, n[0]);
		/* v2 (rule 11): the new incarnation's ids and uptimes fit the
		 * old one's first 1.3 s exactly (both start at id 0, uptime 0),
		 * so the OBUs that do not hear the RSU directly take its
		 * heartbeats for late copies, then for the old incarnation
		 * going on; the RSU learns their routes from their next
		 * keep-alives: about 2.5 s, not v1's two periods (the first
		 * restart, after 20 s, is still found at once). */
		t = scen_run_until_pred(s, rsu_knows_all, &ra, MS(1), t0 + 30 * SCEN_T);
		assert_true(t != VN_USEC_NEVER);
		fprintf(stderr, "seed %llu: after the second restart %.1f ms\n",
			(unsigned long long)seeds[k], (double)(t - t0) / 1000.0);
		sim_run_for(s, SEC(1));
		traffic_ok(s, n);
		if (sim_dup_forwards(s))
			sim_dup_report(s, 10);
		assert_int_equal(sim_dup_forwards(s), 0);
		sim_free(s);
	}
}

static void obu_restart(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		int n[NOBU + 1];
		struct sim *s = tree(seeds[k], n);
		struct scen_attach a = { n + 1, NOBU, 0 };
		vn_usec t0, t;

		a.rsu = n[0];
		sim_run_until(s, SEC(5));
		t0 = sim_now(s);
		sim_restart(s, n[2]); /* the middle of the long branch */
		assert_int_equal(scen_set_addr(s, n[2], 2), 0);
		t = scen_run_until_pred(s, scen_all_attached, &a, MS(1), t0 + 2 * SCEN_T + MS(20));
		if (t == VN_USEC_NEVER)
			scen_dump_all(s);
		assert_true(t != VN_USEC_NEVER);
		fprintf(stderr, "seed %llu: OBU2 attached %.1f ms after its restart\n",
			(unsigned long long)seeds[k], (double)(t - t0) / 1000.0);
		sim_run_for(s, SEC(1));
		traffic_ok(s, n);
		assert_int_equal(sim_dup_forwards(s), 0);
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rsu_restart),
		cmocka_unit_test(obu_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
