/* OBU core, protocol v2 rules 3 and 4 (docs/routing.md, "Protocol v2"), one
 * node driven by hand: replies at once and as keep-alives, keep-alives
 * skipped for direct data, reply batches byte for byte. */
#include "obu_v2_fx.h"

/* The reply as the core must write it: to, from A, type, heartbeat fields,
 * sender A. */
static void want_reply(uint8_t *w, const struct vn_mac *to, uint32_t id, uint32_t hops,
		       uint32_t period_ms)
{
	struct vn_msg m;

	memset(&m, 0, sizeof(m));
	m.hb.uptime = (vn_u128)id * period_ms + 7;
	m.hb.id = id;
	m.hb.hops = hops;
	m.hb.source = R;
	memcpy(w, to->b, 6);
	memcpy(w + 6, A.b, 6);
	w[12] = 0x30, w[13] = 0x30, w[14] = 0, w[15] = 1;
	vn_put_be128(w + 16, m.hb.uptime);
	vn_put_be32(w + 32, id);
	vn_put_be32(w + 36, hops);
	memcpy(w + 40, R.b, 6);
	memcpy(w + 46, A.b, 6);
}

static const struct h_pkt *last_reply(const struct fx *f)
{
	for (size_t i = f->h.ntx; i-- > 0;)
		if (f->h.tx[i].len % VN_REPLY_LEN == 0 && f->h.tx[i].b[15] == 1)
			return &f->h.tx[i];
	return NULL;
}

/* Rule 3: a reply at once when the upstream changes, to the new upstream,
 * from the newest heartbeat held with the hops it wrote -- not waiting for
 * its next copy. */
static void test_reply_at_once_on_change(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	uint8_t w[VN_REPLY_LEN];
	const struct h_pkt *p;
	uint32_t id;

	(void)state;
	for (id = 0; id < 5; id++, t += MS(100)) {
		hb(f, &R, id, 1, t);
		if (id == 0) {
			p = last_reply(f);
			assert_non_null(p);
			want_reply(w, &R, 0, 1, 100);
			assert_memory_equal(p->b, w, VN_REPLY_LEN);
		}
		hb(f, &B, id, 2, t + MS(2)); /* B: sparse or not, a candidate */
		run_to(f, t + MS(50));
	}
	assert_true(up_is(f, &R));
	assert_int_equal(ctr(f, "replies_sent_change"), 1);
	/* R goes silent, B goes on: R is dead after 2.25 periods, and B, a
	 * longer path, is taken two periods later (keep_dead): the reply goes
	 * to B at that moment, for the newest id B brought */
	h_clear(&f->h);
	for (; id < 12 && !up_is(f, &B); id++, t += MS(100)) {
		hb(f, &B, id, 2, t + MS(2));
		run_to(f, t + MS(99));
	}
	assert_true(up_is(f, &B));
	/* 2: the first to R and the one to B. None to R when it was found
	 * dead but kept while only a longer path existed: a relay kept so
	 * gets our reply again (it may have gone sparse, having lost our
	 * keep-alives), but R is the RSU itself, never sparse */
	assert_int_equal(ctr(f, "replies_sent_change"), 2);
	p = last_reply(f);
	assert_non_null(p);
	assert_int_equal(p->len, VN_REPLY_LEN);
	id--; /* the last one fed */
	want_reply(w, &B, id, 2, 100);
	assert_memory_equal(p->b, w, VN_REPLY_LEN);
	fx_free(f);
}

/* Rule 3: keep-alives on the upstream's copies of the ids of our K_a set,
 * and, when such a copy is lost, on its next copy once K_a ids passed. */
static void test_keepalive_schedule(void **state)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);
	uint32_t ka = f->p.reply_keepalive, keep = 0, lost = UINT32_MAX;
	bool owed_seen = false;

	(void)state;
	for (uint32_t id = 0; id < 100; id++, t += MS(100)) {
		uint64_t before = ctr(f, "replies_sent_keepalive");

		if ((id + st(&A)) % ka == 0 && id > 50 && lost == UINT32_MAX) {
			lost = id; /* this copy never arrives */
			continue;
		}
		hb(f, &R, id, 1, t);
		if (ctr(f, "replies_sent_keepalive") > before) {
			keep++;
			if (lost != UINT32_MAX && id > lost && !owed_seen) {
				/* the owed one: the next copy, K_a ids after
				 * the last reply */
				assert_int_equal(id, lost + 1);
				owed_seen = true;
			} else
				assert_int_equal((id + st(&A)) % ka, 0);
		}
	}
	(void)keep;
	assert_true(owed_seen);
	/* 100 ids, K_a 20: 5 due, one lost and made up for by the owed reply
	 * on the very next copy -- lost + 1 is K_a ids after the previous */
	assert_true(ctr(f, "replies_sent_keepalive") >= 4 && ctr(f, "replies_sent_keepalive") <= 5);
	assert_int_equal(ctr(f, "replies_sent_change"), 1);
	fx_free(f);
}

/* Our own data, 10 a second, straight to the RSU (our upstream is R
 * itself): it keeps our route at the RSU, so no keep-alive goes; through a
 * relay (B) the keep-alives go as before, data or not. */
