/* The daemon shell shared by obud and rsud: command line, configuration,
 * tun, raw socket, control socket, signals and the libev loop around a
 * routing core. Each daemon only supplies the table below. */
#ifndef VN_DAEMON_H
#define VN_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "core_io.h"
#include "ctl.h"
#include "mac.h"
#include "pbuf.h"

/* One line of the neighbours or routes table, whichever core it is from. */
struct vn_row {
	const char *kind;  /* routes: "default" (the OBU's upstream) or "obu";
			    * neighbours: "nbr" */
	struct vn_mac mac; /* the neighbour, or the route's destination OBU */
	struct vn_mac via; /* next hop (routes) */
	struct vn_mac rsu; /* the RSU it is heard for / leads to (obud) */
	bool has_via, has_rsu, has_ratio, has_rtt;
	uint32_t hops;	   /* 0: not known */
	uint32_t ratio;	   /* delivery ratio, percent */
	uint32_t rtt_ms;
	uint64_t age_ms;   /* since last heard or seen; UINT64_MAX never */
	const char *state; /* e.g. "upstream", "below", "" */
};
typedef void (*vn_row_fn)(void *ctx, const struct vn_row *r);

/* The core, seen through a small vtable so that one shell serves both. */
struct vn_core_ops {
	enum vn_role role;
	void *(*create)(const struct vn_config *cfg, const struct vn_mac *self,
			const struct vn_core_io *io, vn_usec now);
	void (*destroy)(void *core);
	/* NULL if the routing parameters in cfg are acceptable to the core. */
	const char *(*check)(const struct vn_config *cfg);
	int (*set_params)(void *core, const struct vn_config *cfg, vn_usec now);
	/* Optional: tell the core its tun addresses. */
	int (*set_addresses)(void *core, const struct vn_ip_prefix *a, size_t n);
	void (*on_frame)(void *core, struct vn_pbuf *b, vn_usec now);
	void (*on_tun)(void *core, struct vn_pbuf *b, vn_usec now);
	/* Optional: a unicast frame we sent that the 802.11 MAC gave up on
	 * (no ACK after its retries; SO_WIFI_STATUS), as the core sent it. */
	void (*on_tx_failed)(void *core, struct vn_pbuf *b, vn_usec now);
	void (*tick)(void *core, vn_usec now);
	vn_usec (*next_timer)(const void *core);
	/* The core's status lines (obud's start with the "upstream:" line the
	 * contract describes); snprintf-style. */
	size_t (*describe)(const void *core, vn_usec now, char *buf, size_t cap);
	void (*counters)(const void *core, void (*fn)(void *ctx, const char *name, uint64_t value),
			 void *ctx);
	/* One line for systemd's STATUS= (obud: its upstream; rsud: its
	 * routes); snprintf-style. */
	size_t (*summary)(const void *core, vn_usec now, char *buf, size_t cap);
	/* The tables behind "vanetctl neighbours" and "vanetctl routes". */
	void (*neighbours)(const void *core, vn_usec now, vn_row_fn fn, void *ctx);
	void (*routes)(const void *core, vn_usec now, vn_row_fn fn, void *ctx);
	/* Optional (obud): the chosen RSU and the upstream towards it, false
	 * if none. Cheap: asked after every burst, so that the security
	 * layer seals for the RSU the core routes by from the next packet. */
	bool (*upstream)(const void *core, struct vn_mac *rsu, struct vn_mac *via);
};

/* The whole program: returns the process exit code (DAEMON_CONTRACT.md). */
int vn_daemon_main(const struct vn_core_ops *ops, int argc, char *argv[]);

/* CLOCK_MONOTONIC in microseconds: the `now` every core call gets. */
vn_usec vn_now(void);

#endif
