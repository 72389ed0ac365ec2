/* The security layer (sec_layer.h): the receive pipeline and the transmit
 * wrapper around a core. */
#include "sec_layer_priv.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void vn_sec_params_default(struct vn_sec_params *p)
{
	/* Heartbeats come once a period per RSU (about 10/s at most): the
	 * budget allows a few times that, so honest traffic never meets it,
	 * while a flood of bad signatures costs at most ~60 checks/s per
	 * neighbour (~3 ms of CPU per second at ~50 us a check). */
	*p = (struct vn_sec_params){ .max_hops = 32,	    .hb_id_window = 64,
				     .nbr_rate = 50,	    .nbr_burst = 100,
				     .rsu_rate = 50,	    .rsu_burst = 100,
				     .chosen_rate = 50,	    .chosen_burst = 100 };
}

struct vn_sec *vn_sec_create(const struct vn_mac *self, const struct vn_sec_params *p,
			     uint64_t ctr_start, vn_usec now)
{
	struct vn_sec *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->self = *self;
	s->now = now;
	for (unsigned c = 0; c < VN_SEC_CLASS__COUNT; c++)
		s->ctr[c] = ctr_start;
	vn_hbcache_init(&s->cache);
	vn_sec_set_params(s, p);
	return s;
}

void vn_sec_destroy(struct vn_sec *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s, sizeof(*s));
	free(s);
}

void vn_sec_set_params(struct vn_sec *s, const struct vn_sec_params *p)
{
	s->p = *p;
	vn_bucket_init(&s->chosen_budget, p->chosen_rate, p->chosen_burst, s->now);
	for (unsigned i = 0; i < VN_SEC_MAX_RSUKEYS; i++)
		vn_bucket_init(&s->rsu[i].budget, p->rsu_rate, p->rsu_burst, s->now);
	for (unsigned i = 0; i < VN_SEC_MAX_NBRS; i++)
		vn_bucket_init(&s->nbr[i].budget, p->nbr_rate, p->nbr_burst, s->now);
}

void vn_sec_set_netkeys(struct vn_sec *s, const struct vn_sec_netkeys *k)
{
	s->net = *k;
}

void vn_sec_set_rsukeys(struct vn_sec *s, const struct vn_sec_rsukeys *k)
{
	struct sec_rsu old[VN_SEC_MAX_RSUKEYS]; /* 10 KB, once per reload */

	s->have_rsukeys = k != NULL;
	if (k == NULL)
		return;
	/* The newest epoch and id stay with the key that verified them: a
	 * reload must not reopen an RSU's old heartbeats to replay. */
	memcpy(old, s->rsu, sizeof(old));
	for (unsigned i = 0; i < k->n; i++) {
		int o = vn_sec_rsukey_find(&s->rsukeys, k->pk[i]);

		if (o >= 0) {
			s->rsu[i] = old[o];
		} else {
			memset(&s->rsu[i], 0, sizeof(s->rsu[i]));
			vn_bucket_init(&s->rsu[i].budget, s->p.rsu_rate, s->p.rsu_burst, s->now);
		}
	}
	vn_sec_e2e_rsukeys(s, k);
	s->rsukeys = *k;
}

void vn_sec_set_signkey(struct vn_sec *s, const struct vn_sec_signkey *k, uint32_t epoch)
{
	s->have_signkey = k != NULL;
	if (k != NULL)
		s->sign = *k;
	s->epoch = epoch;
}

uint32_t vn_sec_epoch(const struct vn_sec *s)
{
	return s->epoch;
}

void vn_sec_set_epoch(struct vn_sec *s, uint32_t epoch)
{
	s->epoch = epoch;
}

void vn_sec_set_chosen(struct vn_sec *s, const struct vn_mac *rsu, const struct vn_mac *via)
{
	static const struct vn_mac none = { { 0 } };

	s->chosen = rsu != NULL && via != NULL ? *rsu : none;
	s->chosen_via = rsu != NULL && via != NULL ? *via : none;
}

