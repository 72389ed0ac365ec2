/* rsud: the road-side unit daemon. The shell (shell/daemon.c) does all the
 * I/O; this file only plugs the RSU core into it. */
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include "daemon.h"
#include "rsu_core.h"

/* The core is deterministic given its seed (the simulator relies on it);
 * a real RSU wants its heartbeat jitter to differ from its neighbours'. */
static void params(const struct vn_config *cfg, struct rsu_params *p)
{
	*p = cfg->rsu;
	if (getrandom(&p->seed, sizeof(p->seed), GRND_NONBLOCK) != (ssize_t)sizeof(p->seed))
		p->seed = vn_now() ^ (uint64_t)getpid() << 32;
}

static void *create(const struct vn_config *cfg, const struct vn_mac *self,
		    const struct vn_core_io *io, vn_usec now)
{
	struct rsu_params p;

	params(cfg, &p);
	return rsu_core_new(&p, self, io, now);
}

static void destroy(void *core)
{
	rsu_core_free(core);
}

static const char *check(const struct vn_config *cfg)
{
	return rsu_params_check(&cfg->rsu);
}

static int set_params(void *core, const struct vn_config *cfg, vn_usec now)
{
	struct rsu_params p;

	params(cfg, &p);
	return rsu_core_set_params(core, &p, now);
}

static void on_frame(void *core, struct vn_pbuf *b, vn_usec now)
{
	rsu_core_on_frame(core, b, now);
}

static void on_tun(void *core, struct vn_pbuf *b, vn_usec now)
{
	rsu_core_on_tun(core, b, now);
}

static void tick(void *core, vn_usec now)
{
	rsu_core_tick(core, now);
}

static vn_usec next_timer(const void *core)
{
	return rsu_core_next_timer(core);
}

static size_t describe(const void *core, vn_usec now, char *buf, size_t cap)
{
	return rsu_core_describe(core, now, buf, cap);
}

static void counters(const void *core, void (*fn)(void *ctx, const char *name, uint64_t value),
		     void *ctx)
{
	rsu_core_counters(core, fn, ctx);
}

static size_t summary(const void *core, vn_usec now, char *buf, size_t cap)
{
	uint32_t n = rsu_core_n_routes(core, now);

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

	rsu_core_routes(core, now, obu_row, &w);
}

static void routes(const void *core, vn_usec now, vn_row_fn fn, void *ctx)
{
	struct row_walk w = { fn, ctx, false };

	rsu_core_routes(core, now, obu_row, &w);
}

static const struct vn_core_ops rsu_ops = {
	.role = VN_ROLE_RSU,
	.create = create,
	.destroy = destroy,
	.check = check,
	.set_params = set_params,
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
	return vn_daemon_main(&rsu_ops, argc, argv);
}
