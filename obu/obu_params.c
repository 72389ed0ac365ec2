/* The OBU core's parameters: defaults and checks. A file of their own so
 * that the configuration parser (and its fuzzer) use the very same defaults
 * and limits without linking the core. */
#include <string.h>

#include "obu_params.h"

void obu_params_default(struct obu_params *p)
{
	memset(p, 0, sizeof(*p));
	p->heartbeat_period_ms = 100;
	p->history = 10;
	p->candidates = 3;
	p->dead_periods = 3;
	p->hysteresis_pct = 20;
	p->max_neighbours = 256;
	p->max_rsus = 8;
	p->max_downstream = 1024;
}

const char *obu_params_check(const struct obu_params *p)
{
	if (p->heartbeat_period_ms < 1 || p->heartbeat_period_ms > 60000)
		return "heartbeat_period_ms must be 1..60000";
	if (p->history < 2 || p->history > OBU_HISTORY_MAX)
		return "history must be 2..1024";
	if (p->candidates < 1 || p->candidates > OBU_CAND_MAX)
		return "candidates must be 1..16";
	if (p->dead_periods < 1 || p->dead_periods > p->history)
		return "dead_periods must be 1..history";
	if (p->hysteresis_pct > 100)
		return "hysteresis_pct must be 0..100";
	if (p->max_neighbours < 2 || p->max_neighbours > 65536)
		return "max_neighbours must be 2..65536";
	if (p->max_rsus < 1 || p->max_rsus > 256)
		return "max_rsus must be 1..256";
	if (p->max_downstream < 1 || p->max_downstream > (1u << 20))
		return "max_downstream must be 1..1048576";
	return NULL;
}