uint64_t vn_sec_drops(const struct vn_sec *s, enum vn_sec_drop d)
{
	return (unsigned)d < VN_SEC_DROP__COUNT ? s->drops[d] : 0;
}

void vn_sec_counters(const struct vn_sec *s,
		     void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	static const char *const names[] = {
#define X(n) "sec_" #n,
		VN_SEC_COUNTERS(X)
#undef X
	};
	static const char *const drops[] = {
#define X(n) "sec_" #n,
		VN_SEC_DROPS(X)
#undef X
	};

	for (unsigned i = 0; i < SC__COUNT; i++)
		fn(ctx, names[i], s->cnt[i]);
	for (unsigned i = 1; i < VN_SEC_DROP__COUNT; i++)
		fn(ctx, drops[i - 1], s->drops[i]);
}

/* --- Neighbours ------------------------------------------------------------ */

static struct sec_nbr *nbr_find(struct vn_sec *s, const struct vn_mac *mac)
{
	for (unsigned i = 0; i < VN_SEC_MAX_NBRS; i++)
		if (s->nbr[i].used && vn_mac_eq(&s->nbr[i].mac, mac))
			return &s->nbr[i];
	return NULL;
}

/* A verified frame from a neighbour not in the table: it takes a free slot
 * or the least recently heard one. Only verified frames get here, so an
 * outsider cannot push honest neighbours out. */
static struct sec_nbr *nbr_add(struct vn_sec *s, const struct vn_mac *mac, vn_usec now)
{
	struct sec_nbr *victim = &s->nbr[0];

	for (unsigned i = 0; i < VN_SEC_MAX_NBRS; i++) {
		if (!s->nbr[i].used) {
			victim = &s->nbr[i];
			break;
		}
		if (s->nbr[i].last < victim->last)
			victim = &s->nbr[i];
	}
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->mac = *mac;
	vn_bucket_init(&victim->budget, s->p.nbr_rate, s->p.nbr_burst, now);
	for (unsigned c = 0; c < VN_SEC_CLASS__COUNT; c++)
		vn_replay_init(&victim->win[c]);
	return victim;
}

/* --- Heartbeats ------------------------------------------------------------- */

/* The Heartbeat in a secured frame's inner bytes (plain offsets - 14). */
static void inner_heartbeat(const uint8_t *in, struct vn_heartbeat *hb)
{
	hb->uptime = vn_get_be128(in + 2);
	hb->id = vn_get_be32(in + 18);
	hb->hops = vn_get_be32(in + 22);
	vn_mac_load(&hb->source, in + 26);
}

static bool fresh(const struct vn_sec *s, const struct sec_rsu *r, uint32_t epoch, uint32_t id)
{
	if (!r->seen || epoch > r->epoch)
		return true;
	return epoch == r->epoch && (id >= r->max_id || r->max_id - id <= s->p.hb_id_window);
}

/* A signature check is worth its ~65 us only within the budget. The
 * chosen RSU's heartbeats from our upstream neighbour come first: they
 * have a reserve nobody else can spend (a flood in that RSU's name from
 * another neighbour would otherwise empty the RSU's bucket; found by
 * sim_security). Everything else needs a token from the neighbour's bucket
 * and from the claimed RSU's. */
static bool budget_ok(struct vn_sec *s, struct sec_nbr *n, struct sec_rsu *r,
		      const struct vn_mac *source, const struct vn_mac *from, vn_usec now)
{
	if (vn_mac_eq(source, &s->chosen) && vn_mac_eq(from, &s->chosen_via) &&
	    vn_bucket_take(&s->chosen_budget, now))
		return true;
	if (n != NULL && !vn_bucket_take(&n->budget, now))
		return false;
	return vn_bucket_take(&r->budget, now);
}

