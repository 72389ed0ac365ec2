/* The secured frame layout (sec.h, docs/protocol.md "Secured frames"):
 * validated into a view before anything looks at its contents, and the
 * per-hop tag. */
#include "sec.h"

#include <sodium.h>

const char *vn_sec_drop_name(enum vn_sec_drop d)
{
	static const char *const names[] = {
		[VN_SEC_OK] = "ok",
#define X(n) [VN_SEC_DROP_##n] = #n,
		VN_SEC_DROPS(X)
#undef X
	};

	return (unsigned)d < VN_SEC_DROP__COUNT ? names[d] : "?";
}

/* The fixed header, field by field: where each is and what it may hold.
 * Decoding walks this table; the encoder writes the same offsets. */
enum hfield { HF_TYPE, HF_SUBTYPE, HF_KEYID, HF_FLAGS, HF_LEN, HF_CTR };
static const struct {
	uint8_t off, len;
} hdr[] = {
	[HF_TYPE] = { 14, 1 }, [HF_SUBTYPE] = { 15, 1 }, [HF_KEYID] = { 16, 1 },
	[HF_FLAGS] = { 17, 1 }, [HF_LEN] = { 18, 2 },	  [HF_CTR] = { 20, 8 },
};

static uint64_t get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t field(const uint8_t *f, enum hfield h)
{
	return get_be(f + hdr[h].off, hdr[h].len);
}

/* The extension rides only on a lone Heartbeat: that is what it signs. */
static bool inner_is_heartbeat(const uint8_t *inner, size_t n)
{
	return n == VN_HEARTBEAT_LEN - VN_ETH_HLEN && inner[0] == 0 && inner[1] == 0;
}

static void view_hbext(struct vn_sec_view *v, const uint8_t *x)
{
	v->hbext.raw = x;
	v->hbext.epoch = vn_get_be32(x);
	v->hbext.max_hops = x[4];
	v->hbext.hint = x + 8;
	v->hbext.top = x + 16;
	v->hbext.value = x + 32;
	v->hbext.sig = x + 48;
}

enum vn_sec_drop vn_sec_decode(uint8_t *frame, size_t len, struct vn_sec_view *v)
{
	size_t need;
	uint8_t flags;
	const uint8_t *x;

	if (len < VN_SEC_HLEN + VN_SEC_TAG_LEN || vn_get_be16(frame + 12) != VN_ETHERTYPE)
		return len >= VN_MSG_HLEN && vn_get_be16(frame + 12) == VN_ETHERTYPE &&
				       field(frame, HF_TYPE) != VN_TYPE_SECURED
			       ? VN_SEC_DROP_unsecured
			       : VN_SEC_DROP_malformed;
	if (field(frame, HF_TYPE) != VN_TYPE_SECURED)
		return VN_SEC_DROP_unsecured;
	v->subtype = (uint8_t)field(frame, HF_SUBTYPE);
	if (v->subtype != VN_SEC_SUB_AUTH && !vn_sec_sub_sealed(v->subtype))
		return VN_SEC_DROP_malformed;
	flags = (uint8_t)field(frame, HF_FLAGS);
	if ((flags & ~(VN_SEC_FLAG_HBEXT | VN_SEC_CLASS_MASK)) != 0 ||
	    (flags & VN_SEC_CLASS_MASK) >= VN_SEC_CLASS__COUNT)
		return VN_SEC_DROP_malformed;
	v->frame = frame;
	v->key_id = (uint8_t)field(frame, HF_KEYID);
	v->cls = (enum vn_sec_class)(flags & VN_SEC_CLASS_MASK);
	v->inner_len = (size_t)field(frame, HF_LEN);
	v->counter = field(frame, HF_CTR);
	v->inner = frame + VN_SEC_HLEN;
	v->has_hbext = (flags & VN_SEC_FLAG_HBEXT) != 0;
	need = VN_SEC_HLEN + v->inner_len + (v->has_hbext ? VN_SEC_HBEXT_LEN : 0) + VN_SEC_TAG_LEN;
	/* an inner part shorter than a type + subtype is no frame; its type is
	 * the class's (control 00, data 01): nothing else is ever secured */
	if (v->inner_len < 2 || need > len || v->inner[0] != (uint8_t)v->cls)
		return VN_SEC_DROP_malformed;
	/* sealed is data only, and its sealed packet must parse */
	if (vn_sec_sub_sealed(v->subtype) &&
	    (v->cls != VN_SEC_CLASS_DATA || v->has_hbext ||
	     vn_e2e_decode(v->inner, v->inner_len, &v->e2e) != VN_SEC_OK))
		return VN_SEC_DROP_malformed;
	if (v->has_hbext && (v->cls != VN_SEC_CLASS_CONTROL ||
			     !inner_is_heartbeat(v->inner, v->inner_len)))
		return VN_SEC_DROP_malformed;
	if (v->has_hbext) {
		x = v->inner + v->inner_len;
		if (x[5] != 0 || x[6] != 0 || x[7] != 0 || x[4] == 0 || x[4] > VN_SEC_MAX_HOPS)
			return VN_SEC_DROP_malformed;
		view_hbext(v, x);
	}
	v->len = need;
	v->tag = frame + need - VN_SEC_TAG_LEN;
	vn_mac_load(&v->to, frame);
	vn_mac_load(&v->from, frame + 6);
	return VN_SEC_OK;
}

