/* The simulator: an event heap in virtual time, nodes with their cores, the
 * air between them, and the instrumentation. See sim.h. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbuf.h"
#include "wire.h"

/* --- PRNG: xoshiro256** seeded by splitmix64 ------------------------------ */

struct sim_rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static void rng_seed(struct sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static double rng_01(struct sim_rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* --- The air: a transmitted frame, shared by its receivers ---------------- */

struct sim_air {
	uint32_t refs;
	uint32_t len;
	uint8_t data[];
};

static struct sim_air *air_new(const uint8_t *frame, size_t len)
{
	struct sim_air *a = malloc(sizeof(*a) + len);

	if (a == NULL) {
		perror("sim: air");
		abort();
	}
	a->refs = 0;
	a->len = (uint32_t)len;
	memcpy(a->data, frame, len);
	return a;
}

static void air_put(struct sim_air *a)
{
	if (--a->refs == 0)
		free(a);
}

/* --- Events ---------------------------------------------------------------- */

enum ev_kind { EV_FRAME, EV_TIMER, EV_CALL };

struct sim_ev {
	vn_usec t;
	uint64_t seq; /* scheduling order: ties resolve deterministically */
	enum ev_kind kind;
	uint32_t node;
	uint32_t epoch;
	union {
		struct sim_air *air;
		struct {
			sim_fn fn;
			void *arg;
		} call;
	} u;
};

struct sim_heap {
	struct sim_ev *v;
	size_t n, cap;
};

static bool ev_before(const struct sim_ev *a, const struct sim_ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void heap_push(struct sim_heap *h, const struct sim_ev *e)
{
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->v = realloc(h->v, h->cap * sizeof(*h->v));
		if (h->v == NULL) {
			perror("sim: heap");
			abort();
		}
	}
	i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!ev_before(e, &h->v[p]))
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = *e;
}

static void heap_pop(struct sim_heap *h, struct sim_ev *out)
{
	struct sim_ev last;
	size_t i = 0;

	*out = h->v[0];
	last = h->v[--h->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && ev_before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!ev_before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n > 0)
		h->v[i] = last;
}

/* --- Counting table: 64-bit key -> count and first time --------------------- */

struct cnt_slot {
	uint64_t key; /* 0 = empty; keys are stored + 1 */
	uint32_t count;
	vn_usec first;
};

struct cnt_tab {
	struct cnt_slot *v;
	size_t n, cap; /* cap a power of two */
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static struct cnt_slot *cnt_find(const struct cnt_tab *t, uint64_t key)
{
	size_t i;

	if (t->cap == 0)
		return NULL;
	key++;
	for (i = (size_t)mix64(key) & (t->cap - 1); t->v[i].key != 0; i = (i + 1) & (t->cap - 1))
		if (t->v[i].key == key)
			return &t->v[i];
	return NULL;
}

static void cnt_grow(struct cnt_tab *t)
{
	struct cnt_slot *old = t->v;
	size_t oldcap = t->cap;

	t->cap = oldcap ? oldcap * 2 : 4096;
	t->v = calloc(t->cap, sizeof(*t->v));
	if (t->v == NULL) {
		perror("sim: table");
		abort();
	}
	for (size_t j = 0; j < oldcap; j++) {
		size_t i;

		if (old[j].key == 0)
			continue;
		for (i = (size_t)mix64(old[j].key) & (t->cap - 1); t->v[i].key != 0;
		     i = (i + 1) & (t->cap - 1))
			;
		t->v[i] = old[j];
	}
	free(old);
}

/* Adds one to key's count; returns the new count. */
static uint32_t cnt_add(struct cnt_tab *t, uint64_t key, vn_usec now)
{
	struct cnt_slot *e = cnt_find(t, key);
	size_t i;

	if (e != NULL)
		return ++e->count;
	if ((t->n + 1) * 4 > t->cap * 3)
		cnt_grow(t);
	for (i = (size_t)mix64(key + 1) & (t->cap - 1); t->v[i].key != 0; i = (i + 1) & (t->cap - 1))
		;
	t->v[i].key = key + 1;
	t->v[i].count = 1;
	t->v[i].first = now;
	t->n++;
	return 1;
}

/* Key: node (24 bits), kind (8 bits), tag (32 bits). */
static uint64_t cnt_key(uint32_t node, uint32_t kind, uint32_t tag)
{
	return (uint64_t)(node & 0xffffff) << 40 | (uint64_t)(kind & 0xff) << 32 | tag;
}

/* --- Nodes ------------------------------------------------------------------- */

struct sim_link {
	uint32_t to;
	struct sim_link_cfg cfg;
};

struct tun_item {
	uint8_t *pkt;
	size_t len;
};

struct sim_node {
	struct sim *sim;
	uint32_t idx;
	enum sim_role role;
	struct vn_mac mac;
	bool alive;
	uint32_t epoch; /* bumped at restart/removal: stale timers are ignored */
	vn_usec timer_at; /* time of the pending timer event, or NEVER */
	union {
		struct obu_core *obu;
		struct rsu_core *rsu;
	} core;
	struct obu_params obu_p;
	struct rsu_params rsu_p;
	struct vn_core_io io;
	struct sim_link *links;
	size_t nlinks, caplinks;
	uint64_t frames_sent, data_sent, tun_total, frames_received;
	uint64_t sent_type[SIM_F__COUNT];
	struct tun_item *tunq;
	size_t tun_head, tun_n;
};

struct sim {
	struct sim_opts opts;
	struct sim_rng rng;
	vn_usec now;
	uint64_t seq;
	uint64_t events;
	uint64_t delivered_frames;
	uint32_t next_tag;
	struct sim_heap heap;
	struct sim_node **nodes;
	size_t nnodes, capnodes;
	struct cnt_tab fwd; /* (node, message type, tag) -> transmissions */
	struct cnt_tab tun; /* (node, 0, tag) -> deliveries into tun */
	uint64_t dups;
	struct vn_pbuf rxbuf; /* a receiving core's buffer: calls are sequential */
	uint8_t rxmem[VN_PBUF_SIZE];
};

struct sim_link_cfg sim_link_default(void)
{
	struct sim_link_cfg c = {
		.latency = 1000,
		.jitter = 200,
		.loss = 0.0,
		.up = true,
	};
	return c;
}

static struct sim_node *node_at(const struct sim *s, int i)
{
	if (i < 0 || (size_t)i >= s->nnodes) {
		fprintf(stderr, "sim: no node %d\n", i);
		abort();
	}
	return s->nodes[i];
}

/* --- Instrumentation: decoding a transmitted data frame by hand ------------- */

#define OFF_TYPE 14
#define SIM_MAGIC "VNSM"

uint32_t sim_packet_tag(const uint8_t *p, size_t len)
{
	size_t off;

	if (len < 1)
		return SIM_TAG_NONE;
	if ((p[0] >> 4) == 4) {
		if (len < 20 || (p[9] != 17 && p[9] != 1))
			return SIM_TAG_NONE;
		off = (size_t)(p[0] & 0x0f) * 4 + 8;
	} else if ((p[0] >> 4) == 6) {
		if (len < 40 || (p[6] != 17 && p[6] != 58))
			return SIM_TAG_NONE;
		off = 48;
	} else {
		return SIM_TAG_NONE;
	}
	if (len < off + 8 || memcmp(p + off, SIM_MAGIC, 4) != 0)
		return SIM_TAG_NONE;
	return (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 |
	       (uint32_t)p[off + 6] << 8 | p[off + 7];
}

static void note_sent(struct sim *s, struct sim_node *n, const uint8_t *f, size_t len)
{
	uint32_t tag;
	size_t hl;

	n->frames_sent++;
	if (len >= VN_MSG_HLEN && f[OFF_TYPE] <= 1 && f[OFF_TYPE + 1] <= 1)
		n->sent_type[f[OFF_TYPE] * 2 + f[OFF_TYPE + 1]]++;
	else
		n->sent_type[4]++;
	if (len < VN_MSG_HLEN || f[12] != 0x30 || f[13] != 0x30 || f[OFF_TYPE] != 1)
		return;
	hl = f[OFF_TYPE + 1] == 0 ? VN_UP_HLEN : VN_DOWN_HLEN;
	if (len < hl)
		return;
	tag = sim_packet_tag(f + hl, len - hl);
	if (tag == SIM_TAG_NONE)
		return;
	n->data_sent++;
	if (cnt_add(&s->fwd, cnt_key(n->idx, 1u + f[OFF_TYPE + 1], tag), s->now) > 1)
		s->dups++;
}

/* --- Core callbacks ----------------------------------------------------------- */

static void schedule_timer(struct sim *s, struct sim_node *n);

static void io_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct sim_node *n = ctx;
	struct sim *s = n->sim;
	struct sim_air *a = NULL;
	struct vn_mac to;

	if (!n->alive)
		return;
	note_sent(s, n, frame, len);
	/* A runt goes out too (hostile tests): it has no `to`, so everyone
	 * linked hears it. */
	if (len >= VN_MAC_LEN)
		vn_mac_load(&to, frame);
	else
		to = vn_mac_broadcast;
	for (size_t i = 0; i < n->nlinks; i++) {
		struct sim_link *l = &n->links[i];
		struct sim_node *d = s->nodes[l->to];
		struct sim_ev e;

		if (!l->cfg.up || !d->alive)
			continue;
		if (s->opts.unicast_filter && !vn_mac_is_multicast(&to) && !vn_mac_eq(&to, &d->mac))
			continue;
		/* Draw both numbers always, so a change of one link's loss does
		 * not shift every later random draw of the run. */
		double r = rng_01(&s->rng);
		uint64_t j = rng_next(&s->rng);
		vn_usec extra = 0;

		if (r < l->cfg.loss) {
			bool got = false;

			if (vn_mac_eq(&to, &d->mac))
				for (unsigned k = 0; k < s->opts.unicast_retries && !got; k++) {
					extra += l->cfg.latency;
					got = rng_01(&s->rng) >= l->cfg.loss;
				}
			if (!got)
				continue;
		}
		if (a == NULL)
			a = air_new(frame, len);
		a->refs++;
		e.t = s->now + extra + l->cfg.latency +
		      (l->cfg.jitter ? j % (l->cfg.jitter + 1) : 0);
		e.seq = s->seq++;
		e.kind = EV_FRAME;
		e.node = l->to;
		e.epoch = 0;
		e.u.air = a;
		heap_push(&s->heap, &e);
	}
}

static void io_deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	struct sim_node *n = ctx;
	struct sim *s = n->sim;
	uint32_t tag = sim_packet_tag(pkt, len);

	n->tun_total++;
	if (tag != SIM_TAG_NONE)
		cnt_add(&s->tun, cnt_key(n->idx, 0, tag), s->now);
	if (s->opts.tun_queue == 0)
		return;
	if (n->tunq == NULL) {
		n->tunq = calloc(s->opts.tun_queue, sizeof(*n->tunq));
		if (n->tunq == NULL)
			abort();
	}
	if (n->tun_n == s->opts.tun_queue) {
		free(n->tunq[n->tun_head].pkt);
		n->tun_head = (n->tun_head + 1) % s->opts.tun_queue;
		n->tun_n--;
	}
	struct tun_item *it = &n->tunq[(n->tun_head + n->tun_n) % s->opts.tun_queue];

	it->pkt = malloc(len ? len : 1);
	if (it->pkt == NULL)
		abort();
	memcpy(it->pkt, pkt, len);
	it->len = len;
	n->tun_n++;
}

static void io_log(void *ctx, enum vn_log_level level, const char *msg)
{
	struct sim_node *n = ctx;
	char m[VN_MAC_STRLEN];

	if (!n->sim->opts.verbose)
		return;
	fprintf(stderr, "[%10.3f ms] %s %s <%d> %s\n", (double)n->sim->now / 1000.0,
		n->role == SIM_RSU ? "rsu" : "obu", vn_mac_format(&n->mac, m), (int)level, msg);
}

/* --- Life cycle ------------------------------------------------------------------ */

struct sim *sim_new(const struct sim_opts *o)
{
	struct sim *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->opts = *o;
	rng_seed(&s->rng, o->seed);
	s->next_tag = 1;
	return s;
}

static void core_free(struct sim_node *n)
{
	if (!n->alive)
		return;
	if (n->role == SIM_RSU)
		rsu_core_free(n->core.rsu);
	else
		obu_core_free(n->core.obu);
	n->core.obu = NULL;
	n->alive = false;
}

static bool core_new(struct sim *s, struct sim_node *n)
{
	if (n->role == SIM_RSU)
		n->core.rsu = rsu_core_new(&n->rsu_p, &n->mac, &n->io, s->now);
	else
		n->core.obu = obu_core_new(&n->obu_p, &n->mac, &n->io, s->now);
	n->alive = n->core.obu != NULL || n->core.rsu != NULL;
	n->epoch++;
	n->timer_at = VN_USEC_NEVER;
	if (n->alive)
		schedule_timer(s, n);
	return n->alive;
}

void sim_free(struct sim *s)
{
	struct sim_ev e;

	if (s == NULL)
		return;
	while (s->heap.n > 0) {
		heap_pop(&s->heap, &e);
		if (e.kind == EV_FRAME)
			air_put(e.u.air);
	}
	free(s->heap.v);
	for (size_t i = 0; i < s->nnodes; i++) {
		struct sim_node *n = s->nodes[i];

		core_free(n);
		for (size_t k = 0; k < n->tun_n; k++)
			free(n->tunq[(n->tun_head + k) % s->opts.tun_queue].pkt);
		free(n->tunq);
		free(n->links);
		free(n);
	}
	free(s->nodes);
	free(s->fwd.v);
	free(s->tun.v);
	free(s);
}

static int add_node(struct sim *s, enum sim_role role, const void *params, const struct vn_mac *mac)
{
	struct sim_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		abort();
	if (s->nnodes == s->capnodes) {
		s->capnodes = s->capnodes ? s->capnodes * 2 : 16;
		s->nodes = realloc(s->nodes, s->capnodes * sizeof(*s->nodes));
		if (s->nodes == NULL)
			abort();
	}
	n->sim = s;
	n->idx = (uint32_t)s->nnodes;
	n->role = role;
	n->mac = *mac;
	n->io.ctx = n;
	n->io.send = io_send;
	n->io.deliver = io_deliver;
	n->io.log = io_log;
	if (role == SIM_RSU) {
		if (params) {
			n->rsu_p = *(const struct rsu_params *)params;
		} else {
			uint64_t x = s->opts.seed ^ ((uint64_t)n->idx << 32);

			rsu_params_default(&n->rsu_p);
			/* Its heartbeat jitter differs per run seed and per RSU. */
			n->rsu_p.seed = splitmix64(&x);
		}
	} else {
		if (params)
			n->obu_p = *(const struct obu_params *)params;
		else
			obu_params_default(&n->obu_p);
	}
	if (!core_new(s, n)) {
		free(n);
		return -1;
	}
	s->nodes[s->nnodes++] = n;
	return (int)n->idx;
}

int sim_add_rsu(struct sim *s, const struct rsu_params *p, const struct vn_mac *mac)
{
	return add_node(s, SIM_RSU, p, mac);
}

int sim_add_obu(struct sim *s, const struct obu_params *p, const struct vn_mac *mac)
{
	return add_node(s, SIM_OBU, p, mac);
}

size_t sim_node_count(const struct sim *s)
{
	return s->nnodes;
}

enum sim_role sim_role(const struct sim *s, int node)
{
	return node_at(s, node)->role;
}

const struct vn_mac *sim_mac(const struct sim *s, int node)
{
	return &node_at(s, node)->mac;
}

bool sim_alive(const struct sim *s, int node)
{
	return node_at(s, node)->alive;
}

struct obu_core *sim_obu(struct sim *s, int node)
{
	struct sim_node *n = node_at(s, node);

	return n->alive && n->role == SIM_OBU ? n->core.obu : NULL;
}

struct rsu_core *sim_rsu(struct sim *s, int node)
{
	struct sim_node *n = node_at(s, node);

	return n->alive && n->role == SIM_RSU ? n->core.rsu : NULL;
}

void sim_restart(struct sim *s, int node)
{
	struct sim_node *n = node_at(s, node);

	core_free(n);
	if (!core_new(s, n)) {
		fprintf(stderr, "sim: restart of node %d failed\n", node);
		abort();
	}
}

void sim_remove(struct sim *s, int node)
{
	struct sim_node *n = node_at(s, node);

	core_free(n);
	n->epoch++;
}

vn_usec sim_now(const struct sim *s)
{
	return s->now;
}

uint64_t sim_rand(struct sim *s)
{
	return rng_next(&s->rng);
}

double sim_rand01(struct sim *s)
{
	return rng_01(&s->rng);
}

/* --- Links ------------------------------------------------------------------------ */

struct sim_link_cfg *sim_link_get(struct sim *s, int from, int to)
{
	struct sim_node *n = node_at(s, from);

	for (size_t i = 0; i < n->nlinks; i++)
		if (n->links[i].to == (uint32_t)to)
			return &n->links[i].cfg;
	return NULL;
}

void sim_link_set(struct sim *s, int from, int to, const struct sim_link_cfg *cfg)
{
	struct sim_link_cfg *c = sim_link_get(s, from, to);

	node_at(s, to);
	if (c != NULL) {
		*c = *cfg;
		return;
	}
	sim_link_add(s, from, to, cfg);
}

void sim_link_both(struct sim *s, int a, int b, const struct sim_link_cfg *cfg)
{
	sim_link_set(s, a, b, cfg);
	sim_link_set(s, b, a, cfg);
}

void sim_link_up(struct sim *s, int a, int b, bool up)
{
	struct sim_link_cfg *c;

	if ((c = sim_link_get(s, a, b)) != NULL)
		c->up = up;
	if ((c = sim_link_get(s, b, a)) != NULL)
		c->up = up;
}

void sim_link_loss(struct sim *s, int a, int b, double loss)
{
	struct sim_link_cfg *c;

	if ((c = sim_link_get(s, a, b)) != NULL)
		c->loss = loss;
	if ((c = sim_link_get(s, b, a)) != NULL)
		c->loss = loss;
}

void sim_link_add(struct sim *s, int from, int to, const struct sim_link_cfg *cfg)
{
	struct sim_node *n = node_at(s, from);

	node_at(s, to);
	if (n->nlinks == n->caplinks) {
		n->caplinks = n->caplinks ? n->caplinks * 2 : 8;
		n->links = realloc(n->links, n->caplinks * sizeof(*n->links));
		if (n->links == NULL)
			abort();
	}
	n->links[n->nlinks].to = (uint32_t)to;
	n->links[n->nlinks].cfg = *cfg;
	n->nlinks++;
}

void sim_links_clear_from(struct sim *s, int node)
{
	node_at(s, node)->nlinks = 0;
}

/* --- Running ---------------------------------------------------------------------- */

static vn_usec core_next_timer(const struct sim_node *n)
{
	return n->role == SIM_RSU ? rsu_core_next_timer(n->core.rsu)
				  : obu_core_next_timer(n->core.obu);
}

/* After any call into a core: make sure an event waits for its next timer.
 * A pending event later than the new timer is left to be ignored when it
 * fires (its time no longer matches timer_at). */
static void schedule_timer(struct sim *s, struct sim_node *n)
{
	vn_usec t;
	struct sim_ev e;

	if (!n->alive)
		return;
	t = core_next_timer(n);
	if (t == VN_USEC_NEVER || t >= n->timer_at)
		return;
	if (t <= s->now)
		t = s->now + 1; /* never spin at one instant */
	n->timer_at = t;
	e.t = t;
	e.seq = s->seq++;
	e.kind = EV_TIMER;
	e.node = n->idx;
	e.epoch = n->epoch;
	e.u.air = NULL;
	heap_push(&s->heap, &e);
}

static void ev_timer(struct sim *s, const struct sim_ev *e)
{
	struct sim_node *n = s->nodes[e->node];

	if (!n->alive || e->epoch != n->epoch || e->t != n->timer_at)
		return;
	n->timer_at = VN_USEC_NEVER;
	if (core_next_timer(n) <= s->now) {
		if (n->role == SIM_RSU)
			rsu_core_tick(n->core.rsu, s->now);
		else
			obu_core_tick(n->core.obu, s->now);
	}
	schedule_timer(s, n);
}

static void node_rx(struct sim *s, struct sim_node *n, const uint8_t *frame, size_t len)
{
	struct vn_pbuf *b = &s->rxbuf;

	if (len > VN_PBUF_DATA_MAX)
		return; /* the daemon's reader drops it as truncated */
	vn_pbuf_init(b, s->rxmem, sizeof(s->rxmem));
	memcpy(b->data, frame, len);
	b->len = len;
	s->delivered_frames++;
	n->frames_received++;
	if (n->role == SIM_RSU)
		rsu_core_on_frame(n->core.rsu, b, s->now);
	else
		obu_core_on_frame(n->core.obu, b, s->now);
	schedule_timer(s, n);
}

static void ev_frame(struct sim *s, const struct sim_ev *e)
{
	struct sim_node *n = s->nodes[e->node];

	if (n->alive)
		node_rx(s, n, e->u.air->data, e->u.air->len);
	air_put(e->u.air);
}

void sim_run_until(struct sim *s, vn_usec t)
{
	struct sim_ev e;

	while (s->heap.n > 0 && s->heap.v[0].t <= t) {
		heap_pop(&s->heap, &e);
		s->now = e.t;
		s->events++;
		switch (e.kind) {
		case EV_FRAME:
			ev_frame(s, &e);
			break;
		case EV_TIMER:
			ev_timer(s, &e);
			break;
		case EV_CALL:
			e.u.call.fn(s, e.u.call.arg);
			break;
		}
	}
	if (t > s->now)
		s->now = t;
}

void sim_at(struct sim *s, vn_usec t, sim_fn fn, void *arg)
{
	struct sim_ev e;

	memset(&e, 0, sizeof(e));
	e.t = t < s->now ? s->now : t;
	e.seq = s->seq++;
	e.kind = EV_CALL;
	e.u.call.fn = fn;
	e.u.call.arg = arg;
	heap_push(&s->heap, &e);
}

/* Scripted actions carry their arguments in a small heap object. */
struct script_arg {
	int a, b;
	bool up;
	double loss;
};

static struct script_arg *script_new(int a, int b, bool up, double loss)
{
	struct script_arg *x = malloc(sizeof(*x));

	if (x == NULL)
		abort();
	x->a = a;
	x->b = b;
	x->up = up;
	x->loss = loss;
	return x;
}

static void do_link_up(struct sim *s, void *arg)
{
	struct script_arg *x = arg;

	sim_link_up(s, x->a, x->b, x->up);
	free(x);
}

static void do_link_loss(struct sim *s, void *arg)
{
	struct script_arg *x = arg;

	sim_link_loss(s, x->a, x->b, x->loss);
	free(x);
}

static void do_restart(struct sim *s, void *arg)
{
	struct script_arg *x = arg;

	sim_restart(s, x->a);
	free(x);
}

static void do_remove(struct sim *s, void *arg)
{
	struct script_arg *x = arg;

	sim_remove(s, x->a);
	free(x);
}

void sim_at_link_up(struct sim *s, vn_usec t, int a, int b, bool up)
{
	sim_at(s, t, do_link_up, script_new(a, b, up, 0));
}

void sim_at_link_loss(struct sim *s, vn_usec t, int a, int b, double loss)
{
	sim_at(s, t, do_link_loss, script_new(a, b, false, loss));
}

void sim_at_restart(struct sim *s, vn_usec t, int node)
{
	sim_at(s, t, do_restart, script_new(node, 0, false, 0));
}

void sim_at_remove(struct sim *s, vn_usec t, int node)
{
	sim_at(s, t, do_remove, script_new(node, 0, false, 0));
}

/* --- Test packets ------------------------------------------------------------------ */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Payload: magic, tag, then a recognisable filler. */
static void fill_payload(uint8_t *p, size_t len, uint32_t tag)
{
	memcpy(p, SIM_MAGIC, 4);
	put32(p + 4, tag);
	for (size_t i = 8; i < len; i++)
		p[i] = (uint8_t)(i + tag);
}

static void ip4_header(uint8_t *b, size_t len, uint8_t proto, const struct vn_ip *src,
		       const struct vn_ip *dst, uint32_t tag)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)len);
	put16(b + 4, (uint16_t)tag);
	b[6] = 0x40; /* DF */
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, src->a, 4);
	memcpy(b + 16, dst->a, 4);
	put16(b + 10, csum_fold(csum_add(0, b, 20)));
}