/* A copy of a verified heartbeat at `hops`, the verified value being at
 * e->hops: H^(hops - e->hops)(cached value) must be the copy's value (one
 * hash for the usual copy relayed one hop further). A copy with fewer hops
 * than any verified one gets the full check. */
static bool chain_from_cached(const struct vn_hbcache_ent *e, const struct vn_heartbeat *hb,
			      const struct vn_sec_hbext *x)
{
	uint8_t v[VN_SEC_HASH_LEN];

	if (hb->hops < e->hops)
		return vn_sec_chain_ok(x->value, hb->hops, x->max_hops, x->top);
	if (hb->hops > x->max_hops)
		return false;
	vn_sec_hash_n(e->ext + 32, hb->hops - e->hops, v);
	return sodium_memcmp(v, x->value, VN_SEC_HASH_LEN) == 0;
}

static enum vn_sec_drop check_heartbeat(struct vn_sec *s, const struct vn_sec_view *v,
					struct sec_nbr *n, vn_usec now)
{
	struct vn_heartbeat hb;
	const struct vn_sec_hbext *x = &v->hbext;
	struct vn_hbcache_ent *e;
	struct sec_rsu *r;
	int k;

	if (!s->have_rsukeys)
		return VN_SEC_OK;
	inner_heartbeat(v->inner, &hb);
	k = vn_sec_rsukey_by_hint(&s->rsukeys, x->hint);
	if (k < 0)
		return VN_SEC_DROP_untrusted_rsu;
	r = &s->rsu[k];
	if (!fresh(s, r, x->epoch, hb.id))
		return VN_SEC_DROP_stale_hb;
	e = vn_hbcache_match(&s->cache, &hb, x);
	if (e != NULL) {
		/* the same signed heartbeat: its chain from the verified copy on
		 * (one hash for the usual one more hop), no signature check */
		if (!chain_from_cached(e, &hb, x))
			return VN_SEC_DROP_chain;
		s->cnt[SC_sig_cache_hits]++;
		return VN_SEC_OK;
	}
	if (!vn_sec_chain_ok(x->value, hb.hops, x->max_hops, x->top))
		return VN_SEC_DROP_chain;
	if (!budget_ok(s, n, r, &hb.source, &v->from, now))
		return VN_SEC_DROP_budget;
	if (!vn_sec_hbext_sig_ok(s->rsukeys.pk[k], &hb, x))
		return VN_SEC_DROP_bad_signature;
	s->cnt[SC_sig_verified]++;
	vn_hbcache_put(&s->cache, &hb, x, now);
	r->mac = hb.source;
	if (!r->seen || x->epoch > r->epoch) {
		r->seen = true;
		r->epoch = x->epoch;
		r->max_id = hb.id;
	} else if (hb.id > r->max_id) {
		r->max_id = hb.id;
	}
	return VN_SEC_OK;
}

/* A later copy with fewer hops than the cached one gives the relay a better
 * value to forward from. */
static void cache_better_hops(struct vn_sec *s, const struct vn_sec_view *v)
{
	struct vn_heartbeat hb;
	struct vn_hbcache_ent *e;

	inner_heartbeat(v->inner, &hb);
	e = vn_hbcache_match(&s->cache, &hb, &v->hbext);
	if (e != NULL && hb.hops < e->hops) {
		memcpy(e->ext + 32, v->hbext.value, VN_SEC_HASH_LEN);
		e->hops = hb.hops;
	}
}

/* --- Receive ------------------------------------------------------------------ */

/* A heartbeat anywhere but alone with its extension: the cores would act on
 * it unsigned. Walks the control messages as the decoder will (a message
 * at plain offset o has its type at inner[o]); data and unknown types end
 * the walk, the decoder deals with them. */
