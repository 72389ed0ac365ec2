/* mode = encrypt in the layer (common/sec_layer_e2e.c) between an RSU, a
 * relay OBU and a far OBU: hello, both directions, relays passing
 * ciphertext on keyless, broadcasts, replays, tampering, takeovers, missing
 * sessions and restarts. The building blocks: test_sec_aead.c. */
#include <sodium.h>

#include "sec_layer.h"
#include "sec_testutil.h"



/* Upstream of origin's packet as transmitted by `from`. */
static void upstream_as(struct wframe *f, const struct vn_mac *from, const struct vn_mac *origin)
{
	vn_pbuf_init(&f->b, f->mem, sizeof(f->mem));
	ip_packet(f->b.data, 100, 1);
	f->b.len = 100;
	assert_int_equal(vn_enc_upstream(&f->b, &mac_rsu, from, origin), VN_UP_HLEN);
}

static void downstream(struct wframe *f, const struct vn_mac *to, const struct vn_mac *dst,
		       size_t ip_len)
{
	vn_pbuf_init(&f->b, f->mem, sizeof(f->mem));
	ip_packet(f->b.data, ip_len, 3);
	f->b.len = ip_len;
	assert_int_equal(vn_enc_downstream(&f->b, to, &mac_rsu, &mac_rsu, dst), VN_DOWN_HLEN);
}

/* --- The layer ------------------------------------------------------------------- */

struct node {
	struct vn_sec *s;
	struct vn_mac mac;
};

struct world {
	struct vn_sec_signkey rsukey;
	struct vn_sec_rsukeys trust;
	struct vn_sec_netkeys net;
	struct node rsu, relay, far;
	vn_usec now;
};

/* ctr_start: the per-hop counters' start (the shell's wall clock). */
static struct node mk_node(struct world *w, const struct vn_mac *mac, const uint8_t seed[32],
			   uint64_t ctr_start)
{
	struct vn_sec_params p;
	struct node n = { NULL, *mac };

	vn_sec_params_default(&p);
	n.s = vn_sec_create(mac, &p, ctr_start, w->now);
	vn_sec_set_netkeys(n.s, &w->net);
	if (vn_mac_eq(mac, &mac_rsu))
		vn_sec_set_signkey(n.s, &w->rsukey, 3);
	else
		vn_sec_set_rsukeys(n.s, &w->trust);
	vn_sec_set_encrypt(n.s, seed);
	return n;
}

static int setup(void **state)
{
	static struct world w;
	static const uint8_t rseed[32] = { 1 }, aseed[32] = { 2 }, bseed[32] = { 3 };

	memset(&w, 0, sizeof(w));
	memset(w.rsukey.seed, 5, sizeof(w.rsukey.seed));
	vn_sec_signkey_expand(&w.rsukey);
	w.trust.n = 1;
	memcpy(w.trust.pk[0], w.rsukey.pk, VN_SEC_PK_LEN);
	w.net.n = 1;
	w.net.k[0].id = 1;
	memset(w.net.k[0].key, 0x11, VN_SEC_KEY_LEN);
	w.now = 1000;
	w.rsu = mk_node(&w, &mac_rsu, rseed, 1000);
	w.relay = mk_node(&w, &mac_a, aseed, 1000);
	w.far = mk_node(&w, &mac_b, bseed, 1000);
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

struct cnt_find {
	const char *name;
	uint64_t v;
};

static void cnt_fn(void *ctx, const char *n, uint64_t v)
{
	struct cnt_find *c = ctx;

	if (strcmp(n, c->name) == 0)
		c->v = v;
}

static uint64_t counter(const struct vn_sec *s, const char *name)
{
	struct cnt_find c = { name, UINT64_MAX };

	vn_sec_counters(s, cnt_fn, &c);
	return c.v;
}

/* n's layer sends the plain frame f (in place, as the daemon does for data
 * in its pool); the wire bytes land in out. Returns their length. */
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
	return len;
}

