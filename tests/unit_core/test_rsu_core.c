/* RSU core, driven by hand (PROTOCOL.md §4 and the faults of §6). */
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

/* Upstream data from C handed over by C's next hop B keeps the route alive
 * without any reply, far past both limits; once it stops, C is gone
 * obu_timeout_periods after the last packet. */
static void test_route_kept_by_data(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128], ip[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B, the only reply */
	for (unsigned t = 1000; t <= 10000; t += 1000) {
		run_to(f, T0 + MS(t));
		n = b_up(fr, &R, &B, &C, 3, 1);
		feed(f, fr, n, T0 + MS(t) + 1);
	}
	assert_int_equal(ctr(f, "up_refreshed"), 10);
	assert_int_equal(ctr(f, "replies_accepted"), 1);
	assert_int_equal(ctr(f, "obus_gone"), 0);
	/* still routed: tun traffic for C's 10.0.0.3 goes down to B */
	h_clear(&f->h);
	n = b_ip4(ip, 100, 1, 3);
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(10001));
	assert_int_equal(ctr(f, "down_unicast"), 1);
	assert_memory_equal(f->h.tx[0].b, B.b, 6);
	/* no more data: gone 6.5 s after the last packet (T0 + 10 s) */
	run_to(f, T0 + MS(16500));
	assert_true(rsu_core_route(f->c, &C, &(struct rsu_route_info){0}));
	run_to(f, T0 + MS(16600));
	assert_false(rsu_core_route(f->c, &C, &(struct rsu_route_info){0}));
	assert_int_equal(ctr(f, "obus_gone"), 1);
	fx_free(f);
}

/* Data from C through a neighbour that is not C's chosen next hop (E) is
 * delivered, but one packet refreshes and moves nothing; a second one in a
 * row through E means C's path has moved under it (a hop above C changed
 * its upstream, C sent no change reply): the route follows the data, hops
 * unknown (rule 12). D's data through B keeps D's route (via B) alive. */
static void test_data_via_other_no_refresh(void **state)
{
	struct fx *f = fx_new(NULL);
	struct rsu_route_info ri;
	uint8_t fr[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	reply(f, &B, &D, 0, 0, 2, T0 + MS(6)); /* D via B */
	run_to(f, T0 + MS(1000));
	n = b_up(fr, &R, &E, &C, 3, 1);
	feed(f, fr, n, T0 + MS(1000) + 1);
	n = b_up(fr, &R, &B, &D, 4, 1);
	feed(f, fr, n, T0 + MS(1000) + 2);
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	assert_int_equal(ctr(f, "up_refreshed"), 1); /* D's, via B */
	run_to(f, T0 + MS(2000));
	n = b_up(fr, &R, &E, &C, 3, 1);
	feed(f, fr, n, T0 + MS(2000) + 1);
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, E.b, 6);
	assert_int_equal(ri.hops, 256);
	assert_int_equal(ctr(f, "up_refreshed"), 2);
	assert_int_equal(ctr(f, "up_delivered"), 3);
	fx_free(f);
}

/* Rule 12: the MAC gave up a Downstream for C on its next hop B, and C's
 * data came lately through E: the route moves to E (hops unknown) and the
 * packet goes again, to E. A give-up on a next hop that is not C's chosen
 * one, or on a broadcast, changes nothing. */