size_t sim_build_udp4(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		      uint32_t tag, size_t len)
{
	if (len < 20 + 8 + 8 || len > cap || len > 65535)
		return 0;
	ip4_header(buf, len, 17, src, dst, tag);
	put16(buf + 20, 4000);
	put16(buf + 22, 4001);
	put16(buf + 24, (uint16_t)(len - 20));
	put16(buf + 26, 0); /* no checksum: allowed over IPv4 */
	fill_payload(buf + 28, len - 28, tag);
	return len;
}

size_t sim_build_icmp4(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		       uint32_t tag, size_t len)
{
	uint8_t *icmp = buf + 20;

	if (len < 20 + 8 + 8 || len > cap || len > 65535)
		return 0;
	ip4_header(buf, len, 1, src, dst, tag);
	memset(icmp, 0, 8);
	icmp[0] = 8; /* echo request */
	put16(icmp + 4, 0x5653);
	put16(icmp + 6, (uint16_t)tag);
	fill_payload(icmp + 8, len - 28, tag);
	put16(icmp + 2, csum_fold(csum_add(0, icmp, len - 20)));
	return len;
}

size_t sim_build_udp6(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		      uint32_t tag, size_t len)
{
	uint8_t *udp = buf + 40;
	size_t ulen = len - 40;
	uint32_t sum;
	uint16_t c;

	if (len < 40 + 8 + 8 || len > cap || ulen > 65535)
		return 0;
	memset(buf, 0, 40);
	buf[0] = 0x60;
	put16(buf + 4, (uint16_t)ulen);
	buf[6] = 17;
	buf[7] = 64;
	memcpy(buf + 8, src->a, 16);
	memcpy(buf + 24, dst->a, 16);
	put16(udp, 4000);
	put16(udp + 2, 4001);
	put16(udp + 4, (uint16_t)ulen);
	put16(udp + 6, 0);
	fill_payload(udp + 8, ulen - 8, tag);
	/* Pseudo-header: addresses, length, next header. */
	sum = csum_add(0, buf + 8, 32);
	sum += (uint32_t)ulen + 17;
	sum = csum_add(sum, udp, ulen);
	c = csum_fold(sum);
	put16(udp + 6, c ? c : 0xffff);
	return len;
}