static enum vn_sec_drop rx(struct world *w, struct node *n, struct wframe *f)
{
	w->now += 1000;
	return vn_sec_rx(n->s, &f->b, w->now);
}

/* The RSU's signed heartbeat, verified by OBU n as a direct neighbour: n
 * knows the RSU (its MAC, its epoch) and routes by it. */
static void obu_hears_rsu(struct world *w, struct node *n, uint32_t id)
{
	struct vn_heartbeat hb = { .uptime = 1000u * id, .id = id, .hops = 1, .source = mac_rsu };
	struct wframe plain, wire;

	vn_pbuf_init(&plain.b, plain.mem, sizeof(plain.mem));
	plain.b.len = vn_enc_heartbeat(plain.b.data, 100, &vn_mac_broadcast, &mac_rsu, &hb);
	assert_true(tx(&w->rsu, &plain, &wire) > 0);
	assert_int_equal(rx(w, n, &wire), VN_SEC_OK);
	vn_sec_set_chosen(n->s, &mac_rsu, &mac_rsu);
}

/* The same with RSU layer r (not the world's). */
static void obu_hears_rsu_from(struct world *w, struct node *r, struct node *n)
{
	struct vn_heartbeat hb = { .uptime = 1, .id = 1, .hops = 1, .source = mac_rsu };
	struct wframe plain, wire;

	vn_pbuf_init(&plain.b, plain.mem, sizeof(plain.mem));
	plain.b.len = vn_enc_heartbeat(plain.b.data, 100, &vn_mac_broadcast, &mac_rsu, &hb);
	assert_true(tx(r, &plain, &wire) > 0);
	assert_int_equal(rx(w, n, &wire), VN_SEC_OK);
	vn_sec_set_chosen(n->s, &mac_rsu, &mac_rsu);
}

/* An insider (network key, no session key) sends frame f again with a
 * fresh per-hop counter and tag: only the end-to-end checks remain. */
static void retag(struct world *w, struct wframe *f, uint64_t ctr)
{
	struct vn_sec_view v;

	for (int i = 0; i < 8; i++)
		f->b.data[20 + i] = (uint8_t)(ctr >> (56 - 8 * i));
	assert_int_equal(vn_sec_decode(f->b.data, f->b.len, &v), VN_SEC_OK);
	vn_sec_tag_view(w->net.k[0].key, &v, v.tag);
}

