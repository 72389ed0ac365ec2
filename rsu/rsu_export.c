/* Which IP addresses this RSU serves, for host routes on the backbone
 * (rsu_core_set_export; docs/routing.md, "Backbone routes"). Pure: the core
 * only says what each address's route should be, the shell (rsud,
 * shell/hostroute.c) turns that into netlink calls. */
#include "rsu_core_priv.h"

/* Long enough that the route a vehicle left behind at its old RSU is gone
 * (that RSU drops the OBU after obu_timeout) before the route at the new
 * RSU stops being fresh: a move must never end in a tie. */
static vn_usec fresh_span(const struct rsu_core *c)
{
	return 2 * obu_timeout(c);
}

static const struct vn_ip *ip_key(const struct rsu_core *c, uint32_t slot)
{
	return (const struct vn_ip *)(const void *)core_tab_key(&c->ips, slot);
}

static enum rsu_export wanted(const struct rsu_core *c, const struct rsu_ip *ip, vn_usec now)
{
	/* served: the address is current and its OBU has a usable route here */
	if (now - ip->last_seen > (vn_usec)c->p.ip_expiry_ms * VN_USEC_PER_MS ||
	    rsu_obu_route(c, &ip->obu_mac, now) == NULL)
		return RSU_EXPORT_NONE;
	if (ip->exported != RSU_EXPORT_NONE && now - ip->attached >= fresh_span(c))
		return RSU_EXPORT_SETTLED;
	return RSU_EXPORT_FRESH;
}

static void tell(struct rsu_core *c, uint32_t slot, struct rsu_ip *ip, enum rsu_export to)
{
	enum rsu_export was = (enum rsu_export)ip->exported;

	if (to == was)
		return;
	ip->exported = (uint8_t)to;
	c->cnt[to == RSU_EXPORT_NONE ? RC_ip_withdraws : RC_ip_exports]++;
	c->export_fn(c->export_ctx, ip_key(c, slot), &ip->obu_mac, was, to);
}

void rsu_export_eval(struct rsu_core *c, uint32_t slot, vn_usec now)
{
	struct rsu_ip *ip = ip_of(c, slot);
	enum rsu_export to;

	if (c->export_fn == NULL)
		return;
	to = wanted(c, ip, now);
	if (ip->exported == RSU_EXPORT_NONE && to != RSU_EXPORT_NONE)
		ip->attached = now; /* newly served here: a new attachment */
	tell(c, slot, ip, to);
}

void rsu_export_drop(struct rsu_core *c, uint32_t slot)
{
	if (c->export_fn != NULL)
		tell(c, slot, ip_of(c, slot), RSU_EXPORT_NONE);
}

void rsu_export_attach(struct rsu_core *c, uint32_t slot, vn_usec now)
{
	ip_of(c, slot)->attached = now;
	rsu_export_eval(c, slot, now);
}

void rsu_export_scan(struct rsu_core *c, vn_usec now)
{
	if (c->export_fn == NULL)
		return;
	for (uint32_t s = core_tab_oldest(&c->ips); s != CORE_TAB_NONE; s = core_tab_newer(&c->ips, s))
		rsu_export_eval(c, s, now);
}

void rsu_export_drop_all(struct rsu_core *c)
{
	if (c->export_fn == NULL)
		return;
	for (uint32_t s = core_tab_oldest(&c->ips); s != CORE_TAB_NONE; s = core_tab_newer(&c->ips, s))
		rsu_export_drop(c, s);
}

void rsu_core_set_export(struct rsu_core *c, rsu_export_fn fn, void *ctx)
{
	c->export_fn = fn;
	c->export_ctx = ctx;
	for (uint32_t s = core_tab_oldest(&c->ips); s != CORE_TAB_NONE; s = core_tab_newer(&c->ips, s))
		ip_of(c, s)->exported = RSU_EXPORT_NONE;
}

uint32_t rsu_core_n_exported(const struct rsu_core *c)
{
	uint32_t n = 0;

	for (uint32_t s = core_tab_oldest(&c->ips); s != CORE_TAB_NONE; s = core_tab_newer(&c->ips, s))
		n += ip_of(c, s)->exported != RSU_EXPORT_NONE;
	return n;
}
