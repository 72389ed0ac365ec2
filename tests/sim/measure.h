/* Measurements over a world run (world.h): application traffic and its
 * delivery, failover times, attachment, channel busy ratio, control
 * overhead, collisions. docs/sweep.md defines every figure exactly. */
#ifndef VN_SIM_MEASURE_H
#define VN_SIM_MEASURE_H

#include "world.h"

struct meas_cfg {
	size_t senders;	       /* vehicles sending traffic (spread over the ids) */
	vn_usec traffic_start; /* first packets */
	vn_usec end;	       /* the run's end, for the in-flight cut */
	vn_usec in_flight;     /* packets sent this close to the end are left out */
};

struct meas_result {
	size_t vehicles;	  /* distinct vehicles on the road during the run */
	double vehicle_s;	  /* vehicle-seconds on the road */
	double cbr_mean, cbr_p95; /* channel busy ratio over (vehicle, 1 s window) samples */
	size_t cbr_samples;
	double ctrl_fps_per_vehicle, ctrl_bytes_per_vehicle_s;
	double hb_fps_per_vehicle, reply_fps_per_vehicle; /* its two parts */
	double collisions_per_s, mac_drops_per_s, queue_drops_per_s;
	size_t up_sent, up_got, down_sent, down_got;
	double up_delivery, down_delivery; /* -1 when nothing was sent */
	size_t failovers, failover_unrecovered;
	double failover_p50_ms, failover_p95_ms, failover_max_ms; /* -1 when none */
	uint64_t loops;
	uint64_t dup_delivered; /* packets delivered twice (sim_dup_deliveries) */
	double attach_s;	/* first sample with every reachable OBU attached; -1 never */
	double attached_share;	/* attached / reachable, mean over 100 ms samples */
	double reach_share;	/* reachable / on the road, mean over 100 ms samples */
};

struct meas;

/* Starts measuring: hooks the world's updates and schedules the traffic
 * and sampling timers. Call before running the simulator. */
struct meas *meas_new(struct world *w, const struct meas_cfg *c);
/* The figures, at the end of the run (sim_now = c->end). */
void meas_result(struct meas *m, struct meas_result *r);
void meas_free(struct meas *m);

/* Heap bytes obu_core_new takes with these parameters (mallinfo2 around
 * it); 0 if not measurable (a sanitizer's allocator). */
size_t meas_core_bytes(const struct obu_params *p);

#endif
