/* The 2-D world: nodes from a mobility source, links from distances through
 * a uniform grid, reachability by breadth-first search over those links. */
#include "world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-node state, indexed by simulator node. */
struct wnode {
	struct world_xy pos;
	bool live;    /* an RSU, or a vehicle on the road */
	bool rsu;
	bool reach;   /* has a path to some RSU */
	size_t adj_off, adj_n; /* its neighbours: adj[adj_off ..] */
	size_t cell;
};

struct world {
	struct sim *s;
	double range;
	struct obu_params op;
	struct world_mobility m;
	int *veh_node;	       /* per vehicle: its node or -1 */
	size_t nrsus;
	size_t present;
	struct wnode *n;       /* per node */
	size_t cap_n;
	int *live;	       /* the live nodes, RSUs first */
	size_t nlive;
	size_t *cell_start;    /* grid: live-list positions by cell */
	int *cell_items;
	size_t cap_cells;
	int *adj;	       /* neighbour lists of all live nodes, back to back */
	size_t nadj, cap_adj;
	int *queue;	       /* BFS */
	world_tick_fn on_tick;
	void *on_tick_arg;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL) {
		perror("world");
		abort();
	}
	return p;
}

double world_loss_at(double d, double range)
{
	double q = d / range;

	return 0.02 + 0.28 * q * q;
}

/* Grows the per-node arrays to cover every simulator node. */
static void nodes_fit(struct world *w)
{
	size_t need = sim_node_count(w->s);

	if (need <= w->cap_n)
		return;
	size_t cap = w->cap_n ? w->cap_n : 64;

	while (cap < need)
		cap *= 2;
	w->n = xrealloc(w->n, cap * sizeof(*w->n));
	memset(w->n + w->cap_n, 0, (cap - w->cap_n) * sizeof(*w->n));
	w->live = xrealloc(w->live, cap * sizeof(*w->live));
	w->queue = xrealloc(w->queue, cap * sizeof(*w->queue));
	w->cell_items = xrealloc(w->cell_items, cap * sizeof(*w->cell_items));
	w->cap_n = cap;
}

/* Node i gets MAC sim_mac_n(i + 1): the world adds every node, in order,
 * so a MAC maps back to its node without a search. */
static int add_node(struct world *w, bool rsu)
{
	struct vn_mac mac = sim_mac_n((uint32_t)sim_node_count(w->s) + 1);
	int node = rsu ? sim_add_rsu(w->s, NULL, &mac) : sim_add_obu(w->s, &w->op, &mac);

	if (node < 0) {
		fprintf(stderr, "world: the core refused a new %s\n", rsu ? "RSU" : "OBU");
		abort();
	}
	nodes_fit(w);
	w->n[node].live = true;
	w->n[node].rsu = rsu;
	return node;
}

struct world *world_new(struct sim *s, const struct world_cfg *c, struct world_mobility *m)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL)
		abort();
	w->s = s;
	w->range = c->range;
	if (c->obu)
		w->op = *c->obu;
	else
		obu_params_default(&w->op);
	w->m = *m;
	w->veh_node = xrealloc(NULL, m->nvehicles * sizeof(*w->veh_node));
	for (size_t v = 0; v < m->nvehicles; v++)
		w->veh_node[v] = -1;
	for (size_t i = 0; i < c->nrsus; i++) {
		int node = add_node(w, true);

		w->n[node].pos = c->rsus[i];
	}
	w->nrsus = c->nrsus;
	return w;
}

void world_free(struct world *w)
{
	if (w == NULL)
		return;
	if (w->m.free)
		w->m.free(w->m.ctx);
	free(w->veh_node);
	free(w->n);
	free(w->live);
	free(w->queue);
	free(w->cell_start);
	free(w->cell_items);
	free(w->adj);
	free(w);
}

/* Asks the mobility source where every vehicle is now: new vehicles get a
 * node, vehicles that left lose theirs. */
static void place_vehicles(struct world *w)
{
	vn_usec now = sim_now(w->s);

	for (size_t v = 0; v < w->m.nvehicles; v++) {
		struct world_xy p;
		bool on = w->m.pos(w->m.ctx, v, now, &p.x, &p.y);
		int node = w->veh_node[v];

		if (on && node < 0) {
			node = w->veh_node[v] = add_node(w, false);
			w->present++;
		} else if (!on && node >= 0) {
			sim_links_clear_from(w->s, node);
			sim_remove(w->s, node);
			memset(&w->n[node], 0, sizeof(w->n[node]));
			w->veh_node[v] = -1;
			w->present--;
			continue;
		}
		if (on)
			w->n[node].pos = p;
	}
}

/* The grid over the live nodes' bounding box: cells one range wide, made
 * coarser if the box is so sparse that empty cells would dominate. Fills
 * gw, gh and each live node's cell. */
