/* Mobility traces (trace.h): building, interpolation, appearance and
 * leaving, the file format both ways, refusal of malformed files, a random
 * mutation loop, and the committed SUMO traces. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "trace.h"

#define SEC(s) ((vn_usec)(s) * 1000000u)
#define MS(ms) ((vn_usec)(ms) * 1000u)

/* A scratch file name for this test process. */
static const char *tmp_path(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/vn-test-trace-%ld.trace", (long)getpid());
	return path;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void assert_pos(struct sim_trace *t, size_t v, vn_usec at, double x, double y)
{
	double px = NAN, py = NAN;

	assert_true(sim_trace_pos(t, v, at, &px, &py));
	assert_float_equal(px, x, 1e-9);
	assert_float_equal(py, y, 1e-9);
}

static void assert_absent(struct sim_trace *t, size_t v, vn_usec at)
{
	double x, y;

	assert_false(sim_trace_pos(t, v, at, &x, &y));
}

static void interpolation(void **state)
{
	struct sim_trace *t = sim_trace_new();

	(void)state;
	assert_int_equal(sim_trace_add(t, "car", SEC(0), 0, 0), 0);
	assert_int_equal(sim_trace_add(t, "car", SEC(10), 100, -50), 0);
	assert_int_equal(sim_trace_add(t, "car", SEC(12), 100, -50), 0); /* stands */
	assert_pos(t, 0, SEC(5), 50, -25);
	assert_pos(t, 0, MS(2500), 25, -12.5);
	assert_pos(t, 0, SEC(10), 100, -50);
	assert_pos(t, 0, SEC(11), 100, -50);
	/* Back in time: the cursor must find its way back. */
	assert_pos(t, 0, 1, 100e-7, -50e-7);
	assert_pos(t, 0, SEC(12), 100, -50);
	assert_int_equal(sim_trace_duration(t), SEC(12));
	sim_trace_free(t);
}

static void appear_and_leave(void **state)
{
	struct sim_trace *t = sim_trace_new();
	double x0, y0, x1, y1;

	(void)state;
	assert_int_equal(sim_trace_add(t, "early", SEC(0), 1, 2), 0);
	assert_int_equal(sim_trace_add(t, "late", SEC(5), 10, 20), 0);
	assert_int_equal(sim_trace_add(t, "early", SEC(3), 4, 2), 0);
	assert_int_equal(sim_trace_add(t, "late", SEC(9), 10, 60), 0);
	assert_int_equal(sim_trace_add(t, "once", SEC(7), -3, -4), 0);
	assert_int_equal(sim_trace_vehicles(t), 3);
	assert_string_equal(sim_trace_name(t, 0), "early");
	assert_string_equal(sim_trace_name(t, 1), "late");
	assert_string_equal(sim_trace_name(t, 2), "once");
	assert_null(sim_trace_name(t, 3));

	assert_pos(t, 0, SEC(0), 1, 2);
	assert_pos(t, 0, SEC(3), 4, 2);
	assert_absent(t, 0, SEC(3) + 1);
	assert_absent(t, 1, SEC(5) - 1);
	assert_pos(t, 1, SEC(5), 10, 20);
	assert_pos(t, 1, SEC(9), 10, 60);
	assert_absent(t, 1, SEC(9) + 1);
	assert_absent(t, 2, SEC(7) - 1);
	assert_pos(t, 2, SEC(7), -3, -4);
	assert_absent(t, 2, SEC(7) + 1);
	assert_absent(t, 3, SEC(7)); /* no such vehicle */

	assert_int_equal(sim_trace_duration(t), SEC(9));
	sim_trace_bounds(t, &x0, &y0, &x1, &y1);
	assert_float_equal(x0, -3, 0);
	assert_float_equal(y0, -4, 0);
	assert_float_equal(x1, 10, 0);
	assert_float_equal(y1, 60, 0);
	sim_trace_free(t);
}

static void refused_samples(void **state)
{
	struct sim_trace *t = sim_trace_new();
	char long_name[80];

	(void)state;
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(sim_trace_add(t, "a", SEC(2), 0, 0), 0);
	assert_int_equal(sim_trace_add(t, "a", SEC(2), 1, 0), -1); /* same time */
	assert_int_equal(sim_trace_add(t, "a", SEC(1), 1, 0), -1); /* earlier */
	assert_int_equal(sim_trace_add(t, "b", SEC(1), 1, 0), 0);  /* another one may */
	assert_int_equal(sim_trace_add(t, "with space", SEC(3), 0, 0), -1);
	assert_int_equal(sim_trace_add(t, "", SEC(3), 0, 0), -1);
	assert_int_equal(sim_trace_add(t, NULL, SEC(3), 0, 0), -1);
	assert_int_equal(sim_trace_add(t, long_name, SEC(3), 0, 0), -1);
	long_name[64] = '\0';
	assert_int_equal(sim_trace_add(t, long_name, SEC(3), 0, 0), -1);
	long_name[63] = '\0';
	assert_int_equal(sim_trace_add(t, long_name, SEC(3), 0, 0), 0);
	assert_int_equal(sim_trace_add(t, "nan", SEC(3), NAN, 0), -1);
	assert_int_equal(sim_trace_add(t, "inf", SEC(3), 0, INFINITY), -1);
	assert_int_equal(sim_trace_add(t, "far", SEC(3), 2e8, 0), -1);
	assert_int_equal(sim_trace_add(t, "a", SEC(3), NAN, 0), -1);
	assert_int_equal(sim_trace_vehicles(t), 3); /* no trace of the refused */
	assert_int_equal(sim_trace_add(t, "nan", SEC(4), 1, 1), 0);
	assert_int_equal(sim_trace_vehicles(t), 4);
	assert_string_equal(sim_trace_name(t, 3), "nan");
	assert_pos(t, 0, SEC(2), 0, 0);
	sim_trace_free(t);
}

/* Enough names to make the name index grow several times. */
static void many_vehicles(void **state)
{
	struct sim_trace *t = sim_trace_new();
	char name[32];

	(void)state;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 5000; i++) {
			snprintf(name, sizeof(name), "veh%d", i);
			assert_int_equal(sim_trace_add(t, name, SEC(round + i % 3), i, round), 0);
		}
	assert_int_equal(sim_trace_vehicles(t), 5000);
	for (size_t v = 0; v < 5000; v++) {
		snprintf(name, sizeof(name), "veh%zu", v);
		assert_string_equal(sim_trace_name(t, v), name);
		assert_pos(t, v, SEC(v % 3) + MS(500), (double)v, 0.5);
	}
	sim_trace_free(t);
}

