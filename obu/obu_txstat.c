/* The MAC's transmit status (protocol v2 rule 12, docs/routing.md): a
 * unicast frame the MAC gave up on after all its retries is strong evidence
 * that its addressee has gone out of range -- far sooner than the m(p)
 * periods of silence the heartbeats alone need, during which every packet
 * to it is lost. */
#include "obu_core_priv.h"

#include "core_util.h"

/* Counts a give-up in each of to's entries (one per RSU; cleared when it
 * is heard again). Returns whether it is some RSU's upstream: the caller
 * then judges its silence at once (check_upstreams). */
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
		obu_eval_dirty(c, i); /* its silence limit shrank */
		up = up || r->up == s;
	}
	return up;
}

/* Where a given-up Upstream packet goes instead: our upstream if it is no
 * longer the neighbour that failed, else the best candidate that is not
 * it -- eligible and feasible, so not below us (obu_evaluate) -- and at
 * full duty already, or the RSU itself: our data makes a relay full for
 * 2 K_a periods (rule 1), and salvaging through sparse ones cost the
 * ladder half a control frame per vehicle per second (jam25). */
static const struct vn_mac *salvage_to(const struct obu_core *c, const struct vn_mac *failed,
				       vn_usec now)
{
	const struct vn_mac *up = obu_upstream_mac(c, now);
	const struct obu_rsu *r;
	bool relay_ok;
	int32_t fs;

	if (up != NULL && !vn_mac_eq(up, failed))
		return up;
	if (up == NULL)
		return NULL;
	r = &c->rsu[c->chosen];
	/* through a relay only once the failed one has also missed a
	 * heartbeat: in a jam most give-ups are collisions, the upstream is
	 * heard again at once, and each salvage kept a relay full for
	 * seconds more (jam50: +0.5 control frames per vehicle per second) */
	relay_ok = r->up != OBU_NONE &&
		   age(now, nbr_of(c, r->up)->last_heard) > obu_period(c, (uint32_t)c->chosen);
	for (uint32_t i = 0; i < r->ncand; i++) {
		const struct vn_mac *m = nbr_mac(c, r->cand[i]);
		const struct obu_nbr *n = nbr_of(c, r->cand[i]);

		if (vn_mac_eq(m, failed))
			continue;
		if (vn_mac_eq(m, &r->mac) || (relay_ok && n->klog == 0))
			return m;
	}
	/* heard within the period and this is the first give-up since: most
	 * likely a collision burst -- once more to the same neighbour (its
	 * second give-up kills it at once, and then the packet goes to the
	 * new upstream). Highway: 95.3 -> 95.9 % up, seeds 1-4 */
	fs = obu_nbr_find(c, failed, (uint32_t)c->chosen);
	if (!relay_ok && fs != OBU_NONE && nbr_of(c, fs)->txfail == 1)
		return failed;
	return NULL;
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

	vn_rx_iter_init(&it, b->data, b->len);
	if (!vn_rx_next(&it, &m, &err) || m.type != VN_MSG_UPSTREAM ||
	    !vn_mac_eq(&m.from, &c->self))
		return;
	to = salvage_to(c, failed, now);
	if (to == NULL || vn_mac_eq(to, &m.origin))
		return;
	vn_fwd_rewrite(m.raw, to, &c->self);
	core_send(&c->io, m.raw, VN_UP_HLEN + m.payload_len);
	c->cnt[OC_up_salvaged]++;
}
