/* OBU core, protocol v2 rules (docs/routing.md, "Protocol v2"), one node
 * driven by hand: relay duty and stagger, K_X inference, the learned period,
 * m(p), the last resort, late copies (rule 11). Replies (rules 3 and 4) are
 * in test_obu_replies.c. */
#include "obu_v2_fx.h"

/* The id of a sent heartbeat frame (bytes 32..35). */
static uint32_t tx_id(const struct h_pkt *p)
{
	return vn_get_be32(p->b + 32);
}

static void tune_k4(struct obu_params *p)
{
	p->relay_sparse = 4;
}

/* Rule 1: with nobody depending on it, an OBU relays exactly the ids of its
 * sparse set, (id + stagger(self)) % K == 0 -- another OBU a different set
 * -- and every id from the first reply from below on. */
static void test_sparse_relay_and_stagger(void **state)
{
	const struct vn_mac *self[2] = {&A, &B};
	uint32_t sets[2] = {0, 0};

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct fx *f = fx_new_as(self[k], tune_k4);
		vn_usec t = MS(1000);
		uint8_t rp[64];
		size_t n;

		for (uint32_t id = 0; id < 16; id++, t += MS(100)) {
			h_clear(&f->h);
			hb(f, &R, id, 1, t);
			run_to(f, t + MS(50));
			bool relayed = false;

			for (size_t i = 0; i < f->h.ntx; i++)
				if (f->h.tx[i].len == VN_HEARTBEAT_LEN) {
					assert_int_equal(tx_id(&f->h.tx[i]), id);
					relayed = true;
				}
			/* one neighbour (R): K = min(4, pow2floor(4 * 1)) = 4 */
			assert_int_equal(relayed, (id + st(self[k])) % 4 == 0);
			if (relayed)
				sets[k] |= 1u << (id % 4);
		}
		assert_int_equal(ctr(f, "hb_relayed"), 4);
		assert_int_equal(ctr(f, "hb_relayed_sparse"), 4);
		assert_int_equal(ctr(f, "hb_not_relayed_duty"), 12);
		/* a reply from below (D's, via C): full duty from that frame on */
		n = b_reply(rp, self[k], &C, &R, 1607, 16, 2, &D);
		feed(f, rp, n, t);
		for (uint32_t id = 16; id < 24; id++, t += MS(100))
			hb(f, &R, id, 1, t);
		assert_int_equal(ctr(f, "hb_relayed"), 4 + 8);
		fx_free(f);
	}
	/* the staggers of A and B differ mod 4 here: different sets */
	if (st(&A) % 4 != st(&B) % 4)
		assert_int_not_equal(sets[0], sets[1]);
}

/* Rule 5 (nested sets): a neighbour that delivers only the ids of its
 * 1-in-8 set is judged on them (100 %, not 12 %); when it goes full its
 * past sparse ids do not read as losses. */
static void test_kx_inference(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	const struct obu_nbr *nb;
	char text[2048], mb[VN_MAC_STRLEN], want[64];
	int32_t ri, s;

	(void)state;
	for (uint32_t id = 0; id < 64; id++, t += MS(100)) {
		hb(f, &R, id, 1, t);
		if ((id + st(&B)) % 8 == 0)
			hb(f, &B, id, 2, t + MS(2));
	}
	ri = obu_rsu_find(f->c, &R);
	assert_true(ri >= 0);
	s = obu_nbr_get(f->c, &B, (uint32_t)ri);
	nb = nbr_of(f->c, s);
	assert_int_equal(nb->klog, 3);
	assert_int_equal(obu_nbr_ratio(f->c, &f->c->rsu[ri], s), 100);
	obu_core_describe(f->c, t, text, sizeof(text));
	snprintf(want, sizeof(want), "%s hops 2 ratio 100%%", vn_mac_format(&B, mb));
	assert_non_null(strstr(text, want));
	/* B goes full (someone chose it): K_X 1 at once, its window split */
	for (uint32_t id = 64; id < 68; id++, t += MS(100)) {
		hb(f, &R, id, 1, t);
		hb(f, &B, id, 2, t + MS(2));
	}
	nb = nbr_of(f->c, s);
	assert_int_equal(nb->klog, 0);
	assert_int_equal(nb->kprev, 3);
	assert_true(obu_nbr_ratio(f->c, &f->c->rsu[ri], s) >= 80);
	fx_free(f);
}

