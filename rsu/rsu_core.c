/* The RSU routing core (PROTOCOL.md §4): life cycle, heartbeats, the IP
 * table, data, timers and introspection. See rsu_core_priv.h for the files
 * and tables, docs/routing.md for the why. */
#include "rsu_core_priv.h"

#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "core_text.h"
#include "core_util.h"

static const char *const rsu_counter_names[RC__COUNT] = {
#define X(n) #n,
	RSU_COUNTERS(X)
#undef X
};

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

static vn_usec jittered_period(struct rsu_core *c)
{
	vn_usec t = period_us(c);
	vn_usec span = t * c->p.jitter_pct / 100;

	if (span == 0)
		return t;
	/* uniform in [t - span, t + span] */
	return t - span + rsu_rand(c) % (2 * span + 1);
}

/* --- tables ------------------------------------------------------------- */

static int tables_alloc(struct rsu_core *c)
{
	c->sent = calloc(c->p.history, sizeof(*c->sent));
	if (c->sent == NULL)
		return -1;
	if (core_tab_init_v(&c->obus, c->p.max_obus, sizeof(struct vn_mac),
			    sizeof(struct rsu_obu), (uint32_t)c->p.seed) != 0)
		return -1;
	if (core_tab_init_v(&c->ips, c->p.max_ips, sizeof(struct vn_ip), sizeof(struct rsu_ip),
			    (uint32_t)(c->p.seed >> 32)) != 0)
		return -1;
	return 0;
}

