/* Which IP addresses this RSU serves, for host routes on the backbone
 * (rsu_core_set_export; docs/routing.md, "Backbone routes"). Pure: the core
 * only says what each address's route should be, the shell (rsud,
 * shell/hostroute.c) turns that into netlink calls. */
#include "rsu_core_priv.h"

#include <string.h>

/* An OBU silent this long (no reply, no data through its next hop) has
 * probably left: OBUs reply at least every keep-alive interval, and
 * obu_timeout spans three of them. Its route is demoted (STALE), not
 * removed: if it is only a lost keep-alive, the vehicle stays reachable. */
static vn_usec stale_span(const struct rsu_core *c)
{
	return obu_timeout(c) / 2;
}

/* Fresh a little longer than an old RSU takes to demote a vehicle that
 * left it: after a move the new route is fresh while the old one is still
 * settled or fresh, and settles only once the old one is stale. */
static vn_usec fresh_span(const struct rsu_core *c)
{
	return stale_span(c) + 2 * period_us(c);
}

static const struct vn_ip *ip_key(const struct rsu_core *c, uint32_t slot)
{
	return (const struct vn_ip *)(const void *)core_tab_key(&c->ips, slot);
}

/* Only addresses the backbone can route: never link-local ones (the
 * kernel's own IPv6 traffic from an OBU's tun comes from fe80::/10), nor
 * loopback. */
static bool exportable(const struct vn_ip *a)
{
	static const uint8_t zero[15];

	if (a->family == 4)
		return a->a[0] != 127 && !(a->a[0] == 169 && a->a[1] == 254);
	if (a->family != 6 || (a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80))
		return false;
	return memcmp(a->a, zero, sizeof(zero)) != 0 || a->a[15] > 1; /* not ::1 */
}

static enum rsu_export wanted(const struct rsu_core *c, uint32_t slot, vn_usec now)
{
	const struct rsu_ip *ip = ip_of(c, slot);
	const struct rsu_obu *o;

	/* served: the address is current and its OBU has a usable route here */
	if (!exportable(ip_key(c, slot)) || now - ip->last_seen > (vn_usec)c->p.ip_expiry_ms * VN_USEC_PER_MS ||
	    rsu_obu_route(c, &ip->obu_mac, now) == NULL)
		return RSU_EXPORT_NONE;
	o = rsu_obu_find(c, &ip->obu_mac, NULL);
	if (now - o->last_alive > stale_span(c))
		return RSU_EXPORT_STALE;
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

/* Remembers an address whose OBU has no route yet. A ring: a flood only
 * pushes out older ones, which the next tick's scan serves anyway. */
static void pend(struct rsu_core *c, uint32_t slot)
{
	/* an attach announce is evaluated twice in a row (learned, attached) */
	if (c->npend > 0 && c->pend[(c->npend - 1) % RSU_PEND_MAX] == slot)
		return;
	c->pend[c->npend++ % RSU_PEND_MAX] = slot;
}

void rsu_export_route_up(struct rsu_core *c, uint32_t obu_slot, vn_usec now)
{
	const struct vn_mac *obu = rsu_obu_mac(c, obu_slot);
	uint32_t n = c->npend < RSU_PEND_MAX ? c->npend : RSU_PEND_MAX;

	if (c->export_fn == NULL)
		return;
	/* only these few, never the whole table: a forged reply for a new MAC
	 * must not cost a walk of max_ips entries */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = c->pend[i];

		if (core_tab_used(&c->ips, s) && vn_mac_eq(&ip_of(c, s)->obu_mac, obu))
			rsu_export_eval(c, s, now);
	}
}

void rsu_export_eval(struct rsu_core *c, uint32_t slot, vn_usec now)
{
	struct rsu_ip *ip = ip_of(c, slot);
	enum rsu_export to;

	if (c->export_fn == NULL)
		return;
	to = wanted(c, slot, now);
	if (to == RSU_EXPORT_NONE && ip->exported == RSU_EXPORT_NONE &&
	    exportable(ip_key(c, slot)) && rsu_obu_route(c, &ip->obu_mac, now) == NULL)
		pend(c, slot);
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