/* Rule 5, a densification in two steps: B at K 8, then (chosen) its first
 * denser copy happens to fit K 2, then every id. The ids before the second
 * split stay judged at K 8: B never reads as lossy on the way (it did, at
 * 31 %, when the middle period judged them, and its chooser dropped it). */
static void test_kx_two_step_split(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	uint32_t id, x;
	int32_t ri, s;

	(void)state;
	for (id = 0; id < 64; id++, t += MS(100)) {
		hb(f, &R, id, 1, t);
		if ((id + st(&B)) % 8 == 0)
			hb(f, &B, id, 2, t + MS(2));
	}
	for (x = 64; (x + st(&B)) % 4 != 2; x++)
		;
	ri = obu_rsu_find(f->c, &R);
	s = obu_nbr_get(f->c, &B, (uint32_t)ri);
	for (; id < x + 8; id++, t += MS(100)) {
		hb(f, &R, id, 1, t);
		if (id >= x || (id + st(&B)) % 8 == 0) {
			hb(f, &B, id, 2, t + MS(2));
			/* past the known one-evaluation dip at the unsettled
			 * newest id (obu_nbr_ratio_at) */
			if (id > x + 1)
				assert_true(obu_nbr_ratio(f->c, &f->c->rsu[ri], s) >= 80);
		}
	}
	assert_int_equal(nbr_of(f->c, s)->klog, 0);
	assert_int_equal(nbr_of(f->c, s)->kprev, 3);
	fx_free(f);
}

/* Rule 5, a sparse neighbour going sparser: B at K 4 for ids 0..15, then
 * at K 8 (a relay's start-up copies before it settles). K_X rises to 8 as
 * soon as the newest ids prove it (5 copies of the K 8 set, 5 K 4 ids
 * missed), not when its last K 4-only id leaves the 64-id map (id 78 or
 * so): judged at K 4 till then it read about 60 %. Silent, it proves
 * nothing: K_X stays. */
static void test_kx_rise(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	uint32_t id, k8 = 0;
	int32_t ri, s = -1;

	(void)state;
	for (id = 0; id < 60; id++, t += MS(100)) {
		hb(f, &R, id, 1, t);
		if ((id + st(&B)) % (id < 16 ? 4 : 8) == 0) {
			hb(f, &B, id, 2, t + MS(2));
			k8 += id >= 16;
		}
		if (id == 15) {
			ri = obu_rsu_find(f->c, &R);
			s = obu_nbr_get(f->c, &B, (uint32_t)ri);
			assert_int_equal(nbr_of(f->c, s)->klog, 2);
		}
	}
	assert_true(k8 >= 5);
	ri = obu_rsu_find(f->c, &R);
	assert_int_equal(nbr_of(f->c, s)->klog, 3);
	assert_int_equal(obu_nbr_ratio(f->c, &f->c->rsu[ri], s), 100);
	/* silent from here (within `history`, not yet forgotten): K_X stays */
	for (; id < 68; id++, t += MS(100))
		hb(f, &R, id, 1, t);
	assert_int_equal(nbr_of(f->c, s)->klog, 3);
	fx_free(f);
}

static void tune_cfg100(struct obu_params *p)
{
	p->heartbeat_period_ms = 100;
}

/* Rule 7: the period is learned from the uptimes (250 ms here); a
 * configured 100 ms is only the start: the upstream dies after m = 2
 * learned periods (+ 1/4), not 225 ms. */
static void test_learned_period(void **state)
{
	struct fx *f = fx_new(tune_cfg100);
	vn_usec t = MS(1000), last;
	int32_t ri;

	(void)state;
	f->period_ms = 250;
	/* B at hops 1 as well: an equal path, taken as soon as R is dead */
	for (uint32_t id = 0; id < 10; id++, t += MS(250)) {
		hb(f, &R, id, 1, t);
		hb(f, &B, id, 1, t + MS(2));
		run_to(f, t + MS(100));
	}
	ri = obu_rsu_find(f->c, &R);
	assert_int_equal(obu_period(f->c, (uint32_t)ri), MS(250));
	assert_true(up_is(f, &R));
	last = t - MS(250);
	/* R silent; B goes on */
	for (uint32_t id = 10; id < 13; id++, t += MS(250)) {
		hb(f, &B, id, 1, t + MS(2));
		run_to(f, t + MS(100));
		if (t + MS(100) < last + MS(500))
			assert_true(up_is(f, &R));
	}
	/* dead after 2 x 250 + 62 ms (v1's fixed 3 x 100 ms would be 300) */
	run_to(f, last + MS(563) + MS(1));
	assert_true(up_is(f, &B));
	fx_free(f);
}