uint32_t sim_new_tag(struct sim *s)
{
	return s->next_tag++;
}

void sim_inject_tun(struct sim *s, int node, const uint8_t *pkt, size_t len)
{
	struct sim_node *n = node_at(s, node);
	struct vn_pbuf *b = &s->rxbuf;

	if (!n->alive || len > VN_PBUF_DATA_MAX)
		return;
	vn_pbuf_init(b, s->rxmem, sizeof(s->rxmem));
	memcpy(b->data, pkt, len);
	b->len = len;
	if (n->role == SIM_RSU)
		rsu_core_on_tun(n->core.rsu, b, s->now);
	else
		obu_core_on_tun(n->core.obu, b, s->now);
	schedule_timer(s, n);
}

uint32_t sim_send_ip(struct sim *s, int node, const struct vn_ip *src, const struct vn_ip *dst,
		     size_t len)
{
	uint8_t pkt[2048];
	uint32_t tag = sim_new_tag(s);
	size_t n;

	if (len > sizeof(pkt))
		len = sizeof(pkt);
	if (src->family == 6)
		n = sim_build_udp6(pkt, sizeof(pkt), src, dst, tag, len);
	else
		n = sim_build_udp4(pkt, sizeof(pkt), src, dst, tag, len);
	if (n == 0)
		abort();
	sim_inject_tun(s, node, pkt, n);
	return tag;
}

