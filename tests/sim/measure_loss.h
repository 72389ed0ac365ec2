/* Lost-packet diagnostics of the sweep (SWEEP_LOSS=1, measure_loss.c). */
#ifndef VN_SIM_MEASURE_LOSS_H
#define VN_SIM_MEASURE_LOSS_H

#include <stddef.h>

#include "world.h"

enum loss_class {
	LOSS_OK,	  /* every hop linked, down to the RSU / the vehicle */
	LOSS_NO_PATH,	  /* the vehicle had no multi-hop path at all */
	LOSS_NO_UP,	  /* a path, but the sender had no upstream */
	LOSS_STALE1,	  /* the first hop was out of range (a move not noticed yet) */
	LOSS_STALEN,	  /* a later hop was out of range */
	LOSS_NO_UP_LATER, /* a relay on the way had no upstream */
	LOSS_LOOP,	  /* the chain came round */
	LOSS_NO_ROUTE,	  /* downstream: the RSU had no route to the vehicle */
	LOSS_NO_ROUTE_LATER, /* downstream: a relay had no route */
	LOSS_NCLASS
};

extern const char *const loss_class_name[LOSS_NCLASS];

struct loss_tally {
	size_t sent[LOSS_NCLASS], got[LOSS_NCLASS];
	size_t ok_unsent, ok_partial;
};

/* The state of the path from node up to an RSU / from rsu down to node now. */
int loss_class_up(struct world *w, int node, int *hops);
int loss_class_down(struct world *w, int rsu, int node, int *hops);
void loss_tally_print(const char *what, const struct loss_tally *t);

#endif