/* Rule 6: m(p) = the smallest m in [2, 8] with (1 - p)^m <= 0.1 (1/25
 * was tried: a 10 %-lossy two-hop path, p 0.81, then reads below 0.80 now
 * and then, m 3, and its failover took 540 ms). */
static void test_m_table(void **state)
{
	struct fx *f = fx_new(NULL);
	static const struct {
		uint32_t pct, m;
	} cases[] = {{100, 2}, {90, 2}, {81, 2}, {69, 2}, {68, 3}, {64, 3}, {50, 4},
		     {36, 6}, {30, 7}, {20, 8}, {0, 8}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(f->c->m_tab[cases[i].pct], cases[i].m);
	fx_free(f);
}

/* Rule 6, last resort: the only upstream is silent past its limit and
 * there is no other: it is kept (data still goes to it) until the RSU is
 * gone; the death is counted once. */
static void test_last_resort(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	uint8_t ip[64];
	size_t n;
	uint64_t changes;

	(void)state;
	for (uint32_t id = 0; id < 10; id++, t += MS(100))
		hb(f, &R, id, 1, t);
	changes = ctr(f, "replies_sent_change");
	run_to(f, t + MS(500));
	assert_int_equal(ctr(f, "nbrs_dead"), 1);
	assert_true(up_is(f, &R));
	/* the upstream is the RSU itself: never sparse, no reply to repeat */
	assert_int_equal(ctr(f, "replies_sent_change"), changes);
	h_clear(&f->h);
	n = b_ip4(ip, 40, 1, 2);
	memcpy(f->h.mem + VN_PBUF_HEADROOM, ip, n);
	obu_core_on_tun(f->c, h_buf(&f->h, ip, n), t + MS(500));
	assert_int_equal(ctr(f, "up_sent"), 1);
	assert_int_equal(f->h.ntx, 1);
	assert_memory_equal(f->h.tx[0].b, R.b, 6);
	/* the RSU gone (history periods): no upstream */
	run_to(f, t + MS(1200));
	assert_false(obu_core_upstream(f->c, &(struct obu_route_info){0}));
	assert_int_equal(ctr(f, "nbrs_dead"), 1);
	fx_free(f);
}

/* Rule 6, last resort through a relay: B, our only way to R, goes silent.
 * Found dead, it is kept and gets our reply again (it may have gone sparse
 * for want of our keep-alives) -- and again every 2 periods while it stays
 * silent, for that reply may be lost too; once B is heard, no more. */
static void test_repair_reply_to_silent_relay(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	uint64_t changes;

	(void)state;
	for (uint32_t id = 0; id < 10; id++, t += MS(100))
		hb(f, &B, id, 2, t);
	assert_true(up_is(f, &B));
	changes = ctr(f, "replies_sent_change");
	run_to(f, t + MS(200)); /* dead 2.25 periods after its last copy */
	assert_int_equal(ctr(f, "nbrs_dead"), 1);
	assert_true(up_is(f, &B));
	assert_int_equal(ctr(f, "replies_sent_change"), changes + 1);
	run_to(f, t + MS(700)); /* still silent: again every 2 periods */
	assert_true(ctr(f, "replies_sent_change") >= changes + 3);
	assert_true(ctr(f, "replies_sent_change") <= changes + 4);
	/* B is back: the repairs stop */
	hb(f, &B, 16, 2, t + MS(710));
	changes = ctr(f, "replies_sent_change");
	for (uint32_t id = 17; id < 22; id++) {
		run_to(f, t + MS(710 + 100 * (id - 16)));
		hb(f, &B, id, 2, t + MS(710 + 100 * (id - 16)));
	}
	assert_int_equal(ctr(f, "replies_sent_change"), changes);
	fx_free(f);
}

/* Rule 6b: C, an alternative at full duty, has just gone sparse (1 id in
 * 4); our upstream B dies between two of C's due ids. C's map still holds
 * its full-duty ids (K_X 1): judged at that, it was dead 2.25 periods
 * after its last copy, nobody was a candidate, and B was kept as the last
 * resort until C's next due id. Now C takes over when B is found dead. */
static void test_failover_onto_just_sparse(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	uint32_t id = 0, last;

	(void)state;
	for (; id < 20; id++, t += MS(100)) {
		hb(f, &B, id, 2, t);
		hb(f, &C, id, 2, t + MS(1));
		run_to(f, t + MS(2));
	}
	assert_true(up_is(f, &B));
	/* C sparse from here; B's last id is one after one of C's */
	for (last = id + 8; (last - 1 + st(&C)) % 4 != 0; last++)
		;
	for (; id <= last; id++, t += MS(100)) {
		hb(f, &B, id, 2, t);
		if ((id + st(&C)) % 4 == 0)
			hb(f, &C, id, 2, t + MS(1));
		run_to(f, t + MS(2));
	}
	assert_true(up_is(f, &B));
	/* B silent from here; C's next due id is last + 3 */
	run_to(f, t - MS(100) + MS(260));
	assert_true(up_is(f, &C));
	fx_free(f);
}

/* Rule 6b, last known good: B, our upstream, dies; C, the only other
 * neighbour, was last heard beyond its own silence limit (K_X 4, its
 * later copies lost). Nobody is eligible: C is taken on its last known
 * good state rather than B kept (data go to it, our change reply makes
 * it full). */
static void test_last_known_good(void **state)
{
	struct fx *f = fx_new(tune_k4);
	vn_usec t = MS(1000);
	uint32_t id = 0, n = 0, last_c = 29;

	(void)state;
	while ((last_c + st(&C)) % 4 != 0)
		last_c--;
	/* at B's death C has been silent 10 periods, beyond its limit (2 x
	 * 4 + 1/4), within the forget window (12) */
	for (; id <= last_c + 8; id++, t += MS(100)) {
		hb(f, &B, id, 2, t);
		if ((id + st(&C)) % 4 == 0 && id <= last_c) {
			hb(f, &C, id, 2, t + MS(1));
			n++;
		}
		run_to(f, t + MS(2));
	}
	assert_true(n >= 5);
	assert_true(up_is(f, &B));
	run_to(f, t - MS(100) + MS(260)); /* B dead */
	assert_true(up_is(f, &C));
	fx_free(f);
}

/* Rule 11: a copy 30 ids old with an uptime that fits is late: dropped,
 * counted, not relayed, nothing reset; a real restart (ids and clock anew,
 * long after) is still one; so is an old id from the RSU itself. */
static void test_late_copy_not_restart(void **state)
{
	struct fx *f = fx_new(tune_k4);
	vn_usec t = MS(1000);
	uint32_t id;

	(void)state;
	for (id = 0; id < 40; id++, t += MS(100))
		hb(f, &R, id, 1, t);
	h_clear(&f->h);
	hb(f, &B, 9, 2, t); /* id 9 of this incarnation, 30 ids late */
	assert_int_equal(f->h.ntx, 0);
	assert_int_equal(ctr(f, "drop_hb_late"), 1);
	assert_int_equal(ctr(f, "rsu_restarts"), 0);
	assert_int_equal(f->c->rsu[0].newest, 39);
	hb(f, &R, 40, 1, t + MS(1)); /* and life goes on */
	assert_int_equal(ctr(f, "drop_dup_heartbeat"), 0);
	/* the RSU's own copy of an old id cannot be late: a restart */
	hb(f, &R, 9, 1, t + MS(2));
	assert_int_equal(ctr(f, "rsu_restarts"), 1);
	fx_free(f);
	/* long after: id 0 again, via a relay, 20 s into the incarnation */
	f = fx_new(NULL);
	t = MS(1000);
	for (id = 0; id < 200; id++, t += MS(100))
		hb(f, &R, id, 1, t);
	hb(f, &B, 0, 2, t);
	assert_int_equal(ctr(f, "rsu_restarts"), 1);
	assert_int_equal(ctr(f, "drop_hb_late"), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparse_relay_and_stagger),
		cmocka_unit_test(test_kx_inference),
		cmocka_unit_test(test_kx_two_step_split),
		cmocka_unit_test(test_kx_rise),
		cmocka_unit_test(test_failover_onto_just_sparse),
		cmocka_unit_test(test_last_known_good),
		cmocka_unit_test(test_learned_period),
		cmocka_unit_test(test_m_table),
		cmocka_unit_test(test_last_resort),
		cmocka_unit_test(test_repair_reply_to_silent_relay),
		cmocka_unit_test(test_late_copy_not_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
