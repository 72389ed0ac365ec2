/* The OBU core's data path: downstream routes, Upstream and Downstream
 * forwarding, broadcasts down the tree, and the recently-forwarded packet
 * table that cuts loops. See docs/routing.md, "Data" and "Loops". */
#include "obu_core_priv.h"

#include <string.h>

#include "core_util.h"

/* --- downstream routes ---------------------------------------------------------- */

void obu_route_learn(struct obu_core *c, const struct vn_mac *obu, const struct vn_mac *via,
		     const struct vn_mac *rsu, vn_usec now)
{
	uint32_t s = core_tab_find(&c->downs, obu);
	bool evicted;

	if (s == CORE_TAB_NONE) {
		s = core_tab_insert(&c->downs, obu, &evicted);
		if (evicted)
			c->cnt[OC_routes_evicted]++;
		c->cnt[OC_routes_learned]++;
		down_of(c, s)->has_rsu = false;
	} else {
		core_tab_touch(&c->downs, s);
	}
	down_of(c, s)->via = *via;
	down_of(c, s)->last_seen = now;
	if (rsu != NULL) {
		down_of(c, s)->rsu = *rsu;
		down_of(c, s)->has_rsu = true;
		down_of(c, s)->rsu_at = now;
	}
}

static const struct vn_mac *route_via(const struct obu_core *c, const struct vn_mac *obu,
				      vn_usec now)
{
	uint32_t s = core_tab_find(&c->downs, obu);

	if (s == CORE_TAB_NONE || age(now, down_of(c, s)->last_seen) > obu_route_life(c))
		return NULL;
	return &down_of(c, s)->via;
}

/* Whether some OBU may depend on our re-broadcast: a live downstream route,
 * or a live neighbour farther from our RSU than us. */
static bool have_below(const struct obu_core *c, vn_usec now)
{
	uint32_t t = c->downs.tail;
	int32_t ri = c->chosen;
	uint32_t hops;

	if (t != CORE_TAB_NONE && age(now, down_of(c, t)->last_seen) <= obu_route_life(c))
		return true;
	if (ri == OBU_NONE || c->rsu[ri].up == OBU_NONE)
		return false;
	hops = nbr_of(c, c->rsu[ri].up)->hops;
	for (uint32_t i = 0; i < c->rsu[ri].nnb; i++) {
		uint32_t s = c->rsu[ri].nb[i];

		if (!nbr_dead(c, (int32_t)s, now) && nbr_of(c, s)->hops > hops)
			return true;
	}
	return false;
}

/* The RSU an Upstream packet of `origin` goes to: the one its replies
 * through us are for -- the RSU it chose, which is also the one its
 * replies give a route to it and, in mode = encrypt, the one it sealed the
 * packet for -- while a reply said so within a route's life and we have
 * an upstream towards that RSU; otherwise our own. So data takes the path
 * its origin's replies take, hop by hop, whatever RSU each relay chose for
 * itself (docs/routing.md, "Data"). */
int32_t obu_origin_rsu(const struct obu_core *c, const struct vn_mac *origin, vn_usec now)
{
	uint32_t s = core_tab_find(&c->downs, origin);
	const struct obu_down *d;
	int32_t ri;

	if (s == CORE_TAB_NONE)
		return c->chosen;
	d = down_of(c, s);
	if (!d->has_rsu || age(now, d->rsu_at) > obu_route_life(c))
		return c->chosen;
	ri = obu_rsu_find(c, &d->rsu);
	if (ri == OBU_NONE || obu_upstream_mac_for(c, ri, now) == NULL)
		return c->chosen;
	return ri;
}

