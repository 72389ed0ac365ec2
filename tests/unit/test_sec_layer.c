/* The security layer end to end (common/sec_layer.c): an RSU's layer signs
 * its heartbeat, a relay OBU's layer verifies and forwards it one hop
 * further, a far OBU verifies the copy; and each attack of the issue's
 * threat table is refused with its own counter, state left unchanged. */
#include <sodium.h>

#include "sec_layer.h"
#include "sec_testutil.h"

struct node {
	struct vn_sec *s;
	struct vn_mac mac;
};

static struct vn_sec_netkeys netkeys(uint8_t id, uint8_t fill)
{
	struct vn_sec_netkeys k = { .n = 1, .send = 0 };

	k.k[0].id = id;
	memset(k.k[0].key, fill, VN_SEC_KEY_LEN);
	return k;
}

struct world {
	struct vn_sec_signkey rsukey;
	struct node rsu, relay, far;
	struct vn_sec_rsukeys trust;
};

static int setup(void **state)
{
	static struct world w;
	struct vn_sec_params p;
	struct vn_sec_netkeys nk = netkeys(1, 0x11);

	vn_sec_params_default(&p);
	memset(w.rsukey.seed, 5, sizeof(w.rsukey.seed));
	vn_sec_signkey_expand(&w.rsukey);
	w.trust.n = 1;
	memcpy(w.trust.pk[0], w.rsukey.pk, VN_SEC_PK_LEN);
	w.rsu = (struct node){ vn_sec_create(&mac_rsu, &p, 1000, 0), mac_rsu };
	w.relay = (struct node){ vn_sec_create(&mac_a, &p, 5000, 0), mac_a };
	w.far = (struct node){ vn_sec_create(&mac_b, &p, 9000, 0), mac_b };
	vn_sec_set_signkey(w.rsu.s, &w.rsukey, 3);
	for (struct node *n = &w.rsu; n <= &w.far; n++)
		vn_sec_set_netkeys(n->s, &nk);
	vn_sec_set_rsukeys(w.relay.s, &w.trust);
	vn_sec_set_rsukeys(w.far.s, &w.trust);
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	vn_sec_destroy(w->rsu.s);
	vn_sec_destroy(w->relay.s);
	vn_sec_destroy(w->far.s);
	return 0;
}


/* Sends the plain frame in f through n's layer; the secured copy lands in
 * out (as the receiver's buffer). Returns its length. */
static size_t tx(struct node *n, struct wframe *f, struct wframe *out)
{
	uint8_t *sec;
	size_t len = vn_sec_tx(n->s, f->b.data, f->b.len, vn_pbuf_headroom(&f->b),
			       vn_pbuf_tailroom(&f->b), &sec);

	if (len == 0)
		return 0;
	vn_pbuf_init(&out->b, out->mem, sizeof(out->mem));
	memcpy(out->b.data, sec, len);
	out->b.len = len;
	vn_sec_tx_restore(f->b.data);
	return len;
}

static void plain_heartbeat(struct wframe *f, const struct vn_mac *from, uint32_t id,
			    uint32_t hops)
{
	struct vn_heartbeat hb = { .uptime = 1000u * id, .id = id, .hops = hops, .source = mac_rsu };

	vn_pbuf_init(&f->b, f->mem, sizeof(f->mem));
	f->b.len = vn_enc_heartbeat(f->b.data, 100, &vn_mac_broadcast, from, &hb);
}

