/* shell/hostroute.c for real: in a network namespace of its own (skipped,
 * exit 77, where one cannot be had: not root), against a real tun and the
 * kernel's routing tables. Leftovers of our protocol removed at start,
 * others kept; fresh / settled / stale metrics, make before break; IPv4
 * and IPv6; another table; errors counted, never fatal; flush at close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include "hostroute.h"
#include "netlink.h"
#include "tun.h"

#define TUN "vnhr0"

static struct nl_sock *sk;
static int tun_fd = -1, tun_ifindex;

static struct vn_ip ip(const char *s)
{
	struct vn_ip a;

	assert_int_equal(vn_ip_parse(s, &a), 0);
	return a;
}

struct find {
	struct vn_ip dst;
	uint32_t table, protocol;
	int n;		 /* routes to dst of that protocol in that table */
	uint32_t metric; /* the last one's */
};

static void find_one(struct nl_object *obj, void *arg)
{
	struct find *q = arg;
	struct rtnl_route *r = (struct rtnl_route *)obj;
	struct nl_addr *d = rtnl_route_get_dst(r);
	size_t len = q->dst.family == 6 ? 16 : 4;

	if (rtnl_route_get_table(r) != q->table || rtnl_route_get_protocol(r) != q->protocol ||
	    d == NULL || nl_addr_get_prefixlen(d) != len * 8 || nl_addr_get_len(d) != len ||
	    memcmp(nl_addr_get_binary_addr(d), q->dst.a, len) != 0)
		return;
	q->n++;
	q->metric = rtnl_route_get_priority(r);
}

/* How many routes to addr (host route) of protocol in table; *metric gets
 * the last one's metric. */
static int routes(const char *addr, uint32_t table, uint32_t protocol, uint32_t *metric)
{
	struct find q = { ip(addr), table, protocol, 0, 0 };
	struct nl_cache *cache = NULL;

	assert_int_equal(rtnl_route_alloc_cache(sk, q.dst.family == 6 ? AF_INET6 : AF_INET, 0,
						&cache), 0);
	nl_cache_foreach(cache, find_one, &q);
	nl_cache_free(cache);
	if (metric != NULL)
		*metric = q.metric;
	return q.n;
}

/* A route the way another program (or a crashed rsud) would leave it. */
static void add_foreign(const char *addr, uint32_t protocol)
{
	struct vn_ip a = ip(addr);
	struct nl_addr *dst = nl_addr_build(AF_INET, a.a, 4);
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

	nl_addr_set_prefixlen(dst, 32);
	rtnl_route_set_family(r, AF_INET);
	rtnl_route_set_dst(r, dst);
	rtnl_route_set_table(r, 254);
	rtnl_route_set_protocol(r, (uint8_t)protocol);
	rtnl_route_set_scope(r, RT_SCOPE_LINK);
	rtnl_route_nh_set_ifindex(nh, tun_ifindex);
	rtnl_route_add_nexthop(r, nh);
	assert_int_equal(rtnl_route_add(sk, r, NLM_F_CREATE), 0);
	rtnl_route_put(r);
	nl_addr_put(dst);
}

struct counter_q {
	const char *name;
	uint64_t v;
	bool found;
};

static void counter_cb(void *ctx, const char *name, uint64_t v)
{
	struct counter_q *q = ctx;

	if (strcmp(q->name, name) == 0) {
		q->v = v;
		q->found = true;
	}
}

static uint64_t counter(const struct vn_hostroute *h, const char *name)
{
	struct counter_q q = { name, 0, false };

	vn_hostroute_counters(h, counter_cb, &q);
	assert_true(q.found);
	return q.v;
}

