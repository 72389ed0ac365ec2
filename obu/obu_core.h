/* The OBU routing core (PROTOCOL.md §5): heartbeat relaying and replies,
 * upstream choice per RSU, forwarding of data up and down. Pure: see
 * common/core_io.h. */
#ifndef VN_OBU_CORE_H
#define VN_OBU_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core_io.h"
#include "ip.h"
#include "mac.h"
#include "obu_params.h"
#include "pbuf.h"

struct obu_core;

/* Allocates every table once; NULL on bad params or no memory. */
struct obu_core *obu_core_new(const struct obu_params *p, const struct vn_mac *self,
			      const struct vn_core_io *io, vn_usec now);
void obu_core_free(struct obu_core *c);
/* Applies new parameters at run time (SIGHUP); tables may be cleared if a
 * capacity changed. Returns 0, or -1 if p is invalid (nothing changed). */
int obu_core_set_params(struct obu_core *c, const struct obu_params *p, vn_usec now);
/* The tun0 addresses, so that a broadcast Downstream is delivered only when
 * it is for us or for a broadcast/multicast address. With none set every
 * broadcast Downstream is delivered. At most 16; returns 0 or -1. */
int obu_core_set_addresses(struct obu_core *c, const struct vn_ip_prefix *a, size_t n);

/* A frame from the wire at b->data (b->len bytes), with at least
 * VN_PBUF_HEADROOM bytes of headroom. The core may rewrite it in place. */
void obu_core_on_frame(struct obu_core *c, struct vn_pbuf *b, vn_usec now);
/* An IP packet read from tun0 at b->data, with VN_PBUF_HEADROOM headroom. */
void obu_core_on_tun(struct obu_core *c, struct vn_pbuf *b, vn_usec now);
/* The MAC gave up a unicast frame this core sent: no ACK after every retry
 * (802.11; a daemon learns it from SO_WIFI_STATUS, the simulator from its
 * channel model). b holds the frame as the core sent it, or only its
 * Ethernet header (then it is evidence, nothing is re-sent); it may be
 * rewritten and sent again. Evidence that the addressee is gone (rule 12,
 * docs/routing.md). Never called on a medium without ACKs. */
void obu_core_on_tx_failed(struct obu_core *c, struct vn_pbuf *b, vn_usec now);
/* Timers: call obu_core_tick at (or after) obu_core_next_timer(). */
void obu_core_tick(struct obu_core *c, vn_usec now);
vn_usec obu_core_next_timer(const struct obu_core *c);

/* Introspection, for tests, the control socket and the demo. */
struct obu_route_info {
	struct vn_mac rsu;	/* chosen RSU */
	struct vn_mac next_hop; /* chosen upstream neighbour */
	uint32_t hops;		/* our distance from the RSU */
};
/* false if no upstream is chosen. */
bool obu_core_upstream(const struct obu_core *c, struct obu_route_info *out);
/* Human-readable state (upstream, candidates, downstream routes, counters),
 * one item per line; returns the length it needed (snprintf-style). */
size_t obu_core_describe(const struct obu_core *c, vn_usec now, char *buf, size_t cap);
/* Structured tables for the control socket (obu_info.c). */
struct obu_nbr_info {
	struct vn_mac mac, rsu; /* the neighbour, as heard for this RSU */
	uint32_t hops;		/* our distance from the RSU through it */
	uint32_t ratio;		/* delivery ratio, percent */
	uint64_t heard_ms;	/* since its last heartbeat copy; UINT64_MAX never */
	bool upstream;		/* it is our upstream for that RSU */
	bool chosen_rsu;	/* ... and that RSU is the chosen one */
	bool below;		/* it sent us replies or data: it is below us */
};
struct obu_down_info {
	struct vn_mac obu, via;
	uint64_t seen_ms;
};
void obu_core_neighbours(const struct obu_core *c, vn_usec now,
			 void (*fn)(void *ctx, const struct obu_nbr_info *n), void *ctx);
void obu_core_downstream(const struct obu_core *c, vn_usec now,
			 void (*fn)(void *ctx, const struct obu_down_info *d), void *ctx);
uint32_t obu_core_n_downstream(const struct obu_core *c);
/* Counters as "name value" pairs: calls fn for each. */
void obu_core_counters(const struct obu_core *c,
		       void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

#endif
