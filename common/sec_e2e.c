/* End-to-end sealing of data (mode = encrypt; sec.h, docs/security.md
 * "Sessions"): the sealed-packet header, ChaCha20-Poly1305 in place, and the
 * session and broadcast keys. Pure: libsodium computations only. */
#include "sec.h"

#include <sodium.h>
#include <string.h>

/* ChaCha20-Poly1305 (IETF), not AES-256-GCM: GCM measured about twice as
 * fast on this x86 (AES-NI), but libsodium offers it only on CPUs with
 * AES-NI and PCLMUL, and a vehicle unit on an ARM core without them could
 * then not talk to an RSU at all; ChaCha20 is constant time in software
 * everywhere and at ~3.5 us per 1400 bytes is not what limits a hop
 * (docs/performance.md). */
_Static_assert(VN_SEC_SHIFT + VN_E2E_OVERHEAD + VN_SEC_TAG_LEN <= VN_SEC_OVERHEAD,
	       "VN_SEC_OVERHEAD must cover sealed data");

#define KIND_OFF 1
#define TOTAL_OFF 2
#define CTR_OFF 4
#define FIELD_OFF 12

size_t vn_e2e_hlen(enum vn_e2e_kind kind)
{
	switch (kind) {
	case VN_E2E_UP:
		return VN_E2E_UP_HLEN;
	case VN_E2E_DOWN:
		return VN_E2E_DOWN_HLEN;
	case VN_E2E_BCAST:
		return VN_E2E_BCAST_HLEN;
	}
	return 0;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The 96-bit IETF nonce: 4 zero bytes and the 64-bit counter. Unique per
 * key because every key belongs to one sender's one run (see the key
 * functions) and the sender's counter only goes up within a run. */
static void nonce_of(uint64_t ctr, uint8_t n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES])
{
	memset(n, 0, 4);
	put_be64(n + 4, ctr);
}

enum vn_sec_drop vn_e2e_decode(uint8_t *inner, size_t inner_len, struct vn_e2e_view *e)
{
	size_t dh, hlen, total;
	uint8_t *p;

	if (inner_len < 2 || inner[0] != 1 || inner[1] > 1)
		return VN_SEC_DROP_malformed;
	dh = (inner[1] == 0 ? VN_UP_HLEN : VN_DOWN_HLEN) - VN_ETH_HLEN;
	if (inner_len < dh + FIELD_OFF)
		return VN_SEC_DROP_malformed;
	p = inner + dh;
	e->kind = (enum vn_e2e_kind)p[KIND_OFF];
	hlen = vn_e2e_hlen(e->kind);
	vn_mac_load(&e->origin, inner + 2);
	if (dh > 8)
		vn_mac_load(&e->dest, inner + 8);
	/* the kind must be the frame's: Upstream only UP, Downstream DOWN to
	 * one OBU or BCAST to all */
	if (hlen == 0 || (inner[1] == 0) != (e->kind == VN_E2E_UP) ||
	    (e->kind == VN_E2E_BCAST) != (inner[1] == 1 && vn_mac_is_broadcast(&e->dest)))
		return VN_SEC_DROP_malformed;
	total = vn_get_be16(p + TOTAL_OFF);
	if (p[0] != (0x40 | hlen / 4) || total < hlen + VN_E2E_ABYTES || dh + total > inner_len)
		return VN_SEC_DROP_malformed;
	e->ad = inner;
	e->ad_len = dh + hlen;
	e->msg = p + hlen;
	e->msg_len = total - hlen - VN_E2E_ABYTES;
	e->tag = e->msg + e->msg_len;
	e->counter = get_be64(p + CTR_OFF);
	e->epoch = e->kind == VN_E2E_BCAST ? 0 : vn_get_be32(p + FIELD_OFF);
	e->id = p + FIELD_OFF + (e->kind == VN_E2E_BCAST ? 0 : 4);
	return VN_SEC_OK;
}

static void put_header(uint8_t *p, enum vn_e2e_kind kind, size_t hlen, size_t ip_len,
		       uint64_t ctr, uint32_t epoch, const uint8_t *id)
{
	size_t total = hlen + ip_len + VN_E2E_ABYTES;

	p[0] = (uint8_t)(0x40 | hlen / 4);
	p[KIND_OFF] = (uint8_t)kind;
	p[TOTAL_OFF] = (uint8_t)(total >> 8);
	p[TOTAL_OFF + 1] = (uint8_t)total;
	put_be64(p + CTR_OFF, ctr);
	if (kind == VN_E2E_BCAST) {
		memcpy(p + FIELD_OFF, id, VN_E2E_SALT_LEN);
		return;
	}
	vn_put_be32(p + FIELD_OFF, epoch);
	memcpy(p + FIELD_OFF + 4, id, kind == VN_E2E_UP ? VN_E2E_PK_LEN : VN_SEC_HINT_LEN);
}

