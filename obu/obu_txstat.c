/* The MAC's transmit status (protocol v2 rule 12, docs/routing.md): a
 * unicast frame the MAC gave up on after all its retries is strong evidence
 * that its addressee has gone out of range -- far sooner than the m(p)
 * periods of silence the heartbeats alone need, during which every packet
 * to it is lost. */
#include "obu_core_priv.h"

#include "core_util.h"

/* Counts a give-up in each of to's entries (one per RSU; cleared when it
 * is heard again). Returns whether it is some RSU's upstream. The count
 * does not shorten its silence limit: two give-ups in a row killing it at
 * once made a hidden terminal flap the upstream half again as often
 * (sim_txstatus hidden_terminal_no_flap: 56 -> 86 changes in 2 min). */
bool obu_txfail_note(struct obu_core *c, const struct vn_mac *to)
{
	bool up = false;

	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		struct obu_rsu *r = &c->rsu[i];
		struct obu_nbr *n;
		int32_t s;

		if (!r->used)
			continue;
		s = obu_nbr_find(c, to, i);
		if (s == OBU_NONE)
			continue;
		n = nbr_of(c, s);
		if (n->txfail < 3)
			n->txfail++;
		up = up || r->up == s;
	}
	return up;
}

/* A detour for data while our upstream (slot u of the chosen RSU r) has
 * had a unicast given up since we last heard it: the RSU itself if it is
 * a candidate; a relay only once u has also missed a heartbeat (in a jam
 * most give-ups are collisions and u is heard again at once), and only a
 * candidate at full duty already -- our data makes a relay full for
 * 2 K_a periods (rule 1): salvaging through sparse ones cost the ladder
 * half a control frame per vehicle per second (jam25). Candidates are
 * eligible and feasible, so not below us (obu_evaluate). `answered`
 * (a salvage): none the MAC has given up on since we last heard it either.
 * NULL: none. */
static const struct vn_mac *detour(const struct obu_core *c, int32_t ri, int32_t u, bool answered,
				   vn_usec now)
{
	const struct obu_rsu *r = &c->rsu[ri];
	bool relay_ok = age(now, nbr_of(c, u)->last_heard) > obu_period(c, (uint32_t)ri);

	for (uint32_t i = 0; i < r->ncand; i++) {
		const struct vn_mac *m = nbr_mac(c, r->cand[i]);

		/* the list is the last evaluation's: a candidate that has
		 * since handed us data is below us (a detour to it went
		 * straight back: a two-node loop on the highway) */
		if (r->cand[i] == u || nbr_of(c, r->cand[i])->below_until > now ||
		    nbr_dead(c, r->cand[i], now) || (answered && nbr_of(c, r->cand[i])->txfail > 0))
			continue;
		if (vn_mac_eq(m, &r->mac) || (relay_ok && nbr_of(c, r->cand[i])->klog == 0))
			return m;
	}
	return NULL;
}

/* Where data for RSU ri goes: our upstream towards it, or a detour while
 * that has a give-up unanswered (rule 12). The upstream choice itself
 * does not move. */
const struct vn_mac *obu_data_next_hop_for(const struct obu_core *c, int32_t ri, vn_usec now)
{
	const struct vn_mac *up = obu_upstream_mac_for(c, ri, now), *d;
	const struct obu_rsu *r;

	if (up == NULL)
		return NULL;
	r = &c->rsu[ri];
	if (nbr_of(c, r->up)->txfail == 0)
		return up;
	d = detour(c, ri, r->up, false, now);
	return d != NULL ? d : up;
}

/* Where our own data goes (the chosen RSU). */
const struct vn_mac *obu_data_next_hop(const struct obu_core *c, vn_usec now)
{
	return obu_data_next_hop_for(c, c->chosen, now);
}