void obu_on_upstream(struct obu_core *c, const struct vn_msg *m, vn_usec now)
{
	const struct vn_mac *up;
	int32_t ri;

	if (vn_mac_eq(&m->origin, &c->self)) {
		c->cnt[OC_drop_loop]++;
		return;
	}
	if (vn_mac_is_multicast(&m->origin) || vn_mac_is_zero(&m->origin)) {
		c->cnt[OC_drop_bad_origin]++;
		return;
	}
	ri = obu_origin_rsu(c, &m->origin, now);
	up = obu_upstream_mac_for(c, ri, now);
	if (up != NULL && vn_mac_eq(&m->from, up)) {
		/* our upstream sends its data to us: it is below us (loop) */
		c->cnt[OC_drop_loop]++;
		obu_mark_below(c, &m->from, ri, now);
		return;
	}
	obu_dependant(c, ri, now); /* full duty for that RSU (rule 1) */
	obu_mark_below(c, &m->from, ri, now);
	obu_route_learn(c, &m->origin, &m->from, NULL, now);
	up = obu_data_next_hop_for(c, ri, now);
	if (up == NULL) {
		c->cnt[OC_drop_no_upstream]++;
		return;
	}
	if (obu_pkt_seen(c, OBU_PK_UP, m, OBU_DATA_DEDUP * obu_period_global(c), now)) {
		c->cnt[OC_drop_data_dup]++; /* came round again: a loop */
		return;
	}
	vn_fwd_rewrite(m->raw, up, &c->self);
	core_send(&c->io, m->raw, VN_UP_HLEN + m->payload_len);
	c->cnt[OC_up_forwarded]++;
	if (ri != c->chosen)
		c->cnt[OC_up_origin_rsu]++;
}

/* Whether a broadcast Downstream's IP packet is for this OBU. */
static bool bcast_for_us(const struct obu_core *c, const uint8_t *pkt)
{
	struct vn_ip dst;

	if (c->naddr == 0)
		return true;
	vn_ip_dst(pkt, &dst);
	if (vn_ip_is_multicast(&dst))
		return true;
	for (size_t i = 0; i < c->naddr; i++)
		if (vn_ip_eq(&dst, &c->addr[i].addr) ||
		    vn_ip_is_prefix_broadcast(&dst, &c->addr[i]))
			return true;
	return false;
}

void obu_on_downstream(struct obu_core *c, const struct vn_msg *m, vn_usec now)
{
	const struct vn_mac *via, *up;

	if (vn_mac_eq(&m->destination, &c->self)) {
		if (!vn_mac_eq(&m->to, &c->self)) {
			c->cnt[OC_drop_not_for_us]++;
			return;
		}
		/* the RSU salvages a Downstream the MAC gave up on (rule
		 * 12): when only the ACKs were lost, both copies come */
		if (obu_pkt_seen(c, OBU_PK_DOWN, m, OBU_DATA_DEDUP * obu_period_global(c), now)) {
			c->cnt[OC_drop_data_dup]++;
			return;
		}
		c->cnt[OC_down_delivered]++;
		c->io.deliver(c->io.ctx, m->payload, m->payload_len);
		return;
	}
	if (vn_mac_is_broadcast(&m->destination)) {
		up = obu_upstream_mac(c, now);
		if (up == NULL || !vn_mac_eq(&m->from, up)) {
			c->cnt[OC_drop_bcast_not_upstream]++;
			return;
		}
		if (obu_pkt_seen(c, OBU_PK_BCAST, m, 2 * obu_period_global(c), now)) {
			c->cnt[OC_drop_bcast_dup]++;
			return;
		}
		if (bcast_for_us(c, m->payload)) {
			c->cnt[OC_bcast_delivered]++;
			c->io.deliver(c->io.ctx, m->payload, m->payload_len);
		} else {
			c->cnt[OC_bcast_not_for_us]++;
		}
		if (have_below(c, now)) {
			vn_fwd_rewrite(m->raw, &vn_mac_broadcast, &c->self);
			core_send(&c->io, m->raw, VN_DOWN_HLEN + m->payload_len);
			c->cnt[OC_bcast_relayed]++;
		}
		return;
	}
	if (vn_mac_is_multicast(&m->destination) || vn_mac_is_zero(&m->destination) ||
	    !vn_mac_eq(&m->to, &c->self)) {
		c->cnt[OC_drop_down_bad_dest]++;
		return;
	}
	via = route_via(c, &m->destination, now);
	if (via == NULL) {
		c->cnt[OC_drop_no_route]++;
		return;
	}
	if (vn_mac_eq(via, &m->from)) {
		c->cnt[OC_drop_loop]++; /* would bounce straight back */
		return;
	}
	if (obu_pkt_seen(c, OBU_PK_DOWN, m, OBU_DATA_DEDUP * obu_period_global(c), now)) {
		c->cnt[OC_drop_data_dup]++;
		return;
	}
	{
		struct vn_mac to = *via;

		vn_fwd_rewrite(m->raw, &to, &c->self);
	}
	core_send(&c->io, m->raw, VN_DOWN_HLEN + m->payload_len);
	c->cnt[OC_down_forwarded]++;
}
