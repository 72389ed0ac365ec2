/* The OBU core's parameters. A header of their own so that the daemons'
 * configuration parser (shell/config.c) and its fuzzer use them without the
 * core. Defaults and checks: obu_params.c; meaning: docs/routing.md and
 * docs/configuration.md. */
#ifndef VN_OBU_PARAMS_H
#define VN_OBU_PARAMS_H

#include <stdint.h>

/* Limits of obu_params (obu_params_check) and of the core's fixed arrays. */
#define OBU_HISTORY_MAX 1024
#define OBU_CAND_MAX 16
#define OBU_PERIOD_FALLBACK_MS 100 /* T_r until it is learned, with no override */
#define OBU_DEAD_MIN 2		   /* the smallest loss-aware silence limit m */
#define OBU_RELAY_SPARSE_MAX 64	   /* a divisor of the 64-id sparse window */
#define OBU_KEEPALIVE_MAX 1000
#define OBU_SCOPE_HOPS_MAX 64	   /* the largest hop count an OBU accepts */
#define OBU_REPLY_HOLD_MAX_MS 1000

struct obu_params {
	/* 0 (default): learn each RSU's period T_r from its heartbeats;
	 * 1..60000: use this for every RSU whatever the heartbeats say. */
	uint32_t heartbeat_period_ms;
	uint32_t history;	      /* heartbeat ids remembered per RSU; RSU gone after this many periods (10) */
	uint32_t candidates;	      /* upstream candidates kept, best first (3) */
	/* Upper bound of m, the loss-aware silence limit of the upstream: dead
	 * after m missed due ids, m in [2, dead_periods] (8). */
	uint32_t dead_periods;
	uint32_t hysteresis_pct;      /* delivery-ratio margin before switching (20) */
	uint32_t max_neighbours;      /* (neighbour, RSU) entries (256) */
	uint32_t max_rsus;	      /* RSUs tracked at once (8) */
	uint32_t max_downstream;      /* downstream OBU routes (1024) */
	/* Protocol v2 (docs/routing.md): */
	uint32_t relay_sparse;	      /* K_r: sparse duty relays 1 id in K_r; power of two 1..64 (16) */
	uint32_t reply_keepalive;     /* K_a: a keep-alive reply every K_a ids (20) */
	uint32_t scope_hops;	      /* relay a far RSU only this many hops beyond the chosen one (1) */
	uint32_t reply_hold_ms;	      /* forwarded replies wait at most this long to be batched (10) */
};

void obu_params_default(struct obu_params *p);
/* NULL if p is acceptable, else a static message saying what is wrong. */
const char *obu_params_check(const struct obu_params *p);
/* The period to assume for an RSU whose period is not learned (yet): the
 * configured override, else OBU_PERIOD_FALLBACK_MS. Never 0. */
uint32_t obu_params_period_ms(const struct obu_params *p);

#endif
