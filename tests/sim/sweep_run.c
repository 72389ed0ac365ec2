/* Running one sweep scenario and formatting its line. */
#include "sweep_run.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mobility.h"

#define MAX_GRID_RSUS 256

static double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* RSUs at the centres of a grid of cells about `spacing` wide over the
 * trace's box (one row along a highway, a few cells over a city). */
static size_t rsu_grid(const struct mobility_trace_info *t, double spacing, struct world_xy *out)
{
	double w = t->xmax - t->xmin, h = t->ymax - t->ymin;
	size_t nx = (size_t)fmax(1, round(w / spacing)), ny = (size_t)fmax(1, round(h / spacing));
	size_t n = 0;

	for (size_t j = 0; j < ny; j++)
		for (size_t i = 0; i < nx && n < MAX_GRID_RSUS; i++)
			out[n++] = (struct world_xy){ t->xmin + w * ((double)i + 0.5) / (double)nx,
						      t->ymin + h * ((double)j + 0.5) / (double)ny };
	return n;
}

static int trace_source(const struct sweep_scenario *sc, struct world_mobility *m,
			struct world_xy *rsus, size_t *nrsus, double *seconds, char *err,
			size_t errlen)
{
	struct mobility_trace_info info;

	if (mobility_trace(m, sc->trace, &info, err, errlen) < 0)
		return -1;
	if (sc->rsu_at) {
		*nrsus = sc->nrsu_at < MAX_GRID_RSUS ? sc->nrsu_at : MAX_GRID_RSUS;
		memcpy(rsus, sc->rsu_at, *nrsus * sizeof(*rsus));
	} else {
		*nrsus = rsu_grid(&info, sc->rsu_spacing, rsus);
	}
	*seconds = fmin(*seconds, (double)info.duration / 1e6);
	return 0;
}

/* The mobility source and RSU positions of a scenario. */
static int make_source(const struct sweep_scenario *sc, const struct sweep_opts *o,
		       struct world_mobility *m, struct world_xy *rsus, size_t *nrsus,
		       double *seconds, char *err, size_t errlen)
{
	*seconds = sc->seconds;
	switch (sc->kind) {
	case SWEEP_JAM:
		*nrsus = 1;
		return mobility_jam(m, sc->vehicles, o->range, o->seed, rsus);
	case SWEEP_RING:
		*nrsus = sc->rsus < MAX_GRID_RSUS ? sc->rsus : MAX_GRID_RSUS;
		return mobility_ring(m, sc->vehicles, sc->road, *nrsus, o->seed, rsus);
	case SWEEP_TRACE:
		return trace_source(sc, m, rsus, nrsus, seconds, err, errlen);
	}
	return -1;
}

static struct sim *make_sim(const struct sweep_opts *o)
{
	struct sim_opts so = { 0 };

	so.seed = o->seed;
	so.unicast_filter = true; /* a NIC's filter: saves most of the work */
	/* The ideal channel has no MAC: 4 link-layer retries stand in for
	 * 802.11's ACK/retransmit; the 802.11p channel does its own. */
	so.unicast_retries = o->channel == SIM_CHAN_IDEAL ? 4 : 0;
	so.channel = o->channel;
	so.rate_kbps = o->rate_kbps;
	so.no_tx_status = o->no_tx_status;
	return sim_new(&so);
}

static void run_seconds(struct sim *s, const char *name, double seconds)
{
	double t0 = now_wall();
	vn_usec end = (vn_usec)(seconds * 1e6);

	for (vn_usec t = SEC(1); t < end + SEC(1); t += SEC(1)) {
		sim_run_until(s, t < end ? t : end);
		if (isatty(2))
			fprintf(stderr, "\r%s: %.0f/%.0f s virtual, %.1f s wall ", name,
				(double)sim_now(s) / 1e6, seconds, now_wall() - t0);
	}
	if (isatty(2))
		fprintf(stderr, "\r\033[K");
}

/* SWEEP_COUNTERS=1: every core counter summed over the live OBUs, on
 * stderr (what the former scale_run printed with SCALE_COUNTERS); =2:
 * also each OBU's relaying counters. */
struct counter_sum {
	char name[48];
	uint64_t v;
};
struct counter_sums {
	struct counter_sum c[128];
	size_t n;
};

static void counter_add(void *ctx, const char *name, uint64_t v)
{
	struct counter_sums *s = ctx;
	size_t i = 0;

	while (i < s->n && strcmp(s->c[i].name, name) != 0)
		i++;
	if (i == s->n) {
		if (s->n == sizeof(s->c) / sizeof(s->c[0]))
			return;
		snprintf(s->c[i].name, sizeof(s->c[i].name), "%s", name);
		s->c[s->n++].v = 0;
	}
	s->c[i].v += v;
}

static void print_obu_counters(struct sim *s, const char *name)
{
	struct counter_sums sum = { .n = 0 };

	for (size_t i = 0; i < sim_node_count(s); i++)
		if (sim_obu(s, (int)i))
			obu_core_counters(sim_obu(s, (int)i), counter_add, &sum);
	if (getenv("SWEEP_COUNTERS")[0] == '2')
		for (size_t i = 0; i < sim_node_count(s); i++)
			if (sim_obu(s, (int)i))
				fprintf(stderr, "%s: node %zu hb_relayed=%llu sparse=%llu upstream_changes=%llu "
					"replies_forwarded=%llu up_forwarded=%llu\n", name, i,
					(unsigned long long)sim_counter(s, (int)i, "hb_relayed"),
					(unsigned long long)sim_counter(s, (int)i, "hb_relayed_sparse"),
					(unsigned long long)sim_counter(s, (int)i, "upstream_changes"),
					(unsigned long long)sim_counter(s, (int)i, "replies_forwarded"),
					(unsigned long long)sim_counter(s, (int)i, "up_forwarded"));
	fprintf(stderr, "%s: counters summed over the live OBUs:", name);
	for (size_t i = 0; i < sum.n; i++)
		if (sum.c[i].v)
			fprintf(stderr, " %s=%llu", sum.c[i].name, (unsigned long long)sum.c[i].v);
	fprintf(stderr, "\n");
}