static void heartbeat_over_two_hops(void **state)
{
	struct world *w = *state;
	struct wframe plain, wire, copy;
	struct vn_msg m;
	size_t used;
	uint8_t before[VN_HEARTBEAT_LEN];

	plain_heartbeat(&plain, &mac_rsu, 1, 1);
	memcpy(before, plain.b.data, VN_HEARTBEAT_LEN);
	assert_int_equal(tx(&w->rsu, &plain, &wire),
			 VN_SEC_HLEN + 32 + VN_SEC_HBEXT_LEN + VN_SEC_TAG_LEN);
	/* the core's bytes are as it left them once the send returns */
	assert_memory_equal(plain.b.data, before, VN_HEARTBEAT_LEN);
	memcpy(&copy, &wire, sizeof(copy));
	copy.b.data = copy.mem + (wire.b.data - wire.mem);
	/* the relay: verified, and the core gets today's plain heartbeat */
	assert_int_equal(vn_sec_rx(w->relay.s, &wire.b, 10), VN_SEC_OK);
	assert_int_equal(wire.b.len, VN_HEARTBEAT_LEN);
	assert_memory_equal(wire.b.data, before, VN_HEARTBEAT_LEN);
	assert_int_equal(vn_decode_msg(wire.b.data, wire.b.len, &m, &used), VN_RX_OK);
	/* the same frame again from the same neighbour: a replay */
	assert_int_equal(vn_sec_rx(w->relay.s, &copy.b, 11), VN_SEC_DROP_replay);
	/* the relay's core forwards it in place (hops 2); its layer adds the
	 * extension with the chain hashed once */
	vn_fwd_heartbeat(&m, &mac_a);
	assert_int_equal(tx(&w->relay, &wire, &copy), VN_SEC_HLEN + 32 + VN_SEC_HBEXT_LEN + VN_SEC_TAG_LEN);
	assert_int_equal(vn_sec_rx(w->far.s, &copy.b, 20), VN_SEC_OK);
	assert_int_equal(vn_get_be32(copy.b.data + 36), 2);
}

/* Builds the relay's forwarded frame of heartbeat `id` (verified first; the
 * relay's clock moves on 100 ms each time, within its budget). */
static void relayed(struct world *w, uint32_t id, struct wframe *out)
{
	static vn_usec now = 100;
	struct wframe plain, wire;
	struct vn_msg m;
	size_t used;

	plain_heartbeat(&plain, &mac_rsu, id, 1);
	tx(&w->rsu, &plain, &wire);
	now += 100000;
	assert_int_equal(vn_sec_rx(w->relay.s, &wire.b, now), VN_SEC_OK);
	assert_int_equal(vn_decode_msg(wire.b.data, wire.b.len, &m, &used), VN_RX_OK);
	vn_fwd_heartbeat(&m, &mac_a);
	assert_int_not_equal(tx(&w->relay, &wire, out), 0);
}

static void retag(struct vn_sec_netkeys *k, struct wframe *f)
{
	struct vn_sec_view v;

	assert_int_equal(vn_sec_decode(f->b.data, f->b.len, &v), VN_SEC_OK);
	vn_sec_tag_view(k->k[0].key, &v, v.tag);
}

static void outsider_alters_or_has_wrong_key(void **state)
{
	struct world *w = *state;
	struct wframe f;
	struct vn_sec_netkeys wrong = netkeys(1, 0x99), other_id = netkeys(2, 0x11);
	uint64_t bad = vn_sec_drops(w->far.s, VN_SEC_DROP_bad_tag);

	relayed(w, 10, &f);
	f.b.data[VN_SEC_HLEN + 22 + 3] = 1; /* hops 2 -> 1, tag unchanged */
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 200), VN_SEC_DROP_bad_tag);
	retag(&wrong, &f); /* an outsider's key */
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 200), VN_SEC_DROP_bad_tag);
	assert_int_equal(vn_sec_drops(w->far.s, VN_SEC_DROP_bad_tag), bad + 2);
	relayed(w, 11, &f);
	f.b.data[16] = 2; /* a key id the node does not have */
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 200), VN_SEC_DROP_unknown_key);
	(void)other_id;
}

static void insider_lowers_hops(void **state)
{
	struct world *w = *state;
	struct vn_sec_netkeys nk = netkeys(1, 0x11);
	struct wframe f;

	/* the insider has the group key: it re-tags after lowering the hop
	 * count; the chain value is worth 2 hops, so the chain refuses it */
	relayed(w, 20, &f);
	f.b.data[VN_SEC_HLEN + 22 + 3] = 1;
	retag(&nk, &f);
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 300), VN_SEC_DROP_chain);
	/* adding hops is allowed by the chain (and harmless) */
}