/* Where a given-up Upstream packet goes instead: our upstream if it is no
 * longer the neighbour that failed and has had no give-up since we last
 * heard it, else a detour with none either (so never the one that just
 * failed), else -- that upstream heard within the period and this its
 * first give-up since, most likely a collision burst -- to it (once more,
 * if it is the one that failed). Never to a neighbour the MAC has given
 * up on since we last heard it: a salvage to one went to a neighbour
 * silent for seconds, its give-up took the MAC up to 1.4 s more, and the
 * next salvage of the same packet -- past the salvager's memory of it --
 * went back to a relay that had forwarded it (ring1000 seed 1: one
 * duplicate forward; seed 3: one packet salvaged 8 times over 9 s). */
static const struct vn_mac *salvage_to(const struct obu_core *c, int32_t ri,
				       const struct vn_mac *failed, vn_usec now)
{
	const struct vn_mac *up = obu_upstream_mac_for(c, ri, now), *d;
	const struct obu_rsu *r;
	const struct obu_nbr *n;

	if (up == NULL)
		return NULL;
	r = &c->rsu[ri];
	n = nbr_of(c, r->up);
	if (!vn_mac_eq(up, failed) && n->txfail == 0)
		return up;
	d = detour(c, ri, r->up, true, now);
	if (d != NULL)
		return d;
	if (age(now, n->last_heard) <= obu_period(c, (uint32_t)ri) && n->txfail == 1)
		return up;
	return NULL;
}

/* Whether a given-up frame has probably arrived after all and is too old
 * to salvage: we first sent it more than the packet memory (2 periods)
 * ago, and its addressee has been heard within the last period. Such a
 * frame waited long in the MAC; the addressee lives, so most likely its
 * ACKs were lost, and the relays after it may have forgotten the copy
 * that arrived and would forward the salvaged one again (ring1000:
 * duplicate forwards up to 2 s after the first copy, one packet salvaged
 * four times over 3 s). An addressee silent since is most likely gone
 * (sim_txstatus upstream_gone: its frames wait 200 ms and more behind
 * each other's retries, and must still be salvaged). Age unknown (our own
 * data before any give-up, evicted): salvaged. */
static bool arrived_late(const struct obu_core *c, int32_t ri, const struct vn_msg *m,
			 const struct vn_mac *failed, vn_usec now)
{
	vn_usec a = obu_pkt_age(c, OBU_PK_UP, m, now);
	int32_t s;

	if (a == VN_USEC_NEVER || a <= OBU_DATA_DEDUP * obu_period_global(c) || ri == OBU_NONE)
		return false;
	s = obu_nbr_find(c, failed, (uint32_t)ri);
	return s != OBU_NONE && nbr_heard_within(nbr_of(c, s), now, obu_period(c, (uint32_t)ri));
}

/* Salvage: an Upstream data frame we sent (ours or relayed) that the MAC
 * gave up on goes out once more, in place, to the next best neighbour. A
 * loop it might enter costs one turn (the packet table, obu_dedup.c). */
void obu_txfail_salvage(struct obu_core *c, struct vn_pbuf *b, const struct vn_mac *failed,
			vn_usec now)
{
	const struct vn_mac *to;
	struct vn_rx_iter it;
	enum vn_rx_err err;
	struct vn_msg m;
	int32_t ri;

	vn_rx_iter_init(&it, b->data, b->len);
	if (!vn_rx_next(&it, &m, &err) || m.type != VN_MSG_UPSTREAM ||
	    !vn_mac_eq(&m.from, &c->self))
		return;
	/* towards the RSU it was going to: ours, or its origin's */
	ri = obu_origin_rsu(c, &m.origin, now);
	if (arrived_late(c, ri, &m, failed, now)) {
		c->cnt[OC_up_salvage_late]++;
		return;
	}
	to = salvage_to(c, ri, failed, now);
	if (to == NULL || vn_mac_eq(to, &m.origin))
		return;
	/* once per packet: salvaged again and again between two dying
	 * upstreams, one went on for 220 ms and came back to us after we
	 * had forgotten it (highway seed 3: a duplicate forward) */
	if (obu_pkt_seen(c, OBU_PK_SALVAGE, &m, OBU_DATA_DEDUP * obu_period_global(c), now))
		return;
	vn_fwd_rewrite(m.raw, to, &c->self);
	core_send(&c->io, m.raw, VN_UP_HLEN + m.payload_len);
	c->cnt[OC_up_salvaged]++;
}
