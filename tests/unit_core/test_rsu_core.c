/* RSU core, driven by hand (PROTOCOL.md §4 and the faults of §6): its
 * parameters, heartbeats, routes from replies, hostile and ignored
 * messages, table bounds. Routes that data keeps or moves are in
 * test_rsu_route_data.c, the data paths in test_rsu_forward.c. */
#include "rsu_fx.h"

static void test_params(void **state)
{
	struct rsu_params p;

	(void)state;
	rsu_params_default(&p);
	assert_null(rsu_params_check(&p));
	assert_int_equal(p.heartbeat_period_ms, 100);
	assert_int_equal(p.history, 10);
	assert_int_equal(p.stale_periods, 45);
	assert_int_equal(p.obu_timeout_periods, 65);
	p.history = 1;
	assert_non_null(rsu_params_check(&p));
	rsu_params_default(&p);
	p.max_ips = 0;
	assert_non_null(rsu_params_check(&p));
	/* obu_timeout_periods 2..10000; stale_periods 1..obu_timeout_periods */
	rsu_params_default(&p);
	p.obu_timeout_periods = 1;
	p.stale_periods = 1;
	assert_non_null(rsu_params_check(&p));
	p.obu_timeout_periods = 2;
	assert_null(rsu_params_check(&p));
	p.obu_timeout_periods = 10001;
	assert_non_null(rsu_params_check(&p));
	rsu_params_default(&p);
	p.stale_periods = 0;
	assert_non_null(rsu_params_check(&p));
	p.stale_periods = 65;
	assert_null(rsu_params_check(&p));
	p.stale_periods = 66;
	assert_non_null(rsu_params_check(&p));
}

/* Heartbeats: ids from 0, uptime since creation, hops 1, every T +- jitter. */
static void tune_jitter(struct rsu_params *p)
{
	p->jitter_pct = 5;
}

static void test_heartbeats(void **state)
{
	struct fx *f = fx_new(tune_jitter);
	uint8_t want[64];
	vn_usec prev;

	(void)state;
	assert_int_equal(rsu_core_next_timer(f->c), T0);
	assert_int_equal(run_to(f, T0), 1);
	b_hb(want, &vn_mac_broadcast, &R, &R, 0, 0, 1);
	assert_int_equal(f->h.tx[0].len, VN_HEARTBEAT_LEN);
	assert_memory_equal(f->h.tx[0].b, want, VN_HEARTBEAT_LEN);
	prev = T0;
	for (uint32_t id = 1; id < 50; id++) {
		vn_usec next = rsu_core_next_timer(f->c);

		assert_true(next >= prev + MS(95) && next <= prev + MS(105));
		assert_int_equal(run_to(f, next), 1);
		assert_int_equal(vn_get_be32(f->h.tx[id].b + 32), id);
		assert_true(vn_get_be128(f->h.tx[id].b + 16) == (vn_u128)((next - T0) / 1000));
		prev = next;
	}
	/* late by seconds: one heartbeat, not a burst */
	h_clear(&f->h);
	rsu_core_tick(f->c, prev + MS(5000));
	assert_int_equal(f->h.ntx, 1);
	assert_true(rsu_core_next_timer(f->c) > prev + MS(5000));
	fx_free(f);
}

/* Replies teach routes: fewest hops, then RTT with hysteresis; a next hop
 * that two newer replies bypassed is superseded (the OBU moved). */
