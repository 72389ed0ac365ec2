/* A chain RSU - OBU1 - OBU2 - OBU3, each hearing only its neighbours:
 * traffic both ways, started by the OBU or by the RSU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "scenario.h"

static const uint64_t seeds_dflt[] = { 11, 12, 13 };

static struct sim *chain_up(uint64_t seed, int *nodes, size_t n)
{
	struct sim *s = scen_new(seed);
	struct sim_link_cfg l = sim_link_default();
	struct scen_attach a = { nodes + 1, n, 0 };

	scen_chain(s, nodes, n, &l);
	a.rsu = nodes[0];
	for (size_t i = 1; i <= n; i++)
		assert_int_equal(scen_set_addr(s, nodes[i], (uint32_t)i), 0);
	if (scen_run_until_pred(s, scen_all_attached, &a, MS(5), SEC(2)) == VN_USEC_NEVER) {
		scen_dump_all(s);
		fail_msg("chain of %zu not attached after 2 s", n);
	}
	return s;
}

static void hops_and_routes(void **state)
{
	int nodes[4];
	struct obu_route_info r;
	struct rsu_route_info rr;
	struct sim *s = chain_up(11, nodes, 3);

	(void)state;
	sim_run_for(s, SEC(1));
	for (int i = 1; i <= 3; i++) {
		assert_true(sim_upstream(s, nodes[i], &r));
		assert_int_equal(r.hops, i);
		assert_true(vn_mac_eq(&r.next_hop, sim_mac(s, nodes[i - 1])));
		assert_true(sim_route(s, nodes[0], nodes[i], &rr));
		assert_int_equal(rr.hops, i);
		assert_true(vn_mac_eq(&rr.next_hop, sim_mac(s, nodes[1])));
	}
	assert_int_equal(sim_dup_forwards(s), 0);
	sim_free(s);
}

/* OBU3 speaks first; the RSU answers through the route it learned. */
static void obu_first(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		int nodes[4];
		struct sim *s = chain_up(seeds[k], nodes, 3);
		struct vn_ip o3 = sim_ip4(3), inet = scen_inet(1);
		uint32_t up[20], down[20];

		sim_run_for(s, SEC(1));
		for (int i = 0; i < 20; i++) {
			up[i] = sim_send_ip(s, nodes[3], &o3, &inet, 200);
			sim_run_for(s, MS(10));
		}
		sim_run_for(s, MS(50));
		for (int i = 0; i < 20; i++) {
			assert_int_equal(sim_delivered(s, nodes[0], up[i]), 1);
			for (int j = 1; j <= 3; j++)
				assert_int_equal(sim_delivered(s, nodes[j], up[i]), 0);
		}
		for (int i = 0; i < 20; i++) {
			down[i] = sim_send_ip(s, nodes[0], &inet, &o3, 300);
			sim_run_for(s, MS(10));
		}
		sim_run_for(s, MS(50));
		for (int i = 0; i < 20; i++) {
			assert_int_equal(sim_delivered(s, nodes[3], down[i]), 1);
			assert_int_equal(sim_delivered(s, nodes[1], down[i]), 0);
			assert_int_equal(sim_delivered(s, nodes[2], down[i]), 0);
			/* A known OBU gets unicast: OBU1 forwards it once. */
			assert_int_equal(sim_data_sent(s, nodes[1]) > 0, 1);
		}
		if (sim_dup_forwards(s))
			sim_dup_report(s, 10);
		assert_int_equal(sim_dup_forwards(s), 0);
		sim_free(s);
	}
}

/* The RSU reaches an OBU that has sent nothing yet: the broadcast
 * Downstream path, delivered only where the address matches. Then the OBU
 * answers and the RSU's next packet still arrives exactly once. */
static void rsu_first(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		int nodes[4];
		struct sim *s = chain_up(seeds[k], nodes, 3);
		struct vn_ip o3 = sim_ip4(3), inet = scen_inet(1);
		uint32_t t1, t2, t3;

		sim_run_for(s, SEC(1));
		t1 = sim_send_ip(s, nodes[0], &inet, &o3, 120);
		sim_run_for(s, MS(50));
		if (sim_delivered(s, nodes[3], t1) != 1)
			scen_dump_all(s);
		assert_int_equal(sim_delivered(s, nodes[3], t1), 1);
		assert_int_equal(sim_delivered(s, nodes[1], t1), 0);
		assert_int_equal(sim_delivered(s, nodes[2], t1), 0);
		assert_int_equal(sim_delivered(s, nodes[0], t1), 0);

		t2 = sim_send_ip(s, nodes[3], &o3, &inet, 120);
		sim_run_for(s, MS(50));
		assert_int_equal(sim_delivered(s, nodes[0], t2), 1);

		t3 = sim_send_ip(s, nodes[0], &inet, &o3, 120);
		sim_run_for(s, MS(50));
		assert_int_equal(sim_delivered(s, nodes[3], t3), 1);
		assert_int_equal(sim_delivered(s, nodes[1], t3), 0);
		assert_int_equal(sim_delivered(s, nodes[2], t3), 0);
		assert_int_equal(sim_dup_forwards(s), 0);
		sim_free(s);
	}
}

/* The same over a lossy chain (10 % per link): most packets arrive, none
 * twice, no node forwards a packet twice. */
static void lossy(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		int nodes[4];
		struct sim *s = chain_up(seeds[k], nodes, 3);
		struct vn_ip o3 = sim_ip4(3), inet = scen_inet(1);
		struct scen_flow up, down;
		size_t nu, nd;

		sim_link_loss(s, nodes[0], nodes[1], 0.1);
		sim_link_loss(s, nodes[1], nodes[2], 0.1);
		sim_link_loss(s, nodes[2], nodes[3], 0.1);
		scen_flow_start(s, &up, nodes[3], &o3, &inet, sim_now(s) + MS(1), MS(10),
				sim_now(s) + SEC(10));
		scen_flow_start(s, &down, nodes[0], &inet, &o3, sim_now(s) + MS(5), MS(10),
				sim_now(s) + SEC(10));
		sim_run_for(s, SEC(11));
		nu = scen_flow_delivered(s, &up, nodes[0]);
		nd = scen_flow_delivered(s, &down, nodes[3]);
		fprintf(stderr, "seed %llu: lossy chain: up %zu/%zu down %zu/%zu (0.9^3 = 73 %% expected)\n",
			(unsigned long long)seeds[k], nu, up.n, nd, down.n);
		/* Three hops of 10 % loss: 72.9 % expected; allow statistics. */
		assert_true(nu * 100 >= up.n * 60);
		assert_true(nd * 100 >= down.n * 60);
		for (size_t i = 0; i < down.n; i++)
			assert_true(sim_delivered(s, nodes[3], down.tags[i]) <= 1);
		for (size_t i = 0; i < up.n; i++)
			assert_true(sim_delivered(s, nodes[0], up.tags[i]) <= 1);
		if (sim_dup_forwards(s))
			sim_dup_report(s, 10);
		assert_int_equal(sim_dup_forwards(s), 0);
		scen_flow_free(&up);
		scen_flow_free(&down);
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hops_and_routes),
		cmocka_unit_test(obu_first),
		cmocka_unit_test(rsu_first),
		cmocka_unit_test(lossy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
