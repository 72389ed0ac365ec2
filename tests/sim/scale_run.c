/* The scale run: many OBUs and RSUs on a ring road, links recomputed from
 * positions every 100 ms as the vehicles move, traffic from a sample of
 * OBUs. Prints how long attachment takes, the share of packets delivered,
 * failover times, memory per core and the simulator's speed.
 *
 *   scale_run [-n OBUS] [-r RSUS] [-s SECONDS] [-L ROAD_M] [-R RANGE_M]
 *             [-k SENDERS] [-S SEED] [-t UNICAST_RETRIES] [-m MAX_NEIGHBOURS]
 *
 * The OBUs run with max_rsus 16 and max_neighbours 256 (the neighbour table
 * holds one entry per (neighbour, RSU) pair: ~25 neighbours x 10 RSUs here,
 * far above the default 64).
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"

struct cfg {
	int obus, rsus, seconds, senders, retries, max_nbrs;
	double road, range;
	uint64_t seed;
};

struct veh {
	double x;     /* position along the ring, m */
	double v;     /* speed, m/s (negative: other direction) */
	int node;
	bool rsu;
	/* failover tracking */
	bool broken;
	vn_usec broken_at;
	struct vn_mac lost_hop;
};

struct sender {
	int node;
	struct vn_ip ip;
	uint32_t last_up;
	uint32_t *up_tags, *down_tags;
	size_t nup, ndown, cap_up, cap_down;
};

struct run {
	struct cfg c;
	struct sim *s;
	struct veh *v; /* rsus first, then obus; v[i].node == i */
	int n;
	int *order;    /* indices sorted by x */
	struct sender *snd;
	vn_usec *failovers;
	size_t nfail, capfail;
	size_t broken_unrecovered;
	vn_usec all_attached_at;
	double attached_share_sum;
	size_t attached_samples;
};

static double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL) {
		perror("scale_run");
		exit(1);
	}
	return p;
}

static double ring_dist(double a, double b, double L)
{
	double d = fabs(a - b);

	return d < L - d ? d : L - d;
}

static int cmp_x(const void *a, const void *b, void *arg)
{
	const struct veh *v = arg;
	double xa = v[*(const int *)a].x, xb = v[*(const int *)b].x;

	return xa < xb ? -1 : xa > xb;
}

/* Link loss grows with distance: 2 % close by, 30 % at the edge of range. */
static double loss_at(double d, double range)
{
	double q = d / range;

	return 0.02 + 0.28 * q * q;
}

/* Rebuilds every link from the positions (a sweep over the sorted ring). */
static void relink(struct run *r)
{
	struct sim_link_cfg l = sim_link_default();

	qsort_r(r->order, (size_t)r->n, sizeof(int), cmp_x, r->v);
	for (int i = 0; i < r->n; i++)
		sim_links_clear_from(r->s, i);
	for (int a = 0; a < r->n; a++) {
		int i = r->order[a];

		for (int k = 1; k < r->n; k++) {
			int j = r->order[(a + k) % r->n];
			double d = ring_dist(r->v[i].x, r->v[j].x, r->c.road);

			if (d > r->c.range)
				break;
			if (r->v[i].rsu && r->v[j].rsu)
				continue;
			l.loss = loss_at(d, r->c.range);
			sim_link_both(r->s, i, j, &l);
		}
	}
}

static bool linked(struct run *r, int a, const struct vn_mac *m)
{
	int b = sim_find(r->s, m);

	return b >= 0 && sim_link_get(r->s, a, b) != NULL && sim_link_get(r->s, b, a) != NULL;
}

/* Which OBUs can reach an RSU at all (BFS over the current links). */
static void reachable(struct run *r, bool *reach)
{
	int *q = xrealloc(NULL, sizeof(int) * (size_t)r->n);
	int h = 0, t = 0;

	for (int i = 0; i < r->n; i++) {
		reach[i] = r->v[i].rsu;
		if (reach[i])
			q[t++] = i;
	}
	while (h < t) {
		int i = q[h++];

		for (int j = 0; j < r->n; j++) {
			if (reach[j] || r->v[j].rsu)
				continue;
			/* Only neighbours within range can be linked: cheap test first. */
			if (ring_dist(r->v[i].x, r->v[j].x, r->c.road) > r->c.range)
				continue;
			reach[j] = true;
			q[t++] = j;
		}
	}
	free(q);
}

