/* The security layer's end-to-end part (mode = encrypt, docs/security.md
 * "Sessions"): which frames this node seals or opens, the session tables,
 * and the AEAD replay windows. Relays (and an RSU for Downstream) only
 * check that a sealed frame parses and pass it on: they hold no session
 * keys for it. */
#include "sec_layer_priv.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Key derivations for new OBU keys per second (rsud): an X25519 scalar
 * multiplication is ~50 us, so a flood of fresh keys costs at most a few
 * ms of CPU per second. */
#define E2E_DERIVE_RATE 100
#define E2E_DERIVE_BURST 200
/* A session heard within this long keeps its OBU's MAC: a packet with
 * another key for it is refused, so an insider (who has the network key,
 * as every OBU) cannot take the session of an OBU that is still there and
 * read its Downstream packets. An active OBU says hello every second; a
 * restarted one waits this long for its new key to be taken. */
#define E2E_PIN_USEC 3000000u

static bool is_rsu(const struct vn_sec *s)
{
	return s->have_signkey;
}

void vn_sec_set_encrypt(struct vn_sec *s, const uint8_t seed[32])
{
	struct vn_sec_e2e *e = &s->e2e;

	e->on = true;
	crypto_kx_seed_keypair(e->pk, e->sk, seed);
	crypto_generichash(e->salt, sizeof(e->salt), (const uint8_t *)"vanet-salt", 10, seed, 32);
	vn_bucket_init(&e->budget, E2E_DERIVE_RATE, E2E_DERIVE_BURST, s->now);
}

bool vn_sec_encrypting(const struct vn_sec *s)
{
	return s->e2e.on;
}

/* obud: sessions are by trusted-key index; they follow their key to its
 * new index on a reload (their windows stay: no replay opens up). */
void vn_sec_e2e_rsukeys(struct vn_sec *s, const struct vn_sec_rsukeys *k)
{
	/* 80 KB, once per reload: neither static (the layer keeps no global
	 * state) nor on the stack. Without memory the sessions start afresh:
	 * safe (new windows; the nonces come from the run's one counter). */
	struct e2e_sess *old = is_rsu(s) ? NULL : malloc(sizeof(s->e2e.sess));

	if (is_rsu(s))
		return;
	if (old != NULL)
		memcpy(old, s->e2e.sess, sizeof(s->e2e.sess));
	sodium_memzero(s->e2e.sess, sizeof(s->e2e.sess));
	for (unsigned i = 0; old != NULL && i < k->n && i < VN_E2E_MAX_SESS; i++) {
		int o = vn_sec_rsukey_find(&s->rsukeys, k->pk[i]);

		if (o >= 0 && (unsigned)o < VN_E2E_MAX_SESS)
			s->e2e.sess[i] = old[o];
	}
	if (old != NULL) {
		sodium_memzero(old, sizeof(s->e2e.sess));
		free(old);
	}
}

/* --- Sessions ---------------------------------------------------------------- */

/* obud: the session with trusted RSU k for its current epoch (derived when
 * the epoch is new: an RSU restart means new keys on both sides). */
static struct e2e_sess *obu_session(struct vn_sec *s, int k)
{
	struct sec_rsu *r;
	struct e2e_sess *x;

	if (k < 0 || k >= VN_E2E_MAX_SESS || !s->rsu[k].seen)
		return NULL;
	r = &s->rsu[k];
	x = &s->e2e.sess[k];
	if (!x->used || x->epoch != r->epoch) {
		memset(x, 0, sizeof(*x));
		if (vn_e2e_obu_keys(s->e2e.pk, s->e2e.sk, s->rsukeys.pk[k], r->epoch, &x->k) < 0)
			return NULL;
		x->used = true;
		x->epoch = r->epoch;
		x->peer = r->mac;
		vn_replay_init(&x->win);
	}
	return x;
}