void sim_inject_frame(struct sim *s, int node, const uint8_t *frame, size_t len)
{
	struct sim_node *n = node_at(s, node);

	if (n->alive)
		node_rx(s, n, frame, len);
}

void sim_transmit_as(struct sim *s, int node, const uint8_t *frame, size_t len)
{
	struct sim_node *n = node_at(s, node);
	bool alive = n->alive;

	/* A removed node may still be used as a hostile transmitter. */
	n->alive = true;
	io_send(n, frame, len);
	n->alive = alive;
}

/* --- Observation ---------------------------------------------------------------------- */

uint32_t sim_delivered(const struct sim *s, int node, uint32_t tag)
{
	const struct cnt_slot *e = cnt_find(&s->tun, cnt_key((uint32_t)node, 0, tag));

	return e ? e->count : 0;
}

vn_usec sim_delivered_at(const struct sim *s, int node, uint32_t tag)
{
	const struct cnt_slot *e = cnt_find(&s->tun, cnt_key((uint32_t)node, 0, tag));

	return e ? e->first : VN_USEC_NEVER;
}

uint64_t sim_tun_total(const struct sim *s, int node)
{
	return node_at(s, node)->tun_total;
}

size_t sim_tun_read(struct sim *s, int node, uint8_t *buf, size_t cap)
{
	struct sim_node *n = node_at(s, node);
	struct tun_item *it;
	size_t len;

	if (n->tun_n == 0)
		return 0;
	it = &n->tunq[n->tun_head];
	len = it->len <= cap ? it->len : 0;
	if (len)
		memcpy(buf, it->pkt, len);
	free(it->pkt);
	n->tun_head = (n->tun_head + 1) % s->opts.tun_queue;
	n->tun_n--;
	return len;
}