static void tables_free(struct rsu_core *c)
{
	free(c->sent);
	c->sent = NULL;
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
	if (tables_alloc(c) != 0 ||
	    vn_pkt_seen_init(&c->up_seen, RSU_UP_SEEN_BITS_MIN, RSU_UP_SEEN_BITS_MAX) != 0) {
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
	vn_pkt_seen_free(&c->up_seen);
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
	rsu_export_drop_all(c);
	tables_free(c);
	c->p = *p;
	c->sent = tmp.sent;
	c->obus = tmp.obus;
	c->ips = tmp.ips;
	if (c->next_hb > now + period_us(c))
		c->next_hb = now + period_us(c);
	core_log(&c->io, VN_LOG_NOTICE, "parameters changed: route tables cleared");
	return 0;
}

/* --- IP -> OBU ------------------------------------------------------------ */

static bool ip_learnable(const struct vn_ip *a)
{
	static const uint8_t zero[16];

	if (vn_ip_is_multicast(a))
		return false;
	return memcmp(a->a, zero, a->family == 4 ? 4 : 16) != 0;
}

/* Learns src -> obu; returns the IP's slot, or CORE_TAB_NONE. */
static uint32_t ip_learn(struct rsu_core *c, const struct vn_ip *src, const struct vn_mac *obu,
			 vn_usec now)
{
	uint32_t s = core_tab_find(&c->ips, src);
	bool evicted, moved = false;

	if (!ip_learnable(src))
		return CORE_TAB_NONE;
	if (s == CORE_TAB_NONE) {
		/* a full table evicts its oldest entry: withdraw its route first */
		if (!core_tab_reserve(&c->ips) && core_tab_oldest(&c->ips) != CORE_TAB_NONE)
			rsu_export_drop(c, core_tab_oldest(&c->ips));
		s = core_tab_insert(&c->ips, src, &evicted);
		if (evicted)
			c->cnt[RC_ips_evicted]++;
		c->cnt[RC_ips_learned]++;
		ip_of(c, s)->exported = RSU_EXPORT_NONE;
	} else {
		core_tab_touch(&c->ips, s);
		if (!vn_mac_eq(&ip_of(c, s)->obu_mac, obu)) {
			c->cnt[RC_ips_moved]++;
			moved = true;
		}
	}
	ip_of(c, s)->obu_mac = *obu;
	ip_of(c, s)->last_seen = now;
	if (moved)
		rsu_export_attach(c, s, now); /* another vehicle: a new attachment */
	else
		rsu_export_eval(c, s, now);
	return s;
}

/* The OBU owning IP a, or NULL. */
static const struct vn_mac *ip_owner(const struct rsu_core *c, const struct vn_ip *a, vn_usec now)
{
	uint32_t s = core_tab_find(&c->ips, a);

	if (s == CORE_TAB_NONE ||
	    now - ip_of(c, s)->last_seen > (vn_usec)c->p.ip_expiry_ms * VN_USEC_PER_MS)
		return NULL;
	return &ip_of(c, s)->obu_mac;
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

/* Whether this Upstream packet came in within RSU_UP_DEDUP periods (and
 * records it if not): an OBU whose frame the MAC gave up on salvages it
 * (rule 12), and when only the ACKs were lost both copies arrive -- each
 * went out of our tun (ring1000: about 350 packets twice in 60 s). The key
 * is the OBU relays' (common/pkt_seen.h): origin, IP length, the first 128
 * bytes of the IP packet. */
static bool up_repeat(struct rsu_core *c, const struct vn_msg *m, vn_usec now)
{
	vn_usec t = period_us(c);
	struct vn_pkt_win w = {RSU_UP_DEDUP * t, RSU_UP_DEDUP_OTHER * t, RSU_UP_DEDUP * t};
	enum vn_pkt_seen_res r = vn_pkt_seen(&c->up_seen, vn_pkt_hash(VN_PKT_KIND_UP, m, false),
					     vn_pkt_via(&m->from), &w, now);

	if (r == VN_PKT_NEW_NOGROW)
		c->cnt[RC_alloc_failed]++;
	return r == VN_PKT_REPEAT;
}

static void on_upstream(struct rsu_core *c, struct vn_pbuf *b, const struct vn_msg *m,
			vn_usec now)
{
	struct vn_ip src, dst;
	const struct vn_mac *owner;
	const struct rsu_nh *nh;
	enum vn_announce_kind kind;
	uint32_t slot;

	if (vn_mac_eq(&m->origin, &c->self)) {
		c->cnt[RC_drop_loop]++;
		return;
	}
	if (vn_mac_is_multicast(&m->origin) || vn_mac_is_zero(&m->origin)) {
		c->cnt[RC_drop_bad_origin]++;
		return;
	}
	c->cnt[RC_up_received]++;
	rsu_route_refresh(c, &m->origin, &m->from, now);
	vn_ip_src(m->payload, &src);
	vn_ip_dst(m->payload, &dst);
	slot = ip_learn(c, &src, &m->origin, now);
	kind = vn_announce_parse(m->payload, m->payload_len);
	if (kind != VN_ANNOUNCE_NONE) {
		/* learned from, never written into tun0 (common/announce.h) */
		c->cnt[RC_up_announces]++;
		if (kind == VN_ANNOUNCE_ATTACH && slot != CORE_TAB_NONE)
			rsu_export_attach(c, slot, now);
		return;
	}
	if (up_repeat(c, m, now)) {
		c->cnt[RC_drop_up_dup]++;
		return;
	}
	owner = ip_owner(c, &dst, now);
	if (owner != NULL && !vn_mac_eq(owner, &m->origin) &&
	    (nh = rsu_obu_route(c, owner, now)) != NULL) {
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
		rsu_on_reply(c, m, now);
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
		nh = rsu_obu_route(c, owner, now);
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

void rsu_core_on_tx_failed(struct rsu_core *c, struct vn_pbuf *b, vn_usec now)
{
	struct vn_mac failed, origin, dst;
	const struct vn_mac *to;
	struct vn_rx_iter it;
	enum vn_rx_err err;
	struct vn_msg m;

	c->cnt[RC_tx_failed]++;
	vn_rx_iter_init(&it, b->data, b->len);
	if (!vn_rx_next(&it, &m, &err) || m.type != VN_MSG_DOWNSTREAM ||
	    !vn_mac_eq(&m.from, &c->self) || vn_mac_is_multicast(&m.to) ||
	    vn_mac_is_multicast(&m.destination))
		return;
	failed = m.to;
	origin = m.origin;
	dst = m.destination;
	to = rsu_route_tx_failed(c, &dst, &failed, now);
	if (to == NULL)
		return;
	c->cnt[RC_down_salvaged]++;
	{
		struct vn_mac next = *to;

		send_down(c, b, m.payload, m.payload_len, &next, &origin, &dst);
	}
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
		if (now - obu_of(c, s)->last_alive <= obu_timeout(c))
			break;
		{
			char a[VN_MAC_STRLEN];

			core_log(&c->io, VN_LOG_INFO, "obu %s gone (no reply or data for %u periods)",
				vn_mac_format(rsu_obu_mac(c, s), a), c->p.obu_timeout_periods);
		}
		c->cnt[RC_obus_gone]++;
		core_tab_remove(&c->obus, s);
	}
	for (s = core_tab_oldest(&c->ips); s != CORE_TAB_NONE; s = next) {
		next = core_tab_newer(&c->ips, s);
		if (now - ip_of(c, s)->last_seen <= ip_life)
			break;
		c->cnt[RC_ips_expired]++;
		rsu_export_drop(c, s);
		core_tab_remove(&c->ips, s);
	}
	/* re-choose next hops whose chosen one went stale (cheap: only routes
	 * touched by replies change otherwise) */
	rsu_export_scan(c, now);
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
	const struct rsu_obu *o = rsu_obu_find(c, obu, NULL);

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
		const struct rsu_obu *o = obu_of(c, s);
		struct rsu_route_info ri;

		if (!rsu_core_route(c, rsu_obu_mac(c, s), &ri))
			continue;
		core_text_add(&t, "obu %s via %s hops %u rtt %ums\n",
			      vn_mac_format(rsu_obu_mac(c, s), a), vn_mac_format(&ri.next_hop, b),
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
			      vn_mac_format(&ip_of(c, s)->obu_mac, a),
			      (unsigned long long)((now - ip_of(c, s)->last_seen) / VN_USEC_PER_MS));
	}
	return t.len;
}

void rsu_core_counters(const struct rsu_core *c,
		       void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	uint64_t cnt[RC__COUNT];

	/* the tables count their own failed growths */
	memcpy(cnt, c->cnt, sizeof(cnt));
	cnt[RC_alloc_failed] += c->obus.grow_failures + c->ips.grow_failures;
	core_counters(rsu_counter_names, cnt, RC__COUNT, c->rx_drop, fn, ctx);
}
