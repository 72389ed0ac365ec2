/* Trace playback: the vehicles of a mobility trace (trace.h) as a world
 * mobility source. */
#include "mobility.h"

#include "trace.h"

static bool trace_pos(void *ctx, size_t v, vn_usec at, double *x, double *y)
{
	return sim_trace_pos(ctx, v, at, x, y);
}

static void trace_free(void *ctx)
{
	sim_trace_free(ctx);
}

int mobility_trace(struct world_mobility *m, const char *path, struct mobility_trace_info *info,
		   char *err, size_t errlen)
{
	struct sim_trace *t = sim_trace_load(path, err, errlen);

	if (t == NULL)
		return -1;
	sim_trace_bounds(t, &info->xmin, &info->ymin, &info->xmax, &info->ymax);
	info->duration = sim_trace_duration(t);
	*m = (struct world_mobility){ .ctx = t, .nvehicles = sim_trace_vehicles(t),
				      .pos = trace_pos, .free = trace_free };
	return 0;
}