void vn_sec_put_header(uint8_t *frame, uint8_t subtype, uint8_t key_id, uint8_t flags,
		       uint16_t inner_len, uint64_t counter)
{
	put_be(frame + hdr[HF_TYPE].off, 1, VN_TYPE_SECURED);
	put_be(frame + hdr[HF_SUBTYPE].off, 1, subtype);
	put_be(frame + hdr[HF_KEYID].off, 1, key_id);
	put_be(frame + hdr[HF_FLAGS].off, 1, flags);
	put_be(frame + hdr[HF_LEN].off, 2, inner_len);
	put_be(frame + hdr[HF_CTR].off, 8, counter);
}

/* Keyed BLAKE2b, 16 bytes: measured faster than crypto_auth's
 * HMAC-SHA-512-256 on every size we send (docs/performance.md), and a
 * 128-bit tag is what Poly1305 and GCM give too. */
void vn_sec_tag(const uint8_t key[VN_SEC_KEY_LEN], const uint8_t *frame, size_t covered,
		uint8_t out[VN_SEC_TAG_LEN])
{
	crypto_generichash(out, VN_SEC_TAG_LEN, frame, covered, key, VN_SEC_KEY_LEN);
}

/* Every byte before the tag but the ciphertext: the outer, data and
 * sealed-packet headers, then the AEAD tag (and anything after it). The
 * ciphertext is authenticated end to end by that AEAD tag; hashing it
 * again at every hop cost a BLAKE2b pass over the whole packet at each
 * sender and receiver (docs/security.md, "Per-hop tag"). The subtype byte
 * is covered, so a tag cannot pass for one of the other coverage. */
void vn_sec_tag_sealed(const uint8_t key[VN_SEC_KEY_LEN], const uint8_t *frame, size_t covered,
		       const struct vn_e2e_view *e, uint8_t out[VN_SEC_TAG_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, VN_SEC_KEY_LEN, VN_SEC_TAG_LEN);
	crypto_generichash_update(&st, frame, (size_t)(e->msg - frame));
	crypto_generichash_update(&st, e->tag, (size_t)(frame + covered - e->tag));
	crypto_generichash_final(&st, out, VN_SEC_TAG_LEN);
}

void vn_sec_tag_view(const uint8_t key[VN_SEC_KEY_LEN], const struct vn_sec_view *v,
		     uint8_t out[VN_SEC_TAG_LEN])
{
	if (v->subtype == VN_SEC_SUB_ENCRYPT_HT)
		vn_sec_tag_sealed(key, v->frame, v->len - VN_SEC_TAG_LEN, &v->e2e, out);
	else
		vn_sec_tag(key, v->frame, v->len - VN_SEC_TAG_LEN, out);
}

bool vn_sec_tag_ok(const uint8_t key[VN_SEC_KEY_LEN], const struct vn_sec_view *v)
{
	uint8_t t[VN_SEC_TAG_LEN];

	vn_sec_tag_view(key, v, t);
	return sodium_memcmp(t, v->tag, VN_SEC_TAG_LEN) == 0;
}
