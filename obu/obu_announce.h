/* When obud announces its tun addresses to its RSU (common/announce.h,
 * docs/routing.md "Backbone routes"): a vehicle that sends nothing must
 * still be found at a new RSU within a heartbeat period or two, and must
 * not be forgotten by the RSU it stays at. Pure (explicit now), kept apart
 * from the OBU core: the daemon asks it after every core event and feeds
 * the announces to the core as if read from tun0.
 *
 *   chosen RSU changes (or first chosen): ATTACH at once, again after
 *       OBU_ANNOUNCE_REPEAT_MS and 3 x that (a lost frame costs a repeat,
 *       not a keep-alive interval);
 *   then KEEPALIVE every OBU_ANNOUNCE_KEEPALIVE_MS, which keeps the RSU's
 *       ip_expiry (300 s) and a restarted RSU's table filled;
 *   no RSU: nothing. */
#ifndef VN_OBU_ANNOUNCE_H
#define VN_OBU_ANNOUNCE_H

#include <stdbool.h>

#include "announce.h"
#include "core_io.h"
#include "mac.h"
#include "obu_core.h"

#define OBU_ANNOUNCE_REPEAT_MS 200
#define OBU_ANNOUNCE_ATTACH_COPIES 3
#define OBU_ANNOUNCE_KEEPALIVE_MS 10000

struct obu_announce {
	struct vn_mac rsu; /* the RSU announced to */
	bool has_rsu;
	unsigned attach_left; /* ATTACH copies still to send */
	unsigned attach_sent;
	vn_usec next;	      /* when the next one is due; VN_USEC_NEVER none */
};

void obu_announce_init(struct obu_announce *a);
/* rsu: the chosen RSU now, NULL if none. Returns what to send now (for
 * every address), VN_ANNOUNCE_NONE for nothing. */
enum vn_announce_kind obu_announce_due(struct obu_announce *a, const struct vn_mac *rsu,
				       vn_usec now);
/* When obu_announce_due wants to be asked next. */
vn_usec obu_announce_next(const struct obu_announce *a);
/* What the daemon does after every core event: asks obu_announce_due with
 * the core's chosen RSU and hands what is due, one announce per address,
 * to the core as if read from tun0 (up our upstream). Returns how many. */
size_t obu_announce_send(struct obu_announce *a, struct obu_core *core,
			 const struct vn_ip *addrs, size_t n, vn_usec now);

#endif
