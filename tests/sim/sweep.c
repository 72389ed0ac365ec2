/* The sweep: runs the scenarios of the table below (or one trace given on
 * the command line) through the world (world.h) with the 802.11p channel
 * by default, and prints one key=value line per scenario as it finishes.
 * Not a test; docs/sweep.md describes flags, scenarios and keys.
 *
 *   sweep [--quick] [--scenario NAME[,NAME...]] [--trace FILE [--rsus "x,y;x,y..."]]
 *         [--seconds S] [--seed N] [--channel ideal|80211p] [--rate KBPS]
 *         [--range M] [--senders K] [--no-tx-status]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep_run.h"

#ifndef VN_SIM_TRACE_DIR
#define VN_SIM_TRACE_DIR "tests/sim/traces"
#endif

/* Defaults: 30 s for the ladder, 60 s for traces and the ring (docs/sweep.md). */
#define JAM(n)                                                                                 \
	{ .name = "jam" #n, .kind = SWEEP_JAM, .vehicles = n, .seconds = 30, .senders = 5 }
#define TRACE(nm, rsus)                                                                        \
	{ .name = #nm, .kind = SWEEP_TRACE, .trace = VN_SIM_TRACE_DIR "/" #nm ".trace",          \
	  .rsu_at = rsus, .nrsu_at = sizeof(rsus) / sizeof(rsus[0]), .seconds = 60,              \
	  .senders = 20, .max_rsus = 16 }

/* The RSU positions docs/simulator.md suggests for the traces. Highway: one
 * every 1000 m, 15 m beside the road (2500 in the jam, 3500 just after the
 * incident). City: one junction per quadrant and a pole in the centre. */
static const struct world_xy highway_rsus[] = {
	{ 500, -15 }, { 1500, -15 }, { 2500, -15 }, { 3500, -15 }, { 4500, -15 },
};
static const struct world_xy city_rsus[] = {
	{ 200, 200 }, { 800, 200 }, { 200, 800 }, { 800, 800 }, { 500, 500 },
};

static const struct sweep_scenario scenarios[] = {
	JAM(10), JAM(25), JAM(50), JAM(100), JAM(200), JAM(400),
	TRACE(highway, highway_rsus),
	TRACE(city, city_rsus),
	/* The former scale_run; max_rsus 16 as there: all 10 RSUs are heard. */
	{ .name = "ring1000", .kind = SWEEP_RING, .vehicles = 1000, .rsus = 10, .road = 20000,
	  .seconds = 60, .senders = 50, .max_rsus = 16 },
};
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

/* --quick: a reduced set with short runs, under a minute of wall time. */
static const struct {
	const char *name;
	double seconds;
} quick[] = { { "jam10", 10 }, { "jam50", 10 }, { "jam200", 3 },
	      { "highway", 4 }, { "city", 4 },	  { "ring1000", 2 } };
#define NQUICK (sizeof(quick) / sizeof(quick[0]))

/* The quick run's duration of a scenario; 0 if not in the quick set. */
static double quick_seconds(const char *name)
{
	for (size_t q = 0; q < NQUICK; q++)
		if (strcmp(quick[q].name, name) == 0)
			return quick[q].seconds;
	return 0;
}

#define MAX_RSU_ARG 256

struct args {
	bool quick;
	const char *only; /* comma-separated names, or NULL */
	const char *trace;
	struct world_xy rsus[MAX_RSU_ARG];
	size_t nrsus;
	double seconds;	  /* 0: the scenario's */
	long senders;	  /* -1: the scenario's */
	struct sweep_opts o;
};

static void usage_exit(const char *why)
{
	if (why)
		fprintf(stderr, "sweep: %s\n", why);
	fprintf(stderr,
		"usage: sweep [--quick] [--scenario NAME[,NAME...]] [--trace FILE [--rsus \"x,y;x,y...\"]]\n"
		"             [--seconds S] [--seed N] [--channel ideal|80211p] [--rate KBPS]\n"
		"             [--range M] [--senders K] [--no-tx-status]\n"
		"scenarios:");
	for (size_t i = 0; i < NSCEN; i++)
		fprintf(stderr, " %s", scenarios[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

static double num_arg(const char *flag, const char *s, double lo, double hi)
{
	char *end, why[160];
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi)) {
		snprintf(why, sizeof(why), "%s: '%s' is not a number in [%g, %g]", flag, s, lo, hi);
		usage_exit(why);
	}
	return v;
}

/* "x1,y1;x2,y2..." */
static void parse_rsus(struct args *a, const char *s)
{
	while (*s) {
		char *end;
		struct world_xy p;

		if (a->nrsus == MAX_RSU_ARG)
			usage_exit("--rsus: too many RSUs");
		p.x = strtod(s, &end);
		if (end == s || *end != ',')
			usage_exit("--rsus: expected \"x1,y1;x2,y2...\"");
		s = end + 1;
		p.y = strtod(s, &end);
		if (end == s || (*end != ';' && *end != '\0'))
			usage_exit("--rsus: expected \"x1,y1;x2,y2...\"");
		a->rsus[a->nrsus++] = p;
		s = *end ? end + 1 : end;
	}
	if (a->nrsus == 0)
		usage_exit("--rsus: no positions");
}

static enum sim_channel parse_channel(const char *s)
{
	if (strcmp(s, "ideal") == 0)
		return SIM_CHAN_IDEAL;
	if (strcmp(s, "80211p") == 0)
		return SIM_CHAN_80211P;
	usage_exit("--channel: expected ideal or 80211p");
	return SIM_CHAN_IDEAL;
}

static const struct sweep_scenario *find_scenario(const char *name, size_t len)
{
	for (size_t i = 0; i < NSCEN; i++)
		if (strlen(scenarios[i].name) == len && strncmp(scenarios[i].name, name, len) == 0)
			return &scenarios[i];
	return NULL;
}

/* The next name of a comma-separated list at *p (advancing *p); false at
 * the end. */
static bool next_name(const char **p, const char **name, size_t *len)
{
	if (**p == '\0')
		return false;
	*name = *p;
	*len = strcspn(*p, ",");
	*p += *len + ((*p)[*len] == ',');
	return true;
}

static void check_names(const char *list)
{
	const char *name;
	size_t len;

	while (next_name(&list, &name, &len)) {
		char why[160];

		if (find_scenario(name, len) == NULL) {
			snprintf(why, sizeof(why), "--scenario: no scenario '%.*s'", (int)len, name);
			usage_exit(why);
		}
	}
}

static void bad_flag(const char *arg)
{
	char why[160];

	snprintf(why, sizeof(why), "%s: unknown flag, or its value is missing", arg);
	usage_exit(why);
}

static void parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },	   { "scenario", required_argument, NULL, 'n' },
		{ "trace", required_argument, NULL, 't' }, { "rsus", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' }, { "seed", required_argument, NULL, 'S' },
		{ "channel", required_argument, NULL, 'c' }, { "rate", required_argument, NULL, 'b' },
		{ "range", required_argument, NULL, 'R' }, { "senders", required_argument, NULL, 'k' },
		{ "no-tx-status", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },	   { NULL, 0, NULL, 0 }
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->senders = -1;
	a->o = (struct sweep_opts){ .seed = 1, .channel = SIM_CHAN_80211P, .range = 300 };
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q': a->quick = true; break;
		case 'n': check_names(optarg); a->only = optarg; break;
		case 't': a->trace = optarg; break;
		case 'r': parse_rsus(a, optarg); break;
		case 's': a->seconds = num_arg("--seconds", optarg, 0.1, 86400); break;
		case 'S': a->o.seed = (uint64_t)num_arg("--seed", optarg, 0, 1e15); break;
		case 'c': a->o.channel = parse_channel(optarg); break;
		case 'b': a->o.rate_kbps = (uint32_t)num_arg("--rate", optarg, 3000, 27000); break;
		case 'R': a->o.range = num_arg("--range", optarg, 1, 1e5); break;
		case 'k': a->senders = (long)num_arg("--senders", optarg, 0, 1e6); break;
		case 'x': a->o.no_tx_status = true; break;
		case 'h': usage_exit(NULL); break;
		default: bad_flag(argv[optind - 1]);
		}
	}
	if (optind != argc)
		usage_exit("unexpected argument");
	if (a->nrsus && !a->trace)
		usage_exit("--rsus needs --trace");
	if (a->trace && (a->only || a->quick))
		usage_exit("--trace runs one scenario: no --scenario or --quick with it");
}