static void hello_then_both_directions(void **state)
{
	struct world *w = *state;
	struct wframe plain, wire, copy;
	uint8_t hello[VN_UP_HLEN + 200], ip[1400];

	/* before a verified heartbeat: no session, nothing sent */
	upstream(&plain, &mac_rsu, &mac_a, 1400);
	assert_int_equal(tx(&w->relay, &plain, &wire), 0);
	assert_int_equal(counter(w->relay.s, "sec_tx_no_session"), 1);
	/* the RSU cannot reach an OBU it has no session with */
	downstream(&plain, &mac_a, &mac_a, 64);
	assert_int_equal(tx(&w->rsu, &plain, &wire), 0);
	assert_int_equal(counter(w->rsu.s, "sec_tx_no_session"), 1);
	/* the hello: consumed by the RSU, which then has the session */
	obu_hears_rsu(w, &w->relay, 1);
	vn_sec_hello(w->relay.s, &mac_rsu, hello + 100);
	vn_pbuf_init(&plain.b, plain.mem, sizeof(plain.mem));
	memcpy(plain.b.data, hello + 100, VN_UP_HLEN);
	plain.b.len = VN_UP_HLEN;
	assert_int_equal(tx(&w->relay, &plain, &wire),
			 VN_SEC_HLEN + 8 + VN_E2E_UP_HLEN + VN_E2E_ABYTES + VN_SEC_TAG_LEN);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_DROP_hello);
	/* RSU -> OBU, 64 bytes, opened in place at the OBU */
	downstream(&plain, &mac_a, &mac_a, 64);
	memcpy(ip, plain.b.data + VN_DOWN_HLEN, 64);
	assert_int_equal(tx(&w->rsu, &plain, &wire),
			 VN_SEC_HLEN + 14 + VN_E2E_DOWN_HLEN + 64 + VN_E2E_ABYTES + VN_SEC_TAG_LEN);
	assert_true(vn_sec_tx_sealed(w->rsu.s));
	assert_null(memmem(wire.b.data, wire.b.len, ip + 20, 44)); /* no plaintext on the air */
	assert_int_equal(rx(w, &w->relay, &wire), VN_SEC_OK);
	assert_int_equal(wire.b.len, VN_DOWN_HLEN + 64);
	assert_memory_equal(wire.b.data + VN_DOWN_HLEN, ip, 64);
	/* OBU -> RSU, 1400 bytes */
	upstream(&plain, &mac_rsu, &mac_a, 1400);
	memcpy(ip, plain.b.data + VN_UP_HLEN, 1400);
	assert_true(tx(&w->relay, &plain, &wire) > 0);
	memcpy(&copy, &wire, sizeof(copy));
	copy.b.data = copy.mem + (wire.b.data - wire.mem);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_OK);
	assert_int_equal(wire.b.len, VN_UP_HLEN + 1400);
	assert_memory_equal(wire.b.data + VN_UP_HLEN, ip, 1400);
	/* the copy: the per-hop window stops it; re-tagged by an insider with
	 * a fresh per-hop counter, the AEAD window does */
	assert_int_equal(rx(w, &w->rsu, &copy), VN_SEC_DROP_replay);
	retag(w, &copy, UINT64_C(1) << 60);
	assert_int_equal(rx(w, &w->rsu, &copy), VN_SEC_DROP_data_replay);
	assert_int_equal(counter(w->rsu.s, "sec_data_replay"), 1);
}

/* An insider alters the ciphertext and re-tags the hop: the AEAD refuses
 * it, and nothing changed: the genuine packet opens afterwards. */
static void insider_tampering(void **state)
{
	struct world *w = *state;
	struct wframe plain, wire, bad;

	upstream(&plain, &mac_rsu, &mac_a, 200);
	assert_true(tx(&w->relay, &plain, &wire) > 0);
	memcpy(&bad, &wire, sizeof(bad));
	bad.b.data = bad.mem + (wire.b.data - wire.mem);
	bad.b.data[VN_SEC_HLEN + 8 + VN_E2E_UP_HLEN + 30] ^= 0x80;
	retag(w, &bad, UINT64_C(1) << 61);
	assert_int_equal(rx(w, &w->rsu, &bad), VN_SEC_DROP_bad_aead);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_OK);
	/* another OBU key for the same origin while its session is in use:
	 * refused before any derivation, and the session stays */
	upstream(&plain, &mac_rsu, &mac_a, 200);
	assert_true(tx(&w->relay, &plain, &wire) > 0);
	memcpy(&bad, &wire, sizeof(bad));
	bad.b.data = bad.mem + (wire.b.data - wire.mem);
	bad.b.data[VN_SEC_HLEN + 8 + 20] ^= 1; /* a byte of the OBU key */
	retag(w, &bad, UINT64_C(1) << 61 | 1);
	assert_int_equal(rx(w, &w->rsu, &bad), VN_SEC_DROP_session_pinned);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_OK);
}

/* An insider with the network key and its own key pair claims an active
 * OBU's MAC (a valid AEAD under its own session): refused while the real
 * OBU's session is in use, so it cannot have the RSU seal that OBU's
 * Downstream for it. After 3 s of silence the new key is taken: that is
 * also how a restarted OBU gets its session back. */