/* Positions on a decimetre grid and times on whole milliseconds survive
 * the file exactly; so do names and numbering, also when vehicles were
 * first added out of time order. */
static void save_and_load(void **state)
{
	struct sim_trace *t = sim_trace_new(), *u;
	const char *path = tmp_path();
	char err[256];
	double a[4], b[4];

	(void)state;
	assert_int_equal(sim_trace_add(t, "late-first", SEC(20), 12.3, -4.5), 0);
	assert_int_equal(sim_trace_add(t, "veh.0", MS(1), -1000.1, 0.1), 0);
	assert_int_equal(sim_trace_add(t, "late-first", SEC(21), 40.7, -4.5), 0);
	for (int i = 1; i < 50; i++)
		assert_int_equal(sim_trace_add(t, "veh.0", MS(1) + MS(333) * (vn_usec)i,
					       (-10001 + 33 * i) / 10.0, (i % 7) / 10.0), 0);
	assert_int_equal(sim_trace_add(t, "x#2", SEC(3), 99999999.9, -99999999.9), 0);
	assert_int_equal(sim_trace_save(t, path), 0);
	u = sim_trace_load(path, err, sizeof(err));
	assert_non_null(u);
	assert_int_equal(sim_trace_vehicles(u), 3);
	for (size_t v = 0; v < 3; v++)
		assert_string_equal(sim_trace_name(u, v), sim_trace_name(t, v));
	assert_int_equal(sim_trace_duration(u), sim_trace_duration(t));
	sim_trace_bounds(t, &a[0], &a[1], &a[2], &a[3]);
	sim_trace_bounds(u, &b[0], &b[1], &b[2], &b[3]);
	assert_memory_equal(a, b, sizeof(a));
	for (vn_usec at = 0; at <= SEC(22); at += MS(1)) {
		for (size_t v = 0; v < 3; v++) {
			double x1, y1, x2, y2;
			bool in = sim_trace_pos(t, v, at, &x1, &y1);

			assert_int_equal(sim_trace_pos(u, v, at, &x2, &y2), in);
			if (in) {
				assert_true(x1 == x2);
				assert_true(y1 == y2);
			}
		}
	}
	sim_trace_free(u);

	/* A time the file cannot hold is refused, not rounded. */
	assert_int_equal(sim_trace_add(t, "x#2", SEC(4) + 1, 0, 0), 0);
	errno = 0;
	assert_int_equal(sim_trace_save(t, path), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sim_trace_save(t, "/nonexistent/dir/x.trace"), -1);
	sim_trace_free(t);
	unlink(path);
}

struct bad_file {
	const char *text;
	size_t line;
	const char *what; /* a part of the message */
};

