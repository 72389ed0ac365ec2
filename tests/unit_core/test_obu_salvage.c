/* OBU core, protocol v2 rule 12 (docs/routing.md): where a given-up
 * Upstream frame is salvaged. One node driven by hand, three relays B, C, D
 * between it and the RSU R (it does not hear R itself). */
#include "obu_fx.h"

static const struct vn_mac D = {{0x02, 0, 0, 0, 0, 0x0d}};

/* Heartbeat id of R, relayed by `from` with hops 1; uptime id * period. */
static void hb(struct fx *f, const struct vn_mac *from, uint32_t id, vn_usec now)
{
	uint8_t fr[64];
	size_t n = b_hb(fr, &vn_mac_broadcast, from, &R, (vn_u128)id * f->period_ms + 7, id, 1);

	feed(f, fr, n, now);
}

/* Our own packet to 10.0.0.d, from tun. */
static void send_own(struct fx *f, uint8_t d, vn_usec now)
{
	uint8_t ip[64];
	size_t n = b_ip4(ip, 40, 1, d);

	obu_core_on_tun(f->c, h_buf(&f->h, ip, n), now);
}

/* The last Upstream data frame sent since h_clear, or NULL. */
static const struct h_pkt *last_data(const struct fx *f)
{
	for (size_t i = f->h.ntx < H_MAX ? f->h.ntx : H_MAX; i-- > 0;) {
		const struct h_pkt *p = &f->h.tx[i];

		if (p->len > VN_UP_HLEN && p->b[12] == 0x30 && p->b[13] == 0x30 && p->b[14] == 1 &&
		    p->b[15] == 0)
			return p;
	}
	return NULL;
}

/* The MAC gives the frame p up (a copy: the core may send into the
 * harness meanwhile). */
static void give_up(struct fx *f, const struct h_pkt *p, vn_usec now)
{
	struct h_pkt copy = *p;

	h_clear(&f->h);
	obu_core_on_tx_failed(f->c, h_buf(&f->h, copy.b, copy.len), now);
}

static bool to_is(const struct h_pkt *p, const struct vn_mac *m)
{
	return p != NULL && memcmp(p->b, m->b, VN_MAC_LEN) == 0;
}

/* ring1000 seed 1 in small: our upstream U has had a give-up and been
 * silent for more than a period, so data detours to X; the MAC gives up on
 * that frame too (X's ACKs lost: X had it). Its salvage went to U -- a
 * neighbour with a give-up unanswered, in ring1000 silent for 1.7 s: its
 * give-up took 220 ms more, past our memory of the packet, and the next
 * salvage went back to X, which forwarded the packet a second time. Now
 * it goes to the third relay, Y, which has had none; with none such left
 * it is not salvaged. */
static void test_salvage_not_to_unanswered(void **state)
{
	const struct vn_mac *relay[3] = {&B, &C, &D}, *u = NULL, *x = NULL, *y = NULL;
	struct fx *f = fx_new(NULL);
	struct obu_route_info ri;
	const struct h_pkt *p;
	vn_usec t = MS(1000);
	uint32_t id;

	(void)state;
	for (id = 0; id < 20; id++, t += MS(100))
		for (int k = 0; k < 3; k++)
			hb(f, relay[k], id, t + MS(k));
	assert_true(obu_core_upstream(f->c, &ri));
	for (int k = 0; k < 3; k++) {
		if (vn_mac_eq(relay[k], &ri.next_hop))
			u = relay[k];
		else if (x == NULL)
			x = relay[k];
		else
			y = relay[k];
	}
	assert_non_null(u);
	/* U falls silent; X and Y go on */
	for (; id < 22; id++, t += MS(100)) {
		hb(f, x, id, t);
		hb(f, y, id, t + MS(1));
	}
	h_clear(&f->h);
	send_own(f, 2, t);
	p = last_data(f);
	assert_true(to_is(p, u));
	/* its give-up: salvaged through a detour (U silent for 2 periods) */
	give_up(f, p, t + MS(20));
	assert_int_equal(ctr(f, "up_salvaged"), 1);
	p = last_data(f);
	assert_non_null(p);
	assert_false(to_is(p, u));
	for (int k = 0; k < 3; k++) {
		if (to_is(p, relay[k]))
			x = relay[k];
		else if (relay[k] != u)
			y = relay[k];
	}
	/* the next packet detours the same way (U's give-up is unanswered) */
	h_clear(&f->h);
	send_own(f, 3, t + MS(30));
	assert_true(obu_core_upstream(f->c, &ri) && vn_mac_eq(&ri.next_hop, u));
	p = last_data(f);
	assert_true(to_is(p, x));
	/* the MAC gives it up: not to U, to Y */
	give_up(f, p, t + MS(60));
	assert_int_equal(ctr(f, "up_salvaged"), 2);
	p = last_data(f);
	assert_true(to_is(p, y));
	/* a third packet (to X or Y), given up too: salvaged to the other
	 * one, given up again -- now all three have a give-up unanswered,
	 * nobody heard since: not salvaged */
	h_clear(&f->h);
	send_own(f, 4, t + MS(70));
	p = last_data(f);
	assert_true(to_is(p, x) || to_is(p, y));
	give_up(f, p, t + MS(80));
	p = last_data(f);
	assert_true(to_is(p, x) || to_is(p, y));
	give_up(f, p, t + MS(90));
	assert_null(last_data(f));
	assert_int_equal(ctr(f, "up_salvaged"), 3);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_salvage_not_to_unanswered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
