/* Helpers of the OBU core's protocol v2 tests (test_obu_v2.c,
 * test_obu_replies.c): heartbeats of R, timers, the upstream, the stagger.
 * Header-only, static helpers. */
#ifndef VN_OBU_V2_FX_H
#define VN_OBU_V2_FX_H

#include "obu_fx.h"
#include "obu_core_priv.h"

static const struct vn_mac D = {{0x02, 0, 0, 0, 0, 0x0d}};

/* Heartbeat id of R, transmitted by `from` with hops; uptime id * period. */
static inline void hb(struct fx *f, const struct vn_mac *from, uint32_t id, uint32_t hops,
		      vn_usec now)
{
	uint8_t fr[64];
	size_t n = b_hb(fr, &vn_mac_broadcast, from, &R, (vn_u128)id * f->period_ms + 7, id, hops);

	feed(f, fr, n, now);
}

/* Ticks at every timer up to now, never back in time: a timer may fall
 * before the tick that set it (a new upstream already past its limit),
 * which a daemon meets at the next moment, not in the past. */
static inline void run_to(struct fx *f, vn_usec now)
{
	vn_usec prev = 0, nt;

	while ((nt = obu_core_next_timer(f->c)) <= now) {
		if (nt <= prev && prev != 0) {
			obu_core_tick(f->c, prev);
			if (obu_core_next_timer(f->c) <= prev)
				break;
			continue;
		}
		obu_core_tick(f->c, nt);
		prev = nt;
	}
}

static inline bool up_is(const struct fx *f, const struct vn_mac *nh)
{
	struct obu_route_info ri;

	return obu_core_upstream(f->c, &ri) && vn_mac_eq(&ri.next_hop, nh);
}

static inline uint32_t st(const struct vn_mac *m)
{
	return obu_stagger(m);
}

#endif
