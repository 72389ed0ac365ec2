/* The OBU core's parameters: defaults and checks. A file of their own so
 * that the configuration parser (and its fuzzer) use the very same defaults
 * and limits without linking the core. */
#include "obu_params.h"

#include <stdbool.h>
#include <string.h>

void obu_params_default(struct obu_params *p)
{
	memset(p, 0, sizeof(*p));
	p->heartbeat_period_ms = 0; /* learn T_r from the heartbeats */
	p->history = 10;
	p->candidates = 3;
	p->dead_periods = 8;
	p->hysteresis_pct = 20;
	p->max_neighbours = 256;
	p->max_rsus = 8;
	p->max_downstream = 1024;
	p->relay_sparse = 16;
	p->reply_keepalive = 20;
	p->scope_hops = 1;
	p->reply_hold_ms = 10;
}

static bool power_of_two(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* The v2 relaying and reply keys. */
static const char *check_v2(const struct obu_params *p)
{
	/* K_r must divide 64: the sparse positions of the 64-id delivery mask
	 * are then one periodic bit pattern. */
	if (p->relay_sparse > OBU_RELAY_SPARSE_MAX || !power_of_two(p->relay_sparse))
		return "relay_sparse must be a power of two 1..64";
	if (p->reply_keepalive < 1 || p->reply_keepalive > OBU_KEEPALIVE_MAX)
		return "reply_keepalive must be 1..1000";
	if (p->scope_hops > OBU_SCOPE_HOPS_MAX)
		return "scope_hops must be 0..64";
	if (p->reply_hold_ms > OBU_REPLY_HOLD_MAX_MS)
		return "reply_hold_ms must be 0..1000";
	return NULL;
}

const char *obu_params_check(const struct obu_params *p)
{
	if (p->heartbeat_period_ms > 60000)
		return "heartbeat_period_ms must be 0 (learn) or 1..60000";
	if (p->history < 2 || p->history > OBU_HISTORY_MAX)
		return "history must be 2..1024";
	if (p->candidates < 1 || p->candidates > OBU_CAND_MAX)
		return "candidates must be 1..16";
	if (p->dead_periods < OBU_DEAD_MIN || p->dead_periods > p->history)
		return "dead_periods must be 2..history";
	if (p->hysteresis_pct > 100)
		return "hysteresis_pct must be 0..100";
	if (p->max_neighbours < 2 || p->max_neighbours > 65536)
		return "max_neighbours must be 2..65536";
	if (p->max_rsus < 1 || p->max_rsus > 256)
		return "max_rsus must be 1..256";
	if (p->max_downstream < 1 || p->max_downstream > (1u << 20))
		return "max_downstream must be 1..1048576";
	return check_v2(p);
}

uint32_t obu_params_period_ms(const struct obu_params *p)
{
	return p->heartbeat_period_ms != 0 ? p->heartbeat_period_ms : OBU_PERIOD_FALLBACK_MS;
}