static void test_routes_and_hysteresis(void **state)
{
	struct fx *f = fx_new(NULL);
	struct rsu_route_info ri;
	char text[2048];

	(void)state;
	run_to(f, T0 + MS(600)); /* ids 0..6, id k sent at T0 + k * 100 ms */
	reply(f, &B, &C, sent_uptime(f, 1), 1, 2, T0 + MS(110));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	assert_int_equal(ri.hops, 2);
	assert_int_equal(ri.rtt_ms, 10);
	/* via D, same hops, 3 ms better: inside the 5 ms margin */
	reply(f, &D, &C, sent_uptime(f, 2), 2, 2, T0 + MS(207));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	/* hops 1 relayed by a third node: forged, dropped */
	reply(f, &E, &C, sent_uptime(f, 3), 3, 1, T0 + MS(302));
	assert_int_equal(ctr(f, "drop_reply_bad_hops"), 1);
	/* C heard us directly, one hop fewer: at once, whatever its RTT */
	reply(f, &C, &C, sent_uptime(f, 3), 3, 1, T0 + MS(312));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, C.b, 6);
	assert_int_equal(ri.hops, 1);
	assert_true(rsu_core_describe(f->c, T0 + MS(312), text, sizeof(text)) < sizeof(text));
	assert_non_null(strstr(text, "obu 02:00:00:00:00:0c via 02:00:00:00:00:0c hops 1 rtt 12ms\n"));
	assert_true(h_logged(&f->h, "route to obu 02:00:00:00:00:0c"));
	/* one reply via B: the direct link still stands */
	reply(f, &B, &C, sent_uptime(f, 4), 4, 2, T0 + MS(410));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, C.b, 6);
	/* a second: C now sends its replies through B, so does the route */
	reply(f, &B, &C, sent_uptime(f, 5), 5, 2, T0 + MS(510));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	assert_int_equal(ctr(f, "route_changes"), 3);
	assert_int_equal(ctr(f, "replies_accepted"), 5);
	fx_free(f);
}

static void test_rtt_switch_with_margin(void **state)
{
	struct fx *f = fx_new(NULL);
	struct rsu_route_info ri;

	(void)state;
	run_to(f, T0 + MS(300));
	reply(f, &B, &C, sent_uptime(f, 3), 3, 2, T0 + MS(330)); /* 30 ms */
	reply(f, &D, &C, sent_uptime(f, 2), 2, 2, T0 + MS(210)); /* 10 ms: 20 ms better */
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, D.b, 6);
	fx_free(f);
}

/* Hostile replies: counted drops, never a crash (§6 fault 7). */
static void test_hostile_replies(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_u128 huge = ~(vn_u128)0;

	(void)state;
	run_to(f, T0 + MS(500)); /* ids 0..5 */
	reply(f, &B, &C, (vn_u128)1 << 100, 5, 1, T0 + MS(501));
	reply(f, &B, &C, huge, 5, 1, T0 + MS(501));
	reply(f, &B, &C, 600, 5, 1, T0 + MS(501)); /* 99 ms in the future */
	assert_int_equal(ctr(f, "drop_reply_future_uptime"), 3);
	reply(f, &B, &C, 0, 77, 1, T0 + MS(501));          /* never sent */
	reply(f, &B, &C, 0, 0xffffffff, 1, T0 + MS(501)); /* "before" id 0 */
	assert_int_equal(ctr(f, "drop_reply_unknown_id"), 2);
	reply(f, &B, &C, 1, 5, 1, T0 + MS(501)); /* right id, wrong uptime */
	assert_int_equal(ctr(f, "drop_reply_bad_uptime"), 1);
	reply(f, &B, &C, sent_uptime(f, 5), 5, 0, T0 + MS(501));
	reply(f, &B, &C, sent_uptime(f, 5), 5, 0x80000000u, T0 + MS(501));
	assert_int_equal(ctr(f, "drop_reply_bad_hops"), 2);
	reply(f, &B, &vn_mac_broadcast, sent_uptime(f, 5), 5, 1, T0 + MS(501));
	reply(f, &B, &R, sent_uptime(f, 5), 5, 1, T0 + MS(501));
	assert_int_equal(ctr(f, "drop_reply_bad_sender"), 2);
	assert_false(rsu_core_route(f->c, &C, &(struct rsu_route_info){0}));
	/* a reply for someone else's RSU */
	{
		uint8_t fr[64];
		struct vn_mac other = {{0x04, 0, 0, 0, 0, 1}};
		size_t n = b_reply(fr, &R, &B, &other, 0, 0, 1, &C);

		feed(f, fr, n, T0 + MS(501));
		assert_int_equal(ctr(f, "drop_reply_other_rsu"), 1);
	}
	/* the genuine one, then its replay: counted once */
	reply(f, &B, &C, sent_uptime(f, 5), 5, 2, T0 + MS(502));
	reply(f, &B, &C, sent_uptime(f, 5), 5, 2, T0 + MS(503));
	reply(f, &D, &C, sent_uptime(f, 5), 5, 2, T0 + MS(504));
	assert_int_equal(ctr(f, "replies_accepted"), 1);
	assert_int_equal(ctr(f, "drop_dup_reply"), 2);
	/* an id that left the history */
	run_to(f, T0 + MS(2000));
	reply(f, &B, &C, sent_uptime(f, 5), 5, 2, T0 + MS(2000));
	assert_int_equal(ctr(f, "drop_reply_unknown_id"), 3);
	fx_free(f);
}

