/* OBU core, one node driven by hand (PROTOCOL.md §5 and the faults of §6):
 * its parameters, heartbeat relaying and replies, duplicates and restarts,
 * frames not for it or malformed, table bounds, describe. Data forwarding
 * is in test_obu_forward.c, the choice of upstream and RSU in
 * test_obu_upstream.c. */
#include "obu_core_fx.h"

/* v1's relaying and replies, for the tests of what v2 left as it was
 * (history, duplicates, restarts, bytes): every id relayed (relay_sparse 1:
 * full duty always) and every copy from the upstream answered
 * (reply_keepalive 1: every id is a keep-alive). */
static void tune_v1(struct obu_params *p)
{
	p->relay_sparse = 1;
	p->reply_keepalive = 1;
}

static void test_params(void **state)
{
	struct obu_params p;

	(void)state;
	obu_params_default(&p);
	assert_null(obu_params_check(&p));
	assert_int_equal(p.heartbeat_period_ms, 0); /* learn */
	assert_int_equal(obu_params_period_ms(&p), 100);
	assert_int_equal(p.history, 10);
	assert_int_equal(p.candidates, 3);
	assert_int_equal(p.dead_periods, 8);
	assert_int_equal(p.relay_sparse, 16);
	assert_int_equal(p.reply_keepalive, 20);
	assert_int_equal(p.scope_hops, 1);
	assert_int_equal(p.reply_hold_ms, 10);
	p.heartbeat_period_ms = 250;
	assert_null(obu_params_check(&p));
	assert_int_equal(obu_params_period_ms(&p), 250);
	p.heartbeat_period_ms = 60001;
	assert_non_null(obu_params_check(&p));
	obu_params_default(&p);
	p.history = 0;
	assert_non_null(obu_params_check(&p));
	obu_params_default(&p);
	p.candidates = 0;
	assert_non_null(obu_params_check(&p));
	obu_params_default(&p);
	p.max_neighbours = 0;
	assert_non_null(obu_params_check(&p));
}

/* The v2 keys at and just beyond their limits. */
static void test_params_v2_ranges(void **state)
{
	static const struct {
		uint32_t relay_sparse, reply_keepalive, scope_hops, reply_hold_ms, dead_periods;
		bool ok;
	} cases[] = {
		{ 1, 1, 0, 0, 2, true },       { 64, 1000, 64, 1000, 10, true },
		{ 0, 20, 1, 10, 8, false },    { 12, 20, 1, 10, 8, false },
		{ 128, 20, 1, 10, 8, false },  { 16, 0, 1, 10, 8, false },
		{ 16, 1001, 1, 10, 8, false }, { 16, 20, 65, 10, 8, false },
		{ 16, 20, 1, 1001, 8, false }, { 16, 20, 1, 10, 1, false },
		{ 16, 20, 1, 10, 11, false }, /* above history (10) */
	};
	struct obu_params p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		obu_params_default(&p);
		p.relay_sparse = cases[i].relay_sparse;
		p.reply_keepalive = cases[i].reply_keepalive;
		p.scope_hops = cases[i].scope_hops;
		p.reply_hold_ms = cases[i].reply_hold_ms;
		p.dead_periods = cases[i].dead_periods;
		if (cases[i].ok)
			assert_null(obu_params_check(&p));
		else
			assert_non_null(obu_params_check(&p));
	}
}

/* First copy: re-broadcast with hops + 1 and a unicast reply to the
 * transmitter, byte for byte; the RSU becomes the upstream. */
