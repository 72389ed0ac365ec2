/* Diagnostics of lost packets (SWEEP_LOSS=1): the state of the path at the
 * moment a packet was sent, walked hop by hop over the cores' own choices
 * (upstreams; the RSU's route and the OBUs' downstream routes), so that a
 * lost packet can be put down to "no path", "no upstream", "a stale next
 * hop after a move" or "lost on a sound path" (MAC, collisions, queues). */
#include "measure_loss.h"

#include <stdio.h>
#include <string.h>

#include "obu_core.h"
#include "rsu_core.h"

const char *const loss_class_name[LOSS_NCLASS] = {
	"path_ok", "no_path", "no_upstream", "stale_first_hop", "stale_later_hop",
	"no_upstream_later", "loop", "no_route_at_rsu", "no_route_later",
};

struct down_find {
	struct vn_mac obu, via;
	bool found;
};

static void down_cb(void *ctx, const struct obu_down_info *d)
{
	struct down_find *f = ctx;

	if (!f->found && vn_mac_eq(&d->obu, &f->obu)) {
		f->via = d->via;
		f->found = true;
	}
}

int loss_class_up(struct world *w, int node, int *hops)
{
	struct sim *s = world_sim(w);
	int cur = node;

	if (!world_reachable(w, node))
		return LOSS_NO_PATH;
	for (int i = 0; i < 64; i++) {
		struct obu_route_info ri;
		int nh;

		if (cur < (int)world_rsus(w)) {
			*hops = i;
			return LOSS_OK;
		}
		if (!sim_upstream(s, cur, &ri))
			return i == 0 ? LOSS_NO_UP : LOSS_NO_UP_LATER;
		nh = sim_find(s, &ri.next_hop);
		if (nh < 0 || !world_linked(w, cur, nh))
			return i == 0 ? LOSS_STALE1 : LOSS_STALEN;
		cur = nh;
	}
	return LOSS_LOOP;
}

int loss_class_down(struct world *w, int rsu, int node, int *hops)
{
	struct sim *s = world_sim(w);
	const struct vn_mac *dst = sim_mac(s, node);
	struct rsu_route_info rr;
	int cur, nh;

	if (!world_reachable(w, node))
		return LOSS_NO_PATH;
	if (!sim_route(s, rsu, node, &rr))
		return LOSS_NO_ROUTE;
	nh = sim_find(s, &rr.next_hop);
	if (nh < 0 || !world_linked(w, rsu, nh))
		return LOSS_STALE1;
	cur = nh;
	for (int i = 1; i < 64; i++) {
		struct down_find f = { .obu = *dst };

		if (cur == node) {
			*hops = i;
			return LOSS_OK;
		}
		obu_core_downstream(sim_obu(s, cur), sim_now(s), down_cb, &f);
		if (!f.found)
			return LOSS_NO_ROUTE_LATER;
		nh = sim_find(s, &f.via);
		if (nh < 0 || !world_linked(w, cur, nh))
			return LOSS_STALEN;
		cur = nh;
	}
	return LOSS_LOOP;
}

void loss_tally_print(const char *what, const struct loss_tally *t)
{
	fprintf(stderr, "%s loss by path state at send:", what);
	for (int i = 0; i < LOSS_NCLASS; i++)
		if (t->sent[i])
			fprintf(stderr, " %s=%zu/%zu", loss_class_name[i], t->sent[i] - t->got[i],
				t->sent[i]);
	fprintf(stderr, " (lost/sent); path_ok lost: never left the sender %zu, reached hop k<path %zu\n",
		t->ok_unsent, t->ok_partial);
}
