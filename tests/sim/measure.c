/* Measurements over a world run: what the sweep reports (docs/sweep.md). */
#include "measure.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure_loss.h"
#include "scenario.h"

#define PACKET_BYTES 200
#define FAILOVER_CHECK MS(10)
#define CBR_WINDOW SEC(1)

/* A growable array of fixed-size items. */
struct vec {
	void *v;
	size_t n, cap, size;
};

static void *vec_push(struct vec *a)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = realloc(a->v, a->cap * a->size);
		if (a->v == NULL) {
			perror("measure");
			abort();
		}
	}
	return (char *)a->v + a->size * a->n++;
}

struct sent {
	uint32_t tag;
	int to; /* downstream: the vehicle's node */
	vn_usec at;
	int from;  /* the sending node (SWEEP_LOSS) */
	uint8_t cls; /* enum loss_class at send (SWEEP_LOSS) */
};

/* Per vehicle: failover and busy-ratio bookkeeping for its current node. */
struct vstate {
	int node;	   /* the node this state belongs to (-1: none yet) */
	bool seen;
	bool broken;	   /* its upstream's next hop moved out of range */
	vn_usec broken_at;
	bool busy_valid;   /* busy0 was sampled at the window start */
	vn_usec busy0;
};

struct sender {
	size_t vehicle;
	int node;	   /* node its last_up came from */
	uint32_t last_up;
};

struct meas {
	struct world *w;
	struct sim *s;
	struct meas_cfg c;
	struct vstate *vs;
	struct sender *snd;
	size_t nsnd;
	struct vec up, down;	    /* struct sent */
	struct vec failover_us;	    /* vn_usec */
	struct vec cbr;		    /* double */
	double vehicle_s;
	size_t vehicles_seen;
	vn_usec all_attached_at;
	double attached_sum, reach_sum;
	size_t attached_samples, reach_samples;
	bool loss;		    /* SWEEP_LOSS: classify every packet at send */
};

/* The state of vehicle v, reset when it got a new node. */
static struct vstate *vstate_of(struct meas *m, size_t v, int node)
{
	struct vstate *x = &m->vs[v];

	if (x->node != node) {
		bool seen = x->seen;

		memset(x, 0, sizeof(*x));
		x->node = node;
		x->seen = seen;
	}
	return x;
}

/* After each world update: attachment, reachability and broken upstreams. */
static void on_tick(struct world *w, void *arg)
{
	struct meas *m = arg;
	size_t nreach = 0, nattached = 0, present = world_present(w);

	for (size_t v = 0; v < world_vehicles(w); v++) {
		int node = world_vehicle_node(w, v);
		struct obu_route_info ri;
		struct vstate *x;
		bool up;

		if (node < 0)
			continue;
		x = vstate_of(m, v, node);
		m->vehicles_seen += !x->seen;
		x->seen = true;
		up = sim_upstream(m->s, node, &ri);
		if (world_reachable(w, node)) {
			nreach++;
			nattached += up;
		}
		if (up && !x->broken && !world_linked_mac(w, node, &ri.next_hop)) {
			x->broken = true;
			x->broken_at = sim_now(m->s);
		}
	}
	m->vehicle_s += (double)present * ((double)WORLD_TICK / 1e6);
	if (present > 0) {
		m->reach_sum += (double)nreach / (double)present;
		m->reach_samples++;
	}
	if (nreach > 0) {
		m->attached_sum += (double)nattached / (double)nreach;
		m->attached_samples++;
	}
	if (present > 0 && nattached == nreach && m->all_attached_at == VN_USEC_NEVER)
		m->all_attached_at = sim_now(m->s);
}

/* Every 10 ms: has a broken vehicle an upstream in range again? */
static void check_failovers(struct sim *s, void *arg)
{
	struct meas *m = arg;

	for (size_t v = 0; v < world_vehicles(m->w); v++) {
		int node = world_vehicle_node(m->w, v);
		struct vstate *x = &m->vs[v];
		struct obu_route_info ri;

		if (node < 0 || x->node != node || !x->broken)
			continue;
		if (!sim_upstream(s, node, &ri) || !world_linked_mac(m->w, node, &ri.next_hop))
			continue;
		x->broken = false;
		*(vn_usec *)vec_push(&m->failover_us) = sim_now(s) - x->broken_at;
	}
	sim_at(s, sim_now(s) + FAILOVER_CHECK, check_failovers, m);
}

/* Every second: each vehicle on the road for the whole window gives one
 * sample of the share of it the medium was busy. */
static void sample_cbr(struct sim *s, void *arg)
{
	struct meas *m = arg;

	for (size_t v = 0; v < world_vehicles(m->w); v++) {
		int node = world_vehicle_node(m->w, v);
		struct sim_radio_stats rs;
		struct vstate *x;

		if (node < 0)
			continue;
		x = vstate_of(m, v, node);
		sim_radio_stats(s, node, &rs);
		if (x->busy_valid)
			*(double *)vec_push(&m->cbr) = (double)(rs.busy - x->busy0) / (double)CBR_WINDOW;
		x->busy0 = rs.busy;
		x->busy_valid = true;
	}
	sim_at(s, sim_now(s) + CBR_WINDOW, sample_cbr, m);
}