static void test_relay_and_reply_bytes(void **state)
{
	struct fx *f = fx_new(tune_v1);
	uint8_t in[64], want[64];
	size_t n;

	(void)state;
	n = b_hb(in, &vn_mac_broadcast, &R, &R, 0x0102030405ull, 7, 1);
	feed(f, in, n, MS(1010));
	assert_int_equal(f->h.ntx, 2);
	/* the re-broadcast: to broadcast, from A, hops 2, the rest as received */
	assert_int_equal(f->h.tx[0].len, VN_HEARTBEAT_LEN);
	memcpy(want, in, n);
	memcpy(want + 6, A.b, 6);
	want[39] = 2;
	assert_memory_equal(f->h.tx[0].b, want, VN_HEARTBEAT_LEN);
	/* the reply, written out by hand */
	assert_int_equal(f->h.tx[1].len, VN_REPLY_LEN);
	memcpy(want, R.b, 6);
	memcpy(want + 6, A.b, 6);
	want[12] = 0x30, want[13] = 0x30, want[14] = 0, want[15] = 1;
	memcpy(want + 16, in + 16, 30); /* uptime, id, hops 1 (as received), source */
	assert_int_equal(want[39], 1);
	memcpy(want + 46, A.b, 6);
	assert_memory_equal(f->h.tx[1].b, want, VN_REPLY_LEN);
	assert_true(up_is(f, &R, 1));
	assert_true(h_logged(&f->h, "upstream now"));
	assert_int_equal(ctr(f, "hb_relayed"), 1);
	assert_int_equal(ctr(f, "replies_sent"), 1);
	/* v2: the first reply to a new upstream is a change reply (rule 3) */
	assert_int_equal(ctr(f, "replies_sent_change"), 1);
	fx_free(f);
}

static void test_duplicates_not_relayed(void **state)
{
	struct fx *f = fx_new(tune_v1);

	(void)state;
	hb(f, &R, &R, 1, 1, MS(1010));
	assert_int_equal(f->h.ntx, 2);
	h_clear(&f->h);
	hb(f, &B, &R, 1, 2, MS(1012)); /* the same (S, n) via B */
	hb(f, &R, &R, 1, 1, MS(1013)); /* and again, replayed */
	assert_int_equal(f->h.ntx, 0);
	assert_int_equal(ctr(f, "drop_dup_heartbeat"), 2);
	hb(f, &B, &R, 2, 2, MS(1110)); /* a new id, first via B: relayed */
	assert_int_equal(f->h.ntx, 1);
	assert_int_equal(f->h.tx[0].len, VN_HEARTBEAT_LEN);
	/* the reply answers our upstream's copy (R), with its hops */
	hb(f, &R, &R, 2, 1, MS(1111));
	assert_int_equal(f->h.ntx, 2);
	assert_int_equal(f->h.tx[1].len, VN_REPLY_LEN);
	assert_memory_equal(f->h.tx[1].b, R.b, 6);
	assert_int_equal(f->h.tx[1].b[39], 1);
	hb(f, &R, &R, 2, 1, MS(1112)); /* once per id */
	assert_int_equal(f->h.ntx, 2);
	assert_int_equal(ctr(f, "replies_sent"), 2);
	fx_free(f);
	/* with no upstream yet, the first copy, to its transmitter */
	f = fx_new(tune_v1);
	hb(f, &B, &R, 2, 2, MS(1110));
	assert_int_equal(f->h.ntx, 2);
	assert_memory_equal(f->h.tx[1].b, B.b, 6);
	fx_free(f);
}

static void tune_hist4(struct obu_params *p)
{
	tune_v1(p);
	p->history = 4;
	p->dead_periods = 3;
}

/* The history is a true FIFO: the oldest *received* id leaves, not the slot
 * id % history (§6 fault 3). */
static void test_history_fifo(void **state)
{
	struct fx *f = fx_new(tune_hist4);

	(void)state;
	hb(f, &R, &R, 10, 1, MS(1001));
	hb(f, &R, &R, 9, 1, MS(1002)); /* late copies: new, relayed */
	hb(f, &R, &R, 8, 1, MS(1003));
	hb(f, &R, &R, 7, 1, MS(1004));
	assert_int_equal(ctr(f, "hb_relayed"), 4);
	hb(f, &R, &R, 11, 1, MS(1005)); /* evicts 10, the oldest received */
	assert_int_equal(ctr(f, "hb_relayed"), 5);
	h_clear(&f->h);
	hb(f, &R, &R, 8, 1, MS(1006)); /* 8 is still remembered */
	assert_int_equal(f->h.ntx, 0);
	/* 10 was forgotten (a ring indexed by id % 4 would have kept it in
	 * slot 2 and dropped 7 instead): new again */
	hb(f, &R, &R, 10, 1, MS(1007));
	assert_int_equal(f->h.ntx, 2);
	fx_free(f);
}