static void move_and_track(struct sim *s, void *arg)
{
	struct run *r = arg;
	bool *reach = xrealloc(NULL, (size_t)r->n);
	size_t nreach = 0, nattached = 0;

	for (int i = 0; i < r->n; i++) {
		struct veh *v = &r->v[i];

		if (v->rsu)
			continue;
		v->x = fmod(v->x + v->v * 0.1 + r->c.road, r->c.road);
	}
	relink(r);
	reachable(r, reach);
	for (int i = 0; i < r->n; i++) {
		struct obu_route_info ri;
		struct veh *v = &r->v[i];
		bool up;

		if (v->rsu)
			continue;
		up = sim_upstream(s, i, &ri);
		if (reach[i]) {
			nreach++;
			nattached += up;
		}
		/* An upstream that moved out of range: a failover starts. */
		if (up && !v->broken && !linked(r, i, &ri.next_hop)) {
			v->broken = true;
			v->broken_at = sim_now(s);
			v->lost_hop = ri.next_hop;
		}
	}
	if (nreach) {
		r->attached_share_sum += (double)nattached / (double)nreach;
		r->attached_samples++;
	}
	if (nattached == nreach && r->all_attached_at == VN_USEC_NEVER)
		r->all_attached_at = sim_now(s);
	free(reach);
	sim_at(s, sim_now(s) + MS(100), move_and_track, r);
}

/* Every 10 ms: has a broken OBU a reachable upstream again? */
static void check_failovers(struct sim *s, void *arg)
{
	struct run *r = arg;

	for (int i = 0; i < r->n; i++) {
		struct veh *v = &r->v[i];
		struct obu_route_info ri;

		if (!v->broken)
			continue;
		if (!sim_upstream(s, i, &ri) || !linked(r, i, &ri.next_hop))
			continue;
		v->broken = false;
		if (r->nfail == r->capfail) {
			r->capfail = r->capfail ? r->capfail * 2 : 1024;
			r->failovers = xrealloc(r->failovers, r->capfail * sizeof(vn_usec));
		}
		r->failovers[r->nfail++] = sim_now(s) - v->broken_at;
	}
	sim_at(s, sim_now(s) + MS(10), check_failovers, r);
}

static void push_tag(uint32_t **v, size_t *n, size_t *cap, uint32_t tag)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = tag;
}

/* Every 100 ms each sender sends one packet up, and the RSU that got its
 * previous one sends one down. */
static void traffic(struct sim *s, void *arg)
{
	struct run *r = arg;
	struct vn_ip inet = scen_inet(1);

	for (int k = 0; k < r->c.senders; k++) {
		struct sender *x = &r->snd[k];
		int at = -1;

		for (int j = 0; j < r->c.rsus && x->last_up; j++)
			if (sim_delivered(s, j, x->last_up))
				at = j;
		if (at >= 0)
			push_tag(&x->down_tags, &x->ndown, &x->cap_down,
				 sim_send_ip(s, at, &inet, &x->ip, 200));
		x->last_up = sim_send_ip(s, x->node, &x->ip, &inet, 200);
		push_tag(&x->up_tags, &x->nup, &x->cap_up, x->last_up);
	}
	sim_at(s, sim_now(s) + MS(100), traffic, r);
}

static int cmp_usec(const void *a, const void *b)
{
	vn_usec x = *(const vn_usec *)a, y = *(const vn_usec *)b;

	return x < y ? -1 : x > y;
}

static void null_send(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	(void)f;
	(void)len;
}

/* Heap bytes a core takes, from mallinfo2 around its creation. */
static void core_memory(const struct obu_params *op, size_t *obu, size_t *rsu)
{
	struct vn_core_io io = { .ctx = NULL, .send = null_send, .deliver = null_send, .log = NULL };
	struct vn_mac m = sim_mac_n(77);
	struct mallinfo2 a, b;
	struct obu_core *oc;
	struct rsu_core *rc;
	struct rsu_params rp;

	rsu_params_default(&rp);
	a = mallinfo2();
	oc = obu_core_new(op, &m, &io, 0);
	b = mallinfo2();
	if (oc == NULL)
		fprintf(stderr, "scale_run: obu_core_new failed\n");
	/* Large tables come from mmap (hblkhd), small ones from the arena. */
	*obu = (b.uordblks + b.hblkhd) - (a.uordblks + a.hblkhd);
	obu_core_free(oc);
	a = mallinfo2();
	rc = rsu_core_new(&rp, &m, &io, 0);
	b = mallinfo2();
	if (rc == NULL)
		fprintf(stderr, "scale_run: rsu_core_new failed\n");
	*rsu = (b.uordblks + b.hblkhd) - (a.uordblks + a.hblkhd);
	rsu_core_free(rc);
}

/* Sums of every counter over all OBUs / all RSUs. */
struct csum {
	char name[48];
	uint64_t v;
};
struct csums {
	struct csum c[128];
	size_t n;
};

static void csum_add(void *ctx, const char *name, uint64_t v)
{
	struct csums *s = ctx;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->c[i].name, name) == 0)
			break;
	if (i == s->n) {
		if (s->n == 128)
			return;
		snprintf(s->c[i].name, sizeof(s->c[i].name), "%s", name);
		s->c[i].v = 0;
		s->n++;
	}
	s->c[i].v += v;
}

