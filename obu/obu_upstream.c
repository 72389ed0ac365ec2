/* The OBU core's choices: the upstream towards each RSU (score, candidates,
 * hysteresis, feasibility) and the one RSU our data goes to. See
 * docs/routing.md, "Upstream choice" and "One RSU". */
#include "obu_core_priv.h"

#include <string.h>

#include "core_util.h"

/* --- upstream choice ---------------------------------------------------------- */

static struct cand_view cand_view_of(const struct obu_core *c, const struct obu_rsu *r,
				     int32_t s)
{
	struct cand_view v;

	v.slot = s;
	v.hops = nbr_of(c, s)->hops;
	v.ratio = obu_nbr_ratio(c, r, s);
	/* by the lower confidence bound, not the raw ratio (obu_nbr_lcb) */
	v.score = (int32_t)obu_nbr_lcb(c, r, s) - OBU_HOP_PENALTY * (int32_t)v.hops;
	return v;
}

static bool nbr_eligible(const struct obu_core *c, int32_t s, vn_usec now)
{
	const struct obu_nbr *n = nbr_of(c, s);

	return !nbr_dead(c, s, now) && n->below_until <= now && n->hops >= 1 &&
	       n->hops <= OBU_MAX_HOPS;
}

/* Preference order: one score weighing delivery against distance (a hop
 * costs OBU_HOP_PENALTY points of delivery ratio), so that a clean two-hop
 * path beats a direct link losing 40 %, while between equally good links
 * the shorter wins. Ties: fewer hops, then the MAC (deterministic). */
static bool cand_before(const struct obu_core *c, const struct cand_view *a,
			const struct cand_view *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	if (a->hops != b->hops)
		return a->hops < b->hops;
	return vn_mac_cmp(nbr_mac(c, a->slot), nbr_mac(c, b->slot)) < 0;
}

/* Whether a is enough better than the current b to move (the hysteresis):
 * towards fewer hops a score at least as good suffices; otherwise a must win
 * by hysteresis_pct points. Moving back therefore needs the shorter link to
 * lose hysteresis_pct + OBU_HOP_PENALTY points: no flapping at a boundary. */
static bool cand_clearly_better(const struct obu_core *c, const struct cand_view *a,
				const struct cand_view *b)
{
	if (a->hops < b->hops)
		return a->score >= b->score;
	return a->score >= b->score + (int32_t)c->p.hysteresis_pct;
}

static void log_upstream(struct obu_core *c, uint32_t ri, int32_t old, int32_t now_up,
			 const char *why)
{
	char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN], d[VN_MAC_STRLEN];
	const struct obu_rsu *r = &c->rsu[ri];
	bool chosen = c->chosen == (int32_t)ri;

	if (now_up == OBU_NONE) {
		core_log(&c->io, chosen ? VN_LOG_NOTICE : VN_LOG_DEBUG,
			"upstream for rsu %s now none (was %s, %s)", vn_mac_format(&r->mac, a),
			old == OBU_NONE ? "none" : vn_mac_format(nbr_mac(c, old), d), why);
		return;
	}
	core_log(&c->io, chosen ? VN_LOG_INFO : VN_LOG_DEBUG,
		"upstream now rsu %s via %s hops %u (was %s, %s)", vn_mac_format(&r->mac, a),
		vn_mac_format(nbr_mac(c, now_up), b), nbr_of(c, now_up)->hops,
		old == OBU_NONE ? "none" : vn_mac_format(nbr_mac(c, old), d), why);
}

static bool nbr_feasible(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	const struct obu_nbr *n = nbr_of(c, s);

	return !r->restricted || n->hops <= r->feas_hops ||
	       (n->brought && (int32_t)(n->brought_id - r->feas_id) > 0);
}

/* The earliest of until and the moment after now at which neighbour n's
 * eligibility changes by time alone: it dies after last_heard + limit, its
 * "below us" mark ends at below_until. */
static vn_usec eligibility_flip(const struct obu_nbr *n, vn_usec limit, vn_usec now,
				vn_usec until)
{
	if (n->last_heard != 0 && n->last_heard + limit + 1 > now &&
	    n->last_heard + limit + 1 < until)
		until = n->last_heard + limit + 1;
	if (n->below_until > now && n->below_until < until)
		until = n->below_until;
	return until;
}

/* The upstream old is ineligible only because it went silent (not below
 * us, not evicted): it may be kept when there is no other. */
