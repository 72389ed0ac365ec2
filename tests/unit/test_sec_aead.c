/* mode = encrypt's building blocks (common/sec_e2e.c): the sealed packet
 * in place, its layout checks, and the session keys per direction and per
 * run. The layer that uses them: test_sec_e2e.c. */
#include <sodium.h>

#include "sec.h"
#include "sec_testutil.h"


static const uint8_t obu_seed[32] = { 7 }, obu_seed2[32] = { 8 };


/* --- Primitives ---------------------------------------------------------------- */

struct pair {
	uint8_t pk[32], sk[32];
	struct vn_sec_signkey rsu;
	struct vn_e2e_keys obu_k, rsu_k;
};

static void make_pair(struct pair *p, const uint8_t seed[32], uint32_t epoch)
{
	crypto_kx_seed_keypair(p->pk, p->sk, seed);
	memset(p->rsu.seed, 5, sizeof(p->rsu.seed));
	vn_sec_signkey_expand(&p->rsu);
	assert_int_equal(vn_e2e_obu_keys(p->pk, p->sk, p->rsu.pk, epoch, &p->obu_k), 0);
	assert_int_equal(vn_e2e_rsu_keys(&p->rsu, p->pk, epoch, &p->rsu_k), 0);
}

static void keys_match_per_direction(void **state)
{
	struct pair p;

	(void)state;
	make_pair(&p, obu_seed, 3);
	assert_memory_equal(p.obu_k.tx, p.rsu_k.rx, VN_E2E_KEY_LEN);
	assert_memory_equal(p.obu_k.rx, p.rsu_k.tx, VN_E2E_KEY_LEN);
	assert_memory_not_equal(p.obu_k.tx, p.obu_k.rx, VN_E2E_KEY_LEN);
}

/* Every key belongs to one (OBU run, RSU run): a restart of either side
 * gives keys never used before, so the counters starting again at 1 never
 * meet a (key, nonce) pair of the previous run. Deriving twice for the
 * same runs gives the same keys (the derivation is all there is). */
static void keys_new_per_run(void **state)
{
	struct pair a, again, rsu_restart, obu_restart;

	(void)state;
	make_pair(&a, obu_seed, 3);
	make_pair(&again, obu_seed, 3);
	make_pair(&rsu_restart, obu_seed, 4);
	make_pair(&obu_restart, obu_seed2, 3);
	assert_memory_equal(a.obu_k.tx, again.obu_k.tx, VN_E2E_KEY_LEN);
	for (int i = 0; i < 2; i++) {
		const struct pair *o = i == 0 ? &rsu_restart : &obu_restart;

		assert_memory_not_equal(a.obu_k.tx, o->obu_k.tx, VN_E2E_KEY_LEN);
		assert_memory_not_equal(a.obu_k.rx, o->obu_k.rx, VN_E2E_KEY_LEN);
		assert_memory_not_equal(a.obu_k.tx, o->obu_k.rx, VN_E2E_KEY_LEN);
	}
}

static void seal_open_in_place(size_t ip_len)
{
	struct pair p;
	struct wframe f;
	struct vn_e2e_view e;
	uint8_t plain[1500], *ip, *start;
	size_t len;

	make_pair(&p, obu_seed, 3);
	upstream(&f, &mac_rsu, &mac_a, ip_len);
	ip = f.b.data + VN_UP_HLEN;
	memcpy(plain, ip, ip_len);
	start = vn_e2e_seal(p.obu_k.tx, f.b.data, f.b.len, VN_E2E_UP, 42, 3, p.pk);
	len = f.b.len + VN_E2E_UP_HLEN + VN_E2E_ABYTES;
	assert_ptr_equal(start, f.b.data - VN_E2E_UP_HLEN);
	assert_memory_not_equal(ip, plain, ip_len); /* encrypted where it was */
	assert_int_equal(vn_e2e_decode(start + 14, len - 14, &e), VN_SEC_OK);
	assert_ptr_equal(e.msg, ip);
	assert_int_equal(e.msg_len, ip_len);
	assert_int_equal(e.counter, 42);
	assert_int_equal(e.epoch, 3);
	assert_memory_equal(e.id, p.pk, 32);
	assert_mac_equal(&e.origin, &mac_a);
	/* the relays' cores see an IPv4 packet of the right length */
	assert_int_equal(start[VN_UP_HLEN] >> 4, 4);
	assert_int_equal(vn_get_be16(start + VN_UP_HLEN + 2), len - VN_UP_HLEN);
	assert_true(vn_e2e_open(p.rsu_k.rx, &e));
	assert_memory_equal(ip, plain, ip_len);
	/* a fresh packet: the other direction's key fails (libsodium then
	 * zeroes the bytes: a failed packet is only good for dropping) */
	upstream(&f, &mac_rsu, &mac_a, ip_len);
	start = vn_e2e_seal(p.obu_k.tx, f.b.data, f.b.len, VN_E2E_UP, 43, 3, p.pk);
	assert_int_equal(vn_e2e_decode(start + 14, len - 14, &e), VN_SEC_OK);
	assert_false(vn_e2e_open(p.obu_k.rx, &e));
}

