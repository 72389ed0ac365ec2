/* Host routes for the backbone (docs/operations.md, "Many RSUs"): rsud puts
 * a /32 or /128 route into tun0 for every address its core says it serves
 * (rsu_core_set_export), in a table and with a route protocol number of its
 * own, so that a routing daemon (BIRD, FRR) can pick exactly these routes up
 * and carry them across the backbone. A fresh route (the vehicle attached
 * here lately) has metric - 1, a settled one metric, a stale one (the
 * vehicle has been silent for a while) metric + 1.
 *
 * Netlink errors are counted and logged (rate-limited), never fatal: the
 * radio side works without the backbone routes. Uses a netlink socket of
 * its own, so that a dump never interleaves with the daemon's requests. */
#ifndef VN_HOSTROUTE_H
#define VN_HOSTROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ip.h"
#include "log.h"
#include "syserr.h"

struct vn_hostroute;

/* Opens the socket, finds the tun and removes the routes of cfg->protocol
 * in cfg->table that a crashed rsud left behind. NULL with *e filled if the
 * socket or the tun cannot be had. */
struct vn_hostroute *vn_hostroute_open(const struct vn_backbone *cfg, const char *tun,
				       struct vn_error *e);
/* Removes every route of our protocol in our table, then frees. */
void vn_hostroute_close(struct vn_hostroute *h);

/* Route state of one address: 0 none, 1 fresh, 2 settled, 3 stale (enum
 * rsu_export).
 * Make before break: a changed metric is added before the old one goes. */
void vn_hostroute_set(struct vn_hostroute *h, const struct vn_ip *ip, int was, int now);
/* Removes every route of our protocol in our table; returns how many. */
unsigned vn_hostroute_flush(struct vn_hostroute *h);
/* Whether cfg asks for the same routes as h makes (a reload may keep h). */
bool vn_hostroute_same(const struct vn_hostroute *h, const struct vn_backbone *cfg);

/* hostroute_installs, hostroute_removals, hostroute_errors. */
void vn_hostroute_counters(const struct vn_hostroute *h,
			   void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

#endif
