/* Protocol v2 in the OBU core: each RSU's learned period (rule 7), relay
 * duty and scope (rules 1, 2), loss-aware liveness (rule 6) and the timings
 * that follow the keep-alive rate (rule 8). See docs/routing.md, "Protocol
 * v2". */
#include "obu_core_priv.h"

#include "core_util.h"

/* stagger(mac): FNV-1a of the 6 bytes, the same on every node, so that
 * anyone can tell which ids a neighbour is due to relay. */
uint32_t obu_stagger(const struct vn_mac *m)
{
	uint32_t h = 0x811c9dc5u;

	for (int i = 0; i < VN_MAC_LEN; i++)
		h = (h ^ m->b[i]) * 16777619u;
	return h ^ h >> 16; /* the low bits (the residues used) from all bytes */
}

/* m(p) = smallest m in [2, 8] with (1 - p)^m <= 1 / OBU_DEAD_ODDS (0.1): in
 * integers, ODDS (100 - pct)^m <= 100^m (fits 64 bits up to m = 8). The
 * bound is the chance that a live neighbour is declared dead by m losses
 * in a row; it is taken at every period, so a neighbour at the edge of
 * range (p 0.7, m 2) dies falsely about once a second. 1/25 (p >= 0.80 for
 * m 2) was tried: fewer false deaths, but a 10 %-lossy two-hop path (p
 * 0.81) then reads m 3 now and then, and its failover broke 300 ms (540
 * ms in sim_liveness with the window split of 28f3a30); over seeds 1-4 of
 * the highway it bought no delivery (90.6 against 91.1 % up). */
void obu_duty_init(struct obu_core *c)
{
	for (uint32_t pct = 0; pct <= 100; pct++) {
		uint64_t q = 100 - pct, lhs = OBU_DEAD_ODDS * q * q, rhs = 10000;
		uint8_t m = 2;

		while (m < 8 && lhs > rhs) {
			lhs *= q;
			rhs *= 100;
			m++;
		}
		c->m_tab[pct] = m;
	}
	c->stagger = obu_stagger(&c->self);
	c->replied_rsu = OBU_NONE;
}

vn_usec obu_period(const struct obu_core *c, uint32_t ri)
{
	vn_usec t = c->rsu[ri].period;

	return t != 0 ? t : (vn_usec)obu_params_period_ms(&c->p) * VN_USEC_PER_MS;
}

vn_usec obu_period_global(const struct obu_core *c)
{
	if (c->chosen != OBU_NONE)
		return obu_period(c, (uint32_t)c->chosen);
	return (vn_usec)obu_params_period_ms(&c->p) * VN_USEC_PER_MS;
}

/* T_r = uptime span / id span since the incarnation's first heartbeat, in
 * whole ms, clamped to [1, 60000]. It always wins over a configured value:
 * a wrong configuration changes nothing once two ids are known. */
void obu_learn_period(struct obu_core *c, uint32_t ri)
{
	struct obu_rsu *r = &c->rsu[ri];
	uint32_t ids = r->newest - r->first_id;
	vn_u128 ms;

	if (!r->have || ids == 0 || r->newest_uptime < r->first_uptime)
		return;
	ms = (r->newest_uptime - r->first_uptime) / ids;
	if (ms < 1)
		ms = 1;
	if (ms > 60000)
		ms = 60000;
	if (r->period == (vn_usec)ms * VN_USEC_PER_MS)
		return;
	r->period = (vn_usec)ms * VN_USEC_PER_MS;
	/* Every silence limit of this RSU's neighbours scales with T_r: the
	 * last evaluation's "same result until" no longer holds. Else, when
	 * the heartbeat that changed it touched no neighbour entry (the table
	 * full), the upstream outlived its new limit while next_timer said it
	 * was due, and the daemon's loop spun until the old one ran out
	 * (fuzz_core; test_obu_timers). */
	r->view_ok = false;
	obu_eval_dirty(c, ri);
}

/* A chosen RSU's heartbeats come every period: `history` of them missed
 * and it is gone (v1). Another may be heard only through sparse relays, and
 * so may the chosen one while our upstream is still sparse (our reply to it
 * lost). */
vn_usec obu_rsu_gone_after(const struct obu_core *c, uint32_t ri)
{
	const struct obu_rsu *r = &c->rsu[ri];
	uint32_t n = c->p.history;
	bool sparse = (int32_t)ri != c->chosen || (r->up != OBU_NONE && nbr_of(c, r->up)->klog > 0);

	if (sparse && 3 * c->p.relay_sparse > n)
		n = 3 * c->p.relay_sparse;
	return obu_period(c, ri) * n;
}