static bool last_resort(const struct obu_core *c, int32_t old, vn_usec now)
{
	const struct obu_nbr *n = nbr_of(c, old);

	return n->below_until <= now && n->last_heard != 0;
}

/* Whether the silent upstream old stays (rule 6, last resort): with no
 * candidate at all, until the RSU is gone; with only longer paths (more
 * hops), for two more periods, so that a few losses on a lossy link (m(p)
 * is 2 down to p = 0.69) do not move us to a longer path and straight back:
 * the damping of flapping. By hops, not by score: a sparse candidate's score
 * rests on a few due ids, too noisy to hold a real failover back (tried:
 * failover on 10 %-lossy links went to 380 ms). */
static bool keep_dead(struct obu_core *c, struct obu_rsu *r, int32_t old,
		      const struct cand_view *best, vn_usec now, vn_usec *until)
{
	vn_usec late = nbr_of(c, old)->last_heard + obu_dead_late(c, old) + 1;

	r->dead_early = false;
	if (best == NULL)
		return true;
	if (now >= late)
		return false;
	if (best->hops <= nbr_of(c, old)->hops)
		return false;
	r->dead_early = true; /* check_upstreams looks again at `late` */
	if (late < *until)
		*until = late;
	return true;
}

/* Due ids (1 in 2^klog) neighbour n has been silent for, by the clock:
 * the RSU's newest id stops when we hear nobody. */
static uint32_t missed_due(const struct obu_nbr *n, uint32_t klog, vn_usec t, vn_usec now)
{
	vn_usec k = (age(now, n->last_heard) / t) >> klog;

	return k > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)k;
}

/* Our upstream old is lost and no neighbour is eligible: the feasible
 * neighbour, not below us, heard within the forget window, that missed
 * the fewest of its due ids since its last delivery (ties: the usual
 * order) -- its last known good state. Most often a sparse alternative
 * between two of its due ids, or behind losses on them: it carries our
 * data at once, and our change reply makes it full. Keeping the dead
 * upstream instead waited for that relay's next due id (sim_liveness, 10 %
 * loss: up to 565 ms). OBU_NONE if there is none. */
static int32_t stale_alternative(const struct obu_core *c, const struct obu_rsu *r, int32_t old,
				 vn_usec now, struct cand_view *out)
{
	int32_t best = OBU_NONE;
	vn_usec t = obu_period(c, nbr_key(c, (uint32_t)old)->rsu);
	uint32_t best_missed = UINT32_MAX;

	for (uint32_t i = 0; i < r->nnb; i++) {
		int32_t s = (int32_t)r->nb[i];
		const struct obu_nbr *n = nbr_of(c, s);
		struct cand_view v;
		uint32_t missed;

		/* not the upstream we left, silent since: it died (taken
		 * back, when a live upstream missed two heartbeats, we were
		 * stuck on a cut link) */
		if (s == r->left_up && n->last_heard <= r->left_at)
			continue;
		if (s == old || !n->have || n->last_heard == 0 || n->below_until > now ||
		    n->hops < 1 || n->hops > OBU_MAX_HOPS || !nbr_feasible(c, r, s) ||
		    age(now, n->last_heard) > obu_nbr_forget_after(c, nbr_key(c, (uint32_t)s)->rsu))
			continue;
		missed = missed_due(n, obu_live_klog(c, r, s), t, now);
		v = cand_view_of(c, r, s);
		if (missed < best_missed ||
		    (missed == best_missed && cand_before(c, &v, out))) {
			best = s;
			best_missed = missed;
			*out = v;
		}
	}
	return best;
}