static void insider_forges_rsu(void **state)
{
	struct world *w = *state;
	struct vn_sec_netkeys nk = netkeys(1, 0x11);
	struct vn_sec_signkey evil;
	struct vn_sec_params p;
	struct vn_sec *attacker;
	struct wframe plain, f;

	vn_sec_params_default(&p);
	memset(evil.seed, 6, sizeof(evil.seed));
	vn_sec_signkey_expand(&evil);
	/* an RSU of its own, not in the trust list, under the real RSU's MAC */
	attacker = vn_sec_create(&mac_rsu, &p, 1, 0);
	vn_sec_set_netkeys(attacker, &nk);
	vn_sec_set_signkey(attacker, &evil, 99);
	plain_heartbeat(&plain, &mac_rsu, 30, 1);
	tx(&(struct node){ attacker, mac_rsu }, &plain, &f);
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 400), VN_SEC_DROP_untrusted_rsu);
	/* the trusted key's hint with its own signature: a bad signature */
	plain_heartbeat(&plain, &mac_rsu, 31, 1);
	tx(&(struct node){ attacker, mac_rsu }, &plain, &f);
	memcpy(f.b.data + VN_SEC_HLEN + 32 + 8, w->rsukey.pk, VN_SEC_HINT_LEN);
	retag(&nk, &f);
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 400), VN_SEC_DROP_bad_signature);
	/* an unsigned heartbeat in a secured control frame, alone or batched */
	{
		struct vn_sec_netkeys k = nk;
		uint8_t *sec;
		size_t n;

		plain_heartbeat(&plain, &mac_rsu, 32, 1);
		vn_sec_set_signkey(attacker, NULL, 0);
		assert_int_equal(vn_sec_tx(attacker, plain.b.data, plain.b.len, 48, 1000, &sec), 0);
		/* by hand: a reply-sized frame class control holding a heartbeat */
		memcpy(f.mem, plain.mem, sizeof(f.mem));
		f.b.data = f.mem + (plain.b.data - plain.mem) - VN_SEC_SHIFT;
		memcpy(f.b.data, plain.b.data, VN_ETH_HLEN);
		vn_sec_put_header(f.b.data, 0, 1, 0, VN_HEARTBEAT_LEN - VN_ETH_HLEN, 77);
		n = VN_SEC_HLEN + VN_HEARTBEAT_LEN - VN_ETH_HLEN;
		vn_sec_tag(k.k[0].key, f.b.data, n, f.b.data + n);
		f.b.len = n + VN_SEC_TAG_LEN;
		assert_int_equal(vn_sec_rx(w->far.s, &f.b, 400), VN_SEC_DROP_unsigned_hb);
	}
	vn_sec_destroy(attacker);
}

struct find {
	const char *name;
	uint64_t v;
};

static void find_cb(void *ctx, const char *n, uint64_t v)
{
	struct find *f = ctx;

	if (strcmp(f->name, n) == 0)
		f->v = v;
}

static uint64_t counter(struct vn_sec *s, const char *name)
{
	struct find f = { name, UINT64_MAX };

	vn_sec_counters(s, find_cb, &f);
	return f.v;
}

