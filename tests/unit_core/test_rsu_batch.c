/* Protocol v2, rule 10: several HeartbeatReply messages back to back in one
 * frame (PROTOCOL.md §2), as a relay batches the replies it forwards. The
 * RSU takes each in turn through every check; a malformed message stops the
 * frame there, what came before it standing (the decoder cannot know where
 * a next message would start). */
#include "rsu_fx.h"

#define NREP 3

/* C, D and E, all relayed by B, answer ids 1, 2, 3 with hops 2, 2, 3. */
static const struct vn_mac *const sender[NREP] = { &C, &D, &E };
static const uint32_t hops[NREP] = { 2, 2, 3 };

/* The batch frame: message i at i * VN_REPLY_LEN. Returns its length. */
static size_t batch(struct fx *f, uint8_t *fr)
{
	size_t n = 0;

	for (uint32_t i = 0; i < NREP; i++)
		n += b_reply(fr + n, &R, &B, &R, sent_uptime(f, i + 1), i + 1, hops[i], sender[i]);
	return n;
}

static void route_is(const struct fx *f, const struct vn_mac *obu, uint32_t h)
{
	struct rsu_route_info ri;

	assert_true(rsu_core_route(f->c, obu, &ri));
	assert_memory_equal(ri.next_hop.b, B.b, 6);
	assert_int_equal(ri.hops, h);
}

static void test_three_replies_one_frame(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[NREP * VN_REPLY_LEN];
	size_t n;

	(void)state;
	run_to(f, T0 + MS(300)); /* ids 0..3 */
	n = batch(f, fr);
	/* byte for byte: back to back, each with its own 14-byte header */
	assert_int_equal(n, NREP * VN_REPLY_LEN);
	for (size_t i = 0; i < NREP; i++) {
		const uint8_t *m = fr + i * VN_REPLY_LEN;
		static const uint8_t hdr[4] = { 0x30, 0x30, 0x00, 0x01 };

		assert_memory_equal(m, R.b, 6);
		assert_memory_equal(m + 6, B.b, 6);
		assert_memory_equal(m + 12, hdr, 4);
		assert_int_equal(vn_get_be32(m + 32), i + 1);
		assert_memory_equal(m + 46, sender[i]->b, 6);
	}
	feed(f, fr, n, T0 + MS(320));
	assert_int_equal(ctr(f, "rx_frames"), 1);
	assert_int_equal(ctr(f, "replies_accepted"), NREP);
	assert_int_equal(ctr(f, "route_changes"), NREP);
	for (size_t i = 0; i < NREP; i++)
		route_is(f, sender[i], hops[i]);
	assert_int_equal(ctr(f, "rx_drop_trailer"), 0);
	fx_free(f);
}

/* Ethernet pads a short frame with zeros: padding after the messages ends
 * the frame cleanly, nothing counted. */
static void test_reply_then_padding(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[64] = { 0 };
	size_t n;

	(void)state;
	run_to(f, T0 + MS(100));
	n = b_reply(fr, &R, &B, &R, sent_uptime(f, 1), 1, 2, &C);
	assert_int_equal(n, VN_REPLY_LEN);
	feed(f, fr, 60, T0 + MS(110));
	assert_int_equal(ctr(f, "replies_accepted"), 1);
	assert_int_equal(ctr(f, "rx_drop_trailer"), 0);
	fx_free(f);
}

/* The 2nd message spoiled at byte `at` (set to `v`), or the frame cut at
 * `cut` bytes: the 1st reply stands, the rest is one rx_drop_trailer. */
static void second_malformed(size_t at, uint8_t v, size_t cut)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[NREP * VN_REPLY_LEN];
	size_t n;

	run_to(f, T0 + MS(300));
	n = batch(f, fr);
	if (cut != 0)
		n = cut;
	else
		fr[VN_REPLY_LEN + at] = v;
	feed(f, fr, n, T0 + MS(320));
	assert_int_equal(ctr(f, "replies_accepted"), 1);
	route_is(f, &C, 2);
	assert_false(rsu_core_route(f->c, &D, &(struct rsu_route_info){0}));
	assert_false(rsu_core_route(f->c, &E, &(struct rsu_route_info){0}));
	assert_int_equal(ctr(f, "rx_drop_trailer"), 1);
	/* the first message's reason is not counted: it was fine */
	assert_int_equal(ctr(f, "rx_drop_unknown_type"), 0);
	assert_int_equal(ctr(f, "rx_drop_ethertype"), 0);
	assert_int_equal(ctr(f, "rx_drop_short"), 0);
	fx_free(f);
}

static void test_second_malformed_stops_frame(void **state)
{
	(void)state;
	second_malformed(15, 0x07, 0);			 /* unknown subtype */
	second_malformed(12, 0x08, 0);			 /* EtherType 0x0830 */
	second_malformed(0, 0, VN_REPLY_LEN + 30);	 /* cut inside the 2nd */
	second_malformed(0, 0, VN_REPLY_LEN + 10);	 /* shorter than a header */
}

/* A 2nd message that decodes but fails the RSU's own checks (hops 1 relayed
 * by a third node: forged) is dropped alone; the 3rd is still taken. */
static void test_second_refused_third_taken(void **state)
{
	struct fx *f = fx_new(NULL);
	uint8_t fr[NREP * VN_REPLY_LEN];
	size_t n;

	(void)state;
	run_to(f, T0 + MS(300));
	n = batch(f, fr);
	fr[VN_REPLY_LEN + 39] = 1; /* D's hops: 2 -> 1, yet relayed by B */
	feed(f, fr, n, T0 + MS(320));
	assert_int_equal(ctr(f, "drop_reply_bad_hops"), 1);
	assert_int_equal(ctr(f, "replies_accepted"), 2);
	route_is(f, &C, 2);
	assert_false(rsu_core_route(f->c, &D, &(struct rsu_route_info){0}));
	route_is(f, &E, 3);
	assert_int_equal(ctr(f, "rx_drop_trailer"), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_replies_one_frame),
		cmocka_unit_test(test_reply_then_padding),
		cmocka_unit_test(test_second_malformed_stops_frame),
		cmocka_unit_test(test_second_refused_third_taken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