int sweep_run(const struct sweep_scenario *sc, const struct sweep_opts *o, struct sweep_out *out,
	      char *err, size_t errlen)
{
	struct world_xy rsus[MAX_GRID_RSUS];
	struct world_mobility mob;
	struct obu_params op;
	struct world_cfg wc;
	struct meas_cfg mc;
	struct sim *s;
	struct world *w;
	struct meas *m;
	double seconds, t0 = now_wall();

	memset(out, 0, sizeof(*out));
	if (make_source(sc, o, &mob, rsus, &out->rsus, &seconds, err, errlen) < 0)
		return -1;
	obu_params_default(&op);
	if (sc->max_rsus)
		op.max_rsus = sc->max_rsus;
	wc = (struct world_cfg){ .range = o->range, .obu = &op, .rsus = rsus, .nrsus = out->rsus };
	s = make_sim(o);
	w = world_new(s, &wc, &mob);
	world_start(w);
	mc = (struct meas_cfg){ .senders = sc->senders, .traffic_start = SWEEP_TRAFFIC_START,
				.end = (vn_usec)(seconds * 1e6), .in_flight = SWEEP_IN_FLIGHT };
	m = meas_new(w, &mc);
	run_seconds(s, sc->name, seconds);
	meas_result(m, &out->m);
	if (getenv("SWEEP_DUPS") && out->m.loops)
		sim_dup_report(s, 20);
	if (getenv("SWEEP_COUNTERS"))
		print_obu_counters(s, sc->name);
	out->sim_s = (double)sim_now(s) / 1e6;
	out->events = sim_events(s);
	meas_free(m);
	world_free(w);
	sim_free(s);
	out->wall_s = now_wall() - t0;
	return 0;
}

/* Appends to buf, keeping track of the length needed. */
struct line {
	char *buf;
	size_t cap, len;
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->len < l->cap ? l->buf + l->len : NULL, l->len < l->cap ? l->cap - l->len : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
}

/* A figure that may be undefined (negative): "na". */
static void put_opt(struct line *l, const char *key, const char *fmt, double v)
{
	if (v < 0) {
		put(l, " %s=na", key);
		return;
	}
	put(l, " %s=", key);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	put(l, fmt, v);
#pragma GCC diagnostic pop
}

size_t sweep_format(const char *name, const struct sweep_out *o, size_t core_bytes, char *buf,
		    size_t cap)
{
	const struct meas_result *m = &o->m;
	struct line l = { buf, cap, 0 };

	if (cap)
		buf[0] = '\0';
	put(&l, "scenario=%s vehicles=%zu rsus=%zu sim_s=%.1f", name, m->vehicles, o->rsus,
	    o->sim_s);
	put(&l, " cbr_mean=%.4f cbr_p95=%.4f", m->cbr_mean, m->cbr_p95);
	put(&l, " ctrl_fps_per_vehicle=%.2f ctrl_bytes_per_vehicle_s=%.0f", m->ctrl_fps_per_vehicle,
	    m->ctrl_bytes_per_vehicle_s);
	put(&l, " collisions_per_s=%.1f", m->collisions_per_s);
	put_opt(&l, "up_delivery", "%.4f", m->up_delivery);
	put_opt(&l, "down_delivery", "%.4f", m->down_delivery);
	put_opt(&l, "failover_p50_ms", "%.0f", m->failover_p50_ms);
	put_opt(&l, "failover_p95_ms", "%.0f", m->failover_p95_ms);
	put(&l, " loops=%llu wall_s=%.2f wall_per_sim_s=%.3f core_bytes_per_obu=%zu",
	    (unsigned long long)m->loops, o->wall_s, o->sim_s > 0 ? o->wall_s / o->sim_s : 0,
	    core_bytes);
	put_opt(&l, "attach_s", "%.1f", m->attach_s);
	put(&l, " hb_fps_per_vehicle=%.2f reply_fps_per_vehicle=%.2f", m->hb_fps_per_vehicle,
	    m->reply_fps_per_vehicle);
	put(&l, " attached_share=%.4f reach_share=%.4f", m->attached_share, m->reach_share);
	put(&l, " dup_delivered=%llu", (unsigned long long)m->dup_delivered);
	put(&l, " failovers=%zu failover_unrecovered=%zu", m->failovers, m->failover_unrecovered);
	put_opt(&l, "failover_max_ms", "%.0f", m->failover_max_ms);
	put(&l, " up_sent=%zu up_got=%zu down_sent=%zu down_got=%zu", m->up_sent, m->up_got,
	    m->down_sent, m->down_got);
	put(&l, " mac_drops_per_s=%.1f queue_drops_per_s=%.1f cbr_samples=%zu vehicle_s=%.0f",
	    m->mac_drops_per_s, m->queue_drops_per_s, m->cbr_samples, m->vehicle_s);
	put(&l, " events=%llu", (unsigned long long)o->events);
	return l.len;
}