static void session_pinned_against_takeover(void **state)
{
	struct world *w = *state;
	static const uint8_t mseed[32] = { 0x66 };
	struct node mallory = mk_node(w, &mac_a, mseed, UINT64_C(1) << 40);
	struct wframe plain, wire;

	obu_hears_rsu(w, &mallory, 3);
	upstream(&plain, &mac_rsu, &mac_a, 100);
	assert_true(tx(&w->relay, &plain, &wire) > 0);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_OK); /* the real one, now */
	upstream_as(&plain, &mac_d, &mac_a); /* sent from its own MAC */
	assert_true(tx(&mallory, &plain, &wire) > 0);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_DROP_session_pinned);
	/* the RSU still seals a's Downstream for the real a */
	downstream(&plain, &mac_a, &mac_a, 64);
	assert_true(tx(&w->rsu, &plain, &wire) > 0);
	assert_int_equal(rx(w, &w->relay, &wire), VN_SEC_OK);
	/* silence for more than 3 s: the new key (a restart) is taken */
	w->now += 3500000;
	upstream_as(&plain, &mac_d, &mac_a); /* sent from its own MAC */
	assert_true(tx(&mallory, &plain, &wire) > 0);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_OK);
	vn_sec_destroy(mallory.s);
	/* the real a comes back after its own silence */
	w->now += 3500000;
	upstream(&plain, &mac_rsu, &mac_a, 100);
	assert_true(tx(&w->relay, &plain, &wire) > 0);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_OK);
}

/* far -> relay -> RSU and back: the relay passes the sealed packet on
 * without opening it, its core seeing an IPv4 packet; the far OBU opens
 * what the RSU sealed for it. */
static void relay_passes_ciphertext(void **state)
{
	struct world *w = *state;
	struct wframe plain, wire, fwd;
	struct vn_msg m;
	size_t used;
	uint8_t ip[300];
	uint64_t opened = counter(w->relay.s, "sec_rx_opened"), rsu_opened, rsu_bad;

	obu_hears_rsu(w, &w->far, 2);
	vn_sec_set_chosen(w->far.s, &mac_rsu, &mac_a);
	upstream(&plain, &mac_a, &mac_b, 300);
	memcpy(ip, plain.b.data + VN_UP_HLEN, 300);
	assert_true(tx(&w->far, &plain, &wire) > 0);
	/* the RSU overhears it (to the relay): not its to open -- an
	 * attempt would fail or burn the counter (a relay in reach of two
	 * RSUs hands packets to the one its origin chose) */
	memcpy(&fwd, &wire, sizeof(fwd));
	fwd.b.data = fwd.mem + (wire.b.data - wire.mem);
	rsu_opened = counter(w->rsu.s, "sec_rx_opened");
	rsu_bad = counter(w->rsu.s, "sec_bad_aead");
	assert_int_equal(rx(w, &w->rsu, &fwd), VN_SEC_OK);
	assert_int_equal(counter(w->rsu.s, "sec_rx_opened"), rsu_opened);
	assert_int_equal(counter(w->rsu.s, "sec_bad_aead"), rsu_bad);
	assert_int_equal(rx(w, &w->relay, &wire), VN_SEC_OK);
	assert_int_equal(counter(w->relay.s, "sec_rx_opened"), opened);
	assert_int_equal(vn_decode_msg(wire.b.data, wire.b.len, &m, &used), VN_RX_OK);
	assert_int_equal(m.type, VN_MSG_UPSTREAM);
	assert_int_equal(m.payload_len, VN_E2E_UP_HLEN + 300 + VN_E2E_ABYTES);
	assert_null(memmem(m.payload, m.payload_len, ip + 20, 280));
	vn_fwd_rewrite(wire.b.data, &mac_rsu, &mac_a);
	assert_true(tx(&w->relay, &wire, &fwd) > 0);
	assert_false(vn_sec_tx_sealed(w->relay.s));
	assert_int_equal(rx(w, &w->rsu, &fwd), VN_SEC_OK);
	assert_memory_equal(fwd.b.data + VN_UP_HLEN, ip, 300);
	/* and down: sealed for far, passed by the relay, opened by far */
	downstream(&plain, &mac_a, &mac_b, 300);
	memcpy(ip, plain.b.data + VN_DOWN_HLEN, 300);
	assert_true(tx(&w->rsu, &plain, &wire) > 0);
	assert_int_equal(rx(w, &w->relay, &wire), VN_SEC_OK);
	vn_fwd_rewrite(wire.b.data, &mac_b, &mac_a);
	assert_true(tx(&w->relay, &wire, &fwd) > 0);
	assert_int_equal(rx(w, &w->far, &fwd), VN_SEC_OK);
	assert_memory_equal(fwd.b.data + VN_DOWN_HLEN, ip, 300);
	assert_int_equal(counter(w->relay.s, "sec_rx_opened"), opened);
}

