/* The RSU core's OBU routes: replies checked against the heartbeats we
 * sent, next-hop observations, reply dedup, the choice of a next hop. See
 * docs/routing.md, "Replies -> routes". */
#include "rsu_core_priv.h"

#include <string.h>

#include "core_util.h"

/* --- OBU routes ----------------------------------------------------------- */

struct rsu_obu *rsu_obu_find(const struct rsu_core *c, const struct vn_mac *m, uint32_t *slot)
{
	uint32_t s = core_tab_find(&c->obus, m);

	if (s == CORE_TAB_NONE)
		return NULL;
	if (slot != NULL)
		*slot = s;
	return obu_of(c, s);
}

const struct vn_mac *rsu_obu_mac(const struct rsu_core *c, uint32_t slot)
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
	struct rsu_obu *o = obu_of(c, slot);
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
			vn_mac_format(rsu_obu_mac(c, slot), a),
			vn_mac_format(&o->nh[best].mac, b), o->nh[best].hops,
			old >= 0 ? vn_mac_format(&o->nh[old].mac, d) : "none");
	}
	/* A new route: the OBU's addresses, announced a moment ago (an OBU
	 * announces as soon as it chooses us, but can only reply to our next
	 * heartbeat), are served from now on, not from the next tick. */
	if (old < 0)
		rsu_export_route_up(c, slot, now);
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

void rsu_on_reply(struct rsu_core *c, const struct vn_msg *m, vn_usec now)
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
	o = rsu_obu_find(c, &m->sender, &slot);
	if (o == NULL) {
		slot = core_tab_insert(&c->obus, &m->sender, &evicted);
		if (evicted)
			c->cnt[RC_obus_evicted]++;
		o = obu_of(c, slot);
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
	o->data_n = 0; /* data through another relay counts from the newest reply on */
	c->cnt[RC_replies_accepted]++;
	route_choose(c, slot, now);
}

/* The OBU's usable next hop, or NULL. */
const struct rsu_nh *rsu_obu_route(const struct rsu_core *c, const struct vn_mac *obu,
				      vn_usec now)
{
	const struct rsu_obu *o = rsu_obu_find(c, obu, NULL);

	if (o == NULL || o->cur < 0 || now - o->last_alive > obu_timeout(c))
		return NULL;
	return &o->nh[o->cur];
}

/* An entry for OBU origin, created if needed (slot in *slot). */
static struct rsu_obu *obu_get(struct rsu_core *c, const struct vn_mac *origin, uint32_t *slot)
{
	struct rsu_obu *o = rsu_obu_find(c, origin, slot);
	bool evicted;

	if (o != NULL)
		return o;
	*slot = core_tab_insert(&c->obus, origin, &evicted);
	if (evicted)
		c->cnt[RC_obus_evicted]++;
	o = obu_of(c, *slot);
	memset(o, 0, sizeof(*o));
	o->cur = -1;
	return o;
}

/* The route to OBU `slot` moves to data_via, the relay its Upstream data
 * last came through, hops unknown (RSU_HOPS_DATA: the next reply's route
 * wins, as for a route learned from data). That relay carries the OBU's
 * traffic up, and learnt its way down from the same packets. Returns the
 * new next hop, or NULL if there is no room for it. */
static const struct vn_mac *route_follow_data(struct rsu_core *c, uint32_t slot, vn_usec now,
					      const char *why)
{
	struct rsu_obu *o = obu_of(c, slot);
	int to = -1, old = o->cur;

	for (int k = 0; k < 2 && to < 0; k++) {
		if (k == 1)
			nh_observe(o, &o->data_via, RSU_HOPS_DATA, o->dedup_top,
				   old >= 0 ? o->nh[old].rtt_us : 0, now);
		for (int i = 0; i < RSU_NH_MAX; i++)
			if (o->nh[i].valid && vn_mac_eq(&o->nh[i].mac, &o->data_via))
				to = i;
	}
	if (to < 0 || to == old)
		return to < 0 ? NULL : &o->nh[to].mac;
	o->cur = to;
	o->nh[to].last_seen = now;
	if ((int32_t)(o->dedup_top - o->nh[to].last_id) > 0)
		o->nh[to].last_id = o->dedup_top; /* not superseded by the replies before */
	c->cnt[RC_route_changes]++;
	{
		char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN], d[VN_MAC_STRLEN];

		core_log(&c->io, VN_LOG_INFO, "route to obu %s now via %s (was %s: %s)",
			vn_mac_format(rsu_obu_mac(c, slot), a), vn_mac_format(&o->nh[to].mac, b),
			old >= 0 ? vn_mac_format(&o->nh[old].mac, d) : "none", why);
	}
	return &o->nh[to].mac;
}

