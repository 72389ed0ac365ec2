/* The secured frame's building blocks (common/sec_frame.c, sec_replay.c,
 * sec_hb.c): layout validation, tag, replay window, token bucket, hash
 * chain, signature and the verified-heartbeat cache. */
#include <sodium.h>

#include "sec.h"
#include "testutil.h"

static const uint8_t key[VN_SEC_KEY_LEN] = { 7, 7, 7 };

/* A secured control frame around one reply-sized body, tag included. */
static size_t build(uint8_t *f, uint8_t flags, size_t inner, uint64_t ctr)
{
	memset(f, 0, 256);
	put_head(f, &mac_a, &mac_b, VN_TYPE_SECURED, VN_SEC_SUB_AUTH);
	vn_sec_put_header(f, VN_SEC_SUB_AUTH, 1, flags, (uint16_t)inner, ctr);
	f[VN_SEC_HLEN] = 0;
	f[VN_SEC_HLEN + 1] = 1;
	vn_sec_tag(key, f, VN_SEC_HLEN + inner, f + VN_SEC_HLEN + inner);
	return VN_SEC_HLEN + inner + VN_SEC_TAG_LEN;
}

static void decode_layout(void **state)
{
	uint8_t f[256];
	struct vn_sec_view v;
	size_t n = build(f, VN_SEC_CLASS_CONTROL, VN_REPLY_LEN - VN_ETH_HLEN, 42);

	(void)state;
	assert_int_equal(vn_sec_decode(f, n, &v), VN_SEC_OK);
	assert_int_equal(v.key_id, 1);
	assert_int_equal(v.counter, 42);
	assert_int_equal(v.inner_len, VN_REPLY_LEN - VN_ETH_HLEN);
	assert_true(vn_mac_eq(&v.from, &mac_b));
	assert_true(vn_sec_tag_ok(key, &v));
	/* Ethernet padding after the tag is ignored */
	assert_int_equal(vn_sec_decode(f, n + 20, &v), VN_SEC_OK);
	assert_int_equal(v.len, n);
	/* too short for what L says */
	assert_int_equal(vn_sec_decode(f, n - 1, &v), VN_SEC_DROP_malformed);
	assert_int_equal(vn_sec_decode(f, 20, &v), VN_SEC_DROP_malformed);
	/* a plain frame */
	f[14] = 0;
	assert_int_equal(vn_sec_decode(f, n, &v), VN_SEC_DROP_unsecured);
	f[14] = VN_TYPE_SECURED;
	/* sealed: data only, and this control frame holds no sealed packet
	 * (the layer says unsupported for sealed data in authenticate mode);
	 * other subtypes malformed */
	f[15] = VN_SEC_SUB_ENCRYPT;
	assert_int_equal(vn_sec_decode(f, n, &v), VN_SEC_DROP_malformed);
	f[15] = 9;
	assert_int_equal(vn_sec_decode(f, n, &v), VN_SEC_DROP_malformed);
	f[15] = 0;
	/* unknown flags, class 2 or 3 */
	f[17] = 0x40;
	assert_int_equal(vn_sec_decode(f, n, &v), VN_SEC_DROP_malformed);
	f[17] = 2;
	assert_int_equal(vn_sec_decode(f, n, &v), VN_SEC_DROP_malformed);
	/* an extension claimed on a reply */
	n = build(f, VN_SEC_FLAG_HBEXT, VN_REPLY_LEN - VN_ETH_HLEN, 1);
	assert_int_equal(vn_sec_decode(f, n + VN_SEC_HBEXT_LEN, &v), VN_SEC_DROP_malformed);
	/* wrong EtherType */
	n = build(f, 0, 38, 1);
	f[12] = 0x08;
	assert_int_equal(vn_sec_decode(f, n, &v), VN_SEC_DROP_malformed);
}

static void tag(void **state)
{
	uint8_t f[256];
	struct vn_sec_view v;
	uint8_t other[VN_SEC_KEY_LEN] = { 8 };
	size_t n = build(f, 0, 38, 5);

	(void)state;
	assert_int_equal(vn_sec_decode(f, n, &v), VN_SEC_OK);
	assert_false(vn_sec_tag_ok(other, &v));
	/* every covered byte counts: to, from, counter, body, tag */
	for (size_t i = 0; i < n; i++) {
		f[i] ^= 0x01;
		if (vn_sec_decode(f, n, &v) == VN_SEC_OK)
			assert_false(vn_sec_tag_ok(key, &v));
		f[i] ^= 0x01;
	}
}

static void replay_window(void **state)
{
	struct vn_replay r;

	(void)state;
	vn_replay_init(&r);
	assert_true(vn_replay_check(&r, 1000));
	vn_replay_update(&r, 1000);
	assert_false(vn_replay_check(&r, 1000));
	/* out of order inside the window: once each */
	assert_true(vn_replay_check(&r, 990));
	vn_replay_update(&r, 990);
	assert_false(vn_replay_check(&r, 990));
	assert_true(vn_replay_check(&r, 1001));
	/* too old */
	assert_false(vn_replay_check(&r, 1000 - VN_REPLAY_WINDOW));
	assert_true(vn_replay_check(&r, 1000 - VN_REPLAY_WINDOW + 1));
	/* a big jump clears the ring: old bits do not alias into new blocks */
	vn_replay_update(&r, 1000 + 64 * VN_REPLAY_BLOCKS * 3);
	assert_true(vn_replay_check(&r, 1000 + 64 * VN_REPLAY_BLOCKS * 3 - 64 * 5 + 8));
	assert_false(vn_replay_check(&r, 1000));
	/* sliding one block at a time over many counters */
	vn_replay_init(&r);
	for (uint64_t c = 1; c < 5000; c++) {
		assert_true(vn_replay_check(&r, c));
		vn_replay_update(&r, c);
		assert_false(vn_replay_check(&r, c));
		if (c > 100)
			assert_false(vn_replay_check(&r, c - 100));
	}
}