static void print_counters(struct run *r)
{
	struct csums o = { .n = 0 }, R = { .n = 0 };

	for (int i = 0; i < r->n; i++) {
		if (!sim_alive(r->s, i))
			continue;
		if (r->v[i].rsu)
			rsu_core_counters(sim_rsu(r->s, i), csum_add, &R);
		else
			obu_core_counters(sim_obu(r->s, i), csum_add, &o);
	}
	printf("counters summed over the OBUs:");
	for (size_t i = 0; i < o.n; i++)
		if (o.c[i].v)
			printf(" %s=%llu", o.c[i].name, (unsigned long long)o.c[i].v);
	printf("\ncounters summed over the RSUs:");
	for (size_t i = 0; i < R.n; i++)
		if (R.c[i].v)
			printf(" %s=%llu", R.c[i].name, (unsigned long long)R.c[i].v);
	printf("\n");
}

static void usage(void)
{
	fprintf(stderr, "usage: scale_run [-n OBUS] [-r RSUS] [-s SECONDS] [-L ROAD_M] [-R RANGE_M]"
			" [-k SENDERS] [-S SEED] [-t UNICAST_RETRIES] [-m MAX_NEIGHBOURS]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct cfg *c)
{
	int o;

	c->obus = 1000;
	c->rsus = 10;
	c->seconds = 30;
	c->road = 20000;
	c->range = 250;
	c->senders = 50;
	c->seed = 1;
	c->retries = 4;
	c->max_nbrs = 256;
	while ((o = getopt(argc, argv, "n:r:s:L:R:k:S:t:m:h")) != -1) {
		switch (o) {
		case 'n': c->obus = atoi(optarg); break;
		case 'r': c->rsus = atoi(optarg); break;
		case 's': c->seconds = atoi(optarg); break;
		case 'L': c->road = atof(optarg); break;
		case 'R': c->range = atof(optarg); break;
		case 'k': c->senders = atoi(optarg); break;
		case 'S': c->seed = strtoull(optarg, NULL, 0); break;
		case 't': c->retries = atoi(optarg); break;
		case 'm': c->max_nbrs = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc || c->obus < 1 || c->rsus < 1 || c->seconds < 1 || c->road <= 0 ||
	    c->range <= 0 || c->senders < 0 || c->senders > c->obus || c->retries < 0 ||
	    c->max_nbrs < 1)
		usage();
}

static size_t mem_obu, mem_rsu, mem_obu_dflt;

static void report(struct run *r, double wall)
{
	size_t up_sent = 0, up_got = 0, down_sent = 0, down_got = 0;

	for (int k = 0; k < r->c.senders; k++) {
		struct sender *x = &r->snd[k];

		for (size_t i = 0; i < x->nup; i++) {
			/* The last second's packets may still be in flight. */
			up_sent++;
			for (int j = 0; j < r->c.rsus; j++)
				if (sim_delivered(r->s, j, x->up_tags[i])) {
					up_got++;
					break;
				}
		}
		for (size_t i = 0; i < x->ndown; i++) {
			down_sent++;
			down_got += sim_delivered(r->s, x->node, x->down_tags[i]) > 0;
		}
	}
	qsort(r->failovers, r->nfail, sizeof(vn_usec), cmp_usec);
	printf("scale run: %d OBUs, %d RSUs, ring road %.0f m, radio range %.0f m, %d s virtual, seed %llu, %d unicast retries\n",
	       r->c.obus, r->c.rsus, r->c.road, r->c.range, r->c.seconds,
	       (unsigned long long)r->c.seed, r->c.retries);
	if (r->all_attached_at == VN_USEC_NEVER)
		printf("all reachable OBUs attached: never at one 100 ms sample\n");
	else
		printf("all reachable OBUs attached after: %.1f s virtual\n",
		       (double)r->all_attached_at / 1e6);
	printf("reachable OBUs attached (mean over samples): %.2f %%\n",
	       r->attached_samples ? 100.0 * r->attached_share_sum / (double)r->attached_samples : 0);
	printf("upstream packets delivered: %zu / %zu (%.2f %%)\n", up_got, up_sent,
	       up_sent ? 100.0 * (double)up_got / (double)up_sent : 0);
	printf("downstream packets delivered: %zu / %zu (%.2f %%)\n", down_got, down_sent,
	       down_sent ? 100.0 * (double)down_got / (double)down_sent : 0);
	if (r->nfail)
		printf("failovers (upstream out of range -> reachable upstream again): %zu, median %.0f ms, p95 %.0f ms, max %.0f ms; %zu unrecovered at the end\n",
		       r->nfail, (double)r->failovers[r->nfail / 2] / 1e3,
		       (double)r->failovers[r->nfail * 95 / 100] / 1e3,
		       (double)r->failovers[r->nfail - 1] / 1e3, r->broken_unrecovered);
	printf("duplicate data forwards (loops): %llu\n", (unsigned long long)sim_dup_forwards(r->s));
	if (getenv("SCALE_DUPS"))
		sim_dup_report(r->s, 20);
	if (getenv("SCALE_COUNTERS"))
		print_counters(r);
	if (mem_obu_dflt == 0) /* ASan's allocator does not feed mallinfo2 */
		printf("core heap: not measurable in this build (sanitizer allocator)\n");
	else
		printf("core heap: %zu bytes per OBU (defaults), %zu bytes per OBU (this run: max_rsus 16, max_neighbours %d), %zu bytes per RSU (defaults)\n",
		       mem_obu_dflt, mem_obu, r->c.max_nbrs, mem_rsu);
	printf("simulator: %llu events, %llu frame receptions, %.2f s wall, %.3f s wall per virtual second\n",
	       (unsigned long long)sim_events(r->s), (unsigned long long)sim_frames_delivered(r->s),
	       wall, wall / r->c.seconds);
}

int main(int argc, char **argv)
{
	struct run r;
	struct sim_opts o = { 0 };
	struct obu_params op;
	double t0;

	memset(&r, 0, sizeof(r));
	parse(argc, argv, &r.c);
	/* Measured first, on a quiet heap. */
	obu_params_default(&op);
	core_memory(&op, &mem_obu_dflt, &mem_rsu);
	op.max_rsus = 16;
	op.max_neighbours = (uint32_t)r.c.max_nbrs;
	core_memory(&op, &mem_obu, &mem_rsu);
	o.seed = r.c.seed;
	o.unicast_filter = true; /* a NIC's filter: saves most of the work */
	o.unicast_retries = (unsigned)r.c.retries; /* 802.11 ACK/retry for unicast */
	o.tun_queue = 0;
	r.s = sim_new(&o);
	r.n = r.c.rsus + r.c.obus;
	r.v = calloc((size_t)r.n, sizeof(*r.v));
	r.order = calloc((size_t)r.n, sizeof(int));
	r.snd = calloc((size_t)r.c.senders + 1, sizeof(*r.snd));
	if (r.s == NULL || r.v == NULL || r.order == NULL || r.snd == NULL)
		return 1;
	r.all_attached_at = VN_USEC_NEVER;
	obu_params_default(&op);
	op.max_rsus = 16;
	op.max_neighbours = (uint32_t)r.c.max_nbrs;
	for (int i = 0; i < r.n; i++) {
		struct vn_mac m = sim_mac_n((uint32_t)i + 1);
		struct veh *v = &r.v[i];

		r.order[i] = i;
		v->rsu = i < r.c.rsus;
		if (v->rsu) {
			struct rsu_params rp;

			rsu_params_default(&rp);
			rp.seed = r.c.seed * 1000 + (uint64_t)i;
			v->x = r.c.road * (i + 0.5) / r.c.rsus;
			v->node = sim_add_rsu(r.s, &rp, &m);
		} else {
			double sp = 20 + 15 * sim_rand01(r.s);

			v->x = r.c.road * sim_rand01(r.s);
			v->v = (sim_rand(r.s) & 1) ? sp : -sp;
			v->node = sim_add_obu(r.s, &op, &m);
		}
		if (v->node != i) {
			fprintf(stderr, "scale_run: node %d refused\n", i);
			return 1;
		}
	}
	for (int k = 0; k < r.c.senders; k++) {
		r.snd[k].node = r.c.rsus + (int)((size_t)k * (size_t)r.c.obus / (size_t)r.c.senders);
		r.snd[k].ip = sim_ip4((uint32_t)r.snd[k].node);
	}
	relink(&r);
	sim_at(r.s, MS(100), move_and_track, &r);
	sim_at(r.s, MS(10), check_failovers, &r);
	sim_at(r.s, SEC(2), traffic, &r);
	t0 = now_wall();
	for (int sec = 1; sec <= r.c.seconds; sec++) {
		sim_run_until(r.s, SEC((unsigned)sec));
		if (isatty(2))
			fprintf(stderr, "\r%d/%d s virtual, %.1f s wall", sec, r.c.seconds,
				now_wall() - t0);
	}
	if (isatty(2))
		fprintf(stderr, "\n");
	for (int i = 0; i < r.n; i++)
		r.broken_unrecovered += r.v[i].broken;
	report(&r, now_wall() - t0);
	for (int k = 0; k < r.c.senders; k++) {
		free(r.snd[k].up_tags);
		free(r.snd[k].down_tags);
	}
	free(r.snd);
	free(r.failovers);
	free(r.order);
	free(r.v);
	sim_free(r.s);
	return 0;
}