static const struct bad_file bad_files[] = {
	{ "", 1, "empty file" },
	{ "vanet-trace 2\n", 1, "unsupported version" },
	{ "hello\n", 1, "not a trace" },
	{ "vanet-trace 1 \n", 1, "unsupported version" },
	{ "vanet-trace 1\n\n", 2, "empty line" },
	{ "vanet-trace 1\nv a\nv a\n0 0 0 0\n", 3, "declared again (first on line 2)" },
	{ "vanet-trace 1\nv \n", 2, "bad vehicle name" },
	{ "vanet-trace 1\nv a b\n", 2, "bad vehicle name" },
	{ "vanet-trace 1\nv a\n0 1 0 0\n", 3, "vehicle 1 is not declared" },
	{ "vanet-trace 1\nv a\n0 0 0\n", 3, "bad x" },
	{ "vanet-trace 1\nv a\n0 0 0 0 0\n", 3, "bad y" },
	{ "vanet-trace 1\nv a\n0 0 0  0\n", 3, "bad y" },
	{ "vanet-trace 1\nv a\n0 0 0 0x\n", 3, "bad y" },
	{ "vanet-trace 1\nv a\n-5 0 0 0\n", 3, "bad time" },
	{ "vanet-trace 1\nv a\n1.5 0 0 0\n", 3, "bad time" },
	{ "vanet-trace 1\nv a\n0 -1 0 0\n", 3, "bad vehicle number" },
	{ "vanet-trace 1\nv a\n0 0 99999999999999999999 0\n", 3, "bad x" },
	{ "vanet-trace 1\nv a\n0 0 1000000001 0\n", 3, "bad x" },
	{ "vanet-trace 1\nv a\n0 0 0 -1000000001\n", 3, "bad y" },
	{ "vanet-trace 1\nv a\n10 0 0 0\n10 0 1 1\n", 4, "has a sample at 10 ms already" },
	{ "vanet-trace 1\nv a\nv b\n10 0 0 0\n5 1 0 0\n", 5, "before the previous" },
	{ "vanet-trace 1\nv a\n0 0 0 0\nv b\n# no b\n", 4, "vehicle b has no samples" },
	{ "vanet-trace 1\nx 1 2\n", 2, "not a comment, declaration or sample" },
	{ "vanet-trace 1\r\n", 1, "carriage return" },
	{ "vanet-trace 1\nv a\n0 0 0 0\r\n", 3, "carriage return" },
};

static void malformed_files(void **state)
{
	const char *path = tmp_path();
	char err[256], want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		const struct bad_file *b = &bad_files[i];

		write_file(path, b->text, strlen(b->text));
		if (sim_trace_load(path, err, sizeof(err)))
			fail_msg("bad file %zu loaded", i);
		snprintf(want, sizeof(want), "%s:%zu: ", path, b->line);
		if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, b->what))
			fail_msg("bad file %zu: \"%s\", wanted \"%s...%s\"", i, err, want,
				 b->what);
	}
	unlink(path);
}

static void awkward_files(void **state)
{
	const char *path = tmp_path();
	char err[512], line[400];
	static const char nul[] = "vanet-trace 1\nv a\n0 0 0\0 0\n";
	struct sim_trace *t;

	(void)state;
	/* A NUL byte, a line too long, no file at all. */
	write_file(path, nul, sizeof(nul) - 1);
	assert_null(sim_trace_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":3: NUL byte"));
	memset(line, '#', sizeof(line));
	memcpy(line, "vanet-trace 1\n", 14);
	write_file(path, line, sizeof(line));
	assert_null(sim_trace_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, ":2: line longer than"));
	assert_null(sim_trace_load("/nonexistent/x.trace", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/x.trace: No such file or directory");
	/* A tiny buffer truncates the message, no buffer is allowed. */
	assert_null(sim_trace_load("/nonexistent/x.trace", err, 5));
	assert_string_equal(err, "/non");
	assert_null(sim_trace_load("/nonexistent/x.trace", NULL, 0));

	/* Comments anywhere, a last line without '\n', negative coordinates. */
	static const char ok[] = "vanet-trace 1\n# c\nv a\n# c\n0 0 -15 25\n# c\n1000 0 -5 -25";

	write_file(path, ok, strlen(ok));
	t = sim_trace_load(path, err, sizeof(err));
	assert_non_null(t);
	assert_pos(t, 0, MS(500), -1.0, 0);
	sim_trace_free(t);
	unlink(path);
}

/* Random byte mutations of a small valid file: each must load or be
 * refused with a "path:line: " message; never crash (or leak, under ASan). */
static void mutations(void **state)
{
	static const char valid[] = "vanet-trace 1\n# two cars\nv a\nv b.1\n0 0 0 0\n"
				    "0 1 -10 5\n500 0 33 0\n1000 1 -20 15\n2000 0 66 -1\n";
	static const char alphabet[] = "0123456789 -v#\nab\r\t.x";
	const char *path = tmp_path();
	char buf[sizeof(valid) + 8], err[256];
	uint64_t rng = 12345;
	unsigned loaded = 0;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = sizeof(valid) - 1;
		struct sim_trace *t;

		memcpy(buf, valid, len);
		for (int k = 0; k < 1 + round % 4; k++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			size_t at = (size_t)(rng >> 33) % len;
			char c = alphabet[(rng >> 20) % (sizeof(alphabet) - 1)];

			if ((rng >> 16) % 3 == 0 && len > 1) { /* delete */
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			} else if ((rng >> 16) % 3 == 1 && len < sizeof(buf)) { /* insert */
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = c;
				len++;
			} else {
				buf[at] = c;
			}
		}
		write_file(path, buf, len);
		t = sim_trace_load(path, err, sizeof(err));
		if (t) {
			double x, y;

			loaded++;
			for (size_t v = 0; v < sim_trace_vehicles(t); v++)
				for (vn_usec at = 0; at <= sim_trace_duration(t); at += MS(100))
					(void)sim_trace_pos(t, v, at, &x, &y);
			sim_trace_free(t);
		} else {
			assert_true(strncmp(err, path, strlen(path)) == 0);
			assert_true(err[strlen(path)] == ':');
		}
	}
	assert_true(loaded > 0 && loaded < 3000);
	unlink(path);
}