/* Re-evaluates the upstream towards RSU ri (§5: on every heartbeat). */
void obu_evaluate(struct obu_core *c, uint32_t ri, vn_usec now)
{
	struct obu_rsu *r = &c->rsu[ri];
	struct cand_view top[OBU_CAND_MAX], cur = {OBU_NONE, 0, 0, 0};
	uint32_t k = c->p.candidates, n = 0;
	int32_t old = r->up, pick = OBU_NONE;
	const char *why = NULL;
	vn_usec until = VN_USEC_NEVER;
	bool stale = false;

	if (r->eval_clean && now >= r->eval_at && now < r->eval_until)
		return; /* the same inputs, the same eligibility: the same result */
	/* called after every change of this RSU's state or of one of its
	 * neighbours (its heartbeats), and it may change the upstream */
	r->view_ok = false;
	if (old != OBU_NONE && !nbr_eligible(c, old, now))
		obu_restrict_successors(c, r, (uint32_t)old);
	for (uint32_t i = 0; i < r->nnb; i++) {
		uint32_t s = r->nb[i];
		struct cand_view v;
		uint32_t j;

		/* the entries are scattered over the table: fetch ahead */
		if (i + 4 < r->nnb)
			__builtin_prefetch(nbr_of(c, r->nb[i + 4]));
		until = eligibility_flip(nbr_of(c, s), obu_nbr_limit(c, (int32_t)s), now, until);
		if (!nbr_eligible(c, (int32_t)s, now) ||
		    !nbr_feasible(c, r, (int32_t)s))
			continue;
		v = cand_view_of(c, r, (int32_t)s);
		if ((int32_t)s == old)
			cur = v;
		/* insertion into the sorted top-k */
		if (n == k && !cand_before(c, &v, &top[n - 1]))
			continue;
		j = n < k ? n++ : n - 1;
		while (j > 0 && cand_before(c, &v, &top[j - 1])) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = v;
	}
	r->ncand = n;
	for (uint32_t i = 0; i < n; i++)
		r->cand[i] = top[i].slot;
	r->eval_clean = true; /* unless the upstream changes below */
	r->eval_at = now;
	r->eval_until = until;
	if (cur.slot == OBU_NONE && old != OBU_NONE && n == 0 && !r->stale_pick &&
	    last_resort(c, old, now)) {
		/* nobody eligible: an alternative's last known good state,
		 * once per loss (stale_pick: not back and forth between two
		 * silent ones) */
		struct cand_view sv;
		int32_t alt = stale_alternative(c, r, old, now, &sv);

		if (alt != OBU_NONE) {
			top[0] = sv;
			n = 1;
			stale = true;
		}
	}
	if (cur.slot == OBU_NONE && old != OBU_NONE && last_resort(c, old, now) &&
	    keep_dead(c, r, old, n > 0 ? &top[0] : NULL, now, &until)) {
		/* Rule 6, last resort: it is dead and nobody else will do:
		 * keep it (data still goes out) until the RSU is gone --
		 * declaring the only path dead gains nothing, loses data.
		 * It may have lost our keep-alives and gone sparse: our reply
		 * goes again (obu_reply_check), which makes it full -- unless
		 * it is the RSU itself, which is never sparse and keeps our
		 * route on keep-alives (jam10: a third of the change replies
		 * were these, on edge links to the RSU). */
		if (!r->up_dead && c->chosen == (int32_t)ri &&
		    !vn_mac_eq(nbr_mac(c, old), &r->mac))
			c->replied_rsu = OBU_NONE;
		r->up_dead = true;
		r->eval_until = until;
		return;
	}
	r->up_dead = false;
	if (cur.slot == OBU_NONE) {
		/* no upstream, or it died / turned out to be below us: the
		 * next candidate at once (§6 fault 4) */
		pick = n > 0 ? top[0].slot : OBU_NONE;
		why = old == OBU_NONE ? "new" : stale ? "lost, last known good" : "lost";
	} else {
		/* the first candidate, in preference order, that beats the
		 * current one by the margin -- a sparse one not within
		 * OBU_DWELL periods of the last change: its ratio rests on a
		 * few due ids, and among many such one is always lucky; on a
		 * loaded channel each move costs a change reply and makes the
		 * new upstream full, which loads it more. (Holding back full
		 * candidates too was tried: an upstream whose hops grow must
		 * be left at once, else loops -- 51 duplicate forwards in
		 * jam200.) */
		bool settle = age(now, r->up_since) < obu_period(c, ri) * OBU_DWELL;

		for (uint32_t i = 0; i < n && top[i].slot != old; i++) {
			if (settle && nbr_of(c, top[i].slot)->klog > 0)
				continue;
			/* a candidate alive only for the longer period its
			 * liveness may take (obu_live_klog) is there for a
			 * failover, not for a move: moving to it makes it full
			 * and costs a change reply (ladder: 1.4 -> 2.0 control
			 * frames per vehicle per second) */
			if (!obu_nbr_heard_due(c, top[i].slot, now))
				continue;
			if (cand_clearly_better(c, &top[i], &cur)) {
				pick = top[i].slot;
				why = "better";
				break;
			}
		}
		if (pick == OBU_NONE)
			return;
	}
	if (pick == old)
		return;
	if (old != OBU_NONE) {
		r->left_up = old;
		r->left_at = now;
	}
	r->up = pick;
	r->up_since = now;
	r->stale_pick = stale;
	r->eval_clean = false; /* a new upstream: the next one may move again */
	if (pick != OBU_NONE)
		r->restricted = false;
	c->cnt[OC_upstream_changes]++;
	log_upstream(c, ri, old, pick, why);
}

