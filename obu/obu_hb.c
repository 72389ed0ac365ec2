/* The OBU core's heartbeat handling: per-RSU duplicate history, restart
 * detection, relay and reply; and the replies coming from below. See
 * docs/routing.md, "Heartbeats". */
#include "obu_core_priv.h"

#include <string.h>

#include "core_util.h"

static struct obu_seen *fifo_find(const struct obu_rsu *r, uint32_t hist, uint32_t id)
{
	for (uint32_t i = 0; i < r->fifo_len; i++) {
		struct obu_seen *e = &r->fifo[(r->fifo_head + i) % hist];

		if (e->id == id)
			return e;
	}
	return NULL;
}

/* True FIFO: the oldest id received leaves when a new one comes (§6 fault 3). */
static struct obu_seen *fifo_push(struct obu_rsu *r, uint32_t hist, uint32_t id,
				  uint32_t hops)
{
	struct obu_seen *e;

	if (r->fifo_len < hist) {
		e = &r->fifo[(r->fifo_head + r->fifo_len) % hist];
		r->fifo_len++;
	} else {
		e = &r->fifo[r->fifo_head];
		r->fifo_head = (r->fifo_head + 1) % hist;
	}
	e->id = id;
	e->hops = (uint8_t)hops;
	e->replied = false;
	return e;
}

/* --- heartbeats and replies ------------------------------------------------ */

enum hb_class { HB_NEW, HB_DUP, HB_BOGUS, HB_LATE };

/* Rule 11: an id d >= history below the newest whose uptime fits the
 * current incarnation -- uptime_newest - uptime = d T_r within 25 % + 2 T_r
 * -- is a late copy (it waited in MAC queues), not a restart: dropped, no
 * state change. The uptime alone cannot tell a restart whose ids and clock
 * both began anew at 0 (its k-th heartbeat fits the old incarnation's k-th),
 * so time decides: an id whose first copy we had within OBU_LATE_PERIODS
 * periods is late; one we never had (or had long ago) is late only if its
 * delay since the RSU sent it, by our clock, is that short. An RSU
 * restarted after a life shorter than that is found at once by the OBUs
 * that hear it directly (its own copy cannot be late), by the others when
 * the old incarnation is gone (`history` periods without a heartbeat). */
#define OBU_LATE_PERIODS 40

static bool hb_late(const struct obu_core *c, uint32_t ri, const struct vn_msg *m, uint32_t d,
		    vn_usec now)
{
	const struct vn_heartbeat *hb = &m->hb;
	const struct obu_rsu *r = &c->rsu[ri];
	const struct obu_late *e = &r->ring[hb->id & 63];
	vn_usec tu = obu_period(c, ri), window = tu * OBU_LATE_PERIODS;
	vn_u128 t = tu / VN_USEC_PER_MS, want = (vn_u128)d * t;
	vn_u128 got = r->newest_uptime - hb->uptime, slack = want / 4 + 2 * t;

	if (got + slack < want || got > want + slack)
		return false;
	/* The RSU's own copy cannot be late: its queue is FIFO, so it sent
	 * id n before any copy of a newer id can have reached us. */
	if (vn_mac_eq(&m->from, &hb->source))
		return false;
	if (e->at != 0 && e->id == hb->id)
		return age(now, e->at) <= window;
	return age(now, r->newest_at) + (vn_usec)d * tu <= window;
}

/* Duplicate and restart detection; *seen gets the id's history entry. */
static enum hb_class hb_classify(struct obu_core *c, uint32_t ri, const struct vn_msg *m,
				 struct obu_seen **seen, vn_usec now)
{
	const struct vn_heartbeat *hb = &m->hb;
	struct obu_rsu *r = &c->rsu[ri];
	uint32_t hist = c->p.history;
	int32_t d;
	bool restart = false;

