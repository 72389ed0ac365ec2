/* The RSU core's parameters. A header of their own so that the daemons'
 * configuration parser (shell/config.c) and its fuzzer use them without the
 * core. Defaults and checks: rsu_params.c; meaning: docs/routing.md and
 * docs/configuration.md. */
#ifndef VN_RSU_PARAMS_H
#define VN_RSU_PARAMS_H

#include <stdint.h>

/* Limits of rsu_params (rsu_params_check). */
#define RSU_HISTORY_MAX 1024
#define RSU_OBU_TIMEOUT_MAX 10000

struct rsu_params {
	uint32_t heartbeat_period_ms; /* T (100) */
	uint32_t jitter_pct;	      /* random jitter of T, +- percent (5) */
	uint32_t history;	      /* recent heartbeat ids believed in replies; max RTT in periods (10) */
	uint32_t rtt_hysteresis_ms;   /* RTT gain needed to change next hop (5) */
	uint32_t max_obus;	      /* OBU route table capacity (4096) */
	uint32_t max_ips;	      /* IP -> OBU table capacity (16384) */
	uint32_t ip_expiry_ms;	      /* an IP not heard from for this long is forgotten (300000) */
	uint64_t seed;		      /* for jitter: deterministic in the simulator */
	/* a next hop silent this many periods loses its preference; 1..obu_timeout_periods (45) */
	uint32_t stale_periods;
	/* an OBU with neither a reply nor Upstream data via its next hop for
	 * this many periods is gone: 3 keep-alive intervals (3 x 20) + 5 (65) */
	uint32_t obu_timeout_periods;
};

void rsu_params_default(struct rsu_params *p);
/* NULL if p is acceptable, else a static message saying what is wrong. */
const char *rsu_params_check(const struct rsu_params *p);

#endif
