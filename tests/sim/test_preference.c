/* Upstream preference: a two-hop path over good links beats a direct link
 * losing 40 % of frames; with equal loss the fewer hops win. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "scenario.h"

/* 5 .. 61: the relay's start-up copies fit a denser period than its settled
 * one; until the observer let a sparse neighbour rise at once (rule 5,
 * obu_nbr.c went_sparser) they failed at 82-85 % via the relay */
static const uint64_t seeds_dflt[] = { 31, 32, 33, 34, 5, 7, 15, 21, 29, 37, 61 };
#define NDFLT (sizeof(seeds_dflt) / sizeof(seeds_dflt[0]))

/* RSU, OBU1 (relay), OBU2: RSU-OBU1 and OBU1-OBU2 with loss `relay_loss`,
 * RSU-OBU2 with `direct_loss`. Runs 30 s and samples OBU2's next hop
 * every 100 ms after a 3 s warm-up; returns the share of samples (%) that
 * chose the relay, and the number of next-hop changes. */
static void run(uint64_t seed, double direct_loss, double relay_loss, unsigned *via_relay_pct,
		unsigned *changes, bool *relay_at_end)
{
	struct sim *s = scen_new(seed);
	struct sim_link_cfg l = sim_link_default();
	struct vn_mac m = sim_mac_n(0x100);
	int rsu = sim_add_rsu(s, NULL, &m), o1, o2;
	unsigned samples = 0, relay = 0;
	struct vn_mac last = vn_mac_zero;
	struct obu_route_info r;

	m = sim_mac_n(1);
	o1 = sim_add_obu(s, NULL, &m);
	m = sim_mac_n(2);
	o2 = sim_add_obu(s, NULL, &m);
	l.loss = relay_loss;
	sim_link_both(s, rsu, o1, &l);
	sim_link_both(s, o1, o2, &l);
	l.loss = direct_loss;
	sim_link_both(s, rsu, o2, &l);
	*changes = 0;
	sim_run_until(s, SEC(3));
	for (vn_usec t = SEC(3); t < SEC(33); t += MS(100)) {
		sim_run_until(s, t);
		samples++;
		if (!sim_upstream(s, o2, &r))
			continue;
		if (vn_mac_eq(&r.next_hop, sim_mac(s, o1)))
			relay++;
		if (!vn_mac_is_zero(&last) && !vn_mac_eq(&last, &r.next_hop))
			(*changes)++;
		last = r.next_hop;
	}
	*relay_at_end = sim_upstream(s, o2, &r) && vn_mac_eq(&r.next_hop, sim_mac(s, o1));
	*via_relay_pct = relay * 100 / samples;
	if (sim_dup_forwards(s))
		sim_dup_report(s, 10);
	assert_int_equal(sim_dup_forwards(s), 0);
	sim_free(s);
}

static void good_two_hops_beat_lossy_direct(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, NDFLT);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		unsigned pct, changes;
		bool end;

		run(seeds[k], 0.4, 0.0, &pct, &changes, &end);
		fprintf(stderr, "seed %llu: direct 40 %% loss: via relay %u %% of samples, %u changes\n",
			(unsigned long long)seeds[k], pct, changes);
		assert_true(pct >= 90);
		assert_true(end);
		assert_true(changes <= 4);
	}
}

static void equal_loss_fewer_hops(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, NDFLT);
	const double losses[] = { 0.0, 0.2 };

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		for (size_t j = 0; j < 2; j++) {
			unsigned pct, changes;
			bool end;

			run(seeds[k], losses[j], losses[j], &pct, &changes, &end);
			fprintf(stderr,
				"seed %llu: equal loss %.0f %%: via relay %u %% of samples, %u changes\n",
				(unsigned long long)seeds[k], losses[j] * 100, pct, changes);
			/* Now and then the direct link is silent for the dead
			 * time and the relay carries the traffic until the
			 * direct neighbour has proved itself again. */
			assert_true(pct <= 10);
			/* v2: with 20 % loss the direct link (p 0.8, m(p) 2)
			 * goes briefly to the relay 1-3 % of the time, and the
			 * last sample may land in such a stay; on a clean link
			 * never (v1 asserted it for both). */
			assert_true(!end || losses[j] > 0);
			/* With 20 % loss the direct neighbour is silent for the
			 * dead time now and then (v2: 0.2^2 per period, with
			 * two more periods before a clearly worse relay is
			 * taken: keep_dead): a legitimate
			 * move to the relay and back. Flapping would be far more. */
			assert_true(changes <= (losses[j] > 0 ? 12u : 0u));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_two_hops_beat_lossy_direct),
		cmocka_unit_test(equal_loss_fewer_hops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