static uint32_t nbr_m(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	const struct obu_nbr *n = nbr_of(c, s);
	uint32_t pct, m;

	/* p as of its last delivery: the ids missed since are the silence
	 * being judged, and must not lengthen it */
	pct = n->have ? obu_nbr_ratio_at(c, r, s, 64, n->last_id + 1) : 0;
	m = c->m_tab[pct > 100 ? 100 : pct];
	return m > c->p.dead_periods ? c->p.dead_periods : m;
}

/* A neighbour is forgotten after max(history, 3 K_r) periods of silence,
 * whatever its RSU: a sparse alternative of the chosen RSU relays 1 id in
 * K_r (16), and forgotten after the chosen RSU's `history` (10) periods
 * it was missing, and had to prove itself anew, whenever our upstream
 * died (sim_liveness, 10 % loss: 500 ms). */
vn_usec obu_nbr_forget_after(const struct obu_core *c, uint32_t ri)
{
	const struct obu_rsu *r = &c->rsu[ri];
	uint32_t n = c->p.history;

	/* Not while the RSU itself is our upstream (or we have none): there
	 * a silent relay is forgotten after `history` periods, as in v1.
	 * Kept, it was taken whenever the direct link missed two heartbeats
	 * (on a loaded channel, often), went full for seconds, and we went
	 * back: jam50 1.43 -> 1.99 control frames per vehicle per second. */
	if (r->up == OBU_NONE || vn_mac_eq(nbr_mac(c, r->up), &r->mac))
		return obu_period(c, ri) * n;
	if (3 * c->p.relay_sparse > n)
		n = 3 * c->p.relay_sparse;
	return obu_period(c, ri) * n;
}

/* The chosen RSU, silent this long while its upstream is dead (kept as
 * the last resort, or none), is left for another RSU heard with a live
 * upstream, before it is gone: the smallest k periods, within [3,
 * history], with (1 - p)^k <= 1e-5, p its upstream's ratio before its
 * last delivery -- the chance per period that a live path is silent that
 * long. m(p)'s odds (1/10, or 1/1000 at 2 m + 1) made the three-hop OBU
 * of sim_tworsu swap RSUs 5 times in ten minutes at 10 % loss per link;
 * at 1e-5 p 0.99 leaves after 3 periods, 0.9 after 5, 0.73 (three
 * 10 %-lossy hops) after 9. Before, a handover waited `history` periods
 * (integration.fleet: 0.8-1 s). */
vn_usec obu_rsu_leave_after(const struct obu_core *c, uint32_t ri)
{
	const struct obu_rsu *r = &c->rsu[ri];
	uint32_t n = c->p.history, k = 3;

	/* Only when the RSU itself is our upstream: a relay may just have
	 * gone sparse for want of our keep-alives, and the repeated repair
	 * reply that makes it full again needs time (rule 6): leaving early
	 * behind a relay, the two-hop OBU of sim_tworsu swapped RSUs twice in
	 * ten minutes (seed 61) */
	if (r->up != OBU_NONE && nbr_of(c, r->up)->have && vn_mac_eq(nbr_mac(c, r->up), &r->mac)) {
		const struct obu_nbr *u = nbr_of(c, r->up);
		uint32_t pct = obu_nbr_ratio_at(c, r, r->up, 64, u->last_id + 1);
		double q = (100.0 - (pct > 100 ? 100 : pct)) / 100.0, odds = q * q * q;

		while (k < n && odds > 1e-7) {
			odds *= q;
			k++;
		}
		if (k < n)
			n = k;
	}
	return obu_period(c, ri) * n + obu_period(c, ri) / 4;
}

vn_usec obu_dep_hold(const struct obu_core *c, uint32_t ri)
{
	vn_usec t = obu_period(c, ri);

	return t * 3 * c->p.reply_keepalive + t / 4;
}

vn_usec obu_route_life(const struct obu_core *c)
{
	return obu_period_global(c) * (3 * c->p.reply_keepalive + 2);
}

/* The period a neighbour's silence is judged at: K_X, but not below the
 * sparsest a relay nobody depends on may be (min(K_r, 4): rule 1 gives a
 * node with one neighbour 1 id in 4) unless it is our upstream (we depend
 * on it: it is at full duty) or the RSU itself (never sparse). A neighbour
 * that just went sparse keeps its full-duty ids in the 64-id map for 64
 * ids, read K_X 1, and was dead 2.25 periods after each sparse copy: when
 * our upstream died the alternative was not a candidate, and the failover
 * waited for its next due id (sim_liveness, 10 % loss: 1 s, and runs that
 * lost the RSU). */