uint64_t sim_dup_forwards(const struct sim *s)
{
	return s->dups;
}

void sim_dup_report(const struct sim *s, size_t max)
{
	size_t shown = 0;

	for (size_t i = 0; i < s->fwd.cap && shown < max; i++) {
		const struct cnt_slot *e = &s->fwd.v[i];
		uint64_t k;
		char m[VN_MAC_STRLEN];

		if (e->key == 0 || e->count < 2)
			continue;
		k = e->key - 1;
		uint32_t node = (uint32_t)(k >> 40);

		fprintf(stderr, "duplicate: node %u (%s) sent %s tag %u %u times (first at %.3f ms)\n",
			node, vn_mac_format(&s->nodes[node]->mac, m),
			((k >> 32) & 0xff) == 1 ? "upstream" : "downstream", (uint32_t)k,
			e->count, (double)e->first / 1000.0);
		shown++;
	}
}

uint64_t sim_data_sent(const struct sim *s, int node)
{
	return node_at(s, node)->data_sent;
}

uint64_t sim_frames_sent(const struct sim *s, int node)
{
	return node_at(s, node)->frames_sent;
}

uint64_t sim_frames_sent_type(const struct sim *s, int node, enum sim_frame_type t)
{
	return node_at(s, node)->sent_type[t];
}

