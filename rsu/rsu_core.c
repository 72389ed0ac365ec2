/* The RSU routing core (PROTOCOL.md §4). See docs/routing.md for the why.
 *
 * Tables, all allocated in rsu_core_new and never grown:
 *   sent[history]   the heartbeats we sent recently (id, uptime, send time):
 *                   a reply is only believed if it echoes one of them exactly.
 *   obus (max_obus) OBU -> up to RSU_NH_MAX next-hop observations, reply
 *                   dedup window, chosen next hop. LRU order = last sign of
 *                   life (reply, or Upstream data via the chosen next hop);
 *                   evicted from the old end when full.
 *   ips (max_ips)   inner source IP -> origin OBU, expiring after
 *                   ip_expiry_ms. LRU-evicted when full.
 */
#include "rsu_core.h"

#include <stdlib.h>
#include <string.h>

#include "core_tab.h"
#include "core_text.h"
#include "core_util.h"
#include "wire.h"

#define RSU_NH_MAX 4		/* next hops remembered per OBU */
#define RSU_DEDUP_BITS 64	/* reply dedup window, in ids */

#define RSU_COUNTERS(X)                                                        \
	X(rx_frames)                                                           \
	X(drop_not_for_us)                                                     \
	X(drop_own_frame)                                                      \
	X(hb_sent)                                                             \
	X(hb_ignored)                                                          \
	X(replies_accepted)                                                    \
	X(drop_dup_reply)                                                      \
	X(drop_reply_future_uptime)                                            \
	X(drop_reply_unknown_id)                                               \
	X(drop_reply_bad_uptime)                                               \
	X(drop_reply_rtt)                                                      \
	X(drop_reply_bad_hops)                                                 \
	X(drop_reply_bad_sender)                                               \
	X(drop_reply_other_rsu)                                                \
	X(drop_downstream_at_rsu)                                              \
	X(drop_loop)                                                           \
	X(drop_bad_origin)                                                     \
	X(drop_no_headroom)                                                    \
	X(drop_tun_bad_ip)                                                     \
	X(up_received)                                                         \
	X(up_refreshed)                                                        \
	X(up_delivered)                                                        \
	X(up_hairpinned)                                                       \
	X(down_unicast)                                                        \
	X(down_broadcast)                                                      \
	X(route_changes)                                                       \
	X(obus_gone)                                                           \
	X(obus_evicted)                                                        \
	X(ips_learned)                                                         \
	X(ips_moved)                                                           \
	X(ips_expired)                                                         \
	X(ips_evicted)

enum rsu_counter {
#define X(n) RC_##n,
	RSU_COUNTERS(X)
#undef X
	RC__COUNT
};

static const char *const rsu_counter_names[RC__COUNT] = {
#define X(n) #n,
	RSU_COUNTERS(X)
#undef X
};

struct rsu_sent {
	uint32_t id;
	uint64_t uptime_ms;
	vn_usec at;
	bool valid;
};

struct rsu_nh {
	struct vn_mac mac;
	uint32_t hops;
	uint64_t rtt_us; /* smoothed (EWMA 1/4) */
	vn_usec last_seen;
	uint32_t last_id; /* newest reply id it carried */
	bool valid;
};

struct rsu_obu {
	struct rsu_nh nh[RSU_NH_MAX];
	int cur;		/* chosen next hop index, -1 none */
	uint32_t dedup_top;	/* highest reply id seen */
	uint64_t dedup_mask;	/* bit i: id dedup_top - i seen */
	bool dedup_valid;
	vn_usec last_alive; /* newest reply, or Upstream data via the chosen next hop */
};

struct rsu_ip {
	uint32_t obu_slot; /* in obus; validated against obu_mac on use */
	struct vn_mac obu_mac;
	vn_usec last_seen;
};

struct rsu_core {
	struct rsu_params p;
	struct vn_mac self;
	struct vn_core_io io;
	vn_usec created;
	vn_usec next_hb;
	uint32_t next_id;
	uint64_t rng;
	struct rsu_sent *sent; /* [history], indexed id % history */
	struct core_tab obus;
	struct rsu_obu *obu;	/* [max_obus] */
	struct core_tab ips;
	struct rsu_ip *ip;	/* [max_ips] */
	uint64_t cnt[RC__COUNT];
	uint64_t rx_drop[VN_RX__COUNT];
	uint8_t scratch[64];
};