static size_t core_bytes;

/* Runs one scenario with the command line's overrides; false if it could
 * not run (reported on stderr). */
static bool run_one(const struct args *a, struct sweep_scenario sc, double seconds)
{
	struct sweep_out out;
	char err[256], line[2048];

	if (seconds > 0)
		sc.seconds = seconds;
	if (a->senders >= 0)
		sc.senders = (size_t)a->senders;
	if (sweep_run(&sc, &a->o, &out, err, sizeof(err)) < 0) {
		fprintf(stderr, "sweep: %s: skipped: %s\n", sc.name, err);
		return false;
	}
	sweep_format(sc.name, &out, core_bytes, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	return true;
}

static bool run_trace_arg(const struct args *a)
{
	struct sweep_scenario sc = { .name = "trace", .kind = SWEEP_TRACE, .trace = a->trace,
				      .rsu_at = a->nrsus ? a->rsus : NULL, .nrsu_at = a->nrsus,
				      .rsu_spacing = 1000, .seconds = 60, .senders = 20,
				      .max_rsus = 16 };
	return run_one(a, sc, a->seconds);
}

static bool selected(const struct args *a, const char *name)
{
	const char *list = a->only, *item;
	size_t len;

	if (list == NULL)
		return true;
	while (next_name(&list, &item, &len))
		if (strlen(name) == len && strncmp(item, name, len) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct args a;
	struct obu_params op;
	bool ok = true;

	parse(argc, argv, &a);
	obu_params_default(&op);
	core_bytes = meas_core_bytes(&op); /* first, on a quiet heap */
	if (a.trace)
		return run_trace_arg(&a) ? 0 : 1;
	for (size_t i = 0; i < NSCEN; i++) {
		double quick_s = quick_seconds(scenarios[i].name);

		if (!selected(&a, scenarios[i].name) || (a.quick && quick_s == 0))
			continue;
		/* A missing trace is a note in the full set, a failure when asked for. */
		ok &= run_one(&a, scenarios[i], a.seconds > 0 ? a.seconds : a.quick ? quick_s : 0) ||
		      a.only == NULL;
	}
	return ok ? 0 : 1;
}