/* obud: the trusted key of the RSU the core routes by, or -1. */
static int chosen_key(const struct vn_sec *s)
{
	for (unsigned k = 0; k < s->rsukeys.n; k++)
		if (s->rsu[k].seen && vn_mac_eq(&s->rsu[k].mac, &s->chosen))
			return (int)k;
	return -1;
}

/* rsud: the session of OBU `mac`. */
static struct e2e_sess *rsu_find(struct vn_sec *s, const struct vn_mac *mac)
{
	for (unsigned i = 0; i < VN_E2E_MAX_SESS; i++)
		if (s->e2e.sess[i].used && vn_mac_eq(&s->e2e.sess[i].peer, mac))
			return &s->e2e.sess[i];
	return NULL;
}

/* rsud: a free slot or the least recently used one. */
static struct e2e_sess *rsu_slot(struct vn_sec *s)
{
	struct e2e_sess *victim = &s->e2e.sess[0];

	for (unsigned i = 0; i < VN_E2E_MAX_SESS; i++) {
		if (!s->e2e.sess[i].used)
			return &s->e2e.sess[i];
		if (s->e2e.sess[i].last < victim->last)
			victim = &s->e2e.sess[i];
	}
	return victim;
}

/* --- Receive ---------------------------------------------------------------- */

/* Opens with window w; the window moves only once the tag is good. */
static enum vn_sec_drop open_with(const uint8_t *key, struct vn_replay *w,
				  const struct vn_e2e_view *e)
{
	if (!vn_replay_check(w, e->counter))
		return VN_SEC_DROP_data_replay;
	if (!vn_e2e_open(key, e))
		return VN_SEC_DROP_bad_aead;
	vn_replay_update(w, e->counter);
	return VN_SEC_OK;
}

/* rsud, Upstream: the OBU's key of this run is in every Upstream packet,
 * so a session appears with the first packet after either side starts. A
 * new key is derived (budgeted) and installed only once a packet opened
 * with it. */
static enum vn_sec_drop rx_up(struct vn_sec *s, const struct vn_e2e_view *e, vn_usec now)
{
	struct e2e_sess *x = rsu_find(s, &e->origin), fresh;
	enum vn_sec_drop d;

	if (e->epoch != s->epoch)
		return VN_SEC_DROP_no_session; /* sealed for our previous run */
	if (x != NULL && sodium_memcmp(x->pk, e->id, VN_E2E_PK_LEN) == 0) {
		d = open_with(x->k.rx, &x->win, e);
		if (d == VN_SEC_OK)
			x->last = now;
		return d;
	}
	if (x != NULL && now - x->last < E2E_PIN_USEC)
		return VN_SEC_DROP_session_pinned;
	if (!vn_bucket_take(&s->e2e.budget, now))
		return VN_SEC_DROP_session_budget;
	memset(&fresh, 0, sizeof(fresh));
	if (vn_e2e_rsu_keys(&s->sign, e->id, s->epoch, &fresh.k) < 0)
		return VN_SEC_DROP_no_session;
	vn_replay_init(&fresh.win);
	d = open_with(fresh.k.rx, &fresh.win, e);
	if (d == VN_SEC_OK) {
		fresh.used = true;
		fresh.peer = e->origin;
		memcpy(fresh.pk, e->id, VN_E2E_PK_LEN);
		fresh.epoch = s->epoch;
		fresh.last = now;
		*(x != NULL ? x : rsu_slot(s)) = fresh;
	}
	sodium_memzero(&fresh, sizeof(fresh));
	return d;
}

/* obud, Downstream to us: the session of the RSU named by its key hint, for
 * the epoch the RSU's signed heartbeats told us. */
static enum vn_sec_drop rx_down(struct vn_sec *s, const struct vn_e2e_view *e)
{
	int k = vn_sec_rsukey_by_hint(&s->rsukeys, e->id);
	struct e2e_sess *x = k >= 0 ? obu_session(s, k) : NULL;