static bool rsu_usable(const struct obu_core *c, int32_t ri, vn_usec now)
{
	(void)now; /* a dead upstream kept as the last resort still takes data */
	return ri != OBU_NONE && c->rsu[ri].used && c->rsu[ri].up != OBU_NONE;
}

/* The RSU choice reads every RSU's upstream on every heartbeat: its view
 * (hops, ratio, score, when last heard) is kept in the RSU's first cache
 * line and recomputed only after something it depends on changed
 * (obu_rsu_view_stale), so the choice does not touch a neighbour entry per
 * RSU. Exact: the same values as computed afresh. */
static void rsu_view_fill(const struct obu_core *c, struct obu_rsu *r)
{
	if (r->view_ok)
		return;
	if (r->up != OBU_NONE) {
		r->view = cand_view_of(c, r, r->up);
		r->view_heard = nbr_of(c, r->up)->last_heard;
	}
	r->view_ok = true;
}

/* rsu_usable, from the view */
static bool rsu_usable_v(struct obu_core *c, int32_t ri, vn_usec now)
{
	struct obu_rsu *r;

	if (ri == OBU_NONE || !c->rsu[ri].used || c->rsu[ri].up == OBU_NONE)
		return false;
	r = &c->rsu[ri];
	rsu_view_fill(c, r);
	/* the chosen RSU's upstream kept dead as the last resort (rule 6)
	 * keeps its last worth: another RSU must beat that, or wait until
	 * this one is gone -- a few losses must not move us to another RSU */
	if (r->up_dead && ri == c->chosen)
		return true;
	return r->view_heard != 0 && age(now, r->view_heard) <= obu_nbr_limit(c, r->up);
}

/* An RSU's worth: its upstream's; an RSU without a live upstream is worth
 * less than any with one. */
static struct cand_view rsu_view(struct obu_core *c, int32_t ri, vn_usec now)
{
	struct cand_view v = {OBU_NONE, UINT32_MAX, 0, INT32_MIN / 2};

	if (rsu_usable_v(c, ri, now))
		v = c->rsu[ri].view;
	return v;
}

static void log_rsu_change(struct obu_core *c, int32_t old)
{
	char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN], d[VN_MAC_STRLEN];
	const char *was = old == OBU_NONE ? "none" : vn_mac_format(&c->rsu[old].mac, d);

	if (c->chosen == OBU_NONE) {
		core_log(&c->io, VN_LOG_NOTICE, "upstream now none (was rsu %s)", was);
	} else {
		const struct obu_rsu *r = &c->rsu[c->chosen];

		if (r->up == OBU_NONE)
			core_log(&c->io, VN_LOG_INFO, "upstream now rsu %s, no neighbour yet (was rsu %s)",
				vn_mac_format(&r->mac, a), was);
		else
			core_log(&c->io, VN_LOG_INFO, "upstream now rsu %s via %s hops %u (was rsu %s)",
				vn_mac_format(&r->mac, a), vn_mac_format(nbr_mac(c, r->up), b),
				nbr_of(c, r->up)->hops, was);
	}
}

/* The chosen RSU r (slot old) is to be left for another: its upstream is
 * dead (none, or kept as the last resort) and it has been silent for
 * obu_rsu_leave_after. */
static bool rsu_left(const struct obu_core *c, const struct obu_rsu *r, vn_usec now)
{
	return (r->up == OBU_NONE || r->up_dead) &&
	       age(now, r->last_heard) > obu_rsu_leave_after(c, (uint32_t)(r - c->rsu));
}

/* One RSU for our data (§6 fault 5). It changes only when it is gone (no
 * heartbeat for `history` periods: expire() forgets it), or when another has
 * been clearly better -- two hops shorter, or shorter and hysteresis_pct
 * points of score ahead, or 2 x hysteresis_pct points ahead -- for `history`
 * periods without a break. While the chosen RSU
 * has no live upstream (losses) we keep it: its heartbeats bring one back
 * within a period or two, far sooner than flapping would settle. */
