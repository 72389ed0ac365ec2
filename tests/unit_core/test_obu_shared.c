/* OBU core, protocol v2 rule 1b (docs/routing.md): a sparse relay in a
 * dense neighbourhood relays 1 id in 2 K_r while a neighbour no farther
 * from the RSU relays it at full duty; observers infer K_X up to 2 K_r. */
#include "obu_fx.h"
#include "obu_core_priv.h"

static const struct vn_mac D = {{0x02, 0, 0, 0, 0, 0x0d}};
static const struct vn_mac E = {{0x02, 0, 0, 0, 0, 0x0e}};
static const struct vn_mac F = {{0x02, 0, 0, 0, 0, 0x0f}};

/* Heartbeat id of R, transmitted by `from` with hops; uptime id * period. */
static void hb(struct fx *f, const struct vn_mac *from, uint32_t id, uint32_t hops, vn_usec now)
{
	uint8_t fr[64];
	size_t n = b_hb(fr, &vn_mac_broadcast, from, &R, (vn_u128)id * f->period_ms + 7, id, hops);

	feed(f, fr, n, now);
}

/* Whether the last feed made A re-broadcast a heartbeat. */
static bool relayed(const struct fx *f)
{
	for (size_t i = 0; i < f->h.ntx; i++)
		if (f->h.tx[i].len == VN_HEARTBEAT_LEN)
			return true;
	return false;
}

/* A hears R directly and four neighbours B..E as close to R as A is,
 * relaying one id in 4 (sparse: none of them counts for rule 1b): K_self
 * is K_r (16). Ids [from, to): A relays the first copy (R's) of an id iff it
 * is in its 1-in-k set; `full`: F, at A's own distance (hops 2), relays
 * every id too. Returns the ids relayed outside the expected set, plus
 * those of the set not relayed. */
static uint32_t run_ids(struct fx *f, uint32_t from, uint32_t to, bool full, uint32_t k, vn_usec *t)
{
	const struct vn_mac *near[4] = {&B, &C, &D, &E};
	uint32_t wrong = 0, st = obu_stagger(&A);

	for (uint32_t id = from; id < to; id++, *t += MS(100)) {
		h_clear(&f->h);
		hb(f, &R, id, 1, *t);
		if (id >= from + 2) /* the two ids before have settled F's state */
			wrong += relayed(f) != ((id + st) % k == 0);
		for (int i = 0; i < 4; i++)
			if ((id + (uint32_t)i) % 4 == 0)
				hb(f, near[i], id, 2, *t + MS(1 + i));
		if (full)
			hb(f, &F, id, 2, *t + MS(6));
		obu_core_tick(f->c, *t + MS(50));
	}
	return wrong;
}

static void test_sparser_beside_full_relay(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);

	(void)state;
	assert_int_equal(obu_k_max(f->c), 32);
	/* warm-up: neighbours counted, K_self 16 */
	run_ids(f, 0, 40, false, 16, &t);
	assert_int_equal(run_ids(f, 40, 104, false, 16, &t), 0);
	/* F relays every id at A's distance: A relays its 1-in-32 set */
	assert_int_equal(run_ids(f, 104, 232, true, 32, &t), 0);
	/* F silent again (gone sparse): back to 1 in 16 within 4 periods */
	run_ids(f, 232, 236, false, 16, &t);
	assert_int_equal(run_ids(f, 236, 300, false, 16, &t), 0);
	fx_free(f);
}

/* Full duty for a dependant wins over rule 1b: a reply from below. */
static void test_full_duty_beside_full_relay(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	uint8_t rp[64];
	size_t n;

	(void)state;
	run_ids(f, 0, 40, true, 32, &t);
	n = b_reply(rp, &A, &C, &R, 39 * f->period_ms + 7, 39, 2, &D);
	feed(f, rp, n, t);
	assert_int_equal(run_ids(f, 40, 60, true, 1, &t), 0);
	fx_free(f);
}

/* Rule 5 up to 2 K_r: a neighbour that delivers exactly its 1-in-32 set
 * is judged on it (K_X 32, 100 %), not as half its due ids lost at K_r.
 * A hears R through C only (a relay upstream: neighbours are forgotten
 * after 3 K_r periods, not `history`). */
static void test_kx_up_to_2kr(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	int32_t ri, s;

	(void)state;
	for (uint32_t id = 0; id < 160; id++, t += MS(100)) {
		hb(f, &C, id, 2, t);
		if ((id + obu_stagger(&B)) % 32 == 0)
			hb(f, &B, id, 2, t + MS(2));
		obu_core_tick(f->c, t + MS(50));
	}
	ri = obu_rsu_find(f->c, &R);
	assert_true(ri >= 0);
	s = obu_nbr_get(f->c, &B, (uint32_t)ri);
	assert_true(s >= 0);
	assert_int_equal(nbr_of(f->c, s)->klog, 5);
	assert_int_equal(obu_nbr_ratio(f->c, &f->c->rsu[ri], s), 100);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparser_beside_full_relay),
		cmocka_unit_test(test_full_duty_beside_full_relay),
		cmocka_unit_test(test_kx_up_to_2kr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
