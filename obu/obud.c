/* obud: the on-board unit daemon. The shell (shell/daemon.c) does all the
 * I/O; this file plugs the OBU core into it, and announces the tun
 * addresses to the chosen RSU (obu/obu_announce.h) by handing announce
 * packets to the core as if they had been read from tun0. */
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"
#include "obu_announce.h"
#include "obu_core.h"

struct obud {
	struct obu_core *core;
	struct obu_announce ann;
	struct vn_ip addrs[VN_MAX_ADDRS];
	size_t n_addrs;
	uint64_t announces_sent;
};

static void *create(const struct vn_config *cfg, const struct vn_mac *self,
		    const struct vn_core_io *io, vn_usec now)
{
	struct obud *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->core = obu_core_new(&cfg->obu, self, io, now);
	if (o->core == NULL) {
		free(o);
		return NULL;
	}
	obu_announce_init(&o->ann);
	return o;
}

static void destroy(void *core)
{
	struct obud *o = core;

	obu_core_free(o->core);
	free(o);
}

/* After every core event: the chosen RSU may have changed, or an announce
 * be due (obu_announce_send). */
static void announce(struct obud *o, vn_usec now)
{
	o->announces_sent += obu_announce_send(&o->ann, o->core, o->addrs, o->n_addrs, now);
}

static const char *check(const struct vn_config *cfg)
{
	return obu_params_check(&cfg->obu);
}

static int set_params(void *core, const struct vn_config *cfg, vn_usec now)
{
	return obu_core_set_params(((struct obud *)core)->core, &cfg->obu, now);
}

/* Every address is announced, whatever its prefix: the RSU learns /32 and
 * /128 host addresses. */
static int set_addresses(void *core, const struct vn_ip_prefix *a, size_t n)
{
	struct obud *o = core;

	if (obu_core_set_addresses(o->core, a, n) < 0 || n > VN_MAX_ADDRS)
		return -1;
	for (size_t i = 0; i < n; i++)
		o->addrs[i] = a[i].addr;
	o->n_addrs = n;
	/* new addresses: announce them at once, as for a new RSU */
	obu_announce_init(&o->ann);
	return 0;
}

static void on_frame(void *core, struct vn_pbuf *b, vn_usec now)
{
	struct obud *o = core;

	obu_core_on_frame(o->core, b, now);
	announce(o, now);
}

static void on_tx_failed(void *core, struct vn_pbuf *b, vn_usec now)
{
	obu_core_on_tx_failed(((struct obud *)core)->core, b, now);
}

static void on_tun(void *core, struct vn_pbuf *b, vn_usec now)
{
	obu_core_on_tun(((struct obud *)core)->core, b, now);
}

static void tick(void *core, vn_usec now)
{
	struct obud *o = core;

	obu_core_tick(o->core, now);
	announce(o, now);
}

static vn_usec next_timer(const void *core)
{
	const struct obud *o = core;
	vn_usec a = obu_announce_next(&o->ann), t = obu_core_next_timer(o->core);

	return a < t ? a : t;
}

static size_t describe(const void *core, vn_usec now, char *buf, size_t cap)
{
	return obu_core_describe(((const struct obud *)core)->core, now, buf, cap);
}

static void counters(const void *core, void (*fn)(void *ctx, const char *name, uint64_t value),
		     void *ctx)
{
	const struct obud *o = core;

	obu_core_counters(o->core, fn, ctx);
	fn(ctx, "announces_sent", o->announces_sent);
}

static size_t summary(const void *core, vn_usec now, char *buf, size_t cap)
{
	struct obu_route_info ri;
	char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN];

	(void)now;
	if (!obu_core_upstream(((const struct obud *)core)->core, &ri))
		return (size_t)snprintf(buf, cap, "upstream none");
	return (size_t)snprintf(buf, cap, "upstream %s rsu %s hops %u",
				vn_mac_format(&ri.next_hop, a), vn_mac_format(&ri.rsu, b), ri.hops);
}

struct row_walk {
	vn_row_fn fn;
	void *ctx;
};

static void nbr_row(void *ctx, const struct obu_nbr_info *n)
{
	const struct row_walk *w = ctx;
	struct vn_row r = {
		.kind = "nbr", .mac = n->mac, .rsu = n->rsu, .has_rsu = true,
		.hops = n->hops, .ratio = n->ratio, .has_ratio = true, .age_ms = n->heard_ms,
		.state = n->upstream ? (n->chosen_rsu ? "upstream" : "upstream-other-rsu")
				     : (n->below ? "below" : ""),
	};

	w->fn(w->ctx, &r);
}

static void neighbours(const void *core, vn_usec now, vn_row_fn fn, void *ctx)
{
	struct row_walk w = { fn, ctx };

	obu_core_neighbours(((const struct obud *)core)->core, now, nbr_row, &w);
}

static void down_row(void *ctx, const struct obu_down_info *d)
{
	const struct row_walk *w = ctx;
	struct vn_row r = { .kind = "obu", .mac = d->obu, .via = d->via, .has_via = true,
			    .age_ms = d->seen_ms, .state = "" };

	w->fn(w->ctx, &r);
}

/* The upstream is our default route; below us, a route per OBU. */
static void routes(const void *core, vn_usec now, vn_row_fn fn, void *ctx)
{
	const struct obu_core *c = ((const struct obud *)core)->core;
	struct row_walk w = { fn, ctx };
	struct obu_route_info ri;

	if (obu_core_upstream(c, &ri)) {
		struct vn_row r = { .kind = "default", .via = ri.next_hop, .has_via = true,
				    .rsu = ri.rsu, .has_rsu = true, .hops = ri.hops,
				    .age_ms = UINT64_MAX, .state = "" };

		fn(ctx, &r);
	}
	obu_core_downstream(c, now, down_row, &w);
}

static bool upstream(const void *core, struct vn_mac *rsu, struct vn_mac *via)
{
	struct obu_route_info ri;

	if (!obu_core_upstream(((const struct obud *)core)->core, &ri))
		return false;
	*rsu = ri.rsu;
	*via = ri.next_hop;
	return true;
}

static const struct vn_core_ops obu_ops = {
	.role = VN_ROLE_OBU,
	.create = create,
	.destroy = destroy,
	.check = check,
	.set_params = set_params,
	.set_addresses = set_addresses,
	.on_frame = on_frame,
	.on_tun = on_tun,
	.on_tx_failed = on_tx_failed,
	.tick = tick,
	.next_timer = next_timer,
	.describe = describe,
	.counters = counters,
	.summary = summary,
	.neighbours = neighbours,
	.routes = routes,
	.upstream = upstream,
};

int main(int argc, char *argv[])
{
	return vn_daemon_main(&obu_ops, argc, argv);
}
