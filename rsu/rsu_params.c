/* The RSU core's parameters: defaults and checks. A file of their own so
 * that the configuration parser (and its fuzzer) use the very same defaults
 * and limits without linking the core. */
#include "rsu_params.h"

#include <string.h>

void rsu_params_default(struct rsu_params *p)
{
	memset(p, 0, sizeof(*p));
	p->heartbeat_period_ms = 100;
	p->jitter_pct = 5;
	p->history = 10;
	p->rtt_hysteresis_ms = 5;
	p->max_obus = 4096;
	p->max_ips = 16384;
	p->ip_expiry_ms = 300000;
	p->seed = 0x9e3779b97f4a7c15ull;
	/* OBUs reply every reply_keepalive (20) ids when nothing changes: a
	 * route lives three keep-alives (+ 5 periods of slack), and a next hop
	 * keeps its preference for a little over two. */
	p->stale_periods = 45;
	p->obu_timeout_periods = 65;
}

const char *rsu_params_check(const struct rsu_params *p)
{
	if (p->heartbeat_period_ms < 1 || p->heartbeat_period_ms > 60000)
		return "heartbeat_period_ms must be 1..60000";
	if (p->jitter_pct > 50)
		return "jitter_pct must be 0..50";
	if (p->history < 2 || p->history > RSU_HISTORY_MAX)
		return "history must be 2..1024";
	if (p->rtt_hysteresis_ms > 60000)
		return "rtt_hysteresis_ms must be 0..60000";
	if (p->max_obus < 1 || p->max_obus > (1u << 20))
		return "max_obus must be 1..1048576";
	if (p->max_ips < 1 || p->max_ips > (1u << 22))
		return "max_ips must be 1..4194304";
	if (p->ip_expiry_ms < 1000 || p->ip_expiry_ms > 86400000)
		return "ip_expiry_ms must be 1000..86400000";
	if (p->obu_timeout_periods < 2 || p->obu_timeout_periods > RSU_OBU_TIMEOUT_MAX)
		return "obu_timeout_periods must be 2..10000";
	/* A next hop cannot stay preferred longer than its route lives. */
	if (p->stale_periods < 1 || p->stale_periods > p->obu_timeout_periods)
		return "stale_periods must be 1..obu_timeout_periods";
	return NULL;
}