/* --- small helpers ------------------------------------------------------ */

/* xorshift64*: deterministic jitter without rand()'s global state. */
static uint64_t rsu_rand(struct rsu_core *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static vn_usec period_us(const struct rsu_core *c)
{
	return (vn_usec)c->p.heartbeat_period_ms * VN_USEC_PER_MS;
}

static vn_usec jittered_period(struct rsu_core *c)
{
	vn_usec t = period_us(c);
	vn_usec span = t * c->p.jitter_pct / 100;

	if (span == 0)
		return t;
	/* uniform in [t - span, t + span] */
	return t - span + rsu_rand(c) % (2 * span + 1);
}

static uint64_t uptime_ms(const struct rsu_core *c, vn_usec now)
{
	return now >= c->created ? (now - c->created) / VN_USEC_PER_MS : 0;
}

/* The longest round trip believed: a reply to a heartbeat older than the
 * ids we remember is not believed anyway. */
static vn_usec rtt_max(const struct rsu_core *c)
{
	return period_us(c) * c->p.history;
}

/* An OBU without a sign of life for this long is gone. OBUs reply only every
 * reply_keepalive ids when nothing changes, so this spans several of them
 * (v1: history periods, when OBUs replied to every heartbeat). */
static vn_usec obu_timeout(const struct rsu_core *c)
{
	return period_us(c) * c->p.obu_timeout_periods;
}

/* --- tables ------------------------------------------------------------- */

static int tables_alloc(struct rsu_core *c)
{
	c->sent = calloc(c->p.history, sizeof(*c->sent));
	c->obu = calloc(c->p.max_obus, sizeof(*c->obu));
	c->ip = calloc(c->p.max_ips, sizeof(*c->ip));
	if (c->sent == NULL || c->obu == NULL || c->ip == NULL)
		return -1;
	if (core_tab_init(&c->obus, c->p.max_obus, sizeof(struct vn_mac),
			  (uint32_t)c->p.seed) != 0)
		return -1;
	if (core_tab_init(&c->ips, c->p.max_ips, sizeof(struct vn_ip),
			  (uint32_t)(c->p.seed >> 32)) != 0)
		return -1;
	return 0;
}

static void tables_free(struct rsu_core *c)
{
	free(c->sent);
	free(c->obu);
	free(c->ip);
	c->sent = NULL;
	c->obu = NULL;
	c->ip = NULL;
	core_tab_fini(&c->obus);
	core_tab_fini(&c->ips);
}

struct rsu_core *rsu_core_new(const struct rsu_params *p, const struct vn_mac *self,
			      const struct vn_core_io *io, vn_usec now)
{
	struct rsu_core *c;

	if (p == NULL || self == NULL || io == NULL || io->send == NULL ||
	    io->deliver == NULL || rsu_params_check(p) != NULL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->p = *p;
	c->self = *self;
	c->io = *io;
	c->created = now;
	c->next_hb = now; /* first heartbeat at once: OBUs attach quickly */
	c->rng = p->seed != 0 ? p->seed : 0x9e3779b97f4a7c15ull;
	if (tables_alloc(c) != 0) {
		rsu_core_free(c);
		return NULL;
	}
	return c;
}

void rsu_core_free(struct rsu_core *c)
{
	if (c == NULL)
		return;
	tables_free(c);
	free(c);
}

int rsu_core_set_params(struct rsu_core *c, const struct rsu_params *p, vn_usec now)
{
	struct rsu_core tmp;

	if (rsu_params_check(p) != NULL)
		return -1;
	if (p->history == c->p.history && p->max_obus == c->p.max_obus &&
	    p->max_ips == c->p.max_ips) {
		bool period_changed = p->heartbeat_period_ms != c->p.heartbeat_period_ms;

		c->p = *p;
		if (period_changed && c->next_hb > now + period_us(c))
			c->next_hb = now + period_us(c);
		return 0;
	}
	/* A capacity changed: new tables (routes are relearned within a few
	 * heartbeats). Allocate first so that failure changes nothing. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.p = *p;
	if (tables_alloc(&tmp) != 0) {
		tables_free(&tmp);
		return -1;
	}
	tables_free(c);
	c->p = *p;
	c->sent = tmp.sent;
	c->obu = tmp.obu;
	c->ip = tmp.ip;
	c->obus = tmp.obus;
	c->ips = tmp.ips;
	if (c->next_hb > now + period_us(c))
		c->next_hb = now + period_us(c);
	core_log(&c->io, VN_LOG_NOTICE, "parameters changed: route tables cleared");
	return 0;
}

/* --- OBU routes ----------------------------------------------------------- */

static struct rsu_obu *obu_find(const struct rsu_core *c, const struct vn_mac *m, uint32_t *slot)
{
	uint32_t s = core_tab_find(&c->obus, m);

	if (s == CORE_TAB_NONE)
		return NULL;
	if (slot != NULL)
		*slot = s;
	return &c->obu[s];
}

static const struct vn_mac *obu_mac(const struct rsu_core *c, uint32_t slot)
{
	return (const struct vn_mac *)(const void *)core_tab_key(&c->obus, slot);
}

/* Whether observation n may carry traffic: heard within stale_periods, and
 * not superseded -- an OBU answers each heartbeat once, along its own
 * upstream, so when two newer replies came another way the OBU has moved
 * its upstream and the route follows at once. */
static bool nh_fresh(const struct rsu_core *c, const struct rsu_obu *o, const struct rsu_nh *n,
		     vn_usec now)
{
	return n->valid && now - n->last_seen <= period_us(c) * c->p.stale_periods &&
	       (int32_t)(o->dedup_top - n->last_id) < 2;
}

/* a strictly better than b: fewer hops, then lower RTT by more than margin. */
static bool nh_better(const struct rsu_nh *a, const struct rsu_nh *b, uint64_t margin_us)
{
	if (a->hops != b->hops)
		return a->hops < b->hops;
	return a->rtt_us + margin_us < b->rtt_us;
}

static void route_choose(struct rsu_core *c, uint32_t slot, vn_usec now)
{
	struct rsu_obu *o = &c->obu[slot];
	uint64_t margin = (uint64_t)c->p.rtt_hysteresis_ms * VN_USEC_PER_MS;
	int best = -1, old = o->cur;

	for (int i = 0; i < RSU_NH_MAX; i++) {
		if (!nh_fresh(c, o, &o->nh[i], now))
			continue;
		if (best < 0 || nh_better(&o->nh[i], &o->nh[best], 0))
			best = i;
	}
	if (best < 0)
		return; /* keep the old (stale) one: better than nothing until gone */
	if (old >= 0 && old != best && nh_fresh(c, o, &o->nh[old], now) &&
	    !nh_better(&o->nh[best], &o->nh[old], margin))
		return; /* hysteresis: not better enough to move */
	if (best == old)
		return;
	o->cur = best;
	c->cnt[RC_route_changes]++;
	{
		char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN], d[VN_MAC_STRLEN];

		core_log(&c->io, VN_LOG_INFO, "route to obu %s now via %s hops %u (was %s)",
			vn_mac_format(obu_mac(c, slot), a),
			vn_mac_format(&o->nh[best].mac, b), o->nh[best].hops,
			old >= 0 ? vn_mac_format(&o->nh[old].mac, d) : "none");
	}
}

/* Reply dedup per OBU: a 64-id window below the highest id seen. Returns
 * true if (obu, id) was seen already; records it otherwise. */
static bool reply_seen(struct rsu_obu *o, uint32_t id)
{
	int32_t d;

	if (!o->dedup_valid) {
		o->dedup_valid = true;
		o->dedup_top = id;
		o->dedup_mask = 1;
		return false;
	}
	d = (int32_t)(o->dedup_top - id);
	if (d < 0) {
		uint32_t shift = (uint32_t)-(int64_t)d;

		o->dedup_mask = shift >= RSU_DEDUP_BITS ? 0 : o->dedup_mask << shift;
		o->dedup_mask |= 1;
		o->dedup_top = id;
		return false;
	}
	if (d >= RSU_DEDUP_BITS)
		return true; /* older than the window: treat as replay */
	if (o->dedup_mask & (1ull << d))
		return true;
	o->dedup_mask |= 1ull << d;
	return false;
}

static void nh_observe(struct rsu_obu *o, const struct vn_mac *nh, uint32_t hops, uint32_t id,
		       uint64_t rtt_us, vn_usec now)
{
	int slot = -1, oldest = 0;

	for (int i = 0; i < RSU_NH_MAX; i++) {
		if (o->nh[i].valid && vn_mac_eq(&o->nh[i].mac, nh)) {
			slot = i;
			break;
		}
		if (!o->nh[i].valid) {
			if (slot < 0)
				slot = i;
		}
	}
	if (slot >= 0 && o->nh[slot].valid && vn_mac_eq(&o->nh[slot].mac, nh)) {
		struct rsu_nh *n = &o->nh[slot];

		n->hops = hops;
		n->rtt_us = (3 * n->rtt_us + rtt_us) / 4;
		n->last_seen = now;
		if ((int32_t)(id - n->last_id) > 0)
			n->last_id = id;
		return;
	}
	if (slot < 0) {
		/* all four in use: replace the least recently seen, never the
		 * chosen one */
		oldest = -1;
		for (int i = 0; i < RSU_NH_MAX; i++) {
			if (i == o->cur)
				continue;
			if (oldest < 0 || o->nh[i].last_seen < o->nh[oldest].last_seen)
				oldest = i;
		}
		slot = oldest;
	}
	o->nh[slot].mac = *nh;
	o->nh[slot].hops = hops;
	o->nh[slot].rtt_us = rtt_us;
	o->nh[slot].last_seen = now;
	o->nh[slot].last_id = id;
	o->nh[slot].valid = true;
}

static void on_reply(struct rsu_core *c, const struct vn_msg *m, vn_usec now)
{
	uint64_t up_now = uptime_ms(c, now);
	const struct rsu_sent *s;
	struct rsu_obu *o;
	uint32_t slot, age;
	uint64_t rtt_us;
	bool evicted;

	if (!vn_mac_eq(&m->hb.source, &c->self)) {
		c->cnt[RC_drop_reply_other_rsu]++;
		return;
	}
	if (vn_mac_is_multicast(&m->sender) || vn_mac_is_zero(&m->sender) ||
	    vn_mac_eq(&m->sender, &c->self) || vn_mac_is_multicast(&m->from)) {
		c->cnt[RC_drop_reply_bad_sender]++;
		return;
	}
	/* Guards first, in u128, so that no hostile value reaches arithmetic
	 * that could wrap (PROTOCOL.md §6 fault 7). */
	if (m->hb.uptime > (vn_u128)up_now) {
		c->cnt[RC_drop_reply_future_uptime]++;
		return;
	}
	age = c->next_id - 1 - m->hb.id; /* wraps harmlessly in u32 */
	if (c->next_id == 0 || age >= c->p.history || age >= c->next_id) {
		c->cnt[RC_drop_reply_unknown_id]++;
		return;
	}
	s = &c->sent[m->hb.id % c->p.history];
	if (!s->valid || s->id != m->hb.id) {
		c->cnt[RC_drop_reply_unknown_id]++;
		return;
	}
	if (m->hb.uptime != (vn_u128)s->uptime_ms) {
		c->cnt[RC_drop_reply_bad_uptime]++;
		return;
	}
	rtt_us = now - s->at; /* s->at <= now: we sent it */
	if (rtt_us > rtt_max(c)) {
		c->cnt[RC_drop_reply_rtt]++;
		return;
	}
	/* hops 1 means the OBU heard us directly, so it replies straight to
	 * us: relayed by a third node it can only be forged (the forger would
	 * pull the OBU's route onto itself). */
	if (m->hb.hops == 0 || m->hb.hops > 255 ||
	    (m->hb.hops == 1 && !vn_mac_eq(&m->from, &m->sender))) {
		c->cnt[RC_drop_reply_bad_hops]++;
		return;
	}
	o = obu_find(c, &m->sender, &slot);
	if (o == NULL) {
		slot = core_tab_insert(&c->obus, &m->sender, &evicted);
		if (evicted)
			c->cnt[RC_obus_evicted]++;
		o = &c->obu[slot];
		memset(o, 0, sizeof(*o));
		o->cur = -1;
	}
	if (reply_seen(o, m->hb.id)) {
		c->cnt[RC_drop_dup_reply]++;
		return;
	}
	core_tab_touch(&c->obus, slot);
	o->last_alive = now;
	nh_observe(o, &m->from, m->hb.hops, m->hb.id, rtt_us, now);
	c->cnt[RC_replies_accepted]++;
	route_choose(c, slot, now);
}

/* The OBU's usable next hop, or NULL. */
static const struct rsu_nh *obu_route(const struct rsu_core *c, const struct vn_mac *obu,
				      vn_usec now)
{
	const struct rsu_obu *o = obu_find(c, obu, NULL);

	if (o == NULL || o->cur < 0 || now - o->last_alive > obu_timeout(c))
		return NULL;
	return &o->nh[o->cur];
}

/* Upstream data from `origin` that `from` handed us: a sign of life of the
 * route when `from` is its chosen next hop. Between keep-alive replies this
 * keeps a route in use alive and its next hop fresh. Data through another
 * neighbour refreshes nothing: only replies choose next hops, so a forged
 * or stray frame cannot pull a route, nor keep a dead one alive. */
static void route_refresh(struct rsu_core *c, const struct vn_mac *origin,
			  const struct vn_mac *from, vn_usec now)
{
	uint32_t slot;
	struct rsu_obu *o = obu_find(c, origin, &slot);

	if (o == NULL || o->cur < 0 || !vn_mac_eq(&o->nh[o->cur].mac, from))
		return;
	o->nh[o->cur].last_seen = now;
	o->last_alive = now;
	core_tab_touch(&c->obus, slot);
	c->cnt[RC_up_refreshed]++;
}

/* --- IP -> OBU ------------------------------------------------------------ */

static bool ip_learnable(const struct vn_ip *a)
{
	static const uint8_t zero[16];

	if (vn_ip_is_multicast(a))
		return false;
	return memcmp(a->a, zero, a->family == 4 ? 4 : 16) != 0;
}

static void ip_learn(struct rsu_core *c, const struct vn_ip *src, const struct vn_mac *obu,
		     vn_usec now)
{
	uint32_t s = core_tab_find(&c->ips, src);
	bool evicted;

	if (!ip_learnable(src))
		return;
	if (s == CORE_TAB_NONE) {
		s = core_tab_insert(&c->ips, src, &evicted);
		if (evicted)
			c->cnt[RC_ips_evicted]++;
		c->cnt[RC_ips_learned]++;
	} else {
		core_tab_touch(&c->ips, s);
		if (!vn_mac_eq(&c->ip[s].obu_mac, obu))
			c->cnt[RC_ips_moved]++;
	}
	c->ip[s].obu_mac = *obu;
	c->ip[s].last_seen = now;
}

/* The OBU owning IP a, or NULL. */
static const struct vn_mac *ip_owner(const struct rsu_core *c, const struct vn_ip *a, vn_usec now)
{
	uint32_t s = core_tab_find(&c->ips, a);

	if (s == CORE_TAB_NONE ||
	    now - c->ip[s].last_seen > (vn_usec)c->p.ip_expiry_ms * VN_USEC_PER_MS)
		return NULL;
	return &c->ip[s].obu_mac;
}

/* --- data ------------------------------------------------------------------ */

/* Sends the IP packet at m->payload as a Downstream frame built in place:
 * the old header (whatever it was) is replaced by a 28-byte one in front of
 * the payload, which works because the pbuf keeps headroom and the old
 * header was at least 22 bytes. */
static void send_down(struct rsu_core *c, struct vn_pbuf *b, uint8_t *payload, size_t plen,
		      const struct vn_mac *to, const struct vn_mac *origin,
		      const struct vn_mac *dst)
{
	b->data = payload;
	b->len = plen;
	if (vn_enc_downstream(b, to, &c->self, origin, dst) == 0) {
		c->cnt[RC_drop_no_headroom]++;
		return;
	}
	core_send(&c->io, b->data, b->len);
}

static void on_upstream(struct rsu_core *c, struct vn_pbuf *b, const struct vn_msg *m,
			vn_usec now)
{
	struct vn_ip src, dst;
	const struct vn_mac *owner;
	const struct rsu_nh *nh;

	if (vn_mac_eq(&m->origin, &c->self)) {
		c->cnt[RC_drop_loop]++;
		return;
	}
	if (vn_mac_is_multicast(&m->origin) || vn_mac_is_zero(&m->origin)) {
		c->cnt[RC_drop_bad_origin]++;
		return;
	}
	c->cnt[RC_up_received]++;
	route_refresh(c, &m->origin, &m->from, now);
	vn_ip_src(m->payload, &src);
	vn_ip_dst(m->payload, &dst);
	ip_learn(c, &src, &m->origin, now);
	owner = ip_owner(c, &dst, now);
	if (owner != NULL && !vn_mac_eq(owner, &m->origin) &&
	    (nh = obu_route(c, owner, now)) != NULL) {
		/* OBU to OBU: straight back down, origin kept. */
		struct vn_mac to = nh->mac, origin = m->origin, dest = *owner;

		c->cnt[RC_up_hairpinned]++;
		send_down(c, b, m->payload, m->payload_len, &to, &origin, &dest);
		return;
	}
	c->cnt[RC_up_delivered]++;
	c->io.deliver(c->io.ctx, m->payload, m->payload_len);
}

static void on_message(struct rsu_core *c, struct vn_pbuf *b, const struct vn_msg *m,
		       vn_usec now)
{
	switch (core_addr_check(m, &c->self)) {
	case CORE_ADDR_OWN_FRAME:
		c->cnt[RC_drop_own_frame]++;
		return;
	case CORE_ADDR_NOT_FOR_US:
		c->cnt[RC_drop_not_for_us]++;
		return;
	case CORE_ADDR_OK:
		break;
	}
	switch (m->type) {
	case VN_MSG_HEARTBEAT:
		/* our own relayed by OBUs, or another RSU's: an RSU never relays */
		c->cnt[RC_hb_ignored]++;
		break;
	case VN_MSG_REPLY:
		on_reply(c, m, now);
		break;
	case VN_MSG_UPSTREAM:
		on_upstream(c, b, m, now);
		break;
	case VN_MSG_DOWNSTREAM:
	default:
		c->cnt[RC_drop_downstream_at_rsu]++;
		break;
	}
}

void rsu_core_on_frame(struct rsu_core *c, struct vn_pbuf *b, vn_usec now)
{
	struct vn_rx_iter it;
	struct vn_msg m;

	c->cnt[RC_rx_frames]++;
	vn_rx_iter_init(&it, b->data, b->len);
	while (core_rx_next(&it, &m, c->rx_drop)) {
		on_message(c, b, &m, now);
		/* a data message may have consumed b: it is always the last */
	}
}

void rsu_core_on_tun(struct rsu_core *c, struct vn_pbuf *b, vn_usec now)
{
	size_t ip_len;
	struct vn_ip dst;
	const struct vn_mac *owner = NULL;
	const struct rsu_nh *nh = NULL;

	if (vn_ip_check(b->data, b->len, &ip_len) != VN_RX_OK) {
		c->cnt[RC_drop_tun_bad_ip]++;
		return;
	}
	vn_ip_dst(b->data, &dst);
	if (!vn_ip_is_multicast(&dst))
		owner = ip_owner(c, &dst, now);
	if (owner != NULL)
		nh = obu_route(c, owner, now);
	if (nh != NULL) {
		struct vn_mac to = nh->mac, dest = *owner;

		c->cnt[RC_down_unicast]++;
		send_down(c, b, b->data, ip_len, &to, &c->self, &dest);
		return;
	}
	/* broadcast, multicast or unknown: one copy down the whole tree */
	c->cnt[RC_down_broadcast]++;
	send_down(c, b, b->data, ip_len, &vn_mac_broadcast, &c->self, &vn_mac_broadcast);
}

/* --- timers ---------------------------------------------------------------- */

static void send_heartbeat(struct rsu_core *c, vn_usec now)
{
	struct vn_heartbeat hb;
	struct rsu_sent *s = &c->sent[c->next_id % c->p.history];
	size_t n;

	hb.uptime = uptime_ms(c, now);
	hb.id = c->next_id;
	hb.hops = 1;
	hb.source = c->self;
	n = vn_enc_heartbeat(c->scratch, sizeof(c->scratch), &vn_mac_broadcast, &c->self, &hb);
	s->id = hb.id;
	s->uptime_ms = (uint64_t)hb.uptime;
	s->at = now;
	s->valid = true;
	c->next_id++;
	c->cnt[RC_hb_sent]++;
	core_send(&c->io, c->scratch, n);
}

static void expire(struct rsu_core *c, vn_usec now)
{
	uint32_t s, next;
	vn_usec ip_life = (vn_usec)c->p.ip_expiry_ms * VN_USEC_PER_MS;

	/* LRU order = last-alive order: stop at the first one still alive. */
	for (s = core_tab_oldest(&c->obus); s != CORE_TAB_NONE; s = next) {
		next = core_tab_newer(&c->obus, s);
		if (now - c->obu[s].last_alive <= obu_timeout(c))
			break;
		{
			char a[VN_MAC_STRLEN];

			core_log(&c->io, VN_LOG_INFO, "obu %s gone (no reply or data for %u periods)",
				vn_mac_format(obu_mac(c, s), a), c->p.obu_timeout_periods);
		}
		c->cnt[RC_obus_gone]++;
		core_tab_remove(&c->obus, s);
	}
	for (s = core_tab_oldest(&c->ips); s != CORE_TAB_NONE; s = next) {
		next = core_tab_newer(&c->ips, s);
		if (now - c->ip[s].last_seen <= ip_life)
			break;
		c->cnt[RC_ips_expired]++;
		core_tab_remove(&c->ips, s);
	}
	/* re-choose next hops whose chosen one went stale (cheap: only routes
	 * touched by replies change otherwise) */
}

void rsu_core_tick(struct rsu_core *c, vn_usec now)
{
	if (now < c->next_hb)
		return;
	send_heartbeat(c, now);
	/* If we were late by more than a period, do not send a burst. */
	c->next_hb += jittered_period(c);
	if (c->next_hb <= now)
		c->next_hb = now + jittered_period(c);
	expire(c, now);
}

vn_usec rsu_core_next_timer(const struct rsu_core *c)
{
	return c->next_hb;
}

/* --- introspection ---------------------------------------------------------- */

bool rsu_core_route(const struct rsu_core *c, const struct vn_mac *obu, struct rsu_route_info *out)
{
	const struct rsu_obu *o = obu_find(c, obu, NULL);

	if (o == NULL || o->cur < 0)
		return false;
	out->next_hop = o->nh[o->cur].mac;
	out->hops = o->nh[o->cur].hops;
	out->rtt_ms = (uint32_t)((o->nh[o->cur].rtt_us + 500) / VN_USEC_PER_MS);
	return true;
}

size_t rsu_core_describe(const struct rsu_core *c, vn_usec now, char *buf, size_t cap)
{
	struct core_text t;
	char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN], ipb[VN_IP_STRLEN];

	core_text_init(&t, buf, cap);
	core_text_add(&t, "rsu %s uptime %llums next heartbeat id %u\n",
		      vn_mac_format(&c->self, a), (unsigned long long)uptime_ms(c, now),
		      c->next_id);
	core_text_add(&t, "obus: %u (capacity %u)\n", c->obus.count, c->p.max_obus);
	for (uint32_t s = core_tab_oldest(&c->obus); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->obus, s)) {
		const struct rsu_obu *o = &c->obu[s];
		struct rsu_route_info ri;

		if (!rsu_core_route(c, obu_mac(c, s), &ri))
			continue;
		core_text_add(&t, "obu %s via %s hops %u rtt %ums\n",
			      vn_mac_format(obu_mac(c, s), a), vn_mac_format(&ri.next_hop, b),
			      ri.hops, ri.rtt_ms);
		for (int i = 0; i < RSU_NH_MAX; i++) {
			const struct rsu_nh *n = &o->nh[i];

			if (!n->valid || i == o->cur)
				continue;
			core_text_add(&t, "  alt via %s hops %u rtt %llums seen %llums ago\n",
				      vn_mac_format(&n->mac, b), n->hops,
				      (unsigned long long)((n->rtt_us + 500) / VN_USEC_PER_MS),
				      (unsigned long long)((now - n->last_seen) / VN_USEC_PER_MS));
		}
	}
	core_text_add(&t, "ips: %u (capacity %u)\n", c->ips.count, c->p.max_ips);
	for (uint32_t s = core_tab_oldest(&c->ips); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->ips, s)) {
		const struct vn_ip *ip = (const struct vn_ip *)(const void *)core_tab_key(&c->ips, s);

		core_text_add(&t, "ip %s obu %s seen %llums ago\n", vn_ip_format(ip, ipb),
			      vn_mac_format(&c->ip[s].obu_mac, a),
			      (unsigned long long)((now - c->ip[s].last_seen) / VN_USEC_PER_MS));
	}
	return t.len;
}

void rsu_core_counters(const struct rsu_core *c,
		       void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	core_counters(rsu_counter_names, c->cnt, RC__COUNT, c->rx_drop, fn, ctx);
}
