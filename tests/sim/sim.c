/* The simulator: an event heap in virtual time, the run loop and the
 * scripted timeline. See sim.h; the nodes with their cores, their links and
 * the ideal air between them are in sim_nodes.c, the 802.11p channel in
 * channel.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "wire.h"

/* --- The air: a transmitted frame, shared by its receivers ---------------- */

struct sim_air *air_new(const uint8_t *frame, size_t len)
{
	struct sim_air *a = malloc(sizeof(*a) + len);

	if (a == NULL) {
		perror("sim: air");
		abort();
	}
	a->refs = 0;
	a->dst_got = false;
	a->len = (uint32_t)len;
	memcpy(a->data, frame, len);
	return a;
}

void air_put(struct sim_air *a)
{
	if (--a->refs == 0)
		free(a);
}
/* --- Events ---------------------------------------------------------------- */

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

void ev_push(struct sim *s, struct sim_ev *e)
{
	e->seq = s->seq++;
	heap_push(&s->heap, e);
}

static void rng_seed(struct sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

/* --- Life cycle ------------------------------------------------------------------ */

struct sim *sim_new(const struct sim_opts *o)
{
	struct sim *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->opts = *o;
	if (s->opts.mac_queue == 0)
		s->opts.mac_queue = 64;
	if (s->opts.rate_kbps == 0)
		s->opts.rate_kbps = 6000;
	if (s->opts.rate_kbps < 3000 || s->opts.rate_kbps > 27000) {
		free(s);
		return NULL;
	}
	rng_seed(&s->rng, o->seed);
	s->next_tag = 1;
	return s;
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
		else if (e.kind == EV_CHAN)
			chan_event_free(&e);
	}
	free(s->heap.v);
	for (size_t i = 0; i < s->nnodes; i++) {
		struct sim_node *n = s->nodes[i];

		core_free(n);
		chan_node_free(n);
		sim_sec_free(n);
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

/* --- Running ---------------------------------------------------------------------- */

static vn_usec core_next_timer(const struct sim_node *n)
{
	return n->role == SIM_RSU ? rsu_core_next_timer(n->core.rsu)
				  : obu_core_next_timer(n->core.obu);
}

/* After any call into a core: make sure an event waits for its next timer.
 * A pending event later than the new timer is left to be ignored when it
 * fires (its time no longer matches timer_at). */
void schedule_timer(struct sim *s, struct sim_node *n)
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
		sim_sec_follow(s, n);
	}
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
		case EV_CHAN:
			chan_event(s, &e);
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