void obu_choose_rsu(struct obu_core *c, vn_usec now)
{
	int32_t old = c->chosen, best = OBU_NONE;
	struct cand_view bv = {OBU_NONE, 0, 0, 0}, cv;
	int32_t h = (int32_t)c->p.hysteresis_pct;
	struct obu_rsu *b;

	/* the best other RSU: score, then hops, then the RSU's MAC (the same
	 * tie-break on every node) */
	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		struct cand_view v;

		if ((int32_t)i == old || !rsu_usable_v(c, (int32_t)i, now))
			continue;
		v = rsu_view(c, (int32_t)i, now);
		if (best == OBU_NONE || v.score > bv.score ||
		    (v.score == bv.score && (v.hops < bv.hops ||
		     (v.hops == bv.hops && vn_mac_cmp(&c->rsu[i].mac, &c->rsu[best].mac) < 0)))) {
			best = (int32_t)i;
			bv = v;
		}
	}
	for (uint32_t i = 0; i < c->rsu_hi; i++)
		if ((int32_t)i != best && c->rsu[i].better_since != 0)
			c->rsu[i].better_since = 0; /* (a read does not dirty the line) */
	if (old == OBU_NONE || !c->rsu[old].used) {
		c->chosen = best;
		c->settling = true;
	} else if (best != OBU_NONE && rsu_left(c, &c->rsu[old], now)) {
		/* its upstream is dead and it has been silent long enough:
		 * another RSU is heard, go there before the old one is gone.
		 * Deliberate: going back must be as deliberate (settling) */
		c->chosen = best;
		c->settling = false;
	} else if (best != OBU_NONE) {
		b = &c->rsu[best];
		cv = rsu_view(c, old, now);
		if (c->settling && age(now, c->chosen_at) < obu_rsu_gone_after(c, (uint32_t)old) &&
		    bv.hops <= cv.hops && bv.score >= cv.score &&
		    vn_mac_cmp(&b->mac, &c->rsu[old].mac) < 0) {
			/* Settling: the first choice is whichever RSU was heard
			 * first. For `history` periods a tie (as good, lower
			 * MAC) moves us, so that neighbours facing the same tie
			 * agree on one RSU -- the one our data really reaches
			 * through them. Monotone in the MAC: it cannot cycle. */
			c->chosen = best;
		} else if (bv.hops + 2 <= cv.hops || (bv.hops < cv.hops && bv.score >= cv.score + h) ||
			   bv.score >= cv.score + 2 * h) {
			if (b->better_since == 0)
				b->better_since = now ? now : 1;
			if (age(now, b->better_since) >= obu_rsu_gone_after(c, (uint32_t)old)) {
				c->chosen = best;
				/* a deliberate move: going back must be as
				 * deliberate, not a tie won by the MAC (a relay
				 * that has just gone full reads low for a few
				 * ids: sim_tworsu flapped back in 0.1 s) */
				c->settling = false;
			}
		} else {
			b->better_since = 0;
		}
	}
	if (c->chosen != old) {
		c->chosen_at = now;
		for (uint32_t i = 0; i < c->rsu_hi; i++)
			c->rsu[i].better_since = 0;
		c->cnt[OC_rsu_changes]++;
		log_rsu_change(c, old);
	}
}

/* The neighbour data for RSU ri goes to, or NULL. */
const struct vn_mac *obu_upstream_mac_for(const struct obu_core *c, int32_t ri, vn_usec now)
{
	if (!rsu_usable(c, ri, now))
		return NULL;
	return nbr_mac(c, c->rsu[ri].up);
}

/* The neighbour our data goes to, or NULL. */
const struct vn_mac *obu_upstream_mac(const struct obu_core *c, vn_usec now)
{
	return obu_upstream_mac_for(c, c->chosen, now);
}

/* A neighbour showed it is below us (its replies or data come to us): never
 * our upstream while this lasts. */
void obu_mark_below(struct obu_core *c, const struct vn_mac *m, int32_t ri, vn_usec now)
{
	int32_t s;

	if (ri == OBU_NONE)
		return;
	s = obu_nbr_get(c, m, (uint32_t)ri);
	if (s == OBU_NONE)
		return;
	nbr_of(c, s)->below_until = now + obu_dep_hold(c, (uint32_t)ri);
	obu_eval_dirty(c, (uint32_t)ri);
	if (c->rsu[ri].up == s) {
		obu_evaluate(c, (uint32_t)ri, now);
		obu_choose_rsu(c, now);
	}
}
