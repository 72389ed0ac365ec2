/* OBU core: its timers. A tick at (or after) obu_core_next_timer() must
 * leave no deadline due, else the daemon's event loop spins. */
#include "obu_fx.h"

static const struct vn_mac R2 = {{0x04, 0x04, 0x04, 0x04, 0x04, 0x05}};

/* A heartbeat of RSU src made at uptime up_ms, relayed by `from`. */
static void hb_at(struct fx *f, const struct vn_mac *from, const struct vn_mac *src, uint32_t id,
		  uint32_t hops, uint64_t up_ms, vn_usec now)
{
	uint8_t fr[64];
	size_t n = b_hb(fr, &vn_mac_broadcast, from, src, up_ms, id, hops);

	feed(f, fr, n, now);
}

static void tune_small(struct obu_params *p)
{
	p->max_neighbours = 2;
	p->max_rsus = 2;
}

/* The RSU's period, learned from a heartbeat that touched no neighbour
 * entry (the table full), shortens the upstream's silence limit: the
 * evaluation cached under the old limit must not outlive it (found by
 * fuzz_core: every tick left the upstream's deadline due until the old
 * limit ran out, a busy loop of 125 ms here, of seconds with a configured
 * period much longer than the real one). */
static void test_period_learned_tick_settles(void **state)
{
	struct fx *f = fx_new(tune_small);
	vn_usec t = MS(1000), next;

	(void)state;
	hb_at(f, &R, &R, 0, 1, 0, t);	    /* upstream R, period not yet known */
	hb_at(f, &R, &R, 0, 1, 0, t);	    /* a copy: evaluated, "the same until R's limit" */
	assert_true(obu_core_upstream(f->c, &(struct obu_route_info){0}));
	hb_at(f, &B, &R2, 0, 1, 0, t);	    /* the second (and last) neighbour entry */
	hb_at(f, &C, &R, 1, 2, 36, t);	    /* T_r 36 ms, by a neighbour not in the table */
	t += MS(100);
	obu_core_tick(f->c, t);
	next = obu_core_next_timer(f->c);
	assert_true(next > t);
	assert_int_equal(ctr(f, "nbrs_dead"), 1); /* R is silent past its 81 ms */
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period_learned_tick_settles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