/* An OBU silent (no reply, no data) for obu_timeout_periods (65) is gone:
 * its route survives the v1 limit of history (10) periods. */
static void test_obu_gone(void **state)
{
	struct fx *f = fx_new(NULL);

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5));
	assert_true(rsu_core_route(f->c, &C, &(struct rsu_route_info){0}));
	run_to(f, T0 + MS(1300)); /* v1 dropped it here */
	assert_true(rsu_core_route(f->c, &C, &(struct rsu_route_info){0}));
	run_to(f, T0 + MS(6500)); /* 6495 ms after the reply: not yet */
	assert_true(rsu_core_route(f->c, &C, &(struct rsu_route_info){0}));
	assert_int_equal(ctr(f, "obus_gone"), 0);
	run_to(f, T0 + MS(6600));
	assert_false(rsu_core_route(f->c, &C, &(struct rsu_route_info){0}));
	assert_int_equal(ctr(f, "obus_gone"), 1);
	assert_true(h_logged(&f->h, "gone (no reply or data for 65 periods)"));
	fx_free(f);
}

static void test_ignored_messages(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128];
	size_t n;

	(void)state;
	n = b_hb(fr, &vn_mac_broadcast, &B, &R, 0, 0, 2); /* our own, relayed */
	feed(f, fr, n, T0 + MS(1));
	n = b_down(fr, &vn_mac_broadcast, &B, &R, &vn_mac_broadcast, 1, 2);
	feed(f, fr, n, T0 + MS(1));
	n = b_up(fr, &B, &C, &C, 3, 1); /* not for us */
	feed(f, fr, n, T0 + MS(1));
	n = b_up(fr, &R, &B, &R, 3, 1); /* our own origin */
	feed(f, fr, n, T0 + MS(1));
	n = b_up(fr, &R, &R, &C, 3, 1); /* our own frame */
	feed(f, fr, n, T0 + MS(1));
	assert_int_equal(f->h.ntx, 0);
	assert_int_equal(f->h.ndel, 0);
	assert_int_equal(ctr(f, "hb_ignored"), 1);
	assert_int_equal(ctr(f, "drop_downstream_at_rsu"), 1);
	assert_int_equal(ctr(f, "drop_not_for_us"), 1);
	assert_int_equal(ctr(f, "drop_loop"), 1);
	assert_int_equal(ctr(f, "drop_own_frame"), 1);
	assert_int_equal(ctr(f, "rx_frames"), 5);
	fx_free(f);
}

static void tune_small(struct rsu_params *p)
{
	p->max_obus = 16;
	p->max_ips = 32;
}

static void test_table_bounds(void **state)
{
	struct fx *f = fx_new(tune_small);
	char text[16384];

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(1));
	for (uint32_t i = 0; i < 5000; i++) {
		struct vn_mac fake = h_mac((uint8_t)(0x80 | i >> 8), (uint8_t)i);
		uint8_t fr[128];
		size_t n = b_up(fr, &R, &B, &fake, 3, 1);

		fr[VN_UP_HLEN + 14] = (uint8_t)(i >> 8); /* source 10.x.y.3 */
		fr[VN_UP_HLEN + 13] = (uint8_t)i;
		feed(f, fr, n, T0 + MS(2));
		reply(f, &B, &fake, 0, 0, 2, T0 + MS(2));
	}
	assert_int_equal(ctr(f, "obus_evicted"), 5001 - 16);
	assert_int_equal(ctr(f, "ips_evicted"), 5000 - 32);
	assert_true(rsu_core_describe(f->c, T0 + MS(3), text, sizeof(text)) < sizeof(text));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_heartbeats),
		cmocka_unit_test(test_routes_and_hysteresis),
		cmocka_unit_test(test_rtt_switch_with_margin),
		cmocka_unit_test(test_hostile_replies),
		cmocka_unit_test(test_obu_gone),
		cmocka_unit_test(test_ignored_messages),
		cmocka_unit_test(test_table_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
