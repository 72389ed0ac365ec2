/* rsud: the road-side unit daemon. The shell (shell/daemon.c) does all the
 * I/O; this file plugs the RSU core into it, and turns the core's export
 * events into host routes for the backbone (shell/hostroute.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include "daemon.h"
#include "hostroute.h"
#include "log.h"
#include "rsu_core.h"

struct rsud {
	struct rsu_core *core;
	struct vn_hostroute *hr; /* NULL: [backbone] routes = off */
	char tun[VN_IFNAME_MAX];
};

/* The core is deterministic given its seed (the simulator relies on it);
 * a real RSU wants its heartbeat jitter to differ from its neighbours'. */
static void params(const struct vn_config *cfg, struct rsu_params *p)
{
	*p = cfg->rsu;
	if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) != (ssize_t)sizeof(p->seed))
		p->seed = vn_now() ^ (uint64_t)getpid() << 32;
}

static void on_export(void *ctx, const struct vn_ip *ip, const struct vn_mac *obu,
		      enum rsu_export was, enum rsu_export now)
{
	struct rsud *r = ctx;
	char a[VN_IP_STRLEN], m[VN_MAC_STRLEN];

	if (was == RSU_EXPORT_NONE || now == RSU_EXPORT_NONE)
		vn_debug("backbone: %s %s (obu %s)", now == RSU_EXPORT_NONE ? "withdraw" : "export",
			 vn_ip_format(ip, a), vn_mac_format(obu, m));
	vn_hostroute_set(r->hr, ip, (int)was, (int)now);
}

/* Host routes on or off as cfg says; the core exports afresh from the
 * next tick into whatever the routes are now. */
static int backbone(struct rsud *r, const struct vn_config *cfg)
{
	struct vn_error e;

	if (r->hr != NULL && cfg->backbone.routes && vn_hostroute_same(r->hr, &cfg->backbone))
		return 0;
	vn_hostroute_close(r->hr); /* removes what it installed */
	r->hr = NULL;
	rsu_core_set_export(r->core, NULL, NULL);
	if (!cfg->backbone.routes)
		return 0;
	r->hr = vn_hostroute_open(&cfg->backbone, r->tun, &e);
	if (r->hr == NULL) {
		vn_err("backbone: %s", e.msg);
		return -1;
	}
	rsu_core_set_export(r->core, on_export, r);
	return 0;
}

static void destroy(void *core)
{
	struct rsud *r = core;

	vn_hostroute_close(r->hr);
	rsu_core_free(r->core);
	free(r);
}

static void *create(const struct vn_config *cfg, const struct vn_mac *self,
		    const struct vn_core_io *io, vn_usec now)
{
	struct rsud *r = calloc(1, sizeof(*r));
	struct rsu_params p;

	if (r == NULL)
		return NULL;
	snprintf(r->tun, sizeof(r->tun), "%s", cfg->tun_name);
	params(cfg, &p);
	r->core = rsu_core_new(&p, self, io, now);
	if (r->core == NULL || backbone(r, cfg) < 0) {
		destroy(r);
		return NULL;
	}
	return r;
}

static const char *check(const struct vn_config *cfg)
{
	return rsu_params_check(&cfg->rsu);
}

static int set_params(void *core, const struct vn_config *cfg, vn_usec now)
{
	struct rsud *r = core;
	struct rsu_params p;

	params(cfg, &p);
	if (rsu_core_set_params(r->core, &p, now) < 0)
		return -1;
	/* a backbone that cannot be opened is logged; the radio side goes on */
	(void)backbone(r, cfg);
	return 0;
}

static const struct rsu_core *core_of(const void *core)
{
	return ((const struct rsud *)core)->core;
}

static void on_frame(void *core, struct vn_pbuf *b, vn_usec now)
{
	rsu_core_on_frame(((struct rsud *)core)->core, b, now);
}

static void on_tx_failed(void *core, struct vn_pbuf *b, vn_usec now)
{
	rsu_core_on_tx_failed(((struct rsud *)core)->core, b, now);
}

static void on_tun(void *core, struct vn_pbuf *b, vn_usec now)
{
	rsu_core_on_tun(((struct rsud *)core)->core, b, now);
}

static void tick(void *core, vn_usec now)
{
	rsu_core_tick(((struct rsud *)core)->core, now);
}

static vn_usec next_timer(const void *core)
{
	return rsu_core_next_timer(core_of(core));
}

static size_t describe(const void *core, vn_usec now, char *buf, size_t cap)
{
	const struct rsud *r = core;
	size_t n = rsu_core_describe(r->core, now, buf, cap);

	if (r->hr == NULL)
		return n;
	return n + (size_t)snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0,
				    "backbone: %u host routes exported\n",
				    rsu_core_n_exported(r->core));
}

static void counters(const void *core, void (*fn)(void *ctx, const char *name, uint64_t value),
		     void *ctx)
{
	const struct rsud *r = core;

	rsu_core_counters(r->core, fn, ctx);
	vn_hostroute_counters(r->hr, fn, ctx);
}

static size_t summary(const void *core, vn_usec now, char *buf, size_t cap)
{
	uint32_t n = rsu_core_n_routes(core_of(core), now);

	return (size_t)snprintf(buf, cap, "%u route%s to OBUs", n, n == 1 ? "" : "s");
}

struct row_walk {
	vn_row_fn fn;
	void *ctx;
	bool neighbours; /* only the OBUs one hop away */
};

static void obu_row(void *ctx, const struct rsu_obu_info *o)
{
	const struct row_walk *w = ctx;
	struct vn_row r = { .kind = w->neighbours ? "nbr" : "obu", .mac = o->obu,
			    .via = o->next_hop, .has_via = !w->neighbours, .hops = o->hops,
			    .rtt_ms = o->rtt_ms, .has_rtt = true, .age_ms = o->seen_ms,
			    .state = "" };

	if (w->neighbours && o->hops != 1)
		return;
	w->fn(w->ctx, &r);
}

/* The RSU keeps no neighbour table of its own: its neighbours are the OBUs
 * whose route is one hop. */
static void neighbours(const void *core, vn_usec now, vn_row_fn fn, void *ctx)
{
	struct row_walk w = { fn, ctx, true };

	rsu_core_routes(core_of(core), now, obu_row, &w);
}

static void routes(const void *core, vn_usec now, vn_row_fn fn, void *ctx)
{
	struct row_walk w = { fn, ctx, false };

	rsu_core_routes(core_of(core), now, obu_row, &w);
}

static const struct vn_core_ops rsu_ops = {
	.role = VN_ROLE_RSU,
	.create = create,
	.destroy = destroy,
	.check = check,
	.set_params = set_params,
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
};

int main(int argc, char *argv[])
{
	return vn_daemon_main(&rsu_ops, argc, argv);
}
