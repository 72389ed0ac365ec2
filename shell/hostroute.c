/* Host routes into tun0 through rtnetlink (hostroute.h). */
#include "hostroute.h"

#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "daemon.h"
#include "netlink.h"

struct vn_hostroute {
	struct nl_sock *sk;
	struct vn_backbone cfg;
	int ifindex;
	uint64_t installs, removals, errors;
	struct vn_ratelimit rl;
};

static void report(struct vn_hostroute *h, const char *what, const struct vn_ip *ip, int rc)
{
	char a[VN_IP_STRLEN];
	uint64_t supp;

	h->errors++;
	if (!vn_ratelimit_ok(&h->rl, vn_now(), &supp))
		return;
	vn_warn("backbone: cannot %s route %s/%u: %s", what, vn_ip_format(ip, a),
		ip->family == 4 ? 32 : 128, nl_geterror(rc));
	if (supp > 0)
		vn_warn("(%llu similar messages suppressed)", (unsigned long long)supp);
}

/* The route for ip with the given metric; NULL if memory is short. */
static struct rtnl_route *route_new(const struct vn_hostroute *h, const struct vn_ip *ip,
				    uint32_t metric)
{
	int family = ip->family == 6 ? AF_INET6 : AF_INET;
	struct nl_addr *dst = nl_addr_build(family, ip->a, family == AF_INET6 ? 16 : 4);
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

	if (dst == NULL || r == NULL || nh == NULL) {
		nl_addr_put(dst);
		rtnl_route_put(r);
		if (nh != NULL)
			rtnl_route_nh_free(nh);
		return NULL;
	}
	nl_addr_set_prefixlen(dst, family == AF_INET6 ? 128 : 32);
	rtnl_route_set_family(r, (uint8_t)family);
	rtnl_route_set_dst(r, dst);
	nl_addr_put(dst); /* the route holds its own reference */
	rtnl_route_set_table(r, h->cfg.table);
	rtnl_route_set_protocol(r, (uint8_t)h->cfg.protocol);
	rtnl_route_set_priority(r, metric);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, h->ifindex);
	rtnl_route_add_nexthop(r, nh);
	return r;
}

static uint32_t metric_of(const struct vn_hostroute *h, int state)
{
	/* fresh, settled, stale: metric - 1, metric, metric + 1 */
	return h->cfg.metric + (uint32_t)state - 2;
}

static void add(struct vn_hostroute *h, const struct vn_ip *ip, int state)
{
	struct rtnl_route *r = route_new(h, ip, metric_of(h, state));
	/* replace: a route of ours left there (same key) is simply taken over */
	int rc = r != NULL ? rtnl_route_add(h->sk, r, NLM_F_CREATE | NLM_F_REPLACE) : -NLE_NOMEM;

	rtnl_route_put(r);
	if (rc < 0) {
		report(h, "add", ip, rc);
		return;
	}
	h->installs++;
}

static void del(struct vn_hostroute *h, const struct vn_ip *ip, int state)
{
	struct rtnl_route *r = route_new(h, ip, metric_of(h, state));
	int rc = r != NULL ? rtnl_route_delete(h->sk, r, 0) : -NLE_NOMEM;

	rtnl_route_put(r);
	/* gone already (the tun went down, an operator removed it): fine */
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND && rc != -NLE_NOADDR) {
		report(h, "remove", ip, rc);
		return;
	}
	h->removals++;
}

void vn_hostroute_set(struct vn_hostroute *h, const struct vn_ip *ip, int was, int now)
{
	if (h == NULL || was == now || (ip->family != 4 && ip->family != 6))
		return;
	if (now != 0)
		add(h, ip, now);
	if (was != 0 && (now == 0 || metric_of(h, was) != metric_of(h, now)))
		del(h, ip, was);
}

struct flush_walk {
	struct vn_hostroute *h;
	unsigned n;
};

static void flush_one(struct nl_object *obj, void *arg)
{
	struct flush_walk *w = arg;
	struct rtnl_route *r = (struct rtnl_route *)obj;
	int rc;

	if (rtnl_route_get_table(r) != w->h->cfg.table ||
	    rtnl_route_get_protocol(r) != w->h->cfg.protocol)
		return;
	rc = rtnl_route_delete(w->h->sk, r, 0);
	if (rc < 0 && rc != -NLE_OBJ_NOTFOUND) {
		w->h->errors++;
		return;
	}
	w->n++;
}

unsigned vn_hostroute_flush(struct vn_hostroute *h)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct flush_walk w = { h, 0 };

	for (size_t i = 0; i < 2; i++) {
		struct nl_cache *cache = NULL;
		int rc = rtnl_route_alloc_cache(h->sk, families[i], 0, &cache);

		if (rc < 0) {
			h->errors++;
			vn_warn("backbone: cannot list the routes: %s", nl_geterror(rc));
			continue;
		}
		nl_cache_foreach(cache, flush_one, &w);
		nl_cache_free(cache);
	}
	h->removals += w.n;
	return w.n;
}

struct vn_hostroute *vn_hostroute_open(const struct vn_backbone *cfg, const char *tun,
				       struct vn_error *e)
{
	struct vn_hostroute *h = calloc(1, sizeof(*h));
	struct vn_link_info li;
	unsigned n;

	if (h == NULL) {
		vn_error_set(e, "out of memory");
		return NULL;
	}
	h->cfg = *cfg;
	vn_ratelimit_init(&h->rl, 5000000, 5);
	h->sk = vn_nl_open(e);
	if (h->sk == NULL || vn_nl_link_get(h->sk, tun, &li, e) < 0) {
		vn_hostroute_close(h);
		return NULL;
	}
	h->ifindex = li.ifindex;
	n = vn_hostroute_flush(h);
	h->removals = 0; /* not ours: a previous run's */
	if (n > 0)
		vn_notice("backbone: removed %u route%s of protocol %u left in table %u", n,
			  n == 1 ? "" : "s", cfg->protocol, cfg->table);
	vn_info("backbone: host routes into %s, table %u, protocol %u, metric %u (fresh %u, stale %u)",
		tun, cfg->table, cfg->protocol, cfg->metric, cfg->metric - 1, cfg->metric + 1);
	return h;
}

void vn_hostroute_close(struct vn_hostroute *h)
{
	if (h == NULL)
		return;
	if (h->sk != NULL && h->ifindex != 0)
		vn_hostroute_flush(h);
	vn_nl_close(h->sk);
	free(h);
}

bool vn_hostroute_same(const struct vn_hostroute *h, const struct vn_backbone *cfg)
{
	return h->cfg.table == cfg->table && h->cfg.protocol == cfg->protocol &&
	       h->cfg.metric == cfg->metric;
}

void vn_hostroute_counters(const struct vn_hostroute *h,
			   void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	fn(ctx, "hostroute_installs", h != NULL ? h->installs : 0);
	fn(ctx, "hostroute_removals", h != NULL ? h->removals : 0);
	fn(ctx, "hostroute_errors", h != NULL ? h->errors : 0);
}