static bool unsigned_heartbeat(const struct vn_sec_view *v)
{
	size_t o = 0, end = VN_ETH_HLEN + v->inner_len;

	if (v->cls != VN_SEC_CLASS_CONTROL)
		return false;
	while (o + VN_MSG_HLEN <= end && v->inner[o] == 0) {
		if (v->inner[o + 1] == 0) {
			if (o != 0 || !v->has_hbext)
				return true;
			o += VN_HEARTBEAT_LEN;
		} else if (v->inner[o + 1] == 1) {
			o += VN_REPLY_LEN;
		} else {
			break;
		}
	}
	return false;
}

static enum vn_sec_drop rx_checks(struct vn_sec *s, const struct vn_sec_view *v,
				  struct sec_nbr **np, vn_usec now)
{
	const struct vn_sec_netkey *key = vn_sec_netkey_find(&s->net, v->key_id);
	struct sec_nbr *n;

	if (key == NULL)
		return VN_SEC_DROP_unknown_key;
	if (!vn_sec_tag_ok(key->key, v))
		return VN_SEC_DROP_bad_tag;
	n = nbr_find(s, &v->from);
	if (n != NULL && !vn_replay_check(&n->win[v->cls], v->counter))
		return VN_SEC_DROP_replay;
	if (unsigned_heartbeat(v))
		return VN_SEC_DROP_unsigned_hb;
	*np = n;
	if (v->has_hbext)
		return check_heartbeat(s, v, n, now);
	return VN_SEC_OK;
}

enum vn_sec_drop vn_sec_rx(struct vn_sec *s, struct vn_pbuf *b, vn_usec now)
{
	struct vn_sec_view v;
	struct sec_nbr *n = NULL;
	enum vn_sec_drop d = vn_sec_decode(b->data, b->len, &v);
	size_t shift = VN_SEC_SHIFT, inner_len = 0;

	s->now = now;
	if (d == VN_SEC_OK) {
		inner_len = v.inner_len;
		d = rx_checks(s, &v, &n, now);
	}
	/* encrypt: data only sealed, and opened (at its end point) before the
	 * frame changes any state */
	if (d == VN_SEC_OK && vn_sec_sub_sealed(v.subtype) && !s->e2e.on)
		d = VN_SEC_DROP_unsupported;
	else if (d == VN_SEC_OK && v.cls == VN_SEC_CLASS_DATA && s->e2e.on)
		d = vn_sec_sub_sealed(v.subtype) ? vn_sec_e2e_rx(s, &v, &shift, &inner_len, now)
						 : VN_SEC_DROP_plain_data;
	if (d != VN_SEC_OK) {
		s->drops[d]++;
		return d;
	}
	/* Verified: only now does the frame change any state. */
	if (n == NULL)
		n = nbr_add(s, &v.from, now);
	n->last = now;
	vn_replay_update(&n->win[v.cls], v.counter);
	if (v.has_hbext && s->have_rsukeys)
		cache_better_hops(s, &v);
	/* The plain frame: its Ethernet header moves 14 bytes up, next to the
	 * inner bytes (the regions do not overlap). */
	memmove(b->data + shift, b->data, VN_ETH_HLEN);
	b->data += shift;
	b->len = VN_ETH_HLEN + inner_len;
	s->cnt[SC_rx_ok]++;
	return VN_SEC_OK;
}

/* --- Transmit ------------------------------------------------------------------ */

/* The extension for a heartbeat we send: our own (rsud) is signed here; a
 * relayed one (obud) is the verified original with its chain value hashed
 * up to the hop count the core wrote. */
static bool hbext_for(struct vn_sec *s, const uint8_t *plain, uint8_t *out)
{
	struct vn_heartbeat hb;
	struct vn_hbcache_ent *e;

	inner_heartbeat(plain + VN_ETH_HLEN, &hb);
	if (s->have_signkey && vn_mac_eq(&hb.source, &s->self)) {
		vn_sec_hbext_make(&s->sign, &hb, s->epoch, s->p.max_hops, out);
		return true;
	}
	e = vn_hbcache_find(&s->cache, &hb.source, hb.id);
	if (e == NULL || hb.hops < e->hops)
		return false;
	memcpy(out, e->ext, VN_SEC_HBEXT_LEN);
	vn_sec_hash_n(e->ext + 32, hb.hops - e->hops, out + 32);
	return true;
}