static void seal_open_64(void **state)
{
	(void)state;
	seal_open_in_place(64);
}

static void seal_open_1400(void **state)
{
	(void)state;
	seal_open_in_place(1400);
}

/* Any bit changed anywhere the AEAD covers (ciphertext, tag, origin,
 * counter, epoch, key) fails the open. */
static void tampering_fails(void **state)
{
	static const size_t offs[] = { VN_UP_HLEN + VN_E2E_UP_HLEN + 5,	      /* ciphertext */
				       VN_UP_HLEN + VN_E2E_UP_HLEN + 100 + 3, /* tag */
				       17,				      /* origin */
				       VN_UP_HLEN + 11,			      /* counter */
				       VN_UP_HLEN + 13,			      /* epoch */
				       VN_UP_HLEN + 20 };		      /* OBU key */
	struct pair p;

	(void)state;
	make_pair(&p, obu_seed, 3);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		struct wframe f;
		struct vn_e2e_view e;
		uint8_t *start;
		size_t len;

		upstream(&f, &mac_rsu, &mac_a, 100);
		start = vn_e2e_seal(p.obu_k.tx, f.b.data, f.b.len, VN_E2E_UP, 1, 3, p.pk);
		len = f.b.len + VN_E2E_UP_HLEN + VN_E2E_ABYTES;
		start[offs[i]] ^= 0x01;
		assert_int_equal(vn_e2e_decode(start + 14, len - 14, &e), VN_SEC_OK);
		assert_false(vn_e2e_open(p.rsu_k.rx, &e));
	}
}

static void decode_refuses_bad_layouts(void **state)
{
	struct pair p;
	struct wframe f;
	struct vn_e2e_view e;
	uint8_t *start;
	size_t len;

	(void)state;
	make_pair(&p, obu_seed, 3);
	upstream(&f, &mac_rsu, &mac_a, 40);
	start = vn_e2e_seal(p.obu_k.tx, f.b.data, f.b.len, VN_E2E_UP, 1, 3, p.pk);
	len = f.b.len + VN_E2E_UP_HLEN + VN_E2E_ABYTES;
	assert_int_equal(vn_e2e_decode(start + 14, len - 15, &e), VN_SEC_DROP_malformed);
	start[VN_UP_HLEN + 1] = VN_E2E_DOWN; /* a Downstream kind on an Upstream */
	assert_int_equal(vn_e2e_decode(start + 14, len - 14, &e), VN_SEC_DROP_malformed);
	start[VN_UP_HLEN + 1] = VN_E2E_UP;
	start[VN_UP_HLEN] = 0x45; /* IHL not the kind's */
	assert_int_equal(vn_e2e_decode(start + 14, len - 14, &e), VN_SEC_DROP_malformed);
	start[VN_UP_HLEN] = 0x4c;
	start[VN_UP_HLEN + 3] = 10; /* total shorter than header + tag */
	start[VN_UP_HLEN + 2] = 0;
	assert_int_equal(vn_e2e_decode(start + 14, len - 14, &e), VN_SEC_DROP_malformed);
	assert_int_equal(vn_e2e_decode(start + 14, 5, &e), VN_SEC_DROP_malformed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_match_per_direction),
		cmocka_unit_test(keys_new_per_run),
		cmocka_unit_test(seal_open_64),
		cmocka_unit_test(seal_open_1400),
		cmocka_unit_test(tampering_fails),
		cmocka_unit_test(decode_refuses_bad_layouts),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