	if (r->have) {
		d = (int32_t)(r->newest - hb->id);
		if (d < 0)
			restart = hb->uptime < r->newest_uptime; /* newer id, older clock */
		else if ((uint32_t)d >= hist) {
			if (hb->uptime > r->newest_uptime)
				return HB_BOGUS; /* old id, newer clock: forged */
			if (hb_late(c, ri, m, (uint32_t)d, now))
				return HB_LATE;
			restart = true;	  /* id far below the newest, a clock anew */
		} else if ((*seen = fifo_find(r, hist, hb->id)) != NULL) {
			return HB_DUP;
		}
	}
	if (restart) {
		char a[VN_MAC_STRLEN];

		c->cnt[OC_rsu_restarts]++;
		core_log(&c->io, VN_LOG_INFO, "rsu %s restarted (id %u after %u): history reset",
			vn_mac_format(&r->mac, a), hb->id, r->newest);
		obu_rsu_history_reset(c, ri);
		c->replied_rsu = OBU_NONE; /* answer the new incarnation at once */
	}
	*seen = fifo_push(r, hist, hb->id, hb->hops + 1);
	r->ring[hb->id & 63].id = hb->id;
	r->ring[hb->id & 63].at = now;
	if (!r->have) {
		r->have = true;
		r->newest = hb->id;
		r->newest_uptime = hb->uptime;
		r->first_id = hb->id;
		r->first_uptime = hb->uptime;
		r->newest_at = now;
	} else if ((int32_t)(hb->id - r->newest) > 0) {
		r->newest = hb->id;
		r->newest_uptime = hb->uptime;
		r->newest_at = now;
		obu_learn_period(c, ri);
	}
	return HB_NEW;
}

void obu_on_heartbeat(struct obu_core *c, struct vn_msg *m, vn_usec now)
{
	const struct vn_heartbeat *hb = &m->hb;
	struct obu_seen *seen = NULL;
	enum hb_class cls;
	int32_t ri, s;

	c->cnt[OC_hb_received]++;
	if (vn_mac_eq(&hb->source, &c->self) || vn_mac_is_multicast(&hb->source) ||
	    vn_mac_is_zero(&hb->source) || vn_mac_is_multicast(&m->from)) {
		c->cnt[OC_drop_hb_bad_source]++;
		return;
	}
	if (hb->hops == 0 || hb->hops > OBU_MAX_HOPS) {
		c->cnt[OC_drop_hb_bad_hops]++;
		return;
	}
	ri = obu_rsu_get(c, &hb->source, now);
	if (ri == OBU_NONE) {
		/* neither relayed nor answered: see rsu_get */
		c->cnt[OC_drop_hb_rsu_table_full]++;
		return;
	}
	obu_nbr_prefetch(c, &m->from, (uint32_t)ri); /* overlaps the history lookup */
	cls = hb_classify(c, (uint32_t)ri, m, &seen, now);
	if (cls == HB_BOGUS) {
		c->cnt[OC_drop_hb_bogus_id]++;
		return;
	}
	if (cls == HB_LATE) {
		c->cnt[OC_drop_hb_late]++; /* no state change, never relayed */
		return;
	}
	c->rsu[ri].last_heard = now;
	/* An echo: a copy with more hops than our own re-broadcast of that id
	 * had. Any copy derived from ours carries at least one hop more, and a
	 * neighbour that had the id by another path no longer than ours would
	 * write at most as many: so this one came back through us (or along a
	 * path longer than ours): no evidence for the neighbour's own path to
	 * the RSU. It is not a delivery, and its hops are not the
	 * neighbour's distance: it leaves the neighbour's entry untouched
	 * (ratio, hops, last heard), else a relay that missed the RSU's copy
	 * and took ours would read as delivering it, and its hops would flicker. */
	if (cls == HB_DUP && hb->hops > seen->hops) {
		c->cnt[OC_hb_echoes]++;
		s = OBU_NONE;
	} else {
		/* Every other copy counts for the neighbour's delivery ratio,
		 * duplicates included: they show the neighbour is there and
		 * delivering. */
		s = obu_nbr_get(c, &m->from, (uint32_t)ri);
	}
	if (s != OBU_NONE) {
		struct obu_nbr *nb = nbr_of(c, s);
		const struct obu_rsu *r = &c->rsu[ri];

		/* A late copy of the newest id from a live neighbour, not our
		 * upstream, with its hops unchanged changes nothing the upstream
		 * choice reads: the newest id is not settled (not in any ratio),
		 * the neighbour stays eligible, and the ids it delivered stay
		 * the same set. Anything else does. */
		if (!(cls == HB_DUP && hb->id == r->newest && r->newest != r->first_id &&
		      nb->have && nb->hops == hb->hops && r->up != s &&
		      nbr_heard_within(nb, now, obu_nbr_limit(c, s))))
			obu_eval_dirty(c, (uint32_t)ri);
		core_tab_touch(&c->nbrs, (uint32_t)s);
		nb->last_heard = now;
		nb->txfail = 0; /* it is there: what the MAC gave up on was bad luck */
		nb->hops = (uint8_t)hb->hops; /* <= OBU_MAX_HOPS: checked above */
		obu_nbr_record(nb, hb->id);
		obu_nbr_infer(c, s);
		if (r->up == s)
			c->rsu[ri].stale_pick = false; /* heard: no longer taken on trust */
		if (r->up == s && r->up_dead) {
			c->rsu[ri].up_dead = false; /* the kept upstream is back */
			c->rsu[ri].dead_early = false;
			c->rsu[ri].restricted = false;
		}
		if (cls == HB_NEW && (!nb->brought || (int32_t)(hb->id - nb->brought_id) > 0)) {
			nb->brought = true;
			nb->brought_id = hb->id;
		}
	}
	/* §5: re-evaluated on every heartbeat (§6 fault 4) */
	obu_evaluate(c, (uint32_t)ri, now);
	obu_choose_rsu(c, now);
	/* The reply first (it echoes hops as received), then the in-place
	 * re-broadcast; each goes in a frame of its own (§6 fault 2). */
	obu_reply_on_hb(c, (uint32_t)ri, m, seen, now);
	if (cls != HB_NEW) {
		c->cnt[OC_drop_dup_heartbeat]++;
	} else if (obu_relay_due(c, (uint32_t)ri, hb, now)) {
		vn_fwd_heartbeat(m, &c->self);
		core_send(&c->io, m->raw, VN_HEARTBEAT_LEN);
		c->cnt[OC_hb_relayed]++;
	}
	obu_reply_flush(c);
}