static void bucket(void **state)
{
	struct vn_bucket b;
	int got = 0;

	(void)state;
	vn_bucket_init(&b, 10, 5, 1000);
	while (vn_bucket_take(&b, 1000))
		got++;
	assert_int_equal(got, 5);
	assert_false(vn_bucket_take(&b, 1000 + 99999));
	assert_true(vn_bucket_take(&b, 1000 + 100000)); /* 10/s: one per 100 ms */
	assert_false(vn_bucket_take(&b, 1000 + 100000));
	/* a long silence refills to the burst, no more */
	got = 0;
	while (vn_bucket_take(&b, 100000000))
		got++;
	assert_int_equal(got, 5);
}

static void chain(void **state)
{
	uint8_t secret[32] = { 1 }, seed[VN_SEC_HASH_LEN], top[VN_SEC_HASH_LEN];
	uint8_t v[VN_SEC_HASH_LEN], seed2[VN_SEC_HASH_LEN];

	(void)state;
	vn_sec_chain_seed(secret, 3, 17, seed);
	vn_sec_chain_seed(secret, 3, 18, seed2);
	assert_memory_not_equal(seed, seed2, VN_SEC_HASH_LEN);
	vn_sec_hash_n(seed, 8, top);
	for (uint32_t h = 1; h <= 8; h++) {
		vn_sec_hash_n(seed, h, v);
		assert_true(vn_sec_chain_ok(v, h, 8, top));
		/* claiming fewer hops than the value is worth: refused */
		if (h > 1)
			assert_false(vn_sec_chain_ok(v, h - 1, 8, top));
		/* claiming more is possible (a relay may add hops, never remove) */
	}
	assert_false(vn_sec_chain_ok(seed, 0, 8, top));
	assert_false(vn_sec_chain_ok(top, 9, 8, top));
	assert_true(vn_sec_chain_ok(top, 8, 8, top));
}

static void signature_and_cache(void **state)
{
	struct vn_sec_signkey k;
	struct vn_heartbeat hb = { .uptime = 12345, .id = 7, .hops = 1, .source = mac_rsu };
	uint8_t ext[VN_SEC_HBEXT_LEN];
	struct vn_sec_hbext x;
	struct vn_hbcache c;

	(void)state;
	memset(k.seed, 3, sizeof(k.seed));
	vn_sec_signkey_expand(&k);
	vn_sec_hbext_make(&k, &hb, 9, 16, ext);
	x = (struct vn_sec_hbext){ .epoch = vn_get_be32(ext), .max_hops = ext[4], .hint = ext + 8,
				   .top = ext + 16, .value = ext + 32, .sig = ext + 48, .raw = ext };
	assert_int_equal(x.epoch, 9);
	assert_memory_equal(x.hint, k.pk, VN_SEC_HINT_LEN);
	assert_true(vn_sec_chain_ok(x.value, 1, 16, x.top));
	assert_true(vn_sec_hbext_sig_ok(k.pk, &hb, &x));
	/* each signed field counts; hops does not (the chain guards it) */
	hb.hops = 5;
	assert_true(vn_sec_hbext_sig_ok(k.pk, &hb, &x));
	hb.id = 8;
	assert_false(vn_sec_hbext_sig_ok(k.pk, &hb, &x));
	hb.id = 7;
	hb.uptime++;
	assert_false(vn_sec_hbext_sig_ok(k.pk, &hb, &x));
	hb.uptime--;
	x.epoch = 10;
	assert_false(vn_sec_hbext_sig_ok(k.pk, &hb, &x));
	x.epoch = 9;
	hb.source = mac_a;
	assert_false(vn_sec_hbext_sig_ok(k.pk, &hb, &x));
	hb.source = mac_rsu;
	/* the cache: same signed bytes match, anything else does not */
	vn_hbcache_init(&c);
	assert_null(vn_hbcache_match(&c, &hb, &x));
	vn_hbcache_put(&c, &hb, &x, 1);
	assert_non_null(vn_hbcache_match(&c, &hb, &x));
	assert_non_null(vn_hbcache_find(&c, &mac_rsu, 7));
	ext[48] ^= 1; /* a forged signature on a known (source, epoch, id) */
	assert_null(vn_hbcache_match(&c, &hb, &x));
	ext[48] ^= 1;
	hb.uptime = 1;
	assert_null(vn_hbcache_match(&c, &hb, &x));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_layout), cmocka_unit_test(tag),
		cmocka_unit_test(replay_window), cmocka_unit_test(bucket),
		cmocka_unit_test(chain),	 cmocka_unit_test(signature_and_cache),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
