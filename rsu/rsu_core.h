/* The RSU routing core (PROTOCOL.md §4): heartbeats, routes to OBUs learned
 * from replies, IP-to-OBU learning, and the gateway between tun0 and the
 * OBUs. Pure: see common/core_io.h. */
#ifndef VN_RSU_CORE_H
#define VN_RSU_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core_io.h"
#include "ip.h"
#include "mac.h"
#include "pbuf.h"
#include "rsu_params.h"

struct rsu_core;

/* `now` at creation is uptime 0 (heartbeats carry now - creation, in ms). */
struct rsu_core *rsu_core_new(const struct rsu_params *p, const struct vn_mac *self,
			      const struct vn_core_io *io, vn_usec now);
void rsu_core_free(struct rsu_core *c);
int rsu_core_set_params(struct rsu_core *c, const struct rsu_params *p, vn_usec now);

void rsu_core_on_frame(struct rsu_core *c, struct vn_pbuf *b, vn_usec now);
void rsu_core_on_tun(struct rsu_core *c, struct vn_pbuf *b, vn_usec now);
/* The MAC gave up a unicast frame this core sent (802.11: no ACK after
 * every retry; SO_WIFI_STATUS in a daemon). b holds the frame as sent; a
 * Downstream may be rewritten in place and sent again via another next hop
 * (rule 12, docs/routing.md). Never called on a medium without ACKs. */
void rsu_core_on_tx_failed(struct rsu_core *c, struct vn_pbuf *b, vn_usec now);
void rsu_core_tick(struct rsu_core *c, vn_usec now);
vn_usec rsu_core_next_timer(const struct rsu_core *c);

struct rsu_route_info {
	struct vn_mac next_hop;
	uint32_t hops;
	uint32_t rtt_ms;
};
/* false if the OBU is unknown or gone. */
bool rsu_core_route(const struct rsu_core *c, const struct vn_mac *obu, struct rsu_route_info *out);
/* Structured tables for the control socket (rsu_info.c): every OBU with a
 * usable route, and how many. */
struct rsu_obu_info {
	struct vn_mac obu, next_hop;
	uint32_t hops, rtt_ms;
	uint64_t seen_ms; /* since its last sign of life */
};
void rsu_core_routes(const struct rsu_core *c, vn_usec now,
		     void (*fn)(void *ctx, const struct rsu_obu_info *o), void *ctx);
uint32_t rsu_core_n_routes(const struct rsu_core *c, vn_usec now);
size_t rsu_core_describe(const struct rsu_core *c, vn_usec now, char *buf, size_t cap);
/* Host routes for the backbone (docs/routing.md, "Backbone routes"). The
 * core says, for every IP address it learned, whether this RSU serves it
 * now (the address is not expired and its OBU has a route here) and how
 * well, so that after a move the new RSU's route wins on the backbone at
 * once, before the old RSU drops the vehicle (after obu_timeout):
 *   FRESH    its OBU attached here lately (first served, the address moved
 *            to it from another OBU, or an attach announce): for
 *            obu_timeout / 2 + 2 periods;
 *   SETTLED  after that;
 *   STALE    its OBU has been silent (no reply, no data) for obu_timeout / 2:
 *            it has probably moved on.
 * The shell gives them increasing metrics. The callback is told every
 * change (was != now), synchronously, from rsu_core_on_frame /
 * rsu_core_tick / rsu_core_set_params; never from rsu_core_free (the shell
 * removes what it installed on exit). */
enum rsu_export { RSU_EXPORT_NONE, RSU_EXPORT_FRESH, RSU_EXPORT_SETTLED, RSU_EXPORT_STALE };
typedef void (*rsu_export_fn)(void *ctx, const struct vn_ip *ip, const struct vn_mac *obu,
			      enum rsu_export was, enum rsu_export now);
/* fn NULL: no events. Setting it (again) forgets what was exported, without
 * events: the shell has just removed its routes, or has none yet; the next
 * tick exports every served address afresh. */
void rsu_core_set_export(struct rsu_core *c, rsu_export_fn fn, void *ctx);
/* How many addresses are exported now. */
uint32_t rsu_core_n_exported(const struct rsu_core *c);

void rsu_core_counters(const struct rsu_core *c,
		       void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

#endif
