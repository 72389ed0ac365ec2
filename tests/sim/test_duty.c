/* Protocol v2, relay duty and scope (docs/routing.md, "Relay duty"):
 * OBUs that nobody depends on relay a sparse, staggered subset of the
 * heartbeat ids; a newcomer still finds them and attaches within a second;
 * the neighbour it chooses switches to full duty at once; a sparse relay is
 * judged on the ids it was due to relay (not as a 90 % lossy link); and a far
 * RSU's heartbeats are not carried beyond the scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scenario.h"

#define CLIQUE 20

/* An RSU and n OBUs that all hear each other (one cell); returns the RSU
 * index, OBUs in obus[0..n-1]. */
static int clique(struct sim *s, int *obus, size_t n, const struct sim_link_cfg *l)
{
	struct vn_mac m = sim_mac_n(0x100);
	int rsu = sim_add_rsu(s, NULL, &m);

	for (size_t i = 0; i < n; i++) {
		m = sim_mac_n((uint32_t)i + 1);
		obus[i] = sim_add_obu(s, NULL, &m);
		sim_link_both(s, rsu, obus[i], l);
		for (size_t j = 0; j < i; j++)
			sim_link_both(s, obus[i], obus[j], l);
	}
	return rsu;
}

static uint64_t counter_sum(struct sim *s, const int *nodes, size_t n, const char *name)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += sim_counter(s, nodes[i], name);
	return t;
}

/* Twenty OBUs next to the RSU depend on nobody: each relays about one id in
 * 16 and keeps its route alive with one reply in 20 — under 1.5 control
 * frames a second, against 20 in v1. */
static void sparse_in_a_cell(void **state)
{
	struct sim *s = scen_new(3);
	struct sim_link_cfg l = sim_link_default();
	int o[CLIQUE], rsu = clique(s, o, CLIQUE, &l);
	struct scen_attach a = { o, CLIQUE, rsu };
	uint64_t relayed0[CLIQUE], replies0[CLIQUE];

	(void)state;
	assert_true(scen_run_until_pred(s, scen_all_attached, &a, MS(10), SEC(2)) != VN_USEC_NEVER);
	sim_run_until(s, SEC(5));
	for (int i = 0; i < CLIQUE; i++) {
		relayed0[i] = sim_counter(s, o[i], "hb_relayed");
		replies0[i] = sim_counter(s, o[i], "replies_sent");
	}
	sim_run_until(s, SEC(15));
	for (int i = 0; i < CLIQUE; i++) {
		uint64_t rel = sim_counter(s, o[i], "hb_relayed") - relayed0[i];
		uint64_t rep = sim_counter(s, o[i], "replies_sent") - replies0[i];
		struct obu_route_info r;

		/* 100 ids in 10 s: 6 or 7 are in a 1-in-16 set. */
		assert_in_range(rel, 5, 8);
		/* 100 ids, one keep-alive in 20. */
		assert_in_range(rep, 4, 6);
		assert_true((double)(rel + rep) / 10.0 <= 1.5);
		assert_true(sim_upstream(s, o[i], &r));
		assert_int_equal(r.hops, 1);
	}
	/* Staggered: the ids relayed differ from node to node, so that every
	 * id is carried by someone in a cell this size. */
	assert_true(counter_sum(s, o, CLIQUE, "hb_not_relayed_duty") > 0);
	sim_free(s);
}

struct newcomer {
	struct sim *s;
	int rsu, o[CLIQUE], n;
};

/* The clique plus a newcomer N that hears only OBUs 0..4, whose links come
 * up at `join`. */
static void newcomer_setup(struct newcomer *t, uint64_t seed, vn_usec join)
{
	struct sim_link_cfg l = sim_link_default();
	struct vn_mac m = sim_mac_n(0x200);

	t->s = scen_new(seed);
	t->rsu = clique(t->s, t->o, CLIQUE, &l);
	t->n = sim_add_obu(t->s, NULL, &m);
	l.up = false;
	for (int i = 0; i < 5; i++) {
		sim_link_both(t->s, t->n, t->o[i], &l);
		sim_at_link_up(t->s, join, t->n, t->o[i], true);
	}
}

static int node_of(struct sim *s, const struct vn_mac *m)
{
	int i = sim_find(s, m);

	assert_true(i >= 0);
	return i;
}

/* The newcomer hears only sparse relays, yet is attached within 1 s; the
 * relay it picked relays every id from then on, the others stay sparse. */
