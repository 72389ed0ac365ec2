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
	r->period = (vn_usec)ms * VN_USEC_PER_MS;
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

vn_usec obu_dep_hold(const struct obu_core *c, uint32_t ri)
{
	vn_usec t = obu_period(c, ri);

	return t * 3 * c->p.reply_keepalive + t / 4;
}

vn_usec obu_route_life(const struct obu_core *c)
{
	return obu_period_global(c) * (3 * c->p.reply_keepalive + 2);
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
	vn_usec t = obu_period(c, ri);
	uint32_t pct, m;

	/* p as of its last delivery: the ids missed since are the silence
	 * being judged, and must not lengthen it */
	pct = n->have ? obu_nbr_ratio_at(c, r, s, 64, n->last_id + 1) : 0;
	m = c->m_tab[pct > 100 ? 100 : pct];
	if (m > c->p.dead_periods)
		m = c->p.dead_periods;
	return t * ((vn_usec)m << n->klog) + t / 4;
}

bool nbr_dead(const struct obu_core *c, int32_t s, vn_usec now)
{
	const struct obu_nbr *n = nbr_of(c, s);

	return n->last_heard == 0 || age(now, n->last_heard) > obu_nbr_limit(c, s);
}

vn_usec obu_dead_late(const struct obu_core *c, int32_t s)
{
	return obu_nbr_limit(c, s) + 2 * obu_period(c, nbr_key(c, (uint32_t)s)->rsu);
}

/* Live neighbours per RSU, for the sparse period; at each expiry. */
void obu_count_live(struct obu_core *c, vn_usec now)
{
	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		struct obu_rsu *r = &c->rsu[i];
		uint32_t k = 0;

		for (uint32_t j = 0; r->used && j < r->nnb; j++)
			k += !nbr_dead(c, (int32_t)r->nb[j], now);
		r->n_live = k;
	}
}

/* K_self(r): 1 at full duty, else min(K_r, pow2floor(4 n_r)): a node with
 * few neighbours relays more often, so that a newcomer at the end of a
 * chain still finds one within a few periods. */
static uint32_t k_self(const struct obu_core *c, const struct obu_rsu *r, vn_usec now)
{
	uint32_t n = r->n_live ? r->n_live : 1, k = 1;

	if (now < r->dep_until)
		return 1;
	while (k * 2 <= 4 * n && k < c->p.relay_sparse)
		k *= 2;
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

	c->rsu[ri].dep_until = now + t * OBU_DUTY_HOLD_KA * c->p.reply_keepalive + t / 4;
}
