/* Mobility sources for the world (world.h): where vehicles are over time.
 *
 * Static jam: n vehicles on a 4-lane road segment 1.9 ranges long with one
 *   RSU beside its middle: every vehicle is in range of the RSU, the two
 *   ends are out of range of each other (hidden terminals). A third stand
 *   still, the others crawl at up to 2 m/s, turning back at the ends.
 * Ring road: n vehicles on a circular road of the given length, in both
 *   directions at 20-35 m/s, with nrsus RSUs evenly spaced on the road.
 * Trace: the vehicles of a mobility trace (trace.h), in mobility_trace.c.
 *
 * Each fills *m (to hand to world_new) and the RSU positions it implies;
 * random choices come from `seed` only. */
#ifndef VN_SIM_MOBILITY_H
#define VN_SIM_MOBILITY_H

#include "world.h"

/* One RSU, written to *rsu. 0, or -1 on no memory. */
int mobility_jam(struct world_mobility *m, size_t n, double range, uint64_t seed,
		 struct world_xy *rsu);
/* nrsus positions written to rsus. 0, or -1 on no memory. */
int mobility_ring(struct world_mobility *m, size_t n, double road, size_t nrsus, uint64_t seed,
		  struct world_xy *rsus);

/* What a trace covers, for placing RSUs over it. */
struct mobility_trace_info {
	double xmin, ymin, xmax, ymax;
	vn_usec duration;
};
/* 0, or -1 with a message in err. */
int mobility_trace(struct world_mobility *m, const char *path, struct mobility_trace_info *info,
		   char *err, size_t errlen);

#endif