void obu_on_reply(struct obu_core *c, const struct vn_msg *m, vn_usec now)
{
	int32_t ri, up;

	if (vn_mac_is_multicast(&m->sender) || vn_mac_is_zero(&m->sender)) {
		c->cnt[OC_drop_reply_bad_sender]++;
		return;
	}
	if (vn_mac_eq(&m->sender, &c->self)) {
		/* Our own reply came back. A loop above us, or a forgery: only
		 * counted, since acting on it would let anyone cut our upstream
		 * with one frame; the hop metric and the two-node rule below
		 * break real loops. */
		c->cnt[OC_drop_loop]++;
		return;
	}
	/* both lookups below miss the cache: start them together */
	core_tab_prefetch(&c->downs, &m->sender);
	ri = obu_rsu_find(c, &m->hb.source);
	if (ri != OBU_NONE)
		obu_nbr_prefetch(c, &m->from, (uint32_t)ri);
	up = ri == OBU_NONE ? OBU_NONE : c->rsu[ri].up;
	if (up != OBU_NONE && vn_mac_eq(&m->from, nbr_mac(c, up))) {
		/* Our upstream sends us its (or its children's) replies: it
		 * has chosen us as its upstream. A two-node loop, broken by
		 * no longer using it (mark_below re-chooses). */
		c->cnt[OC_drop_loop]++;
		obu_mark_below(c, &m->from, ri, now);
		return;
	}
	/* A reply from below: learn the way down to its sender; someone
	 * depends on us for this RSU (full duty, rule 1). */
	obu_dependant(c, ri, now);
	obu_mark_below(c, &m->from, ri, now);
	obu_route_learn(c, &m->sender, &m->from, ri == OBU_NONE ? NULL : &m->hb.source, now);
	up = ri == OBU_NONE ? OBU_NONE : c->rsu[ri].up;
	if (up == OBU_NONE) { /* a dead one kept (last resort) still takes it */
		c->cnt[OC_drop_no_upstream]++;
		return;
	}
	obu_batch_add(c, nbr_mac(c, up), m->raw, now);
}
