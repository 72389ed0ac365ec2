/* Introspection of the RSU core for the control socket: the OBU routes as
 * records (rsu_core_describe gives the same as text). Changes nothing. */
#include "rsu_core_priv.h"

void rsu_core_routes(const struct rsu_core *c, vn_usec now,
		     void (*fn)(void *ctx, const struct rsu_obu_info *o), void *ctx)
{
	for (uint32_t s = core_tab_oldest(&c->obus); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->obus, s)) {
		const struct rsu_obu *o = obu_of(c, s);
		const struct rsu_nh *nh;
		struct rsu_obu_info i;

		/* The chosen next hop, as status shows it. */
		if (o->cur < 0)
			continue;
		nh = &o->nh[o->cur];
		i.obu = *rsu_obu_mac(c, s);
		i.next_hop = nh->mac;
		i.hops = nh->hops;
		i.rtt_ms = (uint32_t)((nh->rtt_us + 500) / VN_USEC_PER_MS);
		i.seen_ms = now >= o->last_alive ? (now - o->last_alive) / VN_USEC_PER_MS : 0;
		fn(ctx, &i);
	}
}

static void count_one(void *ctx, const struct rsu_obu_info *o)
{
	(void)o;
	(*(uint32_t *)ctx)++;
}

uint32_t rsu_core_n_routes(const struct rsu_core *c, vn_usec now)
{
	uint32_t n = 0;

	rsu_core_routes(c, now, count_one, &n);
	return n;
}