/* Upstream data from `origin` that `from` handed us: a sign of life of the
 * route when `from` is its chosen next hop. Between keep-alive replies this
 * keeps a route in use alive and its next hop fresh. Data through another
 * relay does not move a route that works: only replies choose multi-hop
 * next hops, so a stray frame cannot pull such a route, nor keep a dead one
 * alive. Data from the OBU itself makes it a one-hop route (below). And an
 * OBU we have no usable route to at all (its change reply was lost, or it
 * came to us by a relay that we never heard it reply through) is reached
 * through the relay that handed us its data: that relay forwards our
 * Downstream by the route the same packet taught it. Its hops are unknown
 * (RSU_HOPS_DATA, more than any reply says), so the first reply's route
 * wins at once. (Measured: on the highway 202 of 313 lost downstream
 * packets were sent while the RSU had no route to a vehicle whose data it
 * was receiving.) */
void rsu_route_refresh(struct rsu_core *c, const struct vn_mac *origin, const struct vn_mac *from,
		       vn_usec now)
{
	uint32_t slot;
	struct rsu_obu *o = rsu_obu_find(c, origin, &slot);
	bool routed = o != NULL && o->cur >= 0 && now - o->last_alive <= obu_timeout(c);

	if (!routed)
		o = obu_get(c, origin, &slot);
	if ((vn_mac_eq(from, origin) || !routed) &&
	    (o->cur < 0 || !vn_mac_eq(&o->nh[o->cur].mac, from))) {
		/* The OBU itself handed us its data, addressed to us: its
		 * upstream is us now, one hop, whatever its last reply said.
		 * The route follows at once (fewest hops wins), also when the
		 * reply it sent on moving was lost. A relay's frame cannot do
		 * this: its hops are unknown, so only replies choose those --
		 * unless there is no route at all. */
		uint64_t rtt = o->cur >= 0 ? o->nh[o->cur].rtt_us : 0;

		nh_observe(o, from, vn_mac_eq(from, origin) ? 1 : RSU_HOPS_DATA, o->dedup_top,
			   rtt, now);
		route_choose(c, slot, now);
	}
	if (!vn_mac_eq(&o->data_via, from))
		o->data_n = 0;
	o->data_via = *from;
	o->data_at = now;
	if (o->data_n < UINT8_MAX)
		o->data_n++;
	if (routed && o->data_n >= RSU_DATA_FOLLOW && o->cur >= 0 &&
	    !vn_mac_eq(&o->nh[o->cur].mac, from)) {
		/* RSU_DATA_FOLLOW packets in a row through another relay:
		 * the OBU's path has moved under it (a hop above it changed
		 * its upstream; the OBU itself did not, so it sent no change
		 * reply and the next keep-alive is up to K_a periods away) */
		route_follow_data(c, slot, now, "its data comes that way");
	}
	if (o->cur < 0 || !vn_mac_eq(&o->nh[o->cur].mac, from))
		return;
	o->nh[o->cur].last_seen = now;
	o->last_alive = now;
	core_tab_touch(&c->obus, slot);
	c->cnt[RC_up_refreshed]++;
}


/* The MAC gave up a Downstream for OBU dst sent to next hop `failed`
 * (rule 12): if that is its chosen next hop and its data came to us
 * through another neighbour within `history` periods, the route follows
 * the data at once. Returns the new next hop (the caller sends the packet
 * again), or NULL. */
const struct vn_mac *rsu_route_tx_failed(struct rsu_core *c, const struct vn_mac *dst,
					 const struct vn_mac *failed, vn_usec now)
{
	uint32_t slot;
	struct rsu_obu *o = rsu_obu_find(c, dst, &slot);

	if (o == NULL || o->cur < 0 || !vn_mac_eq(&o->nh[o->cur].mac, failed) ||
	    o->data_at == 0 || now - o->data_at > period_us(c) * c->p.history ||
	    vn_mac_eq(&o->data_via, failed))
		return NULL;
	return route_follow_data(c, slot, now, "not acked");
}