/* Subtype 02 (what this version sends): the per-hop tag covers every byte
 * but the ciphertext, which the AEAD tag covers end to end. An outsider
 * who alters ciphertext in flight gets it past the relays, and the end
 * point refuses it (bad_aead): what it buys is the relays' airtime, once
 * per frame it caught (the per-hop window still refuses the original and
 * every replay). Subtype 01 (tag over everything, the version before) is
 * still accepted. */
static void per_hop_tag_coverage(void **state)
{
	struct world *w = *state;
	struct wframe plain, wire, copy, fwd;
	struct vn_sec_view v;
	size_t body0, body1;
	uint64_t bad = counter(w->rsu.s, "sec_bad_aead");

	obu_hears_rsu(w, &w->far, 4);
	vn_sec_set_chosen(w->far.s, &mac_rsu, &mac_a);
	upstream(&plain, &mac_a, &mac_b, 300);
	assert_true(tx(&w->far, &plain, &wire) > 0);
	assert_int_equal(wire.b.data[15], VN_SEC_SUB_ENCRYPT_HT);
	assert_int_equal(vn_sec_decode(wire.b.data, wire.b.len, &v), VN_SEC_OK);
	body0 = (size_t)(v.e2e.msg - wire.b.data);
	body1 = body0 + v.e2e.msg_len;
	assert_int_equal(v.e2e.msg_len, 300);
	for (size_t i = 0; i < v.len; i++) {
		memcpy(&copy, &wire, sizeof(copy));
		copy.b.data = copy.mem + (wire.b.data - wire.mem);
		copy.b.data[i] ^= 0x20;
		if (vn_sec_decode(copy.b.data, copy.b.len, &v) != VN_SEC_OK)
			continue;
		/* i < 12 would need a key: to/from are covered like the rest */
		assert_int_equal(vn_sec_tag_ok(w->net.k[0].key, &v), i >= body0 && i < body1);
	}
	/* a ciphertext byte altered in flight: relayed, refused at the RSU */
	wire.b.data[body0 + 100] ^= 0x20;
	assert_int_equal(rx(w, &w->relay, &wire), VN_SEC_OK);
	vn_fwd_rewrite(wire.b.data, &mac_rsu, &mac_a);
	assert_true(tx(&w->relay, &wire, &fwd) > 0);
	assert_int_equal(rx(w, &w->rsu, &fwd), VN_SEC_DROP_bad_aead);
	assert_int_equal(counter(w->rsu.s, "sec_bad_aead"), bad + 1);
	/* subtype 01, tagged over everything: accepted */
	upstream(&plain, &mac_a, &mac_b, 300);
	assert_true(tx(&w->far, &plain, &wire) > 0);
	wire.b.data[15] = VN_SEC_SUB_ENCRYPT;
	assert_int_equal(vn_sec_decode(wire.b.data, wire.b.len, &v), VN_SEC_OK);
	memcpy(&copy, &wire, sizeof(copy));
	copy.b.data = copy.mem + (wire.b.data - wire.mem);
	assert_int_equal(rx(w, &w->relay, &copy), VN_SEC_DROP_bad_tag); /* 02's tag */
	vn_sec_tag(w->net.k[0].key, wire.b.data, v.len - VN_SEC_TAG_LEN, v.tag);
	assert_int_equal(rx(w, &w->relay, &wire), VN_SEC_OK);
}