static void test_tx_failed_follows_data(void **state)
{
	struct fx *f = fx_new(NULL);
	struct rsu_route_info ri;
	uint8_t fr[128], ip[128], sent[H_FRAME];
	size_t n, len;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	n = b_up(fr, &R, &E, &C, 3, 1); /* one packet of C through E: moves nothing */
	feed(f, fr, n, T0 + MS(6));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	h_clear(&f->h);
	n = b_ip4(ip, 100, 1, 3);
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(7));
	assert_int_equal(f->h.ntx, 1);
	len = f->h.tx[0].len;
	memcpy(sent, f->h.tx[0].b, len);
	/* a give-up on a next hop that is not C's: nothing */
	memcpy(sent, D.b, 6);
	rsu_core_on_tx_failed(f->c, h_buf(&f->h, sent, len), T0 + MS(8));
	assert_int_equal(f->h.ntx, 1);
	memcpy(sent, B.b, 6);
	rsu_core_on_tx_failed(f->c, h_buf(&f->h, sent, len), T0 + MS(9));
	assert_int_equal(f->h.ntx, 2);
	assert_memory_equal(f->h.tx[1].b, E.b, 6);
	assert_memory_equal(f->h.tx[1].b + 6, R.b, 6);
	assert_memory_equal(f->h.tx[1].b + 22, C.b, 6);
	assert_memory_equal(f->h.tx[1].b + VN_DOWN_HLEN, ip, n);
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, E.b, 6);
	assert_int_equal(ri.hops, 256);
	assert_int_equal(ctr(f, "down_salvaged"), 1);
	assert_int_equal(ctr(f, "tx_failed"), 2);
	/* a broadcast, or a runt: counted, nothing sent */
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(10));
	ip[16] = ip[17] = ip[18] = ip[19] = 255;
	n = b_ip4(ip, 100, 1, 255);
	ip[16] = ip[17] = ip[18] = 255;
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(11));
	assert_int_equal(f->h.ntx, 4);
	len = f->h.tx[3].len;
	memcpy(sent, f->h.tx[3].b, len);
	rsu_core_on_tx_failed(f->c, h_buf(&f->h, sent, len), T0 + MS(12));
	rsu_core_on_tx_failed(f->c, h_buf(&f->h, sent, 5), T0 + MS(12));
	assert_int_equal(f->h.ntx, 4);
	assert_int_equal(ctr(f, "down_salvaged"), 1);
	fx_free(f);
}

/* C moved from B to us and its reply saying so was lost: its data, handed
 * to us by C itself, makes the route direct at once (v2: the change reply
 * may be lost on a lossy link; the data must not wait for a keep-alive). */
static void test_direct_data_moves_route(void **state)
{
	struct fx *f = fx_new(NULL);
	struct rsu_route_info ri;
	uint8_t fr[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B, 2 hops */
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	n = b_up(fr, &R, &C, &C, 3, 1); /* from C itself */
	feed(f, fr, n, T0 + MS(300));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, C.b, 6);
	assert_int_equal(ri.hops, 1);
	assert_int_equal(ctr(f, "route_changes"), 2);
	/* ... and keeps it alive like any data through the chosen next hop */
	assert_int_equal(ctr(f, "up_refreshed"), 1);
	fx_free(f);
}

/* C's change reply never came (lost): C's data through relay E is all we
 * have, so Downstream goes via E (hops unknown: 256) rather than nowhere;
 * C's first reply (via B, 2 hops) takes over at once; data via E then
 * moves nothing (test_data_via_other_no_refresh). */
static void test_data_via_relay_without_route(void **state)
{
	struct fx *f = fx_new(NULL);
	struct rsu_route_info ri;
	uint8_t fr[128];
	size_t n;

	(void)state;
	run_to(f, T0 + MS(100));
	assert_false(rsu_core_route(f->c, &C, &ri));
	n = b_up(fr, &R, &E, &C, 3, 1);
	feed(f, fr, n, T0 + MS(105));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, E.b, 6);
	assert_int_equal(ri.hops, 256);
	assert_int_equal(ctr(f, "up_refreshed"), 1);
	reply(f, &B, &C, sent_uptime(f, 1), 1, 2, T0 + MS(150));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	n = b_up(fr, &R, &E, &C, 3, 1);
	feed(f, fr, n, T0 + MS(160));
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	assert_int_equal(ctr(f, "up_refreshed"), 1);
	fx_free(f);
}

/* Data through the chosen next hop also keeps it fresh (stale_periods):
 * without heartbeats going out (no ticks), a worse path reported after
 * stale_periods does not win over B while data keeps coming through B, and
 * wins when that data came through another neighbour. */
static void tune_long_history(struct rsu_params *p)
{
	p->history = 100; /* RTTs up to 10 s believed */
}

static void stale_case(bool data_via_b)
{
	struct fx *f = fx_new(tune_long_history);
	struct rsu_route_info ri;
	uint8_t fr[128];
	size_t n;

	run_to(f, T0 + MS(200)); /* ids 0, 1, 2 */
	reply(f, &B, &C, sent_uptime(f, 1), 1, 2, T0 + MS(110));
	for (unsigned t = 1000; t <= 6000; t += 1000) {
		n = b_up(fr, &R, data_via_b ? &B : &E, &C, 3, 1);
		feed(f, fr, n, T0 + MS(t));
	}
	/* 6 s (> 45 periods) after B's reply: C's reply to id 2 via D, same
	 * hops, an RTT of seconds */
	reply(f, &D, &C, sent_uptime(f, 2), 2, 2, T0 + MS(6100));
	assert_int_equal(ctr(f, "replies_accepted"), 2);
	assert_true(rsu_core_route(f->c, &C, &ri));
	assert_memory_equal(ri.next_hop.b, data_via_b ? B.b : D.b, 6);
	fx_free(f);
}