uint64_t sim_frames_delivered(const struct sim *s)
{
	return s->delivered_frames;
}

uint64_t sim_frames_received(const struct sim *s, int node)
{
	return node_at(s, node)->frames_received;
}

uint64_t sim_events(const struct sim *s)
{
	return s->events;
}

/* Placeholder until channel.c: the ideal channel's view. */
void sim_radio_stats(const struct sim *s, int node, struct sim_radio_stats *out)
{
	const struct sim_node *n = node_at(s, node);

	memset(out, 0, sizeof(*out));
	memcpy(out->tx, n->sent_type, sizeof(out->tx));
}

vn_usec sim_airtime(size_t len, uint32_t rate_kbps)
{
	/* 10 MHz OFDM: 8 us symbols, rate_kbps * 8 us = bits per symbol. */
	size_t bytes = len == 0 ? 14 : (len > 14 ? len - 14 : 0) + 24 + 8 + 4;
	uint64_t bits = 16 + 6 + 8 * (uint64_t)bytes;
	uint64_t dbps = (uint64_t)(rate_kbps ? rate_kbps : 6000) * 8 / 1000;

	return 40 + 8 * ((bits + dbps - 1) / dbps);
}

struct counter_q {
	const char *name;
	uint64_t value;
};

static void counter_match(void *ctx, const char *name, uint64_t value)
{
	struct counter_q *q = ctx;

	if (strcmp(name, q->name) == 0)
		q->value = value;
}

