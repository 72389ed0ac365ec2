/* obud: the on-board unit daemon. The shell (shell/daemon.c) does all the
 * I/O; this file only plugs the OBU core into it. */
#include <stdio.h>

#include "daemon.h"
#include "obu_core.h"

static void *create(const struct vn_config *cfg, const struct vn_mac *self,
		    const struct vn_core_io *io, vn_usec now)
{
	return obu_core_new(&cfg->obu, self, io, now);
}

static void destroy(void *core)
{
	obu_core_free(core);
}

static const char *check(const struct vn_config *cfg)
{
	return obu_params_check(&cfg->obu);
}

static int set_params(void *core, const struct vn_config *cfg, vn_usec now)
{
	return obu_core_set_params(core, &cfg->obu, now);
}

static int set_addresses(void *core, const struct vn_ip_prefix *a, size_t n)
{
	return obu_core_set_addresses(core, a, n);
}

static void on_frame(void *core, struct vn_pbuf *b, vn_usec now)
{
	obu_core_on_frame(core, b, now);
}

static void on_tun(void *core, struct vn_pbuf *b, vn_usec now)
{
	obu_core_on_tun(core, b, now);
}

static void tick(void *core, vn_usec now)
{
	obu_core_tick(core, now);
}

static vn_usec next_timer(const void *core)
{
	return obu_core_next_timer(core);
}

static size_t describe(const void *core, vn_usec now, char *buf, size_t cap)
{
	return obu_core_describe(core, now, buf, cap);
}

static void counters(const void *core, void (*fn)(void *ctx, const char *name, uint64_t value),
		     void *ctx)
{
	obu_core_counters(core, fn, ctx);
}

static size_t summary(const void *core, vn_usec now, char *buf, size_t cap)
{
	struct obu_route_info ri;
	char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN];

	(void)now;
	if (!obu_core_upstream(core, &ri))
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

	obu_core_neighbours(core, now, nbr_row, &w);
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
	struct row_walk w = { fn, ctx };
	struct obu_route_info ri;

	if (obu_core_upstream(core, &ri)) {
		struct vn_row r = { .kind = "default", .via = ri.next_hop, .has_via = true,
				    .rsu = ri.rsu, .has_rsu = true, .hops = ri.hops,
				    .age_ms = UINT64_MAX, .state = "" };

		fn(ctx, &r);
	}
	obu_core_downstream(core, now, down_row, &w);
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
	.tick = tick,
	.next_timer = next_timer,
	.describe = describe,
	.counters = counters,
	.summary = summary,
	.neighbours = neighbours,
	.routes = routes,
};

int main(int argc, char *argv[])
{
	return vn_daemon_main(&obu_ops, argc, argv);
}