static void send_own_data(struct fx *f, vn_usec now)
{
	uint8_t ip[64];
	size_t n = b_ip4(ip, 40, 1, 2);

	memcpy(f->h.mem + VN_PBUF_HEADROOM, ip, n);
	obu_core_on_tun(f->c, h_buf(&f->h, ip, n), now);
}

static void keepalive_with_data(const struct vn_mac *via, uint32_t hops, bool skipped)
{
	struct fx *f = fx_new(NULL);
	vn_usec t = MS(1000);

	for (uint32_t id = 0; id < 100; id++, t += MS(100)) {
		hb(f, via, id, hops, t);
		send_own_data(f, t + MS(50));
	}
	assert_int_equal(ctr(f, "up_sent"), 100);
	if (skipped) {
		assert_int_equal(ctr(f, "replies_sent_keepalive"), 0);
		assert_true(ctr(f, "replies_skipped_data") >= 4);
	} else {
		assert_true(ctr(f, "replies_sent_keepalive") >= 4);
		assert_int_equal(ctr(f, "replies_skipped_data"), 0);
	}
	/* the data stops: the keep-alives are back within K_a ids */
	for (uint32_t id = 100; id < 150; id++, t += MS(100))
		hb(f, via, id, hops, t);
	assert_true(ctr(f, "replies_sent_keepalive") >= (skipped ? 1 : 5));
	fx_free(f);
}

static void test_keepalive_skipped_by_direct_data(void **state)
{
	(void)state;
	keepalive_with_data(&R, 1, true);
	keepalive_with_data(&B, 2, false);
}

/* Rule 4: replies from below wait in a batch for their next hop; 3 within
 * reply_hold leave as one frame of 3 messages (to/from rewritten, the rest
 * as received) at the deadline, which next_timer names; a full batch goes at
 * once; our own reply to that hop takes the batch along, ours first. */
static void test_reply_batch_bytes(void **state)
{
	struct fx *f = fx_new(NULL);
	const struct vn_mac *snd[3] = {&B, &C, &D};
	uint8_t in[3][64], w[VN_REPLY_LEN];
	vn_usec t = MS(1000);
	size_t n = 0;

	(void)state;
	hb(f, &R, 0, 1, t);
	assert_true(up_is(f, &R));
	h_clear(&f->h);
	for (int i = 0; i < 3; i++) {
		n = b_reply(in[i], &A, snd[i], &R, 7, 0, 2, snd[i]);
		feed(f, in[i], n, t + MS(1 + (vn_usec)i));
	}
	assert_int_equal(f->h.ntx, 0);
	assert_int_equal(obu_core_next_timer(f->c), t + MS(1) + MS(10));
	run_to(f, t + MS(11));
	assert_int_equal(f->h.ntx, 1);
	assert_int_equal(f->h.tx[0].len, 3 * VN_REPLY_LEN);
	for (int i = 0; i < 3; i++) {
		memcpy(w, in[i], VN_REPLY_LEN);
		memcpy(w, R.b, 6);
		memcpy(w + 6, A.b, 6);
		assert_memory_equal(f->h.tx[0].b + i * VN_REPLY_LEN, w, VN_REPLY_LEN);
	}
	assert_int_equal(ctr(f, "replies_forwarded"), 3);
	assert_int_equal(ctr(f, "reply_frames_sent"), 1);
	/* a full batch (24) goes at once */
	h_clear(&f->h);
	for (int i = 0; i < VN_REPLY_BATCH_MAX; i++)
		feed(f, in[i % 3], n, t + MS(20));
	assert_int_equal(f->h.ntx, 1);
	assert_int_equal(f->h.tx[0].len, VN_REPLY_BATCH_MAX * VN_REPLY_LEN);
	/* piggyback: one waiting reply, then our keep-alive: one frame */
	h_clear(&f->h);
	t += MS(100);
	uint32_t id = 1;

	while ((id + st(&A)) % f->p.reply_keepalive != 0)
		id++;
	for (uint32_t k = 1; k < id; k++)
		hb(f, &R, k, 1, t + MS(100) * (k - 1));
	t += MS(100) * (id - 1);
	run_to(f, t - MS(50));
	h_clear(&f->h);
	feed(f, in[0], n, t);
	hb(f, &R, id, 1, t + MS(2));
	{
		const struct h_pkt *p = &f->h.tx[f->h.ntx - 1];

		assert_int_equal(p->len, 2 * VN_REPLY_LEN);
		want_reply(w, &R, id, 1, 100);
		assert_memory_equal(p->b, w, VN_REPLY_LEN); /* ours first */
		memcpy(w, in[0], VN_REPLY_LEN);
		memcpy(w, R.b, 6);
		memcpy(w + 6, A.b, 6);
		assert_memory_equal(p->b + VN_REPLY_LEN, w, VN_REPLY_LEN);
	}
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_at_once_on_change),
		cmocka_unit_test(test_keepalive_schedule),
		cmocka_unit_test(test_keepalive_skipped_by_direct_data),
		cmocka_unit_test(test_reply_batch_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
