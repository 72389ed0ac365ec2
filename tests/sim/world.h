/* A 2-D world on top of the simulator: RSUs at fixed positions, vehicles
 * (OBUs) placed by a mobility source. Every 100 ms of virtual time the world
 * asks the source where each vehicle is, adds an OBU node for a vehicle that
 * appeared, removes the node of one that left, and rebuilds every link from
 * the distances: linked (both ways) if within radio range, with a loss that
 * grows with distance; RSUs are never linked with each other. Links are found
 * through a uniform grid of cells one radio range wide, so a rebuild costs
 * O(n * k) for n nodes with k neighbours each.
 *
 * Node indices: the RSUs are nodes 0 .. nrsus-1 (in the order given); OBU
 * nodes are added after them as vehicles appear and are never reused. */
#ifndef VN_SIM_WORLD_H
#define VN_SIM_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "sim.h"

/* The period of position updates and relinking. */
#define WORLD_TICK ((vn_usec)100000)

/* Where vehicles are: a mobility source. Vehicles are numbered
 * 0 .. nvehicles-1; pos() tells where vehicle v is at time `at` and returns
 * false while it is not on the road. Queries come in increasing time. */
struct world_mobility {
	void *ctx;
	size_t nvehicles;
	bool (*pos)(void *ctx, size_t v, vn_usec at, double *x, double *y);
	void (*free)(void *ctx);
};

struct world_xy {
	double x, y;
};

struct world_cfg {
	double range;		    /* radio range, m (> 0) */
	const struct obu_params *obu; /* NULL: the defaults */
	const struct world_xy *rsus;
	size_t nrsus;
};

struct world;

/* Adds the RSUs to s and takes ownership of the mobility source (freed with
 * the world). Vehicles appear and links exist from world_start on. */
struct world *world_new(struct sim *s, const struct world_cfg *c, struct world_mobility *m);
void world_free(struct world *w);

/* Places the vehicles present now, links everything and schedules the
 * 100 ms updates. */
void world_start(struct world *w);

/* Called after every update (positions, nodes and links new). */
typedef void (*world_tick_fn)(struct world *w, void *arg);
void world_on_tick(struct world *w, world_tick_fn fn, void *arg);

struct sim *world_sim(const struct world *w);
size_t world_vehicles(const struct world *w);
size_t world_rsus(const struct world *w);
/* The node of vehicle v, or -1 while it is not on the road. */
int world_vehicle_node(const struct world *w, size_t v);
/* Vehicles on the road now. */
size_t world_present(const struct world *w);
/* Where node is (as of the last update). */
struct world_xy world_node_pos(const struct world *w, int node);
/* Linked both ways at the last update. */
bool world_linked(const struct world *w, int a, int b);
bool world_linked_mac(const struct world *w, int a, const struct vn_mac *b);
/* Whether node has a multi-hop path to some RSU over the current links. */
bool world_reachable(const struct world *w, int node);
/* Link loss at distance d: 2 % close by, 30 % at the edge of range. */
double world_loss_at(double d, double range);

#endif