/* The tag after frame f's first `total` bytes; a sealed data frame's over
 * all but its ciphertext (subtype 02). Its sealed packet parses: sealed
 * here, or checked by vn_sec_e2e_tx if relayed. */
static bool put_tag(struct vn_sec *s, const struct vn_sec_netkey *key, uint8_t *f, size_t total,
		    bool sealed)
{
	struct vn_e2e_view e;

	if (!sealed) {
		vn_sec_tag(key->key, f, total, f + total);
		return true;
	}
	if (vn_e2e_decode(f + VN_SEC_HLEN, total - VN_SEC_HLEN, &e) != VN_SEC_OK) {
		s->cnt[SC_tx_unsealed]++;
		return false;
	}
	vn_sec_tag_sealed(key->key, f, total, &e, f + total);
	return true;
}

size_t vn_sec_tx(struct vn_sec *s, uint8_t *frame, size_t len, size_t headroom,
		 size_t tailroom, uint8_t **out)
{
	const struct vn_sec_netkey *key;
	bool is_hb = len == VN_HEARTBEAT_LEN && frame[14] == 0 && frame[15] == 0;
	size_t inner = len - VN_ETH_HLEN, ext = is_hb ? VN_SEC_HBEXT_LEN : 0, total;
	enum vn_sec_class cls;
	uint8_t *f;
	bool e2e;

	s->e2e.last_sealed = false;
	if (s->net.n == 0) {
		s->cnt[SC_tx_no_key]++;
		return 0;
	}
	if (len < VN_MSG_HLEN || inner > UINT16_MAX || headroom < VN_SEC_SHIFT ||
	    tailroom < ext + VN_SEC_TAG_LEN) {
		s->cnt[SC_tx_no_room]++;
		return 0;
	}
	cls = frame[14] == 1 ? VN_SEC_CLASS_DATA : VN_SEC_CLASS_CONTROL;
	if (cls == VN_SEC_CLASS_DATA && s->e2e.on) {
		uint8_t *sealed = vn_sec_e2e_tx(s, frame, &len, headroom, tailroom);

		if (sealed == NULL)
			return 0; /* counted */
		headroom -= (size_t)(frame - sealed);
		frame = sealed;
		inner = len - VN_ETH_HLEN;
		if (inner > UINT16_MAX || headroom < VN_SEC_SHIFT) {
			s->cnt[SC_tx_no_room]++;
			return 0;
		}
	}
	if (is_hb && !hbext_for(s, frame, frame + len)) {
		s->cnt[SC_tx_unsigned_hb]++;
		return 0;
	}
	key = &s->net.k[s->net.send];
	f = frame - VN_SEC_SHIFT;
	memcpy(f, frame, VN_ETH_HLEN);
	e2e = s->e2e.on && cls == VN_SEC_CLASS_DATA;
	vn_sec_put_header(f, e2e ? VN_SEC_SUB_ENCRYPT_HT : VN_SEC_SUB_AUTH, key->id,
			  (uint8_t)(cls | (is_hb ? VN_SEC_FLAG_HBEXT : 0)), (uint16_t)inner,
			  ++s->ctr[cls]);
	total = VN_SEC_HLEN + inner + ext;
	if (!put_tag(s, key, f, total, e2e))
		return 0;
	s->cnt[SC_tx_secured]++;
	*out = f;
	return total + VN_SEC_TAG_LEN;
}

bool vn_sec_tx_sealed(const struct vn_sec *s)
{
	return s->e2e.last_sealed;
}

void vn_sec_tx_restore(uint8_t *frame)
{
	memcpy(frame, frame - VN_SEC_SHIFT, VN_ETH_HLEN);
}
