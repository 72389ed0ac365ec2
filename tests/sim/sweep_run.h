/* One sweep scenario, run: a world (world.h) with a mobility source, the
 * measurements (measure.h) and the result as one key=value line. The CLI
 * is sweep.c; docs/sweep.md describes scenarios and keys. */
#ifndef VN_SIM_SWEEP_RUN_H
#define VN_SIM_SWEEP_RUN_H

#include "measure.h"
#include "scenario.h"

enum sweep_kind { SWEEP_JAM, SWEEP_RING, SWEEP_TRACE };

struct sweep_scenario {
	const char *name;
	enum sweep_kind kind;
	size_t vehicles;	     /* jam, ring */
	size_t rsus;		     /* ring */
	double road;		     /* ring: circumference, m */
	const char *trace;	     /* trace: the file */
	const struct world_xy *rsu_at; /* trace: RSU positions, or NULL: a grid */
	size_t nrsu_at;
	double rsu_spacing;	     /* trace: grid spacing over the trace's box, m */
	double seconds;		     /* virtual; a trace ends earlier if shorter */
	size_t senders;
	uint32_t max_rsus;	     /* OBU parameter; 0: the default */
};

struct sweep_opts {
	uint64_t seed;
	enum sim_channel channel;
	uint32_t rate_kbps; /* 802.11p PHY rate; 0: the channel's default */
	double range;	    /* radio range, m */
	bool no_tx_status;  /* 802.11p: the cores hear nothing of MAC give-ups */
};

struct sweep_out {
	struct meas_result m;
	size_t rsus;
	double sim_s, wall_s;
	uint64_t events;
};

/* When the application traffic starts, and how close to the end a packet
 * counts as still in flight (left out of the delivery shares). */
#define SWEEP_TRAFFIC_START MS(1000)
#define SWEEP_IN_FLIGHT MS(500)

/* 0, or -1 with a message in err (trace unreadable). */
int sweep_run(const struct sweep_scenario *sc, const struct sweep_opts *o, struct sweep_out *out,
	      char *err, size_t errlen);
/* The result line (no newline); returns the length it needed. */
size_t sweep_format(const char *name, const struct sweep_out *out, size_t core_bytes, char *buf,
		    size_t cap);

#endif