/* The RSU that received packet `tag`, or -1. */
static int rsu_that_got(const struct meas *m, uint32_t tag)
{
	for (size_t j = 0; j < world_rsus(m->w) && tag; j++)
		if (sim_delivered(m->s, (int)j, tag))
			return (int)j;
	return -1;
}

/* Every 100 ms each sender on the road sends one packet up, and the RSU
 * that received its previous one sends one down to it. */
static void traffic(struct sim *s, void *arg)
{
	struct meas *m = arg;
	struct vn_ip inet = scen_inet(1);

	for (size_t k = 0; k < m->nsnd; k++) {
		struct sender *x = &m->snd[k];
		int node = world_vehicle_node(m->w, x->vehicle), at;
		struct vn_ip ip;
		struct sent *p;

		if (node < 0)
			continue;
		ip = sim_ip4((uint32_t)node);
		if (x->node == node && (at = rsu_that_got(m, x->last_up)) >= 0) {
			int h, cls = m->loss ? loss_class_down(m->w, at, node, &h) : 0;

			p = vec_push(&m->down);
			*p = (struct sent){ sim_send_ip(s, at, &inet, &ip, PACKET_BYTES), node,
					    sim_now(s), at, (uint8_t)cls };
		}
		int h, cls = m->loss ? loss_class_up(m->w, node, &h) : 0;

		p = vec_push(&m->up);
		*p = (struct sent){ sim_send_ip(s, node, &ip, &inet, PACKET_BYTES), -1, sim_now(s),
				    node, (uint8_t)cls };
		x->last_up = p->tag;
		x->node = node;
	}
	sim_at(s, sim_now(s) + WORLD_TICK, traffic, m);
}

struct meas *meas_new(struct world *w, const struct meas_cfg *c)
{
	struct meas *m = calloc(1, sizeof(*m));
	size_t nveh = world_vehicles(w);

