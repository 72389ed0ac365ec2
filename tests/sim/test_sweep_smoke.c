/* Smoke test of the sweep machinery: a tiny jam (10 vehicles around one
 * RSU, ideal channel, 5 s) through world.c, measure.c and sweep_run.c. The
 * line must carry every key in order, and the figures must be sane. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_tiny_jam) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