static void newcomer_found(void **state)
{
	uint64_t seeds[8];
	size_t ns = scen_seeds(seeds, 8, (const uint64_t[]){ 5, 6, 7, 8 }, 4);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		struct newcomer t;
		int one[1];
		struct scen_attach a = { one, 1, 0 };
		struct obu_route_info r;
		vn_usec at;
		uint64_t up0, other0[5];
		int up;

		newcomer_setup(&t, seeds[k], SEC(5));
		one[0] = t.n;
		a.rsu = t.rsu;
		sim_run_until(t.s, SEC(5));
		at = scen_run_until_pred(t.s, scen_all_attached, &a, MS(5), SEC(7));
		fprintf(stderr, "seed %llu: newcomer attached %.0f ms after joining\n",
			(unsigned long long)seeds[k], (double)(at - SEC(5)) / 1000.0);
		assert_true(at != VN_USEC_NEVER && at - SEC(5) <= SEC(1));
		assert_true(sim_upstream(t.s, t.n, &r));
		assert_int_equal(r.hops, 2);
		up = node_of(t.s, &r.next_hop);
		/* Its reply went out at once: by the next period the relay is at
		 * full duty. */
		sim_run_until(t.s, at + MS(20));
		up0 = sim_counter(t.s, up, "hb_relayed");
		for (int i = 0; i < 5; i++)
			other0[i] = sim_counter(t.s, t.o[i], "hb_relayed");
		sim_run_until(t.s, at + MS(20) + SEC(5));
		assert_true(sim_counter(t.s, up, "hb_relayed") - up0 >= 48);
		for (int i = 0; i < 5; i++)
			if (t.o[i] != up)
				assert_true(sim_counter(t.s, t.o[i], "hb_relayed") - other0[i] <= 5);
		/* Nothing made it change its mind: its upstream was not taken
		 * for a lossy link, nor the sparse ones for better. */
		assert_true(sim_upstream(t.s, t.n, &r));
		assert_int_equal(node_of(t.s, &r.next_hop), up);
		assert_int_equal(sim_counter(t.s, t.n, "nbrs_dead"), 0);
		assert_int_equal(sim_dup_forwards(t.s), 0);
		sim_free(t.s);
	}
}

/* The trap: a sparse relay must be measured on the ids it was due to relay.
 * The newcomer first takes whichever relay it hears; if that link loses 30 %
 * and a clean one exists among the sparse relays, it moves there — which it
 * would never do if every sparse relay looked like a 90 %-lossy link. */
static void sparse_ratio_not_a_loss(void **state)
{
	struct newcomer t;
	int one[1];
	struct scen_attach a = { one, 1, 0 };
	struct obu_route_info r;
	int first;

	(void)state;
	newcomer_setup(&t, 11, SEC(2));
	one[0] = t.n;
	a.rsu = t.rsu;
	sim_run_until(t.s, SEC(2));
	assert_true(scen_run_until_pred(t.s, scen_all_attached, &a, MS(5), SEC(4)) != VN_USEC_NEVER);
	assert_true(sim_upstream(t.s, t.n, &r));
	first = node_of(t.s, &r.next_hop);
	sim_link_loss(t.s, t.n, first, 0.3);
	sim_run_until(t.s, SEC(20));
	assert_true(sim_upstream(t.s, t.n, &r));
	assert_true(node_of(t.s, &r.next_hop) != first);
	assert_int_equal(r.hops, 2);
	sim_free(t.s);
}

/* A road between two RSUs: RSU1 - o1 - ... - o6 - RSU2. Each OBU relays
 * the heartbeats of the other RSU only while it is at most scope_hops (1)
 * farther from it than from its own: RSU2's flood stops in the middle. */
static void scope(void **state)
{
	struct sim *s = scen_new(4);
	struct sim_link_cfg l = sim_link_default();
	struct vn_mac m1 = sim_mac_n(0x101), m2 = sim_mac_n(0x102), m;
	int r1 = sim_add_rsu(s, NULL, &m1), r2 = sim_add_rsu(s, NULL, &m2), o[6];
	struct scen_attach a = { o, 6, -1 };
	char text[4096], mac2[VN_MAC_STRLEN];
	uint64_t rel0, rel;

	(void)state;
	for (int i = 0; i < 6; i++) {
		m = sim_mac_n((uint32_t)i + 1);
		o[i] = sim_add_obu(s, NULL, &m);
		sim_link_both(s, i ? o[i - 1] : r1, o[i], &l);
	}
	sim_link_both(s, o[5], r2, &l);
	assert_true(scen_run_until_pred(s, scen_all_attached, &a, MS(10), SEC(3)) != VN_USEC_NEVER);
	sim_run_until(s, SEC(5));
	assert_true(sim_attached_to(s, o[0], r1));
	assert_true(sim_attached_to(s, o[5], r2));
	rel0 = sim_counter(s, o[0], "hb_relayed");
	sim_run_until(s, SEC(15));
	/* o1 relays RSU1's heartbeats for o2 (full duty: 100 in 10 s), none
	 * of RSU2's: it never even hears of RSU2. */
	rel = sim_counter(s, o[0], "hb_relayed") - rel0;
	assert_in_range(rel, 95, 101);
	sim_describe(s, o[0], text, sizeof(text));
	assert_null(strstr(text, vn_mac_format(&m2, mac2)));
	/* o2 (2 hops from RSU1, 5 from RSU2) did not relay RSU2. Changed
	 * from "o2 heard RSU2": o4 (a leaf of RSU2's tree) and o3 (a leaf of
	 * RSU1's) are both at sparse duty with different staggers, so RSU2's
	 * ids reach o2 only if they are in both sparse sets, which may never
	 * happen (nested sets nest per node, not across nodes). Either o2
	 * never heard of RSU2, or it heard it and dropped it for scope. */
	sim_describe(s, o[1], text, sizeof(text));
	assert_true(strstr(text, mac2) == NULL || sim_counter(s, o[1], "hb_not_relayed_scope") > 0);
	assert_int_equal(sim_dup_forwards(s), 0);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sparse_in_a_cell),
		cmocka_unit_test(newcomer_found),
		cmocka_unit_test(sparse_ratio_not_a_loss),
		cmocka_unit_test(scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