static void budget_and_cache(void **state)
{
	struct world *w = *state;
	struct vn_sec_netkeys nk = netkeys(1, 0x11);
	struct wframe f, g;
	unsigned budget = 0, badsig = 0;
	uint64_t hits;

	/* a flood of bad signatures from one neighbour: after the burst they
	 * are not even checked */
	for (int i = 0; i < 300; i++) {
		enum vn_sec_drop d;

		relayed(w, 1000 + (uint32_t)i, &f);
		f.b.data[VN_SEC_HLEN + 32 + 48] ^= 1; /* break the signature */
		retag(&nk, &f);
		d = vn_sec_rx(w->far.s, &f.b, 500);
		budget += d == VN_SEC_DROP_budget;
		badsig += d == VN_SEC_DROP_bad_signature;
	}
	assert_true(badsig <= 100);
	assert_true(budget >= 200);
	/* the chosen RSU via the upstream still gets through on its reserve */
	vn_sec_set_chosen(w->far.s, &mac_rsu, &mac_c); /* another upstream: no reserve */
	relayed(w, 1999, &f);
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 500), VN_SEC_DROP_budget);
	vn_sec_set_chosen(w->far.s, &mac_rsu, &mac_a);
	relayed(w, 2000, &f);
	memcpy(&g, &f, sizeof(g));
	g.b.data = g.mem + (f.b.data - f.mem);
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 500), VN_SEC_OK);
	/* a second copy of the same heartbeat (from another neighbour, say):
	 * matched in the cache, no signature check, no budget */
	hits = counter(w->far.s, "sec_sig_cache_hits");
	g.b.data[11] = 0x77; /* another transmitter, re-tagged */
	g.b.data[VN_SEC_HLEN - 8] = 0; /* its own counter */
	retag(&nk, &g);
	assert_int_equal(vn_sec_rx(w->far.s, &g.b, 500), VN_SEC_OK);
	assert_int_equal(counter(w->far.s, "sec_sig_cache_hits"), hits + 1);
}

/* The far node heard heartbeat 3000 at 2 hops (via the relay); a copy
 * relayed one hop further (3 hops, its chain value hashed once more) is a
 * cache hit, not a chain mismatch; the same copy claiming 2 hops with the
 * 3-hop value is one. (Found with the failover test under VN_SECURITY=1:
 * the cached check hashed in the wrong direction.) */
static void cache_hit_one_hop_further(void **state)
{
	struct world *w = *state;
	struct vn_sec_netkeys nk = netkeys(1, 0x11);
	struct wframe f, g;
	uint8_t *val;
	uint64_t hits, chain;

	relayed(w, 3000, &f);
	memcpy(&g, &f, sizeof(g));
	g.b.data = g.mem + (f.b.data - f.mem);
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 20000000), VN_SEC_OK);
	hits = counter(w->far.s, "sec_sig_cache_hits");
	chain = counter(w->far.s, "sec_chain");
	/* another OBU relays it: hops 3, value hashed once, its own tag */
	vn_put_be32(g.b.data + VN_SEC_HLEN + 22, 3);
	val = g.b.data + VN_SEC_HLEN + 32 + 32;
	vn_sec_hash(val, val);
	g.b.data[11] = 0x55;
	retag(&nk, &g);
	memcpy(&f, &g, sizeof(f));
	f.b.data = f.mem + (g.b.data - g.mem);
	assert_int_equal(vn_sec_rx(w->far.s, &g.b, 20000001), VN_SEC_OK);
	assert_int_equal(counter(w->far.s, "sec_sig_cache_hits"), hits + 1);
	/* the same 3-hop value claimed at 2 hops */
	vn_put_be32(f.b.data + VN_SEC_HLEN + 22, 2);
	f.b.data[11] = 0x56;
	retag(&nk, &f);
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 20000002), VN_SEC_DROP_chain);
	assert_int_equal(counter(w->far.s, "sec_chain"), chain + 1);
}

static void counters_named(void **state)
{
	struct world *w = *state;

	assert_true(counter(w->far.s, "sec_sig_cache_hits") >= 1);
	assert_true(counter(w->far.s, "sec_budget") >= 200);
	assert_true(counter(w->far.s, "sec_bad_tag") >= 2);
	assert_true(counter(w->far.s, "sec_chain") >= 1);
	assert_int_equal(counter(w->far.s, "sec_nope"), UINT64_MAX);
}