/* A broadcast: each hop opens it and seals it again under the group data
 * key in its own nonce space. */
static void broadcast_hop_by_hop(void **state)
{
	struct world *w = *state;
	struct wframe plain, wire, fwd;
	uint8_t ip[100];

	downstream(&plain, &vn_mac_broadcast, &vn_mac_broadcast, 100);
	memcpy(ip, plain.b.data + VN_DOWN_HLEN, 100);
	assert_int_equal(tx(&w->rsu, &plain, &wire),
			 VN_SEC_HLEN + 14 + VN_E2E_BCAST_HLEN + 100 + VN_E2E_ABYTES + VN_SEC_TAG_LEN);
	assert_int_equal(rx(w, &w->relay, &wire), VN_SEC_OK);
	assert_memory_equal(wire.b.data + VN_DOWN_HLEN, ip, 100);
	vn_fwd_rewrite(wire.b.data, &vn_mac_broadcast, &mac_a);
	assert_true(tx(&w->relay, &wire, &fwd) > 0);
	assert_true(vn_sec_tx_sealed(w->relay.s));
	assert_int_equal(rx(w, &w->far, &fwd), VN_SEC_OK);
	assert_memory_equal(fwd.b.data + VN_DOWN_HLEN, ip, 100);
}

/* Plain data in encrypt mode, and sealed data at a node in authenticate
 * mode, are refused with their own counters. */
static void plain_and_unsupported(void **state)
{
	struct world *w = *state;
	struct wframe plain, wire;
	struct vn_sec_params p;
	struct vn_sec *auth;

	vn_sec_params_default(&p);
	auth = vn_sec_create(&mac_c, &p, 1, w->now);
	vn_sec_set_netkeys(auth, &w->net);
	vn_sec_set_rsukeys(auth, &w->trust);
	upstream(&plain, &mac_rsu, &mac_c, 100);
	{
		struct node a = { auth, mac_c };

		assert_true(tx(&a, &plain, &wire) > 0);
	}
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_DROP_plain_data);
	upstream(&plain, &mac_c, &mac_a, 100);
	assert_true(tx(&w->relay, &plain, &wire) > 0);
	w->now += 1000;
	assert_int_equal(vn_sec_rx(auth, &wire.b, w->now), VN_SEC_DROP_unsupported);
	vn_sec_destroy(auth);
}

/* The RSU restarts (epoch 4, counters from 1 again): what it seals is under
 * new keys; an OBU still on epoch 3 says no_session until the RSU's new
 * heartbeat, then opens. A packet sealed for epoch 3 reaching the new RSU:
 * no_session. */
static void rsu_restart(void **state)
{
	struct world *w = *state;
	static const uint8_t rseed[32] = { 9 };
	struct wframe plain, old_up, wire;
	uint8_t hello[VN_UP_HLEN];

	upstream(&plain, &mac_rsu, &mac_a, 80);
	assert_true(tx(&w->relay, &plain, &old_up) > 0); /* sealed for epoch 3 */
	vn_sec_destroy(w->rsu.s);
	w->rsu = mk_node(w, &mac_rsu, rseed, 1000000);
	vn_sec_set_signkey(w->rsu.s, &w->rsukey, 4);
	assert_int_equal(rx(w, &w->rsu, &old_up), VN_SEC_DROP_no_session);
	/* the OBU hears epoch 4, says hello; the RSU reaches it */
	obu_hears_rsu(w, &w->relay, 0);
	vn_sec_hello(w->relay.s, &mac_rsu, hello);
	vn_pbuf_init(&plain.b, plain.mem, sizeof(plain.mem));
	memcpy(plain.b.data, hello, sizeof(hello));
	plain.b.len = sizeof(hello);
	assert_true(tx(&w->relay, &plain, &wire) > 0);
	assert_int_equal(rx(w, &w->rsu, &wire), VN_SEC_DROP_hello);
	downstream(&plain, &mac_a, &mac_a, 64);
	assert_true(tx(&w->rsu, &plain, &wire) > 0);
	assert_int_equal(rx(w, &w->relay, &wire), VN_SEC_OK);
	/* far still knows epoch 3 only: the RSU's new packets are no session
	 * for it (it needs the new heartbeat first) */
	obu_hears_rsu(w, &w->far, 1); /* the RSU tells far of epoch 4 */
	assert_int_equal(counter(w->far.s, "sec_no_session"), 0);
}

