/* RSU core, driven by hand: routes that Upstream data keeps alive or moves
 * (PROTOCOL.md §4, docs/routing.md rule 12): data through the chosen next
 * hop, through another neighbour, direct; the MAC's give-ups. */
#include "rsu_fx.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_kept_by_data),
		cmocka_unit_test(test_data_via_other_no_refresh),
		cmocka_unit_test(test_tx_failed_follows_data),
		cmocka_unit_test(test_direct_data_moves_route),
		cmocka_unit_test(test_data_via_relay_without_route),
		cmocka_unit_test(test_data_keeps_next_hop_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
