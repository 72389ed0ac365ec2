/* Mobility: vehicles on a ring road, links recomputed from positions every
 * 100 ms, loss growing with distance, two RSUs, traffic from a sample of
 * OBUs. Asserts what must hold whatever the motion: no packet is forwarded
 * twice by a node (no loops), nearly every OBU that can reach an RSU is
 * attached, and most packets arrive. A small version of the sweep's ring1000
 * (sweep.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "scenario.h"

static const uint64_t seeds_dflt[] = { 91, 92, 93 };

#define NRSU 2
#define NOBU 60
#define ROAD 3000.0
#define RANGE 250.0
#define NSEND 8

struct mob {
	struct sim *s;
	double x[NRSU + NOBU], v[NRSU + NOBU];
	size_t samples, attached, reachable;
	struct scen_flow f[NSEND];
};

static double ring_dist(double a, double b)
{
	double d = fabs(a - b);

	return d < ROAD - d ? d : ROAD - d;
}

static void relink(struct mob *m)
{
	struct sim_link_cfg l = sim_link_default();
	int n = NRSU + NOBU;

	for (int i = 0; i < n; i++)
		sim_links_clear_from(m->s, i);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			double d = ring_dist(m->x[i], m->x[j]);

			if (d > RANGE || (i < NRSU && j < NRSU))
				continue;
			l.loss = 0.02 + 0.28 * (d / RANGE) * (d / RANGE);
			sim_link_both(m->s, i, j, &l);
		}
}

static void step(struct sim *s, void *arg)
{
	struct mob *m = arg;
	bool reach[NRSU + NOBU];
	int q[NRSU + NOBU], h = 0, t = 0;

	for (int i = NRSU; i < NRSU + NOBU; i++)
		m->x[i] = fmod(m->x[i] + m->v[i] * 0.1 + ROAD, ROAD);
	relink(m);
	for (int i = 0; i < NRSU + NOBU; i++) {
		reach[i] = i < NRSU;
		if (reach[i])
			q[t++] = i;
	}
	while (h < t) {
		int i = q[h++];

		for (int j = NRSU; j < NRSU + NOBU; j++)
			if (!reach[j] && ring_dist(m->x[i], m->x[j]) <= RANGE) {
				reach[j] = true;
				q[t++] = j;
			}
	}
	if (sim_now(s) >= SEC(3))
		for (int i = NRSU; i < NRSU + NOBU; i++) {
			struct obu_route_info r;

			if (!reach[i])
				continue;
			m->reachable++;
			m->attached += sim_upstream(s, i, &r);
		}
	sim_at(s, sim_now(s) + MS(100), step, m);
}

static void ring(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		struct mob *m = calloc(1, sizeof(*m));
		struct sim_opts o = { .seed = seeds[k], .unicast_retries = 3 };
		struct vn_ip inet = scen_inet(1);
		size_t sent = 0, got = 0;

		assert_non_null(m);
		m->s = sim_new(&o);
		for (int i = 0; i < NRSU + NOBU; i++) {
			struct vn_mac mac = sim_mac_n((uint32_t)i + 1);

			if (i < NRSU) {
				m->x[i] = ROAD * (i + 0.5) / NRSU;
				assert_int_equal(sim_add_rsu(m->s, NULL, &mac), i);
			} else {
				double sp = 20 + 15 * sim_rand01(m->s);

				m->x[i] = ROAD * sim_rand01(m->s);
				m->v[i] = (sim_rand(m->s) & 1) ? sp : -sp;
				assert_int_equal(sim_add_obu(m->s, NULL, &mac), i);
			}
		}
		relink(m);
		sim_at(m->s, MS(100), step, m);
		for (int j = 0; j < NSEND; j++) {
			int node = NRSU + j * (NOBU / NSEND);
			struct vn_ip ip = sim_ip4((uint32_t)node);

			scen_flow_start(m->s, &m->f[j], node, &ip, &inet, SEC(3) + MS((unsigned)j), MS(50),
					SEC(30));
		}
		sim_run_until(m->s, SEC(31));
		for (int j = 0; j < NSEND; j++) {
			sent += m->f[j].n;
			for (size_t i = 0; i < m->f[j].n; i++)
				for (int r = 0; r < NRSU; r++)
					if (sim_delivered(m->s, r, m->f[j].tags[i])) {
						got++;
						break;
					}
		}
		fprintf(stderr,
			"seed %llu: attached %.1f %% of reachable OBU samples, %zu/%zu packets up (%.1f %%), %llu duplicate forwards\n",
			(unsigned long long)seeds[k], 100.0 * (double)m->attached / (double)m->reachable,
			got, sent, 100.0 * (double)got / (double)sent,
			(unsigned long long)sim_dup_forwards(m->s));
		if (sim_dup_forwards(m->s))
			sim_dup_report(m->s, 5);
		assert_int_equal(sim_dup_forwards(m->s), 0);
		assert_true(m->attached * 100 >= m->reachable * 95);
		/* Includes packets sent while the sender had no path at all (a gap
		 * in the traffic) and while a broken upstream was being detected. */
		assert_true(got * 100 >= sent * 70);
		for (int j = 0; j < NSEND; j++)
			scen_flow_free(&m->f[j]);
		sim_free(m->s);
		free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