uint32_t obu_live_klog(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	const struct obu_nbr *n = nbr_of(c, s);
	uint32_t fl = c->p.relay_sparse < 4 ? c->p.relay_sparse : 4;
	uint32_t fl_log = fl >= 4 ? 2 : fl >= 2 ? 1 : 0;

	if (n->ktail > fl_log)
		fl_log = n->ktail; /* its last two copies say it is sparser */

	if (n->klog >= fl_log || vn_mac_eq(&nbr_key(c, (uint32_t)s)->mac, &r->mac))
		return n->klog;
	/* our upstream is full for us once it has had our reply: from its
	 * first copy after we chose it (until then it is judged as before,
	 * else an alternative chosen between two of its sparse copies died
	 * at once and we went back to the upstream we had just lost) */
	if (r->up == s && n->last_heard >= r->up_since)
		return n->klog;
	/* the upstream we left (it died) is judged at K_X until it is heard
	 * again: else it lived again as an alternative at once, and two lossy
	 * links took turns at every evaluation (sim_liveness
	 * two_lossy_paths: millions of changes in 10 min) */
	if (s == r->left_up && n->last_heard <= r->left_at)
		return n->klog;
	return fl_log;
}

/* A neighbour is due every id of its K_X set: dead after m(p) of them
 * missed, p its delivery ratio over the 64 ids before its last delivery
 * (rule 6: over 32 a 10 %-lossy
 * two-hop path, p 0.81, reads below 0.69 now and then, m 3). Every neighbour, not only the upstream, gets the loss-aware
 * m: a sparse candidate behind a lossy link would otherwise be dead most of
 * the time, and the failover it is kept for would find none. A quarter
 * period of slack: the RSU's period jitters and copies take a few ms to
 * cross the hops. */

vn_usec obu_nbr_limit(const struct obu_core *c, int32_t s)
{
	const struct obu_nbr *n = nbr_of(c, s);
	uint32_t ri = nbr_key(c, (uint32_t)s)->rsu;
	const struct obu_rsu *r = &c->rsu[ri];
	vn_usec t = obu_period(c, ri), lim;
	uint32_t m = nbr_m(c, r, s);

	lim = t * ((vn_usec)m << obu_live_klog(c, r, s)) + t / 4;
	if (r->up == s && n->last_heard != 0 && n->last_heard < r->up_since) {
		/* chosen between two of its sparse copies: our change reply
		 * makes it full, so from then on it is due every id. Silent
		 * for m periods since, it is dead (kept as the last resort
		 * with a repeated reply if there is no other): else a cut
		 * just after the choice waited its sparse limit out
		 * (sim_liveness, 10 % loss: 575 ms) */
		vn_usec full = r->up_since - n->last_heard + t * m + t / 4;

		if (full < lim)
			lim = full;
	}
	return lim;
}

/* Alive by its own K_X alone (without the longer period obu_live_klog
 * may give a sparse candidate): what a voluntary move needs. */
bool obu_nbr_heard_due(const struct obu_core *c, int32_t s, vn_usec now)
{
	const struct obu_nbr *n = nbr_of(c, s);
	uint32_t ri = nbr_key(c, (uint32_t)s)->rsu;
	vn_usec t = obu_period(c, ri);

	return nbr_heard_within(n, now, t * ((vn_usec)nbr_m(c, &c->rsu[ri], s) << n->klog) + t / 4);
}

bool nbr_dead(const struct obu_core *c, int32_t s, vn_usec now)
{
	const struct obu_nbr *n = nbr_of(c, s);

	return !nbr_heard_within(n, now, obu_nbr_limit(c, s));
}

vn_usec obu_dead_late(const struct obu_core *c, int32_t s)
{
	return obu_nbr_limit(c, s) + 2 * obu_period(c, nbr_key(c, (uint32_t)s)->rsu);
}

/* Neighbours per RSU heard within the forget window, for the sparse
 * period; at each expiry. Not the live ones: with sparse neighbours now
 * kept (obu_nbr_forget_after) and alive for longer (obu_live_klog), the
 * count flipped as they died and lived again, our period with it between
 * 4 and 8, and an observer inferring 4 read half our due ids lost
 * (sim_preference, seed 5 of 16: a clean relay at 50 %, seldom chosen). */