struct trace_stats {
	size_t vehicles, peak;
	double top_speed; /* m/s over any 1 s step */
};

/* Walks the trace second by second, as the simulator will. */
static void walk(struct sim_trace *t, struct trace_stats *st)
{
	size_t n = sim_trace_vehicles(t);
	double *px = calloc(n, sizeof(double)), *py = calloc(n, sizeof(double));
	bool *was = calloc(n, sizeof(bool));

	assert_true(px && py && was);
	memset(st, 0, sizeof(*st));
	st->vehicles = n;
	for (vn_usec at = 0; at <= sim_trace_duration(t); at += SEC(1)) {
		size_t on = 0;

		for (size_t v = 0; v < n; v++) {
			double x, y;
			bool in = sim_trace_pos(t, v, at, &x, &y);

			if (in && was[v])
				st->top_speed = fmax(st->top_speed, hypot(x - px[v], y - py[v]));
			was[v] = in;
			px[v] = x;
			py[v] = y;
			on += in;
		}
		if (on > st->peak)
			st->peak = on;
	}
	free(px);
	free(py);
	free(was);
}

static struct sim_trace *load_committed(const char *name)
{
	char path[512], err[512];
	struct sim_trace *t;

	snprintf(path, sizeof(path), "%s/%s", VN_TRACE_DIR, name);
	t = sim_trace_load(path, err, sizeof(err));
	if (!t)
		fail_msg("%s", err);
	return t;
}

/* The bounds, sizes and speeds docs/simulator.md gives for the scenarios. */
static void committed_traces(void **state)
{
	struct {
		const char *file;
		double xmin, ymin, xmax, ymax;
	} cases[] = {
		{ "highway.trace", 0, -10, 5000, 10 },
		{ "city.trace", -10, -10, 1010, 1010 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_trace *t = load_committed(cases[i].file);
		struct trace_stats st;
		double b[4];

		sim_trace_bounds(t, &b[0], &b[1], &b[2], &b[3]);
		assert_true(b[0] >= cases[i].xmin && b[1] >= cases[i].ymin);
		assert_true(b[2] <= cases[i].xmax && b[3] <= cases[i].ymax);
		assert_true(b[2] - b[0] > 0.9 * (cases[i].xmax - cases[i].xmin));
		assert_true(sim_trace_duration(t) >= SEC(200));
		walk(t, &st);
		print_message("%s: %zu vehicles, at most %zu at once, %.1f s, top speed %.1f m/s\n",
			      cases[i].file, st.vehicles, st.peak,
			      (double)sim_trace_duration(t) / 1e6, st.top_speed);
		assert_true(st.vehicles > 100);
		assert_true(st.peak > 200);
		assert_true(st.top_speed < 50); /* no jumps (teleports) */
		sim_trace_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(interpolation),
		cmocka_unit_test(appear_and_leave),
		cmocka_unit_test(refused_samples),
		cmocka_unit_test(many_vehicles),
		cmocka_unit_test(save_and_load),
		cmocka_unit_test(malformed_files),
		cmocka_unit_test(awkward_files),
		cmocka_unit_test(mutations),
		cmocka_unit_test(committed_traces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
