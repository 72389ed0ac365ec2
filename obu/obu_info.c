/* Introspection of the OBU core for the control socket: its neighbour and
 * downstream tables as records (obu_core.c's describe gives the same as
 * text). Reads the private tables, changes nothing. */
#include <string.h>

#include "obu_core_priv.h"

static void nbr_info(const struct obu_core *c, uint32_t s, vn_usec now, struct obu_nbr_info *i)
{
	const struct nbr_key *k = nbr_key(c, s);
	const struct obu_nbr *n = nbr_of(c, s);
	const struct obu_rsu *r = &c->rsu[k->rsu];

	memset(i, 0, sizeof(*i));
	i->mac = k->mac;
	i->rsu = r->mac;
	i->hops = n->hops;
	i->ratio = obu_nbr_ratio(c, r, (int32_t)s);
	i->heard_ms = n->last_heard == 0 ? UINT64_MAX : age(now, n->last_heard) / VN_USEC_PER_MS;
	i->upstream = r->up == (int32_t)s;
	i->chosen_rsu = c->chosen == (int32_t)k->rsu;
	i->below = n->below_until > now;
}

void obu_core_neighbours(const struct obu_core *c, vn_usec now,
			 void (*fn)(void *ctx, const struct obu_nbr_info *n), void *ctx)
{
	for (uint32_t s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->nbrs, s)) {
		struct obu_nbr_info i;

		nbr_info(c, s, now, &i);
		fn(ctx, &i);
	}
}

void obu_core_downstream(const struct obu_core *c, vn_usec now,
			 void (*fn)(void *ctx, const struct obu_down_info *d), void *ctx)
{
	for (uint32_t s = core_tab_oldest(&c->downs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->downs, s)) {
		struct obu_down_info i = {
			.obu = *down_mac(c, s),
			.via = down_of(c, s)->via,
			.seen_ms = age(now, down_of(c, s)->last_seen) / VN_USEC_PER_MS,
		};

		fn(ctx, &i);
	}
}

uint32_t obu_core_n_downstream(const struct obu_core *c)
{
	return c->downs.count;
}
