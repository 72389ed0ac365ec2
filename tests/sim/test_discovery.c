/* One-hop discovery: an OBU next to the RSU has its upstream within two
 * heartbeat periods, and the RSU a route back to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "scenario.h"

static const uint64_t seeds_dflt[] = { 1, 2, 3, 4, 5 };

static void one_hop(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 5);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		struct sim *s = scen_new(seeds[k]);
		struct sim_link_cfg l = sim_link_default();
		int nodes[2];
		struct obu_route_info r;
		struct rsu_route_info rr;
		struct scen_attach a = { &nodes[1], 1, -1 };
		vn_usec t;

		scen_chain(s, nodes, 1, &l);
		a.rsu = nodes[0];
		t = scen_run_until_pred(s, scen_all_attached, &a, MS(1), 2 * SCEN_T + MS(10));
		if (t == VN_USEC_NEVER)
			scen_dump_all(s);
		assert_true(t != VN_USEC_NEVER);
		fprintf(stderr, "seed %llu: attached after %.1f ms\n", (unsigned long long)seeds[k],
			(double)t / 1000.0);
		assert_true(sim_upstream(s, nodes[1], &r));
		assert_true(vn_mac_eq(&r.rsu, sim_mac(s, nodes[0])));
		assert_true(vn_mac_eq(&r.next_hop, sim_mac(s, nodes[0])));
		assert_int_equal(r.hops, 1);
		/* The reply travels back within a few ms. */
		sim_run_for(s, MS(20));
		assert_true(sim_route(s, nodes[0], nodes[1], &rr));
		assert_true(vn_mac_eq(&rr.next_hop, sim_mac(s, nodes[1])));
		assert_int_equal(rr.hops, 1);
		assert_int_equal(sim_dup_forwards(s), 0);
		sim_free(s);
	}
}

/* Three OBUs that all hear the RSU and each other: each picks the RSU
 * itself (one hop), never another OBU. */
static void clique(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 5);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		struct sim *s = scen_new(seeds[k]);
		struct sim_link_cfg l = sim_link_default();
		struct vn_mac m = sim_mac_n(0x100);
		int rsu = sim_add_rsu(s, NULL, &m), obu[3];
		struct scen_attach a = { obu, 3, rsu };
		struct obu_route_info r;

		for (int i = 0; i < 3; i++) {
			m = sim_mac_n((uint32_t)i + 1);
			obu[i] = sim_add_obu(s, NULL, &m);
			sim_link_both(s, rsu, obu[i], &l);
			for (int j = 0; j < i; j++)
				sim_link_both(s, obu[i], obu[j], &l);
		}
		assert_true(scen_run_until_pred(s, scen_all_attached, &a, MS(1),
						2 * SCEN_T + MS(10)) != VN_USEC_NEVER);
		sim_run_for(s, SEC(3));
		for (int i = 0; i < 3; i++) {
			assert_true(sim_upstream(s, obu[i], &r));
			if (!vn_mac_eq(&r.next_hop, sim_mac(s, rsu)))
				scen_dump(s, obu[i]);
			assert_true(vn_mac_eq(&r.next_hop, sim_mac(s, rsu)));
			assert_int_equal(r.hops, 1);
		}
		assert_int_equal(sim_dup_forwards(s), 0);
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_hop),
		cmocka_unit_test(clique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