void obu_count_live(struct obu_core *c, vn_usec now)
{
	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		struct obu_rsu *r = &c->rsu[i];
		vn_usec w = r->used ? obu_nbr_forget_after(c, i) : 0;
		uint32_t k = 0;

		for (uint32_t j = 0; r->used && j < r->nnb; j++) {
			const struct obu_nbr *n = nbr_of(c, (int32_t)r->nb[j]);

			k += nbr_heard_within(n, now, w);
		}
		/* up at once, down only after 3 K_r periods below: a sparse
		 * neighbour heard at its due ids behind a lossy link (1 in 8
		 * of 60 %) is gone from the `history` window now and then,
		 * and our period flipped with it between 4 and 8 */
		if (k >= r->n_live || age(now, r->n_live_at) > obu_period(c, i) * 3 * c->p.relay_sparse) {
			r->n_live = k;
			r->n_live_at = now;
		}
	}
}

/* The sparsest period a relay may have, 2 K_r (at most 64, the id map):
 * what observers infer K_X up to (obu_nbr.c). */
uint32_t obu_k_max(const struct obu_core *c)
{
	return c->p.relay_sparse < OBU_RELAY_SPARSE_MAX ? 2 * c->p.relay_sparse : OBU_RELAY_SPARSE_MAX;
}

/* Rule 1b: a neighbour other than the RSU, no farther from it than we are
 * (the hops it writes at most ours + 1), relays it at full duty right now:
 * its newest copy within the last 3 1/4 periods and the one before at most 3
 * ids older (sparse duty is 1 id in 4 or fewer). Our sparse copies then
 * offer nobody in its reach a path it lacks. */
static bool full_relay_near(const struct obu_core *c, const struct obu_rsu *r, vn_usec now)
{
	vn_usec t = obu_period(c, (uint32_t)(r - c->rsu)), lim = 3 * t + t / 4;
	uint32_t mine;

	if (r->up == OBU_NONE)
		return false;
	mine = nbr_of(c, r->up)->hops;
	for (uint32_t j = 0; j < r->nnb; j++) {
		int32_t s = (int32_t)r->nb[j];
		const struct obu_nbr *n = nbr_of(c, s);

		if (n->have && (n->mask & 0xe) != 0 && n->hops <= mine + 1 && nbr_heard_within(n, now, lim) &&
		    s != r->up && !vn_mac_eq(nbr_mac(c, s), &r->mac))
			return true;
	}
	return false;
}

/* K_self(r): 1 at full duty, else min(K_r, pow2floor(4 n_r)): a node with
 * few neighbours relays more often, so that a newcomer at the end of a
 * chain still finds one within a few periods. At K_r (4 or more), 2 K_r
 * while a neighbour as close to the RSU relays it at full duty (rule 1b). */
static uint32_t k_self(const struct obu_core *c, const struct obu_rsu *r, vn_usec now)
{
	uint32_t n = r->n_live ? r->n_live : 1, k = 1;

	if (now < r->dep_until)
		return 1;
	while (k * 2 <= 4 * n && k < c->p.relay_sparse)
		k *= 2;
	if (k >= c->p.relay_sparse && k >= 4 && full_relay_near(c, r, now))
		return obu_k_max(c);
	return k < c->p.relay_sparse ? k : c->p.relay_sparse;
}

/* Rule 2: a far RSU is relayed only within scope_hops of the chosen one,
 * unless someone depends on us for it. */
static bool in_scope(const struct obu_core *c, uint32_t ri, const struct vn_heartbeat *hb,
		     vn_usec now)
{
	const struct obu_rsu *r = &c->rsu[ri], *ch;
	uint32_t dr, dc;

	if (c->chosen == OBU_NONE || (int32_t)ri == c->chosen || now < r->dep_until)
		return true;
	ch = &c->rsu[c->chosen];
	if (ch->up == OBU_NONE)
		return true;
	dc = nbr_of(c, ch->up)->hops;
	dr = r->up != OBU_NONE ? nbr_of(c, r->up)->hops : hb->hops;
	return dr <= dc + c->p.scope_hops;
}

bool obu_relay_due(struct obu_core *c, uint32_t ri, const struct vn_heartbeat *hb, vn_usec now)
{
	uint32_t k;

	if (!in_scope(c, ri, hb, now)) {
		c->cnt[OC_hb_not_relayed_scope]++;
		return false;
	}
	k = k_self(c, &c->rsu[ri], now);
	if (((hb->id + c->stagger) & (k - 1)) != 0) {
		c->cnt[OC_hb_not_relayed_duty]++;
		return false;
	}
	if (k > 1)
		c->cnt[OC_hb_relayed_sparse]++;
	return true;
}

void obu_dependant(struct obu_core *c, int32_t ri, vn_usec now)
{
	if (ri == OBU_NONE)
		return;
	vn_usec t = obu_period(c, (uint32_t)ri);

	c->rsu[ri].dep_until = now + t * OBU_DUTY_HOLD_HALF_KA * c->p.reply_keepalive / 2 + t / 4;
}