	if (x == NULL || x->epoch != e->epoch)
		return VN_SEC_DROP_no_session;
	return open_with(x->k.rx, &x->win, e);
}

/* The window of broadcast sender `from` for the run of `salt`. A new salt
 * (the sender restarted) starts a new window: the per-hop window still
 * stops replays from outsiders. */
static struct e2e_bc *bc_entry(struct vn_sec *s, const struct vn_mac *from, const uint8_t *salt)
{
	struct e2e_bc *b;

	for (unsigned i = 0; i < VN_E2E_MAX_BC; i++) {
		b = &s->e2e.bc[i];
		if (b->used && vn_mac_eq(&b->from, from) &&
		    memcmp(b->salt, salt, VN_E2E_SALT_LEN) == 0)
			return b;
	}
	b = &s->e2e.bc[s->e2e.bc_next++ % VN_E2E_MAX_BC];
	b->used = false; /* only once a packet opened */
	b->from = *from;
	memcpy(b->salt, salt, VN_E2E_SALT_LEN);
	vn_replay_init(&b->win);
	return b;
}

static enum vn_sec_drop rx_bcast(struct vn_sec *s, const struct vn_sec_view *v)
{
	const struct vn_sec_netkey *nk = vn_sec_netkey_find(&s->net, v->key_id);
	uint8_t key[VN_E2E_KEY_LEN];
	struct e2e_bc *b;
	enum vn_sec_drop d;

	if (nk == NULL)
		return VN_SEC_DROP_unknown_key; /* checked before: a reload in between */
	b = bc_entry(s, &v->from, v->e2e.id);
	vn_e2e_bcast_key(nk->key, v->e2e.id, &v->from, key);
	d = open_with(key, &b->win, &v->e2e);
	sodium_memzero(key, sizeof(key));
	if (d == VN_SEC_OK)
		b->used = true;
	return d;
}

/* Who opens what: the RSU every Upstream addressed to it; an OBU a
 * Downstream addressed to it (to and destination). An overheard copy
 * would burn a counter, and at an RSU cost a failed open (and maybe a
 * derivation) for every packet a relay in reach hands to another RSU. An
 * OBU opens every broadcast. Everything else passes on sealed, for the
 * core to forward or drop. */
static enum vn_sec_drop open_here(struct vn_sec *s, const struct vn_sec_view *v, vn_usec now,
				  bool *opened)
{
	const struct vn_e2e_view *e = &v->e2e;

	*opened = true;
	if (is_rsu(s) && e->kind == VN_E2E_UP && vn_mac_eq(&v->to, &s->self))
		return rx_up(s, e, now);
	if (!is_rsu(s) && e->kind == VN_E2E_DOWN && vn_mac_eq(&e->dest, &s->self) &&
	    vn_mac_eq(&v->to, &s->self))
		return rx_down(s, e);
	if (!is_rsu(s) && e->kind == VN_E2E_BCAST)
		return rx_bcast(s, v);
	*opened = false;
	return VN_SEC_OK;
}

enum vn_sec_drop vn_sec_e2e_rx(struct vn_sec *s, const struct vn_sec_view *v, size_t *shift,
			       size_t *inner_len, vn_usec now)
{
	const struct vn_e2e_view *e = &v->e2e;
	size_t hlen = vn_e2e_hlen(e->kind), dh = e->ad_len - hlen;
	bool opened;
	enum vn_sec_drop d = open_here(s, v, now, &opened);

	if (d != VN_SEC_OK || !opened)
		return d;
	if (e->kind == VN_E2E_UP && e->msg_len == 0)
		return VN_SEC_DROP_hello; /* its work is done: the session is up */
	/* the data header moves up next to the IP packet (plain again) */
	memmove(v->inner + hlen, v->inner, dh);
	*shift += hlen;
	*inner_len = dh + e->msg_len;
	s->cnt[SC_rx_opened]++;
	return VN_SEC_OK;
}

/* --- Transmit ---------------------------------------------------------------- */

