/* Helpers of the OBU core's tests driven by hand with heartbeats of any RSU
 * (test_obu_core.c, test_obu_forward.c, test_obu_upstream.c): a second RSU,
 * a far OBU, heartbeats, timers, the upstream. Header-only, static helpers. */
#ifndef VN_OBU_CORE_FX_H
#define VN_OBU_CORE_FX_H

#include "obu_fx.h"

static const struct vn_mac R2 = {{0x04, 0x04, 0x04, 0x04, 0x04, 0x05}}; /* RSU */
static const struct vn_mac X = {{0x02, 0, 0, 0, 0, 0x99}};

/* A heartbeat of RSU src with id, transmitted by `from` with hops. */
static inline void hb(struct fx *f, const struct vn_mac *from, const struct vn_mac *src,
		      uint32_t id, uint32_t hops, vn_usec now)
{
	uint8_t fr[64];
	size_t n = b_hb(fr, &vn_mac_broadcast, from, src, (vn_u128)id * 100 + 7, id, hops);

	feed(f, fr, n, now);
}

static inline void run_to(struct fx *f, vn_usec now)
{
	while (obu_core_next_timer(f->c) <= now)
		obu_core_tick(f->c, obu_core_next_timer(f->c));
}

static inline bool up_is(const struct fx *f, const struct vn_mac *nh, uint32_t hops)
{
	struct obu_route_info ri;

	if (!obu_core_upstream(f->c, &ri))
		return false;
	return vn_mac_eq(&ri.next_hop, nh) && ri.hops == hops;
}

#endif