static int setup(void **state)
{
	struct vn_error e;
	struct vn_link_info li;

	(void)state;
	sk = vn_nl_open(&e);
	assert_non_null(sk);
	tun_fd = vn_tun_open(TUN, &e);
	assert_true(tun_fd >= 0);
	assert_int_equal(vn_nl_link_get(sk, TUN, &li, &e), 0);
	tun_ifindex = li.ifindex;
	assert_int_equal(vn_nl_link_set(sk, tun_ifindex, 1400, &e), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (tun_fd >= 0)
		close(tun_fd);
	tun_fd = -1;
	vn_nl_close(sk);
	return 0;
}

static const struct vn_backbone bb_main = { true, 254, 150, 100 };

static void test_leftovers(void **state)
{
	struct vn_error e;
	struct vn_hostroute *h;

	(void)state;
	add_foreign("10.9.0.1", 150); /* a crashed rsud's */
	add_foreign("10.9.0.2", 151); /* somebody else's */
	h = vn_hostroute_open(&bb_main, TUN, &e);
	assert_non_null(h);
	assert_int_equal(routes("10.9.0.1", 254, 150, NULL), 0);
	assert_int_equal(routes("10.9.0.2", 254, 151, NULL), 1);
	assert_int_equal(counter(h, "hostroute_removals"), 0);
	vn_hostroute_close(h);
	assert_int_equal(routes("10.9.0.2", 254, 151, NULL), 1);
}

static void test_metrics(void **state)
{
	struct vn_error e;
	struct vn_hostroute *h = vn_hostroute_open(&bb_main, TUN, &e);
	struct vn_ip a = ip("10.77.0.11"), a6 = ip("fd77::11");
	uint32_t m;

	(void)state;
	assert_non_null(h);
	vn_hostroute_set(h, &a, 0, 1);
	assert_int_equal(routes("10.77.0.11", 254, 150, &m), 1);
	assert_int_equal(m, 99);
	vn_hostroute_set(h, &a, 1, 2);
	assert_int_equal(routes("10.77.0.11", 254, 150, &m), 1);
	assert_int_equal(m, 100);
	vn_hostroute_set(h, &a, 2, 3);
	assert_int_equal(routes("10.77.0.11", 254, 150, &m), 1);
	assert_int_equal(m, 101);
	vn_hostroute_set(h, &a6, 0, 1);
	assert_int_equal(routes("fd77::11", 254, 150, &m), 1);
	assert_int_equal(m, 99);
	vn_hostroute_set(h, &a, 3, 0);
	assert_int_equal(routes("10.77.0.11", 254, 150, NULL), 0);
	assert_int_equal(counter(h, "hostroute_installs"), 4);
	assert_int_equal(counter(h, "hostroute_removals"), 3);
	assert_int_equal(counter(h, "hostroute_errors"), 0);
	/* a route removed behind our back is no error */
	vn_hostroute_set(h, &a, 0, 2);
	assert_int_equal(vn_hostroute_flush(h), 2);
	vn_hostroute_set(h, &a, 2, 0);
	assert_int_equal(counter(h, "hostroute_errors"), 0);
	vn_hostroute_set(h, &a6, 0, 1);
	vn_hostroute_close(h); /* removes what is left */
	assert_int_equal(routes("fd77::11", 254, 150, NULL), 0);
}

static void test_other_table(void **state)
{
	static const struct vn_backbone bb = { true, 1000, 160, 20 };
	struct vn_error e;
	struct vn_hostroute *h = vn_hostroute_open(&bb, TUN, &e);
	struct vn_ip a = ip("10.77.0.12");
	uint32_t m;

	(void)state;
	assert_non_null(h);
	vn_hostroute_set(h, &a, 0, 2);
	assert_int_equal(routes("10.77.0.12", 1000, 160, &m), 1);
	assert_int_equal(m, 20);
	assert_int_equal(routes("10.77.0.12", 254, 160, NULL), 0);
	vn_hostroute_close(h);
	assert_int_equal(routes("10.77.0.12", 1000, 160, NULL), 0);
}

/* The tun gone: every add fails, is counted, and nothing else happens. */
static void test_errors(void **state)
{
	struct vn_error e;
	struct vn_hostroute *h = vn_hostroute_open(&bb_main, TUN, &e);
	struct vn_ip a = ip("10.77.0.13");

	(void)state;
	assert_non_null(h);
	assert_null(vn_hostroute_open(&bb_main, "vnnone0", &e));
	close(tun_fd);
	tun_fd = -1;
	for (int i = 0; i < 20; i++)
		vn_hostroute_set(h, &a, 0, 1);
	assert_int_equal(counter(h, "hostroute_errors"), 20);
	assert_int_equal(counter(h, "hostroute_installs"), 0);
	vn_hostroute_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leftovers),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_other_table),
		cmocka_unit_test(test_errors),
	};

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
		printf("SKIP: needs root and network namespaces\n");
		return 77;
	}
	vn_log_init("test_hostroute", VN_LOG_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