static void stale_epoch(void **state)
{
	struct world *w = *state;
	struct wframe f;

	/* (10 s after the flood above: the budget has refilled) */
	/* the RSU restarts with a fresh epoch: accepted ... */
	vn_sec_set_signkey(w->rsu.s, &w->rsukey, 4);
	relayed(w, 0, &f);
	assert_int_equal(vn_sec_rx(w->far.s, &f.b, 10000000), VN_SEC_OK);
	/* ... and a heartbeat of the old epoch (a recording, re-sent with
	 * fresh tags by an insider) is stale from now on, at every node */
	vn_sec_set_signkey(w->rsu.s, &w->rsukey, 3);
	{
		struct wframe plain;

		plain_heartbeat(&plain, &mac_rsu, 5000, 1);
		tx(&w->rsu, &plain, &f);
		assert_int_equal(vn_sec_rx(w->far.s, &f.b, 10000000), VN_SEC_DROP_stale_hb);
		/* within the epoch: ids far behind the newest are stale too */
		vn_sec_set_signkey(w->rsu.s, &w->rsukey, 4);
		plain_heartbeat(&plain, &mac_rsu, 100, 1);
		tx(&w->rsu, &plain, &f);
		assert_int_equal(vn_sec_rx(w->far.s, &f.b, 10000000), VN_SEC_OK);
		plain_heartbeat(&plain, &mac_rsu, 100 - 65, 1);
		tx(&w->rsu, &plain, &f);
		assert_int_equal(vn_sec_rx(w->far.s, &f.b, 10000000), VN_SEC_DROP_stale_hb);
	}
	vn_sec_set_signkey(w->rsu.s, &w->rsukey, 4);
}

static void data_and_rotation(void **state)
{
	struct world *w = *state;
	struct wframe plain, f;
	struct vn_sec_netkeys both = { .n = 2, .send = 0 }, next;
	static const uint8_t ip[20] = { 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17 };

	vn_pbuf_init(&plain.b, plain.mem, sizeof(plain.mem));
	memcpy(plain.b.data, ip, sizeof(ip));
	plain.b.len = sizeof(ip);
	assert_int_equal(vn_enc_upstream(&plain.b, &mac_rsu, &mac_b, &mac_b), VN_UP_HLEN);
	assert_int_equal(tx(&w->far, &plain, &f), VN_SEC_HLEN + VN_UP_HLEN - 14 + 20 + 16);
	assert_int_equal(vn_sec_rx(w->rsu.s, &f.b, 10000001), VN_SEC_OK);
	assert_memory_equal(f.b.data + VN_UP_HLEN, ip, sizeof(ip)); /* in clear */
	/* rotation: the receiver learns key 2 first, the sender switches later,
	 * and no frame in between is lost */
	both.k[0] = netkeys(1, 0x11).k[0];
	both.k[1] = netkeys(2, 0x22).k[0];
	vn_sec_set_netkeys(w->rsu.s, &both);
	assert_int_equal(tx(&w->far, &plain, &f), 72);
	assert_int_equal(vn_sec_rx(w->rsu.s, &f.b, 10000002), VN_SEC_OK);
	next = netkeys(2, 0x22);
	vn_sec_set_netkeys(w->far.s, &next);
	assert_int_equal(tx(&w->far, &plain, &f), 72);
	assert_int_equal(f.b.data[16], 2);
	assert_int_equal(vn_sec_rx(w->rsu.s, &f.b, 10000003), VN_SEC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(heartbeat_over_two_hops),
		cmocka_unit_test(outsider_alters_or_has_wrong_key),
		cmocka_unit_test(insider_lowers_hops),
		cmocka_unit_test(insider_forges_rsu),
		cmocka_unit_test(budget_and_cache),
		cmocka_unit_test(cache_hit_one_hop_further),
		cmocka_unit_test(counters_named),
		cmocka_unit_test(stale_epoch),
		cmocka_unit_test(data_and_rotation),
	};

	if (sodium_init() < 0)
		return 1;
	/* the tests build on each other's state, in this order */
	return cmocka_run_group_tests(tests, setup, teardown);
}