static void counter_print(void *ctx, const char *name, uint64_t value)
{
	(void)ctx;
	fprintf(stderr, "  %s %llu\n", name, (unsigned long long)value);
}

static void counters_walk(const struct sim_node *n, void (*fn)(void *, const char *, uint64_t),
			  void *ctx)
{
	if (!n->alive)
		return;
	if (n->role == SIM_RSU)
		rsu_core_counters(n->core.rsu, fn, ctx);
	else
		obu_core_counters(n->core.obu, fn, ctx);
}

uint64_t sim_counter(const struct sim *s, int node, const char *name)
{
	struct counter_q q = { name, 0 };

	counters_walk(node_at(s, node), counter_match, &q);
	return q.value;
}

void sim_counters_print(const struct sim *s, int node)
{
	counters_walk(node_at(s, node), counter_print, NULL);
}

size_t sim_describe(const struct sim *s, int node, char *buf, size_t cap)
{
	const struct sim_node *n = node_at(s, node);

	if (!n->alive) {
		if (cap)
			buf[0] = 0;
		return 0;
	}
	if (n->role == SIM_RSU)
		return rsu_core_describe(n->core.rsu, s->now, buf, cap);
	return obu_core_describe(n->core.obu, s->now, buf, cap);
}

bool sim_upstream(const struct sim *s, int node, struct obu_route_info *out)
{
	const struct sim_node *n = node_at(s, node);

	if (!n->alive || n->role != SIM_OBU)
		return false;
	return obu_core_upstream(n->core.obu, out);
}

bool sim_attached_to(const struct sim *s, int node, int rsu)
{
	struct obu_route_info r;

	return sim_upstream(s, node, &r) && vn_mac_eq(&r.rsu, sim_mac(s, rsu));
}

bool sim_route(const struct sim *s, int rsu, int obu, struct rsu_route_info *out)
{
	const struct sim_node *n = node_at(s, rsu);

	if (!n->alive || n->role != SIM_RSU)
		return false;
	return rsu_core_route(n->core.rsu, sim_mac(s, obu), out);
}

int sim_find(const struct sim *s, const struct vn_mac *mac)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (vn_mac_eq(&s->nodes[i]->mac, mac))
			return (int)i;
	return -1;
}

struct vn_mac sim_mac_n(uint32_t n)
{
	struct vn_mac m = { { 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			      (uint8_t)n } };
	return m;
}

struct vn_ip sim_ip4(uint32_t n)
{
	struct vn_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = 4;
	ip.a[0] = 10;
	ip.a[1] = (uint8_t)(n >> 16);
	ip.a[2] = (uint8_t)(n >> 8);
	ip.a[3] = (uint8_t)n;
	return ip;
}