static void test_data_keeps_next_hop_fresh(void **state)
{
	(void)state;
	stale_case(true);
	stale_case(false);
}

/* Upstream data: IP learned, delivered to tun; tun traffic for that IP goes
 * down to the OBU; unknown/broadcast goes to everyone. */
static void test_data_paths(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128], ip[128];
	struct vn_pbuf *b;
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	h_clear(&f->h);
	n = b_up(fr, &R, &B, &C, 3, 1); /* C's 10.0.0.3 -> 10.0.0.1 */
	feed(f, fr, n, T0 + MS(6));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(f->h.del[0].len, n - VN_UP_HLEN);
	assert_memory_equal(f->h.del[0].b, fr + VN_UP_HLEN, n - VN_UP_HLEN);
	assert_int_equal(ctr(f, "ips_learned"), 1);
	/* tun -> 10.0.0.3: unicast Downstream to B for C, header in headroom */
	n = b_ip4(ip, 100, 1, 3);
	b = h_buf(&f->h, ip, n);
	rsu_core_on_tun(f->c, b, T0 + MS(7));
	assert_int_equal(f->h.ntx, 1);
	assert_ptr_equal(b->data + VN_DOWN_HLEN, f->h.mem + VN_PBUF_HEADROOM);
	assert_int_equal(f->h.tx[0].len, VN_DOWN_HLEN + n);
	assert_memory_equal(f->h.tx[0].b, B.b, 6);
	assert_memory_equal(f->h.tx[0].b + 6, R.b, 6);
	assert_memory_equal(f->h.tx[0].b + 16, R.b, 6);
	assert_memory_equal(f->h.tx[0].b + 22, C.b, 6);
	assert_memory_equal(f->h.tx[0].b + VN_DOWN_HLEN, ip, n);
	/* tun -> unknown and broadcast: one broadcast Downstream each */
	n = b_ip4(ip, 100, 1, 9);
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(8));
	n = b_ip4(ip, 100, 1, 255);
	ip[16] = ip[17] = ip[18] = 255;
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(9));
	assert_int_equal(f->h.ntx, 3);
	for (size_t i = 1; i < 3; i++) {
		assert_memory_equal(f->h.tx[i].b, vn_mac_broadcast.b, 6);
		assert_memory_equal(f->h.tx[i].b + 22, vn_mac_broadcast.b, 6);
	}
	assert_int_equal(ctr(f, "down_broadcast"), 2);
	/* a bad packet from tun */
	ip[0] = 0x35;
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(9));
	assert_int_equal(ctr(f, "drop_tun_bad_ip"), 1);
	fx_free(f);
}

/* Rule 12: an Upstream packet salvaged after its ACKs were lost arrives
 * twice, here through B and then through E: it goes out of tun once
 * (drop_up_dup); another packet of C, and the same packet again through
 * the same neighbour after RSU_UP_DEDUP periods (an end-to-end
 * retransmission), are delivered. */
static void test_upstream_once(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	h_clear(&f->h);
	n = b_up(fr, &R, &B, &C, 3, 1);
	feed(f, fr, n, T0 + MS(10));
	n = b_up(fr, &R, &E, &C, 3, 1); /* the same packet, salvaged via E */
	feed(f, fr, n, T0 + MS(60));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(ctr(f, "up_delivered"), 1);
	assert_int_equal(ctr(f, "drop_up_dup"), 1);
	n = b_up(fr, &R, &B, &C, 3, 2); /* another packet */
	feed(f, fr, n, T0 + MS(61));
	assert_int_equal(f->h.ndel, 2);
	n = b_up(fr, &R, &B, &C, 3, 1); /* the first again, 3 periods on */
	feed(f, fr, n, T0 + MS(311));
	assert_int_equal(f->h.ndel, 3);
	assert_int_equal(ctr(f, "drop_up_dup"), 1);
	fx_free(f);
}

