/* Mobility traces: where each vehicle is over time, as converted from SUMO's
 * floating-car data (scripts/make-traces) into a compact text file that the
 * simulator reads without SUMO. Vehicles appear at their first sample, move
 * (positions interpolated linearly between samples) and leave after their
 * last one. The file format is in docs/simulator.md.
 *
 * Vehicles are numbered 0 .. sim_trace_vehicles()-1 in order of first
 * appearance (in a file: of declaration; with sim_trace_add: of the first
 * sample added). Positions are metres in the trace's own plane. */
#ifndef VN_SIM_TRACE_H
#define VN_SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "core_io.h"

struct sim_trace;

/* Reads a trace file. NULL on error, with a message "path:line: what" in err. */
struct sim_trace *sim_trace_load(const char *path, char *err, size_t errlen);
/* An empty trace to fill with sim_trace_add (tests, converters). */
struct sim_trace *sim_trace_new(void);
void sim_trace_free(struct sim_trace *t);

/* Appends a sample of vehicle `name` (created on first use). Samples of one
 * vehicle must come in increasing time. Returns 0, or -1 (out of order, bad
 * name, no memory). */
int sim_trace_add(struct sim_trace *t, const char *name, vn_usec at, double x, double y);
/* Writes the trace in the file format; 0 or -1 (errno set; EINVAL for a
 * sample time that is not a whole millisecond, which the file cannot hold). */
int sim_trace_save(const struct sim_trace *t, const char *path);

size_t sim_trace_vehicles(const struct sim_trace *t);
const char *sim_trace_name(const struct sim_trace *t, size_t v);
/* Time of the last sample of any vehicle. */
vn_usec sim_trace_duration(const struct sim_trace *t);
/* Bounding box of all samples. */
void sim_trace_bounds(const struct sim_trace *t, double *xmin, double *ymin, double *xmax,
		      double *ymax);
/* Position of vehicle v at time `at`, interpolated; false if it is not on
 * the road then (before its first or after its last sample). Queries in
 * increasing time per vehicle are O(1) amortised (a cursor per vehicle). */
bool sim_trace_pos(struct sim_trace *t, size_t v, vn_usec at, double *x, double *y);

#endif