static void test_restart_detected(void **state)
{
	struct fx *f = fx_new(tune_v1);

	(void)state;
	for (uint32_t i = 100; i < 105; i++)
		hb(f, &R, &R, i, 1, MS(1000 + 100 * (i - 99)));
	h_clear(&f->h);
	hb(f, &R, &R, 0, 1, MS(1600)); /* id far below, uptime backwards */
	assert_int_equal(f->h.ntx, 2);
	assert_int_equal(ctr(f, "rsu_restarts"), 1);
	h_clear(&f->h);
	hb(f, &R, &R, 1, 1, MS(1700));
	assert_int_equal(f->h.ntx, 2);
	hb(f, &R, &R, 1, 1, MS(1701));
	assert_int_equal(f->h.ntx, 2); /* the fresh history does detect duplicates */
	fx_free(f);
}

/* §6 fault 1: frames whose `to` is someone else are ignored, and so are our
 * own frames coming back. */
static void test_not_for_us(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128];
	size_t n;

	(void)state;
	n = b_hb(fr, &B, &R, &R, 0, 0, 1);
	feed(f, fr, n, MS(1001));
	n = b_hb(fr, &vn_mac_broadcast, &A, &R, 0, 0, 1);
	feed(f, fr, n, MS(1002));
	n = b_up(fr, &B, &C, &C, 3, 1);
	feed(f, fr, n, MS(1003));
	assert_int_equal(f->h.ntx, 0);
	assert_int_equal(f->h.ndel, 0);
	assert_int_equal(ctr(f, "drop_not_for_us"), 2);
	assert_int_equal(ctr(f, "drop_own_frame"), 1);
	assert_false(obu_core_upstream(f->c, &(struct obu_route_info){0}));
	fx_free(f);
}

/* Several control messages in one frame are each handled, each answer in a
 * frame of its own (§6 fault 2). v2: only the chosen RSU (R, heard first)
 * is answered (rule 3), so R2's heartbeat is relayed, not answered: three
 * frames, not v1's four. */
static void test_multi_message_frame(void **state)
{
	struct fx *f = fx_new(tune_v1);
	uint8_t fr[128];
	size_t n;

	(void)state;
	n = b_hb(fr, &vn_mac_broadcast, &R, &R, 100, 1, 1);
	n += b_hb(fr + n, &vn_mac_broadcast, &R, &R2, 200, 5, 1);
	feed(f, fr, n, MS(1001));
	assert_int_equal(f->h.ntx, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(f->h.tx[i].len, i == 1 ? VN_REPLY_LEN : VN_HEARTBEAT_LEN);
	assert_memory_equal(f->h.tx[1].b, R.b, 6);
	assert_int_equal(ctr(f, "rx_frames"), 1);
	fx_free(f);
}

static void test_bad_frames_counted(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128];
	size_t n;

	(void)state;
	n = b_hb(fr, &vn_mac_broadcast, &R, &R, 0, 0, 1);
	feed(f, fr, n - 1, MS(1001));
	assert_int_equal(ctr(f, "rx_drop_short"), 1);
	fr[12] = 0x08;
	feed(f, fr, n, MS(1002));
	assert_int_equal(ctr(f, "rx_drop_ethertype"), 1);
	feed(f, fr, 5, MS(1003));
	assert_int_equal(ctr(f, "rx_drop_runt"), 1);
	hb(f, &R, &R, 0, 0, MS(1004)); /* hops 0: nobody is at distance 0 */
	assert_int_equal(ctr(f, "drop_hb_bad_hops"), 1);
	hb(f, &R, &R, 0, 0xffffffff, MS(1005));
	assert_int_equal(ctr(f, "drop_hb_bad_hops"), 2);
	assert_int_equal(f->h.ntx, 0);
	{
		struct h_counter_q q = {"rx_drop_truncated", 0, false};

		obu_core_counters(f->c, h_counter_cb, &q);
		assert_false(q.found); /* the daemon's */
	}
	fx_free(f);
}

/* Random bytes never crash the core (ASan/UBSan builds check the rest). */
static void test_garbage(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[200];
	uint32_t x = 12345;

	(void)state;
	hb(f, &R, &R, 0, 1, MS(1001));
	for (int i = 0; i < 20000; i++) {
		size_t n = 16 + (size_t)(x % 180);

		for (size_t j = 0; j < n; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			fr[j] = (uint8_t)x;
		}
		/* mostly well-formed heads so that the handlers are reached */
		if (i % 2) {
			memcpy(fr, i % 4 == 1 ? A.b : vn_mac_broadcast.b, 6);
			fr[12] = 0x30, fr[13] = 0x30;
			fr[14] = (uint8_t)(x & 1), fr[15] = (uint8_t)(x >> 1 & 1);
		}
		feed(f, fr, n, MS(1002) + (vn_usec)i);
	}
	h_clear(&f->h);
	obu_core_tick(f->c, MS(1100));
	fx_free(f);
}

