/* Smoke test of the sweep machinery: a tiny jam (10 vehicles around one
 * RSU, ideal channel, 5 s) through world.c, measure.c and sweep_run.c. The
 * line must carry every key in order, and the figures must be sane. And
 * the world's grid must link exactly the pairs within range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "mobility.h"
#include "sweep_run.h"

/* The keys docs/sweep.md promises first, in this order. */
static const char *const keys[] = {
	"scenario", "vehicles", "rsus", "sim_s", "cbr_mean", "cbr_p95", "ctrl_fps_per_vehicle",
	"ctrl_bytes_per_vehicle_s", "collisions_per_s", "up_delivery", "down_delivery",
	"failover_p50_ms", "failover_p95_ms", "loops", "wall_s", "wall_per_sim_s",
	"core_bytes_per_obu",
};

static const struct sweep_scenario tiny = {
	.name = "tiny", .kind = SWEEP_JAM, .vehicles = 10, .seconds = 5, .senders = 5,
};

/* The value of `key` in the line, checking that it comes after *pos. */
static const char *value_after(const char *line, const char *key, const char **pos)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "%s%s=", *pos == line ? "" : " ", key);
	p = strstr(*pos, pat);
	if (p == NULL) {
		fprintf(stderr, "key %s missing or out of order in: %s\n", key, line);
		return NULL;
	}
	*pos = p + strlen(pat);
	return *pos;
}

static void test_tiny_jam(void **state)
{
	struct sweep_opts o = { .seed = 7, .channel = SIM_CHAN_IDEAL, .range = 300 };
	struct sweep_out out;
	char err[256], line[2048];
	const char *pos = line;

	(void)state;
	assert_int_equal(sweep_run(&tiny, &o, &out, err, sizeof(err)), 0);
	sweep_format(tiny.name, &out, 1234, line, sizeof(line));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(value_after(line, keys[i], &pos));
	assert_string_equal(strstr(line, "scenario=tiny ") ? "ok" : line, "ok");
	assert_int_equal(out.m.vehicles, 10);
	assert_int_equal(out.rsus, 1);
	assert_true(out.sim_s == 5.0);
	/* 5 senders x 10/s from 1 s to the in-flight cut at 4.5 s. */
	assert_in_range(out.m.up_sent, 170, 180);
	assert_true(out.m.up_delivery >= 0.9);
	assert_true(out.m.down_delivery >= 0.9);
	assert_int_equal(out.m.loops, 0);
	/* Every OBU relays heartbeats and replies: a few frames per second,
	 * far below a storm. */
	assert_true(out.m.ctrl_fps_per_vehicle > 1 && out.m.ctrl_fps_per_vehicle < 200);
	assert_true(out.m.ctrl_bytes_per_vehicle_s >= 46 * out.m.ctrl_fps_per_vehicle);
	assert_true(out.m.attach_s > 0 && out.m.attach_s <= 1.0);
	assert_true(out.m.attached_share > 0.95);
	assert_true(out.m.reach_share == 1.0); /* all within range of the RSU */
	assert_int_equal(out.m.cbr_samples, 50); /* 10 vehicles x 5 full windows */
	assert_true(out.m.collisions_per_s == 0); /* ideal channel */
}

/* The grid finds exactly the pairs within range (brute force over all
 * pairs), never RSU-RSU, and the simulator has the same links. */
static void test_grid_links(void **state)
{
	struct sim_opts so = { .seed = 3 };
	struct world_xy rsus[4];
	struct world_mobility mob;
	struct world_cfg wc = { .range = 300, .rsus = rsus, .nrsus = 4 };
	struct sim *s = sim_new(&so);
	struct world *w;
	size_t n;

	(void)state;
	/* 4 RSUs on a 2 km ring: neighbouring RSUs are ~500 m apart, so set a
	 * range that links them were they not both RSUs. */
	wc.range = 600;
	assert_int_equal(mobility_ring(&mob, 150, 2000, 4, 3, rsus), 0);
	w = world_new(s, &wc, &mob);
	world_start(w);
	sim_run_until(s, MS(300)); /* a few updates with motion */
	n = sim_node_count(s);
	assert_int_equal(n, 154);
	for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++) {
			struct world_xy pa = world_node_pos(w, (int)a), pb = world_node_pos(w, (int)b);
			double d = hypot(pa.x - pb.x, pa.y - pb.y);
			bool want = a != b && d <= wc.range && (a >= 4 || b >= 4);

			assert_int_equal(world_linked(w, (int)a, (int)b), want);
			assert_int_equal(sim_link_get(s, (int)a, (int)b) != NULL, want);
		}
	world_free(w);
	sim_free(s);
}

/* Three vehicles 100 m apart on a line by the RSU; the last one leaves the
 * road at 1.5 s and comes back at 2 s. (v1: 0.5 s and 1 s. In v2 the middle
 * relays start at sparse duty -- 1 id in 4 with one neighbour -- so the
 * third vehicle, three hops out, attaches within a second, not 400 ms.) */
static bool blink_pos(void *ctx, size_t v, vn_usec at, double *x, double *y)
{
	(void)ctx;
	*x = 100.0 * (double)(v + 1);
	*y = 0;
	return v < 2 || at < MS(1500) || at >= SEC(2);
}

static void test_leave_and_return(void **state)
{
	struct sim_opts so = { .seed = 4 };
	struct world_xy rsu = { 0, 0 };
	struct world_mobility mob = { .nvehicles = 3, .pos = blink_pos };
	struct world_cfg wc = { .range = 150, .rsus = &rsu, .nrsus = 1 };
	struct sim *s = sim_new(&so);
	struct world *w = world_new(s, &wc, &mob);
	int gone;

	(void)state;
	world_start(w);
	sim_run_until(s, MS(1400));
	gone = world_vehicle_node(w, 2);
	assert_int_equal(gone, 3);
	assert_true(world_linked(w, 2, gone) && world_reachable(w, gone));
	assert_true(sim_upstream(s, gone, &(struct obu_route_info){ 0 }));
	sim_run_until(s, MS(1700));
	assert_int_equal(world_vehicle_node(w, 2), -1);
	assert_int_equal(world_present(w), 2);
	assert_false(sim_alive(s, gone));
	assert_null(sim_link_get(s, 2, gone));
	assert_null(sim_link_get(s, gone, 2));
	sim_run_until(s, MS(3000));
	assert_int_equal(world_vehicle_node(w, 2), 4); /* a new node */
	assert_true(world_linked(w, 2, 4) && world_reachable(w, 4));
	assert_true(sim_upstream(s, 4, &(struct obu_route_info){ 0 }));
	world_free(w);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_tiny_jam),
					    cmocka_unit_test(test_grid_links),
					    cmocka_unit_test(test_leave_and_return) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
