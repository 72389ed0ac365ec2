/* The world of the attack scenarios (sim_hostile, sim_security):
 * RSU - O1 - O2 with steady traffic both ways (10 ms apart, up from O2 and
 * down to it), and an attacker X, a transmitter without a core, that hears
 * and is heard by everyone. The tests judge an attack by the share of the
 * real traffic that still arrived and by O2 keeping its route via O1. */
#ifndef VN_ATTACK_WORLD_H
#define VN_ATTACK_WORLD_H
#include "scenario.h"

struct attack_world {
	struct sim *s;
	int rsu, o1, o2, x;
	struct scen_flow up, down;
};

/* Builds the world on seed and runs it to 2 s, the flows started at 1 s.
 * `secure` (may be NULL) is called once the three nodes exist and before
 * any link does: a layer put there sees every frame. */
void aw_new(struct attack_world *w, uint64_t seed, void (*secure)(void *ctx), void *ctx);
/* Share (%) of the flows' packets sent in [from, to) that arrived. */
unsigned aw_flow_pct(const struct attack_world *w, vn_usec from, vn_usec to);
/* Runs 500 ms more, then asserts: >= 95 % of the traffic sent since
 * `from` arrived (printed with `what`), O2 attached via O1, no duplicate
 * forwards. */
void aw_check(struct attack_world *w, vn_usec from, const char *what);
void aw_free(struct attack_world *w);
#endif