void vn_sec_hello(const struct vn_sec *s, const struct vn_mac *to, uint8_t out[VN_UP_HLEN])
{
	vn_mac_store(out, to);
	vn_mac_store(out + 6, &s->self);
	out[12] = VN_ETHERTYPE >> 8;
	out[13] = VN_ETHERTYPE & 0xff;
	out[14] = 1;
	out[15] = 0;
	vn_mac_store(out + 16, &s->self);
}

static uint8_t *seal(struct vn_sec *s, const uint8_t *key, uint8_t *frame, size_t *len,
		     enum vn_e2e_kind kind, uint64_t ctr, uint32_t epoch, const uint8_t *id)
{
	uint8_t *f = vn_e2e_seal(key, frame, *len, kind, ctr, epoch, id);

	*len += vn_e2e_hlen(kind) + VN_E2E_ABYTES;
	s->e2e.last_sealed = true;
	s->cnt[SC_tx_sealed]++;
	return f;
}

static uint8_t *tx_bcast(struct vn_sec *s, uint8_t *frame, size_t *len)
{
	const struct vn_sec_netkey *nk = &s->net.k[s->net.send];
	uint8_t key[VN_E2E_KEY_LEN], *f;

	vn_e2e_bcast_key(nk->key, s->e2e.salt, &s->self, key);
	f = seal(s, key, frame, len, VN_E2E_BCAST, ++s->e2e.bc_ctr, 0, s->e2e.salt);
	sodium_memzero(key, sizeof(key));
	return f;
}

static uint8_t *no_session(struct vn_sec *s)
{
	s->cnt[SC_tx_no_session]++;
	return NULL;
}

/* What this node seals: its own Upstream packets (obud, for the chosen
 * RSU), Downstream to one OBU (rsud, in that OBU's session) and every
 * broadcast Downstream it sends (re-sealed hop by hop under the group
 * key, in the sender's own nonce space). A relayed Upstream or Downstream
 * goes on as it came: already sealed. */
uint8_t *vn_sec_e2e_tx(struct vn_sec *s, uint8_t *frame, size_t *len, size_t headroom,
		       size_t tailroom)
{
	bool up = frame[15] == 0, own = false, bcast = false;
	struct vn_mac origin, dest;
	struct vn_e2e_view e;
	struct e2e_sess *x;

	if (*len >= VN_UP_HLEN) { /* a hello is exactly that long */
		vn_mac_load(&origin, frame + 16);
		own = up && vn_mac_eq(&origin, &s->self);
	}
	if (!up && *len >= VN_DOWN_HLEN) {
		vn_mac_load(&dest, frame + 22);
		bcast = vn_mac_is_broadcast(&dest);
	}

	if ((up && !own) || (!up && !bcast && !is_rsu(s))) {
		if (vn_e2e_decode(frame + VN_ETH_HLEN, *len - VN_ETH_HLEN, &e) != VN_SEC_OK) {
			s->cnt[SC_tx_unsealed]++;
			return NULL;
		}
		return frame;
	}
	if (*len < (up ? VN_UP_HLEN : VN_DOWN_HLEN) || headroom < VN_E2E_MAX_HLEN + VN_SEC_SHIFT ||
	    tailroom < VN_E2E_ABYTES + VN_SEC_TAG_LEN) {
		s->cnt[SC_tx_no_room]++;
		return NULL;
	}
	if (bcast)
		return tx_bcast(s, frame, len);
	if (up) {
		x = obu_session(s, chosen_key(s));
		if (x == NULL)
			return no_session(s);
		return seal(s, x->k.tx, frame, len, VN_E2E_UP, ++s->e2e.ctr, x->epoch, s->e2e.pk);
	}
	x = rsu_find(s, &dest);
	if (x == NULL)
		return no_session(s);
	return seal(s, x->k.tx, frame, len, VN_E2E_DOWN, ++s->e2e.ctr, s->epoch, s->sign.pk);
}