/* OBU to OBU: the Upstream becomes a Downstream in place, origin kept. */
static void test_obu_to_obu(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128];
	struct vn_pbuf *b;
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	reply(f, &D, &D, 0, 0, 1, T0 + MS(5)); /* D direct */
	n = b_up(fr, &R, &D, &D, 4, 1);	/* learn D = 10.0.0.4 */
	feed(f, fr, n, T0 + MS(6));
	h_clear(&f->h);
	n = b_up(fr, &R, &B, &C, 3, 4); /* C -> D */
	b = h_buf(&f->h, fr, n);
	rsu_core_on_frame(f->c, b, T0 + MS(7));
	assert_int_equal(f->h.ndel, 0);
	assert_int_equal(f->h.ntx, 1);
	assert_int_equal(f->h.tx[0].len, n - VN_UP_HLEN + VN_DOWN_HLEN);
	assert_memory_equal(f->h.tx[0].b, D.b, 6);
	assert_memory_equal(f->h.tx[0].b + 6, R.b, 6);
	assert_int_equal(f->h.tx[0].b[15], 1);
	assert_memory_equal(f->h.tx[0].b + 16, C.b, 6); /* origin kept */
	assert_memory_equal(f->h.tx[0].b + 22, D.b, 6);
	assert_memory_equal(f->h.tx[0].b + VN_DOWN_HLEN, fr + VN_UP_HLEN, n - VN_UP_HLEN);
	/* in place: the payload did not move */
	assert_ptr_equal(b->data + VN_DOWN_HLEN, f->h.mem + VN_PBUF_HEADROOM + VN_UP_HLEN);
	assert_int_equal(ctr(f, "up_hairpinned"), 1);
	fx_free(f);
}

/* IPv6 is learned and routed like IPv4; multicast goes to everyone. */
static void test_ipv6(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[256], ip[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	reply(f, &B, &C, 0, 0, 2, T0 + MS(5)); /* C via B */
	memcpy(fr, R.b, 6);
	memcpy(fr + 6, B.b, 6);
	fr[12] = 0x30, fr[13] = 0x30, fr[14] = 1, fr[15] = 0;
	memcpy(fr + 16, C.b, 6);
	n = VN_UP_HLEN + b_ip6(fr + VN_UP_HLEN, 80, 3, 1); /* fd00::3 -> fd00::1 */
	feed(f, fr, n, T0 + MS(6));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(ctr(f, "ips_learned"), 1);
	h_clear(&f->h);
	n = b_ip6(ip, 100, 1, 3);
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(7));
	assert_int_equal(f->h.ntx, 1);
	assert_memory_equal(f->h.tx[0].b, B.b, 6);
	assert_memory_equal(f->h.tx[0].b + 22, C.b, 6);
	n = b_ip6(ip, 100, 1, 0); /* ff02::1 */
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(8));
	assert_int_equal(f->h.ntx, 2);
	assert_memory_equal(f->h.tx[1].b, vn_mac_broadcast.b, 6);
	assert_int_equal(ctr(f, "down_unicast"), 1);
	assert_int_equal(ctr(f, "down_broadcast"), 1);
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

static void test_ip_expiry(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[128], ip[128];
	size_t n;

	(void)state;
	run_to(f, T0);
	n = b_up(fr, &R, &B, &C, 3, 1);
	feed(f, fr, n, T0 + MS(1));
	run_to(f, T0 + MS(298800));
	h_clear(&f->h);
	run_to(f, T0 + MS(299000));
	reply(f, &B, &C, sent_uptime(f, vn_get_be32(f->h.tx[0].b + 32)),
	      vn_get_be32(f->h.tx[0].b + 32), 2, T0 + MS(299001));
	h_clear(&f->h);
	n = b_ip4(ip, 60, 1, 3);
	rsu_core_on_tun(f->c, h_buf(&f->h, ip, n), T0 + MS(299002));
	assert_int_equal(ctr(f, "down_unicast"), 1);
	run_to(f, T0 + MS(301000));
	assert_int_equal(ctr(f, "ips_expired"), 1);
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
		cmocka_unit_test(test_route_kept_by_data),
		cmocka_unit_test(test_data_via_other_no_refresh),
		cmocka_unit_test(test_tx_failed_follows_data),
		cmocka_unit_test(test_direct_data_moves_route),
		cmocka_unit_test(test_data_via_relay_without_route),
		cmocka_unit_test(test_data_keeps_next_hop_fresh),
		cmocka_unit_test(test_data_paths),
		cmocka_unit_test(test_upstream_once),
		cmocka_unit_test(test_obu_to_obu),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ignored_messages),
		cmocka_unit_test(test_table_bounds),
		cmocka_unit_test(test_ip_expiry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
