/* Helpers shared by the scenario tests and the sweep: topologies,
 * waiting for a condition in virtual time, periodic traffic flows. */
#ifndef VN_SIM_SCENARIO_H
#define VN_SIM_SCENARIO_H

#include "sim.h"

#define MS(x) ((vn_usec)(x) * 1000ull)
#define SEC(x) ((vn_usec)(x) * 1000000ull)

/* The heartbeat period the tests use (the cores' default). */
#define SCEN_T MS(100)

/* A simulator with the test defaults: tun queue of 64, filter off,
 * SIM_VERBOSE=1 in the environment turns the cores' logs on. */
struct sim *scen_new(uint64_t seed);

/* A line: nodes[0] is an RSU, then n OBUs, each linked (both ways, cfg) only
 * with its neighbours. Writes the n+1 node indices into nodes. */
void scen_chain(struct sim *s, int *nodes, size_t n, const struct sim_link_cfg *cfg);

/* Runs in steps of `step` until pred(s, arg) holds or `limit` is reached.
 * Returns the virtual time when it held, or VN_USEC_NEVER. */
typedef bool (*scen_pred)(struct sim *s, void *arg);
vn_usec scen_run_until_pred(struct sim *s, scen_pred pred, void *arg, vn_usec step, vn_usec limit);

/* Whether every node of the list (OBUs) has an upstream towards rsu. */
struct scen_attach {
	const int *obus;
	size_t n;
	int rsu; /* -1: any RSU */
};
bool scen_all_attached(struct sim *s, void *arg);

/* A periodic flow: every `period` from `start` until `stop`, node sends a
 * tagged UDP packet src -> dst, and the flow records tags and send times. */
struct scen_flow {
	int node;
	struct vn_ip src, dst;
	size_t len;
	vn_usec period, stop;
	uint32_t *tags;
	vn_usec *sent_at;
	size_t n, cap;
};
void scen_flow_start(struct sim *s, struct scen_flow *f, int node, const struct vn_ip *src,
		     const struct vn_ip *dst, vn_usec start, vn_usec period, vn_usec stop);
void scen_flow_free(struct scen_flow *f);
/* Packets of the flow delivered at least once to node `at`, and in total. */
size_t scen_flow_delivered(const struct sim *s, const struct scen_flow *f, int at);

/* Outage seen by a flow around time `cut`: packets sent at or after cut that
 * never reached `at` before the first one that did, and the time from cut to
 * the send time of that first delivered packet. */
struct scen_outage {
	size_t lost;	   /* not delivered, among those sent after cut */
	size_t lost_gap;   /* lost before traffic flowed again */
	vn_usec recovery;  /* cut -> first packet sent after cut that arrived */
	bool recovered;
};
struct scen_outage scen_flow_outage(const struct sim *s, const struct scen_flow *f, int at,
				    vn_usec cut);

/* OBU node gets tun address 10.0.0.<n>/24 (sim_ip4(n)); returns 0 or -1. */
int scen_set_addr(struct sim *s, int node, uint32_t n);
/* An address beyond the RSU: 192.0.2.<n>. */
struct vn_ip scen_inet(uint8_t n);

/* Prints describe() of a node to stderr (diagnostics of a failing test). */
void scen_dump(struct sim *s, int node);
/* Dumps every node and the duplicate report. */
void scen_dump_all(struct sim *s);

/* Parses SIM_SEEDS ("1,2,3") or returns the built-in list. */
size_t scen_seeds(uint64_t *out, size_t max, const uint64_t *dflt, size_t ndflt);
/* Runs one(seed) for each seed of scen_seeds (SIM_SEEDS, else dflt): a
 * test's body once per seed. */
void scen_each_seed(const uint64_t *dflt, size_t n_dflt, void (*one)(uint64_t seed));

#endif
