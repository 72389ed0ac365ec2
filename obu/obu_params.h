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

struct obu_params {
	uint32_t heartbeat_period_ms; /* the RSUs' period, for expiry (100) */
	uint32_t history;	      /* heartbeat ids remembered per RSU (10) */
	uint32_t candidates;	      /* upstream candidates kept, best first (3) */
	uint32_t dead_periods;	      /* neighbour dead after this many silent periods (3) */
	uint32_t hysteresis_pct;      /* delivery-ratio margin before switching (20) */
	uint32_t max_neighbours;      /* (neighbour, RSU) entries (256) */
	uint32_t max_rsus;	      /* RSUs tracked at once (8) */
	uint32_t max_downstream;      /* downstream OBU routes (1024) */
};

void obu_params_default(struct obu_params *p);
/* NULL if p is acceptable, else a static message saying what is wrong. */
const char *obu_params_check(const struct obu_params *p);

#endif