static void grid_build(struct world *w, size_t *gw, size_t *gh)
{
	double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
	double cell = w->range;
	size_t limit = 4 * w->nlive + 1024, ncells;

	for (size_t i = 0; i < w->nlive; i++) {
		const struct world_xy *p = &w->n[w->live[i]].pos;

		x0 = fmin(x0, p->x), y0 = fmin(y0, p->y);
		x1 = fmax(x1, p->x), y1 = fmax(y1, p->y);
	}
	do {
		*gw = (size_t)((x1 - x0) / cell) + 1;
		*gh = (size_t)((y1 - y0) / cell) + 1;
		cell *= 2;
	} while (*gw * *gh > limit);
	cell /= 2;
	ncells = *gw * *gh;
	if (ncells + 1 > w->cap_cells) {
		w->cap_cells = ncells + 1;
		w->cell_start = xrealloc(w->cell_start, w->cap_cells * sizeof(*w->cell_start));
	}
	memset(w->cell_start, 0, (ncells + 1) * sizeof(*w->cell_start));
	/* Counting sort of the live nodes by cell. */
	for (size_t i = 0; i < w->nlive; i++) {
		struct wnode *n = &w->n[w->live[i]];
		size_t cx = (size_t)((n->pos.x - x0) / cell), cy = (size_t)((n->pos.y - y0) / cell);

		n->cell = cy * *gw + cx;
		w->cell_start[n->cell + 1]++;
	}
	for (size_t c = 0; c < ncells; c++)
		w->cell_start[c + 1] += w->cell_start[c];
	for (size_t i = 0; i < w->nlive; i++) {
		struct wnode *n = &w->n[w->live[i]];

		w->cell_items[w->cell_start[n->cell]++] = w->live[i];
	}
	/* cell_start[c] now holds the end of cell c: shift back to starts. */
	memmove(w->cell_start + 1, w->cell_start, ncells * sizeof(*w->cell_start));
	w->cell_start[0] = 0;
}

static void adj_push(struct world *w, int b)
{
	if (w->nadj == w->cap_adj) {
		w->cap_adj = w->cap_adj ? w->cap_adj * 2 : 4096;
		w->adj = xrealloc(w->adj, w->cap_adj * sizeof(*w->adj));
	}
	w->adj[w->nadj++] = b;
}

/* Links node a to every node of cell c within range. */
static void link_cell(struct world *w, int a, size_t c)
{
	struct sim_link_cfg l = sim_link_default();
	const struct wnode *na = &w->n[a];

	for (size_t k = w->cell_start[c]; k < w->cell_start[c + 1]; k++) {
		int b = w->cell_items[k];
		const struct wnode *nb = &w->n[b];
		double d = hypot(na->pos.x - nb->pos.x, na->pos.y - nb->pos.y);

		if (b == a || d > w->range || (na->rsu && nb->rsu))
			continue;
		l.loss = world_loss_at(d, w->range);
		sim_link_add(w->s, a, b, &l);
		adj_push(w, b);
	}
}

/* Every live node's outgoing links from the 3 x 3 cells around it; the
 * other direction comes from the neighbour's own pass. */
static void relink(struct world *w)
{
	size_t gw, gh;

	if (w->nlive == 0)
		return;
	grid_build(w, &gw, &gh);
	w->nadj = 0;
	for (size_t i = 0; i < w->nlive; i++) {
		int a = w->live[i];
		struct wnode *n = &w->n[a];
		size_t cx = n->cell % gw, cy = n->cell / gw;

		sim_links_clear_from(w->s, a);
		n->adj_off = w->nadj;
		for (size_t y = cy ? cy - 1 : 0; y <= cy + 1 && y < gh; y++)
			for (size_t x = cx ? cx - 1 : 0; x <= cx + 1 && x < gw; x++)
				link_cell(w, a, y * gw + x);
		w->n[a].adj_n = w->nadj - w->n[a].adj_off;
	}
}

/* Breadth-first from all RSUs at once. */
static void find_reachable(struct world *w)
{
	size_t head = 0, tail = 0;

	for (size_t i = 0; i < w->nlive; i++) {
		struct wnode *n = &w->n[w->live[i]];

		n->reach = n->rsu;
		if (n->rsu)
			w->queue[tail++] = w->live[i];
	}
	while (head < tail) {
		const struct wnode *n = &w->n[w->queue[head++]];

		for (size_t k = 0; k < n->adj_n; k++) {
			int b = w->adj[n->adj_off + k];

			if (!w->n[b].reach) {
				w->n[b].reach = true;
				w->queue[tail++] = b;
			}
		}
	}
}

static void update(struct world *w)
{
	place_vehicles(w);
	w->nlive = 0;
	for (size_t i = 0; i < sim_node_count(w->s); i++)
		if (w->n[i].live)
			w->live[w->nlive++] = (int)i;
	relink(w);
	find_reachable(w);
}

static void tick(struct sim *s, void *arg)
{
	struct world *w = arg;

	update(w);
	if (w->on_tick)
		w->on_tick(w, w->on_tick_arg);
	sim_at(s, sim_now(s) + WORLD_TICK, tick, w);
}

void world_start(struct world *w)
{
	update(w);
	sim_at(w->s, sim_now(w->s) + WORLD_TICK, tick, w);
}

void world_on_tick(struct world *w, world_tick_fn fn, void *arg)
{
	w->on_tick = fn;
	w->on_tick_arg = arg;
}

struct sim *world_sim(const struct world *w)
{
	return w->s;
}

size_t world_vehicles(const struct world *w)
{
	return w->m.nvehicles;
}

size_t world_rsus(const struct world *w)
{
	return w->nrsus;
}

int world_vehicle_node(const struct world *w, size_t v)
{
	return w->veh_node[v];
}

size_t world_present(const struct world *w)
{
	return w->present;
}

struct world_xy world_node_pos(const struct world *w, int node)
{
	return w->n[node].pos;
}

bool world_linked(const struct world *w, int a, int b)
{
	const struct wnode *n = &w->n[a];

	for (size_t k = 0; k < n->adj_n; k++)
		if (w->adj[n->adj_off + k] == b)
			return true;
	return false;
}

bool world_linked_mac(const struct world *w, int a, const struct vn_mac *b)
{
	uint32_t n = (uint32_t)b->b[2] << 24 | (uint32_t)b->b[3] << 16 | (uint32_t)b->b[4] << 8 | b->b[5];
	int nb = (int)n - 1;

	return n >= 1 && n <= sim_node_count(w->s) && vn_mac_eq(sim_mac(w->s, nb), b) &&
	       world_linked(w, a, nb);
}

bool world_reachable(const struct world *w, int node)
{
	return w->n[node].reach;
}
