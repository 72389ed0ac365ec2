/* Signed heartbeats: the RSU's Ed25519 signature over what identifies a
 * heartbeat, the SAODV hash chain that keeps its hop count honest, and the
 * cache that lets every later copy skip the signature check. */
#include "sec.h"

#include <sodium.h>
#include <string.h>

void vn_sec_hash(const uint8_t in[VN_SEC_HASH_LEN], uint8_t out[VN_SEC_HASH_LEN])
{
	crypto_generichash(out, VN_SEC_HASH_LEN, in, VN_SEC_HASH_LEN, NULL, 0);
}

void vn_sec_hash_n(const uint8_t in[VN_SEC_HASH_LEN], unsigned n, uint8_t out[VN_SEC_HASH_LEN])
{
	uint8_t v[VN_SEC_HASH_LEN];

	memcpy(v, in, VN_SEC_HASH_LEN);
	for (unsigned i = 0; i < n; i++)
		vn_sec_hash(v, v);
	memcpy(out, v, VN_SEC_HASH_LEN);
}

bool vn_sec_chain_ok(const uint8_t *value, uint32_t hops, uint8_t max_hops, const uint8_t *top)
{
	uint8_t v[VN_SEC_HASH_LEN];

	if (hops == 0 || hops > max_hops)
		return false;
	vn_sec_hash_n(value, max_hops - hops, v);
	return sodium_memcmp(v, top, VN_SEC_HASH_LEN) == 0;
}

void vn_sec_chain_seed(const uint8_t secret[VN_SEC_KEY_LEN], uint32_t epoch, uint32_t id,
		       uint8_t seed[VN_SEC_HASH_LEN])
{
	uint8_t in[8];

	vn_put_be32(in, epoch);
	vn_put_be32(in + 4, id);
	crypto_generichash(seed, VN_SEC_HASH_LEN, in, sizeof(in), secret, VN_SEC_KEY_LEN);
}

void vn_sec_signed_bytes(const struct vn_heartbeat *hb, uint32_t epoch, uint8_t max_hops,
			 const uint8_t *top, uint8_t out[VN_SEC_SIGNED_LEN])
{
	memcpy(out, "vanet-hb1", 9);
	memcpy(out + 9, hb->source.b, VN_MAC_LEN);
	vn_put_be32(out + 15, epoch);
	vn_put_be32(out + 19, hb->id);
	vn_put_be128(out + 23, hb->uptime);
	out[39] = max_hops;
	memcpy(out + 40, top, VN_SEC_HASH_LEN);
}

void vn_sec_hbext_make(const struct vn_sec_signkey *k, const struct vn_heartbeat *hb,
		       uint32_t epoch, uint8_t max_hops, uint8_t out[VN_SEC_HBEXT_LEN])
{
	uint8_t seed[VN_SEC_HASH_LEN], msg[VN_SEC_SIGNED_LEN];

	vn_sec_chain_seed(k->chain_secret, epoch, hb->id, seed);
	memset(out, 0, VN_SEC_HBEXT_LEN);
	vn_put_be32(out, epoch);
	out[4] = max_hops;
	memcpy(out + 8, k->pk, VN_SEC_HINT_LEN);
	vn_sec_hash_n(seed, max_hops, out + 16);
	vn_sec_hash_n(seed, hb->hops, out + 32);
	vn_sec_signed_bytes(hb, epoch, max_hops, out + 16, msg);
	crypto_sign_detached(out + 48, NULL, msg, sizeof(msg), k->sk);
	sodium_memzero(seed, sizeof(seed));
}

bool vn_sec_hbext_sig_ok(const uint8_t pk[VN_SEC_PK_LEN], const struct vn_heartbeat *hb,
			 const struct vn_sec_hbext *x)
{
	uint8_t msg[VN_SEC_SIGNED_LEN];

	vn_sec_signed_bytes(hb, x->epoch, x->max_hops, x->top, msg);
	return crypto_sign_verify_detached(x->sig, msg, sizeof(msg), pk) == 0;
}

/* --- The verified-heartbeat cache ---------------------------------------- */

void vn_hbcache_init(struct vn_hbcache *c)
{
	memset(c, 0, sizeof(*c));
}

static bool same_key(const struct vn_hbcache_ent *e, const struct vn_mac *src, uint32_t epoch,
		     uint32_t id)
{
	return e->used && e->id == id && e->epoch == epoch && vn_mac_eq(&e->source, src);
}

/* The signed bytes minus source, epoch and id (the lookup key): uptime,
 * max hops, key hint, top and signature. The chain value differs per hop
 * and is checked on its own. */
static bool same_signed(const struct vn_hbcache_ent *e, const uint8_t uptime[16],
			const struct vn_sec_hbext *x)
{
	return memcmp(e->uptime, uptime, 16) == 0 && memcmp(e->ext + 4, x->raw + 4, 28) == 0 &&
	       memcmp(e->ext + 48, x->raw + 48, VN_SEC_SIG_LEN) == 0;
}

struct vn_hbcache_ent *vn_hbcache_match(struct vn_hbcache *c, const struct vn_heartbeat *hb,
					const struct vn_sec_hbext *x)
{
	uint8_t up[16];

	vn_put_be128(up, hb->uptime);
	for (unsigned i = 0; i < VN_HBCACHE_SIZE; i++) {
		struct vn_hbcache_ent *e = &c->e[i];

		if (same_key(e, &hb->source, x->epoch, hb->id))
			return same_signed(e, up, x) ? e : NULL;
	}
	return NULL;
}

struct vn_hbcache_ent *vn_hbcache_find(struct vn_hbcache *c, const struct vn_mac *source,
				       uint32_t id)
{
	struct vn_hbcache_ent *best = NULL;

	for (unsigned i = 0; i < VN_HBCACHE_SIZE; i++) {
		struct vn_hbcache_ent *e = &c->e[i];

		if (e->used && e->id == id && vn_mac_eq(&e->source, source) &&
		    (best == NULL || e->epoch > best->epoch))
			best = e;
	}
	return best;
}

void vn_hbcache_put(struct vn_hbcache *c, const struct vn_heartbeat *hb,
		    const struct vn_sec_hbext *x, vn_usec now)
{
	struct vn_hbcache_ent *e = &c->e[c->next];

	c->next = (c->next + 1) % VN_HBCACHE_SIZE;
	e->used = true;
	e->source = hb->source;
	e->epoch = x->epoch;
	e->id = hb->id;
	vn_put_be128(e->uptime, hb->uptime);
	memcpy(e->ext, x->raw, VN_SEC_HBEXT_LEN);
	e->hops = hb->hops;
	e->at = now;
}