static void tune_small(struct obu_params *p)
{
	p->max_neighbours = 8;
	p->max_rsus = 2;
	p->max_downstream = 16;
}

/* Floods of fake MACs stay within the tables and do not move our upstream. */
static void test_table_bounds(void **state)
{
	struct fx *f = fx_new(tune_small);
	char text[8192];
	size_t len;

	(void)state;
	hb(f, &R, &R, 0, 1, MS(1001));
	for (uint32_t i = 0; i < 5000; i++) {
		struct vn_mac fake = h_mac((uint8_t)(0x80 | i >> 8), (uint8_t)i);
		struct vn_mac frsu = {{0x06, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i}};
		uint8_t fr[64];
		size_t n;

		/* hops 2, as a sibling would write: more than our own
		 * re-broadcast (2) would be an echo, kept out of the table */
		n = b_hb(fr, &vn_mac_broadcast, &fake, &R, 7, 0, 2);
		feed(f, fr, n, MS(1002));
		n = b_hb(fr, &vn_mac_broadcast, &fake, &frsu, 7, i, 1);
		feed(f, fr, n, MS(1002));
		n = b_reply(fr, &A, &B, &R, 7, 0, 2, &fake);
		feed(f, fr, n, MS(1002));
	}
	assert_true(up_is(f, &R, 1));
	len = obu_core_describe(f->c, MS(1003), text, sizeof(text));
	assert_true(len < sizeof(text));
	assert_true(strncmp(text, "upstream: 04:04:04:04:04:04 rsu 04:04:04:04:04:04 hops 1\n", 57) == 0);
	assert_true(ctr(f, "routes_evicted") >= 5000 - 16);
	assert_true(ctr(f, "nbrs_evicted") > 0);
	/* live RSUs are never evicted: unknown ones are neither relayed nor
	 * answered while the table is full */
	assert_int_equal(ctr(f, "rsus_evicted"), 0);
	assert_true(ctr(f, "drop_hb_rsu_table_full") > 0);
	fx_free(f);
}

static void test_describe_and_set_params(void **state)
{
	struct fx *f = fx_new(NULL);
	struct obu_params p;
	char text[2048];
	size_t len;

	(void)state;
	len = obu_core_describe(f->c, MS(1000), text, sizeof(text));
	assert_true(len > 0 && len < sizeof(text));
	assert_true(strncmp(text, "upstream: none\n", 15) == 0);
	/* snprintf-style: the length needed, even with no room */
	assert_int_equal(obu_core_describe(f->c, MS(1000), NULL, 0), len);
	hb(f, &R, &R, 0, 1, MS(1001));
	p = f->p;
	p.hysteresis_pct = 30;
	assert_int_equal(obu_core_set_params(f->c, &p, MS(1002)), 0);
	assert_true(up_is(f, &R, 1)); /* a margin change keeps the routes */
	p.max_neighbours = 32;
	assert_int_equal(obu_core_set_params(f->c, &p, MS(1003)), 0);
	assert_false(up_is(f, &R, 1)); /* a capacity change starts afresh */
	hb(f, &R, &R, 1, 1, MS(1101));
	assert_true(up_is(f, &R, 1));
	p.history = 0;
	assert_int_equal(obu_core_set_params(f->c, &p, MS(1102)), -1);
	assert_true(up_is(f, &R, 1));
	assert_true(obu_core_next_timer(f->c) <= MS(1003) + MS(100));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_params_v2_ranges),
		cmocka_unit_test(test_relay_and_reply_bytes),
		cmocka_unit_test(test_duplicates_not_relayed),
		cmocka_unit_test(test_history_fifo),
		cmocka_unit_test(test_restart_detected),
		cmocka_unit_test(test_not_for_us),
		cmocka_unit_test(test_multi_message_frame),
		cmocka_unit_test(test_bad_frames_counted),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_table_bounds),
		cmocka_unit_test(test_describe_and_set_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