uint8_t *vn_e2e_seal(const uint8_t key[VN_E2E_KEY_LEN], uint8_t *frame, size_t len,
		     enum vn_e2e_kind kind, uint64_t counter, uint32_t epoch, const uint8_t *id)
{
	size_t hlen = vn_e2e_hlen(kind), dh = kind == VN_E2E_UP ? VN_UP_HLEN : VN_DOWN_HLEN;
	uint8_t n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES], *f = frame - hlen;
	uint8_t *ip = frame + dh;

	/* headers only move (22 or 28 bytes): the IP packet stays put */
	memmove(f, frame, dh);
	put_header(f + dh, kind, hlen, len - dh, counter, epoch, id);
	nonce_of(counter, n);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(
		ip, ip + len - dh, NULL, ip, len - dh, f + VN_ETH_HLEN, dh - VN_ETH_HLEN + hlen,
		NULL, n, key);
	return f;
}

bool vn_e2e_open(const uint8_t key[VN_E2E_KEY_LEN], const struct vn_e2e_view *e)
{
	uint8_t n[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];

	nonce_of(e->counter, n);
	return crypto_aead_chacha20poly1305_ietf_decrypt_detached(e->msg, NULL, e->msg, e->msg_len,
								  e->tag, e->ad, e->ad_len, n,
								  key) == 0;
}

/* Each kx key mixed with the epoch: one key per (OBU run, RSU run). */
static void mix_epoch(uint8_t key[VN_E2E_KEY_LEN], uint32_t epoch)
{
	uint8_t in[VN_E2E_KEY_LEN];

	memcpy(in, key, sizeof(in));
	crypto_kdf_derive_from_key(key, VN_E2E_KEY_LEN, epoch, "vanetE2E", in);
	sodium_memzero(in, sizeof(in));
}

int vn_e2e_obu_keys(const uint8_t obu_pk[VN_E2E_PK_LEN], const uint8_t obu_sk[VN_E2E_PK_LEN],
		    const uint8_t rsu_ed_pk[VN_SEC_PK_LEN], uint32_t epoch, struct vn_e2e_keys *k)
{
	uint8_t x[crypto_kx_PUBLICKEYBYTES];

	if (crypto_sign_ed25519_pk_to_curve25519(x, rsu_ed_pk) != 0 ||
	    crypto_kx_client_session_keys(k->rx, k->tx, obu_pk, obu_sk, x) != 0)
		return -1;
	mix_epoch(k->rx, epoch);
	mix_epoch(k->tx, epoch);
	return 0;
}

int vn_e2e_rsu_keys(const struct vn_sec_signkey *sign, const uint8_t obu_pk[VN_E2E_PK_LEN],
		    uint32_t epoch, struct vn_e2e_keys *k)
{
	uint8_t xpk[crypto_kx_PUBLICKEYBYTES], xsk[crypto_kx_SECRETKEYBYTES];
	int rc = -1;

	if (crypto_sign_ed25519_pk_to_curve25519(xpk, sign->pk) == 0 &&
	    crypto_sign_ed25519_sk_to_curve25519(xsk, sign->sk) == 0 &&
	    crypto_kx_server_session_keys(k->rx, k->tx, xpk, xsk, obu_pk) == 0) {
		mix_epoch(k->rx, epoch);
		mix_epoch(k->tx, epoch);
		rc = 0;
	}
	sodium_memzero(xsk, sizeof(xsk));
	return rc;
}

void vn_e2e_bcast_key(const uint8_t netkey[VN_SEC_KEY_LEN], const uint8_t salt[VN_E2E_SALT_LEN],
		      const struct vn_mac *sender, uint8_t out[VN_E2E_KEY_LEN])
{
	uint8_t in[9 + VN_E2E_SALT_LEN + VN_MAC_LEN];

	memcpy(in, "vanet-bc1", 9);
	memcpy(in + 9, salt, VN_E2E_SALT_LEN);
	memcpy(in + 9 + VN_E2E_SALT_LEN, sender->b, VN_MAC_LEN);
	crypto_generichash(out, VN_E2E_KEY_LEN, in, sizeof(in), netkey, VN_SEC_KEY_LEN);
}