/* Black box, across restarts: the same packet sealed first after a start
 * (counter 1 each time) must never come out the same, which it would if a
 * (key, nonce) pair came back. One RSU run after another (epoch 3, then
 * 4, the same OBU run), and one OBU run after another (the same RSU run).
 * Fails if the epoch is not mixed into the keys. */
static void first_packets_differ_across_restarts(void **state)
{
	struct world *w = *state;
	static const uint8_t rseed[32] = { 0x31 }, oseed[32] = { 0x32 }, oseed2[32] = { 0x33 };
	uint8_t ct[3][VN_SEC_HLEN + 14 + VN_E2E_DOWN_HLEN + 64 + VN_E2E_ABYTES + VN_SEC_TAG_LEN];
	size_t n[3];

	for (int run = 0; run < 3; run++) {
		struct node rsu = mk_node(w, &mac_rsu, rseed, 1000);
		struct node obu = mk_node(w, &mac_c, run == 2 ? oseed2 : oseed, 1000);
		struct wframe plain, wire;
		uint8_t hello[VN_UP_HLEN];
		struct vn_e2e_view e;

		vn_sec_set_signkey(rsu.s, &w->rsukey, run == 0 ? 3 : 4);
		obu_hears_rsu_from(w, &rsu, &obu);
		vn_sec_hello(obu.s, &mac_rsu, hello);
		vn_pbuf_init(&plain.b, plain.mem, sizeof(plain.mem));
		memcpy(plain.b.data, hello, sizeof(hello));
		plain.b.len = sizeof(hello);
		assert_true(tx(&obu, &plain, &wire) > 0);
		assert_int_equal(rx(w, &rsu, &wire), VN_SEC_DROP_hello);
		downstream(&plain, &mac_c, &mac_c, 64);
		n[run] = tx(&rsu, &plain, &wire);
		assert_true(n[run] > 0 && n[run] <= sizeof(ct[run]));
		memcpy(ct[run], wire.b.data, n[run]);
		assert_int_equal(vn_e2e_decode(ct[run] + VN_SEC_HLEN, n[run] - VN_SEC_HLEN - VN_SEC_TAG_LEN,
					       &e), VN_SEC_OK);
		assert_int_equal(e.counter, 1); /* the first of the run, every time */
		vn_sec_destroy(rsu.s);
		vn_sec_destroy(obu.s);
	}
	/* the ciphertext alone: the same keystream would show there (the tag
	 * differs anyway, the epoch being associated data) */
	for (int a = 0; a < 3; a++)
		for (int b = a + 1; b < 3; b++)
			assert_memory_not_equal(ct[a] + VN_SEC_HLEN + 14 + VN_E2E_DOWN_HLEN,
						ct[b] + VN_SEC_HLEN + 14 + VN_E2E_DOWN_HLEN, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello_then_both_directions),
		cmocka_unit_test(insider_tampering),
		cmocka_unit_test(session_pinned_against_takeover),
		cmocka_unit_test(relay_passes_ciphertext),
		cmocka_unit_test(per_hop_tag_coverage),
		cmocka_unit_test(broadcast_hop_by_hop),
		cmocka_unit_test(plain_and_unsupported),
		cmocka_unit_test(rsu_restart),
		cmocka_unit_test(first_packets_differ_across_restarts),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