	if (m == NULL)
		abort();
	m->w = w;
	m->s = world_sim(w);
	m->c = *c;
	m->vs = calloc(nveh ? nveh : 1, sizeof(*m->vs));
	m->nsnd = c->senders < nveh ? c->senders : nveh;
	m->snd = calloc(m->nsnd ? m->nsnd : 1, sizeof(*m->snd));
	if (m->vs == NULL || m->snd == NULL)
		abort();
	for (size_t v = 0; v < nveh; v++)
		m->vs[v].node = -1;
	for (size_t k = 0; k < m->nsnd; k++)
		m->snd[k] = (struct sender){ k * nveh / m->nsnd, -1, 0 };
	m->up.size = m->down.size = sizeof(struct sent);
	m->failover_us.size = sizeof(vn_usec);
	m->cbr.size = sizeof(double);
	m->all_attached_at = VN_USEC_NEVER;
	m->loss = getenv("SWEEP_LOSS") != NULL;
	world_on_tick(w, on_tick, m);
	sim_at(m->s, sim_now(m->s) + FAILOVER_CHECK, check_failovers, m);
	sim_at(m->s, sim_now(m->s), sample_cbr, m);
	sim_at(m->s, c->traffic_start, traffic, m);
	return m;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_usec(const void *a, const void *b)
{
	vn_usec x = *(const vn_usec *)a, y = *(const vn_usec *)b;

	return x < y ? -1 : x > y;
}

/* Delivered share of the packets sent before the in-flight cut. */
static double delivery(const struct meas *m, const struct vec *a, bool up, size_t *sent,
		       size_t *got)
{
	const struct sent *p = a->v;

	struct loss_tally t;

	memset(&t, 0, sizeof(t));
	*sent = *got = 0;
	for (size_t i = 0; i < a->n; i++) {
		bool ok;

		if (p[i].at + m->c.in_flight > m->c.end)
			continue;
		(*sent)++;
		if (up)
			ok = rsu_that_got(m, p[i].tag) >= 0;
		else
			ok = sim_delivered(m->s, p[i].to, p[i].tag) > 0;
		*got += ok;
		t.sent[p[i].cls]++;
		t.got[p[i].cls] += ok;
		if (!ok && p[i].cls == LOSS_OK && m->loss) {
			if (sim_forwarded(m->s, p[i].from, !up, p[i].tag) == 0)
				t.ok_unsent++;
			else
				t.ok_partial++;
		}
	}
	if (m->loss)
		loss_tally_print(up ? "up" : "down", &t);
	return *sent ? (double)*got / (double)*sent : -1;
}

static void failover_figures(struct meas *m, struct meas_result *r)
{
	vn_usec *f = m->failover_us.v;
	size_t n = m->failover_us.n;

	if (n > 0) /* qsort takes no NULL array, even of 0 elements */
		qsort(f, n, sizeof(*f), cmp_usec);
	r->failovers = n;
	r->failover_p50_ms = n ? (double)f[n / 2] / 1e3 : -1;
	r->failover_p95_ms = n ? (double)f[n * 95 / 100] / 1e3 : -1;
	r->failover_max_ms = n ? (double)f[n - 1] / 1e3 : -1;
	r->failover_unrecovered = 0;
	for (size_t v = 0; v < world_vehicles(m->w); v++)
		r->failover_unrecovered +=
			m->vs[v].broken && world_vehicle_node(m->w, v) == m->vs[v].node;
}

static void cbr_figures(struct meas *m, struct meas_result *r)
{
	double *c = m->cbr.v, sum = 0;
	size_t n = m->cbr.n;

	if (n > 0)
		qsort(c, n, sizeof(*c), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += c[i];
	r->cbr_samples = n;
	r->cbr_mean = n ? sum / (double)n : 0;
	r->cbr_p95 = n ? c[n * 95 / 100] : 0;
}

/* Control frames of the vehicles (every node after the RSUs), and the radio
 * figures of all nodes. */
static void channel_figures(struct meas *m, struct meas_result *r)
{
	double hb = 0, rep = 0, bytes = 0, coll = 0, drops = 0, qdrops = 0;
	double sim_s = (double)sim_now(m->s) / 1e6;

	for (size_t i = 0; i < sim_node_count(m->s); i++) {
		struct sim_radio_stats rs;

		sim_radio_stats(m->s, (int)i, &rs);
		coll += (double)rs.collisions;
		drops += (double)rs.mac_drops;
		qdrops += (double)rs.queue_drops;
		if (i < world_rsus(m->w))
			continue;
		hb += (double)sim_frames_sent_type(m->s, (int)i, SIM_F_HEARTBEAT);
		rep += (double)sim_frames_sent_type(m->s, (int)i, SIM_F_REPLY);
		bytes += (double)(sim_bytes_sent_type(m->s, (int)i, SIM_F_HEARTBEAT) +
				  sim_bytes_sent_type(m->s, (int)i, SIM_F_REPLY));
	}
	if (m->vehicle_s > 0) {
		r->hb_fps_per_vehicle = hb / m->vehicle_s;
		r->reply_fps_per_vehicle = rep / m->vehicle_s;
	}
	r->ctrl_fps_per_vehicle = r->hb_fps_per_vehicle + r->reply_fps_per_vehicle;
	r->ctrl_bytes_per_vehicle_s = m->vehicle_s > 0 ? bytes / m->vehicle_s : 0;
	r->collisions_per_s = sim_s > 0 ? coll / sim_s : 0;
	r->mac_drops_per_s = sim_s > 0 ? drops / sim_s : 0;
	r->queue_drops_per_s = sim_s > 0 ? qdrops / sim_s : 0;
}

void meas_result(struct meas *m, struct meas_result *r)
{
	memset(r, 0, sizeof(*r));
	r->vehicles = m->vehicles_seen;
	r->vehicle_s = m->vehicle_s;
	r->up_delivery = delivery(m, &m->up, true, &r->up_sent, &r->up_got);
	r->down_delivery = delivery(m, &m->down, false, &r->down_sent, &r->down_got);
	failover_figures(m, r);
	cbr_figures(m, r);
	channel_figures(m, r);
	r->loops = sim_dup_forwards(m->s);
	r->dup_delivered = sim_dup_deliveries(m->s);
	r->attach_s = m->all_attached_at == VN_USEC_NEVER ? -1 : (double)m->all_attached_at / 1e6;
	r->attached_share = m->attached_samples ? m->attached_sum / (double)m->attached_samples : 0;
	r->reach_share = m->reach_samples ? m->reach_sum / (double)m->reach_samples : 0;
}

void meas_free(struct meas *m)
{
	if (m == NULL)
		return;
	free(m->vs);
	free(m->snd);
	free(m->up.v);
	free(m->down.v);
	free(m->failover_us.v);
	free(m->cbr.v);
	free(m);
}

static void null_io(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	(void)f;
	(void)len;
}

size_t meas_core_bytes(const struct obu_params *p)
{
	struct vn_core_io io = { .ctx = NULL, .send = null_io, .deliver = null_io, .log = NULL };
	struct vn_mac mac = sim_mac_n(77);
	struct mallinfo2 a, b;
	struct obu_core *oc;

	a = mallinfo2();
	oc = obu_core_new(p, &mac, &io, 0);
	b = mallinfo2();
	if (oc == NULL)
		return 0;
	obu_core_free(oc);
	/* Large tables come from mmap (hblkhd), small ones from the arena. */
	return (b.uordblks + b.hblkhd) - (a.uordblks + a.hblkhd);
}
