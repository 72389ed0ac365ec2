/* Mobility traces: the in-memory trace (vehicles with time-sorted samples
 * and a query cursor each), building it sample by sample, the interpolated
 * position query, and reading and writing the file format (docs/
 * simulator.md, "Mobility traces"). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

/* Limits that bound what a file can make us allocate, and that keep every
 * trace that sim_trace_add accepts writable and readable again. */
#define TRACE_NAME_MAX 64 /* bytes with the NUL */
#define TRACE_MAX_VEHICLES (1u << 20)
#define TRACE_MAX_SAMPLES (1u << 24)
#define TRACE_MAX_DM 1000000000ll /* |coordinate| in the file, decimetres */
#define TRACE_MAX_COORD 1e8 /* the same in metres */
#define TRACE_MAX_MS 1000000000000ll /* about 31 years */
#define TRACE_MAX_TIME ((vn_usec)TRACE_MAX_MS * VN_USEC_PER_MS)
#define TRACE_LINE_MAX 256

struct trace_sample {
	vn_usec t;
	double x, y;
};

struct trace_vehicle {
	char *name;
	struct trace_sample *s; /* n samples, strictly increasing in time */
	size_t n, cap;
	size_t cur; /* the query cursor: the sample last returned by seek() */
	size_t line; /* where a file declared it (0: by sim_trace_add) */
};

struct sim_trace {
	struct trace_vehicle *v;
	size_t n, cap;
	size_t *index; /* open addressing by name: vehicle number + 1, 0 free */
	size_t index_cap;
	size_t samples;
	vn_usec duration;
	double xmin, ymin, xmax, ymax;
};

/* Why trace_append refused a sample. */
enum { TRACE_ORDER = 1, TRACE_RANGE, TRACE_NOMEM };

struct sim_trace *sim_trace_new(void)
{
	return calloc(1, sizeof(struct sim_trace));
}

void sim_trace_free(struct sim_trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].s);
	}
	free(t->v);
	free(t->index);
	free(t);
}

static bool trace_name_ok(const char *name)
{
	size_t len = 0;

	if (!name)
		return false;
	for (; name[len]; len++)
		if (name[len] <= ' ' || name[len] > '~' || len + 1 >= TRACE_NAME_MAX)
			return false;
	return len > 0;
}

/* FNV-1a: names are short and a few thousand at most. */
static size_t name_hash(const char *name)
{
	uint64_t h = 14695981039346656037ull;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211ull;
	return (size_t)h;
}

/* The slot of `name` in the open-addressing index: holding it, or the
 * empty one where it would go. The index is never full (see index_grow). */
static size_t *index_slot(const struct sim_trace *t, const char *name)
{
	size_t mask = t->index_cap - 1;

	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
		size_t *s = &t->index[i];

		if (*s == 0 || strcmp(t->v[*s - 1].name, name) == 0)
			return s;
	}
}

/* Keeps the index at most half full so that probes stay short. */
static int index_grow(struct sim_trace *t)
{
	size_t cap = t->index_cap ? t->index_cap * 2 : 64;
	size_t *old = t->index, old_cap = t->index_cap;

	if (t->n + 1 <= t->index_cap / 2)
		return 0;
	t->index = calloc(cap, sizeof(*t->index));
	if (!t->index) {
		t->index = old;
		return -1;
	}
	t->index_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			*index_slot(t, t->v[old[i] - 1].name) = old[i];
	free(old);
	return 0;
}

static long trace_find(const struct sim_trace *t, const char *name)
{
	size_t *s;

	if (!t->index_cap)
		return -1;
	s = index_slot(t, name);
	return *s ? (long)(*s - 1) : -1;
}

/* An array of `elem`-byte elements with room for `need` (doubling, up to
 * `max`): arr itself, or its reallocation, or NULL (arr left as it was). */
static void *grow(void *arr, size_t *cap, size_t need, size_t max, size_t elem)
{
	size_t c = *cap ? *cap : 4;
	void *p;

	if (need <= *cap)
		return arr;
	if (need > max)
		return NULL;
	while (c < need)
		c *= 2;
	if (c > max)
		c = max;
	p = realloc(arr, c * elem);
	if (p)
		*cap = c;
	return p;
}

static long trace_declare(struct sim_trace *t, const char *name)
{
	struct trace_vehicle *v;
	char *copy;

	if (!trace_name_ok(name) || trace_find(t, name) >= 0)
		return -1;
	v = grow(t->v, &t->cap, t->n + 1, TRACE_MAX_VEHICLES, sizeof(*t->v));
	if (!v)
		return -1;
	t->v = v;
	if (index_grow(t))
		return -1;
	copy = strdup(name);
	if (!copy)
		return -1;
	v = &t->v[t->n];
	memset(v, 0, sizeof(*v));
	v->name = copy;
	t->n++;
	*index_slot(t, copy) = t->n;
	return (long)(t->n - 1);
}

/* Takes back the vehicle trace_declare just added. Clearing its index slot
 * breaks no probe chain: it was inserted last, after any rehash, so no other
 * name's probe ever had to step over it. */
static void undeclare_last(struct sim_trace *t)
{
	struct trace_vehicle *v = &t->v[t->n - 1];

	*index_slot(t, v->name) = 0;
	free(v->name);
	free(v->s);
	t->n--;
}

static void extend_bounds(struct sim_trace *t, double x, double y)
{
	if (t->samples == 0) {
		t->xmin = t->xmax = x;
		t->ymin = t->ymax = y;
		return;
	}
	t->xmin = fmin(t->xmin, x);
	t->xmax = fmax(t->xmax, x);
	t->ymin = fmin(t->ymin, y);
	t->ymax = fmax(t->ymax, y);
}

/* Whether the file format can hold a sample (see the limits above). */
static bool sample_ok(vn_usec at, double x, double y)
{
	return isfinite(x) && isfinite(y) && fabs(x) <= TRACE_MAX_COORD &&
	       fabs(y) <= TRACE_MAX_COORD && at <= TRACE_MAX_TIME;
}

static int trace_append(struct sim_trace *t, size_t vi, vn_usec at, double x, double y)
{
	struct trace_vehicle *v = &t->v[vi];
	struct trace_sample *s;

	if (v->n && at <= v->s[v->n - 1].t)
		return TRACE_ORDER;
	if (!sample_ok(at, x, y))
		return TRACE_RANGE;
	if (t->samples >= TRACE_MAX_SAMPLES)
		return TRACE_NOMEM;
	s = grow(v->s, &v->cap, v->n + 1, TRACE_MAX_SAMPLES, sizeof(*v->s));
	if (!s)
		return TRACE_NOMEM;
	v->s = s;
	extend_bounds(t, x, y);
	v->s[v->n++] = (struct trace_sample){ .t = at, .x = x, .y = y };
	t->samples++;
	if (at > t->duration)
		t->duration = at;
	return 0;
}

int sim_trace_add(struct sim_trace *t, const char *name, vn_usec at, double x, double y)
{
	long vi;

	if (!t || !trace_name_ok(name))
		return -1;
	vi = trace_find(t, name);
	if (vi >= 0)
		return trace_append(t, (size_t)vi, at, x, y) ? -1 : 0;
	vi = trace_declare(t, name);
	if (vi < 0)
		return -1;
	if (trace_append(t, (size_t)vi, at, x, y)) {
		/* A refused first sample leaves no vehicle without samples. */
		undeclare_last(t);
		return -1;
	}
	return 0;
}

size_t sim_trace_vehicles(const struct sim_trace *t)
{
	return t->n;
}

const char *sim_trace_name(const struct sim_trace *t, size_t v)
{
	return v < t->n ? t->v[v].name : NULL;
}

vn_usec sim_trace_duration(const struct sim_trace *t)
{
	return t->duration;
}

void sim_trace_bounds(const struct sim_trace *t, double *xmin, double *ymin, double *xmax,
		      double *ymax)
{
	*xmin = t->xmin;
	*ymin = t->ymin;
	*xmax = t->xmax;
	*ymax = t->ymax;
}

/* The last sample at or before `at` (which is within the vehicle's span):
 * from the cursor forward when time goes on, by bisection when it went
 * back. */
static size_t seek(struct trace_vehicle *v, vn_usec at)
{
	size_t i = v->cur;

	if (at < v->s[i].t) {
		size_t lo = 0, hi = i; /* s[lo].t <= at < s[hi].t */

		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (v->s[mid].t <= at)
				lo = mid;
			else
				hi = mid;
		}
		i = lo;
	}
	while (i + 1 < v->n && v->s[i + 1].t <= at)
		i++;
	v->cur = i;
	return i;
}

bool sim_trace_pos(struct sim_trace *t, size_t vi, vn_usec at, double *x, double *y)
{
	struct trace_vehicle *v;
	const struct trace_sample *a, *b;
	double f;

	if (vi >= t->n)
		return false;
	v = &t->v[vi];
	if (at < v->s[0].t || at > v->s[v->n - 1].t)
		return false;
	a = &v->s[seek(v, at)];
	if (a->t == at || a == &v->s[v->n - 1]) {
		*x = a->x;
		*y = a->y;
		return true;
	}
	b = a + 1;
	f = (double)(at - a->t) / (double)(b->t - a->t);
	*x = a->x + f * (b->x - a->x);
	*y = a->y + f * (b->y - a->y);
	return true;
}

/* ---- Reading the file format ---- */

struct reader {
	const char *path;
	FILE *f;
	size_t line;
	vn_usec last; /* time of the previous sample line */
	struct sim_trace *t;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!r->err || !r->errlen)
		return -1;
	n = snprintf(r->err, r->errlen, "%s:%zu: ", r->path, r->line);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Reads one line without its '\n' into buf; 1 if there was one, 0 at the
 * end of the file, -1 on an error (reported). A last line without '\n'
 * counts as a line. */
static int read_line(struct reader *r, char *buf)
{
	size_t len = 0;
	int c;

	r->line++;
	while ((c = getc(r->f)) != EOF && c != '\n') {
		if (c == '\0')
			return fail(r, "NUL byte");
		if (c == '\r')
			return fail(r, "carriage return (lines end in \\n alone)");
		if (len + 1 >= TRACE_LINE_MAX)
			return fail(r, "line longer than %d bytes", TRACE_LINE_MAX - 1);
		buf[len++] = (char)c;
	}
	buf[len] = '\0';
	if (ferror(r->f))
		return fail(r, "read error: %s", strerror(errno));
	return c == EOF && len == 0 ? 0 : 1;
}

/* One integer field at *p, in [min, max], followed by a single space (or,
 * for the last field, by the end of the line). Advances *p past both. */
static bool int_field(const char **p, long long min, long long max, bool last, long long *out)
{
	const char *s = *p;
	bool neg = *s == '-';
	long long v = 0;
	int digits = 0;

	if (neg)
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++digits > 13) /* beyond every limit, and no overflow below */
			return false;
		v = v * 10 + (*s - '0');
	}
	if (!digits || (last ? *s != '\0' : *s != ' '))
		return false;
	v = neg ? -v : v;
	if (v < min || v > max)
		return false;
	*out = v;
	*p = last ? s : s + 1;
	return true;
}

static int read_declaration(struct reader *r, const char *name)
{
	long prev;

	if (!trace_name_ok(name))
		return fail(r, "bad vehicle name \"%.64s\" (1-%d printable characters, no spaces)",
			    name, TRACE_NAME_MAX - 1);
	prev = trace_find(r->t, name);
	if (prev >= 0)
		return fail(r, "vehicle %s declared again (first on line %zu)", name,
			    r->t->v[prev].line);
	prev = trace_declare(r->t, name);
	if (prev < 0)
		return fail(r, r->t->n >= TRACE_MAX_VEHICLES ? "more than %u vehicles"
							      : "out of memory (%u vehicles)",
			    TRACE_MAX_VEHICLES);
	r->t->v[prev].line = r->line;
	return 0;
}

static int read_sample(struct reader *r, const char *p)
{
	long long ms, v, x, y;
	vn_usec at;

	if (!int_field(&p, 0, TRACE_MAX_MS, false, &ms))
		return fail(r, "bad time (milliseconds, 0-%lld, then one space)", TRACE_MAX_MS);
	if (!int_field(&p, 0, TRACE_MAX_VEHICLES, false, &v))
		return fail(r, "bad vehicle number");
	if (!int_field(&p, -TRACE_MAX_DM, TRACE_MAX_DM, false, &x))
		return fail(r, "bad x (decimetres, |x| <= %lld, then one space)", TRACE_MAX_DM);
	if (!int_field(&p, -TRACE_MAX_DM, TRACE_MAX_DM, true, &y))
		return fail(r, "bad y (decimetres, |y| <= %lld, last on the line)", TRACE_MAX_DM);
	at = (vn_usec)ms * VN_USEC_PER_MS;
	if ((size_t)v >= r->t->n)
		return fail(r, "vehicle %lld is not declared", v);
	if (at < r->last)
		return fail(r, "time %lld ms is before the previous sample's %llu ms", ms,
			    (unsigned long long)(r->last / VN_USEC_PER_MS));
	switch (trace_append(r->t, (size_t)v, at, (double)x / 10.0, (double)y / 10.0)) {
	case 0:
		break;
	case TRACE_ORDER:
		return fail(r, "vehicle %lld (%s) has a sample at %lld ms already", v,
			    r->t->v[v].name, ms);
	default:
		return fail(r, r->t->samples >= TRACE_MAX_SAMPLES ? "more than %u samples"
								   : "out of memory (%u samples)",
			    TRACE_MAX_SAMPLES);
	}
	r->last = at;
	return 0;
}

static int read_header(struct reader *r, char *buf)
{
	int got = read_line(r, buf);

	if (got < 0)
		return -1;
	if (got == 0)
		return fail(r, "empty file (no \"vanet-trace 1\" header)");
	if (strncmp(buf, "vanet-trace ", 12) == 0 && strcmp(buf, "vanet-trace 1") != 0)
		return fail(r, "unsupported version \"%.32s\" (this reads vanet-trace 1)", buf);
	if (strcmp(buf, "vanet-trace 1") != 0)
		return fail(r, "not a trace (the first line must be \"vanet-trace 1\")");
	return 0;
}

static int read_body(struct reader *r, char *buf)
{
	int got;

	while ((got = read_line(r, buf)) > 0) {
		if (buf[0] == '#')
			continue;
		if (buf[0] == 'v' && buf[1] == ' ')
			got = read_declaration(r, buf + 2);
		else if (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'))
			got = read_sample(r, buf);
		else if (buf[0] == '\0')
			got = fail(r, "empty line");
		else
			got = fail(r, "not a comment, declaration or sample");
		if (got < 0)
			return -1;
	}
	return got;
}

/* A declared vehicle must appear: it has no span otherwise. */
static int check_samples(struct reader *r)
{
	for (size_t i = 0; i < r->t->n; i++)
		if (r->t->v[i].n == 0) {
			r->line = r->t->v[i].line;
			return fail(r, "vehicle %s has no samples", r->t->v[i].name);
		}
	return 0;
}

struct sim_trace *sim_trace_load(const char *path, char *err, size_t errlen)
{
	struct reader r = { .path = path, .err = err, .errlen = errlen };
	char buf[TRACE_LINE_MAX];
	int rc;

	if (err && errlen)
		err[0] = '\0';
	r.f = fopen(path, "r");
	if (!r.f) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	r.t = sim_trace_new();
	if (!r.t) {
		fclose(r.f);
		fail(&r, "out of memory");
		return NULL;
	}
	rc = read_header(&r, buf);
	if (rc == 0)
		rc = read_body(&r, buf);
	if (rc == 0)
		rc = check_samples(&r);
	fclose(r.f);
	if (rc < 0) {
		sim_trace_free(r.t);
		return NULL;
	}
	return r.t;
}

/* ---- Writing it ---- */

struct sample_ref {
	vn_usec t;
	size_t v, i;
};

static int by_time_then_vehicle(const void *pa, const void *pb)
{
	const struct sample_ref *a = pa, *b = pb;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->v < b->v ? -1 : a->v > b->v;
}

/* All samples in file order: time, then vehicle number. NULL (errno set)
 * if one has a time the file cannot hold (not a whole millisecond). */
static struct sample_ref *file_order(const struct sim_trace *t)
{
	struct sample_ref *refs = malloc((t->samples ? t->samples : 1) * sizeof(*refs));
	size_t k = 0;

	if (!refs)
		return NULL;
	for (size_t v = 0; v < t->n; v++)
		for (size_t i = 0; i < t->v[v].n; i++) {
			if (t->v[v].s[i].t % VN_USEC_PER_MS) {
				free(refs);
				errno = EINVAL;
				return NULL;
			}
			refs[k++] = (struct sample_ref){ .t = t->v[v].s[i].t, .v = v, .i = i };
		}
	qsort(refs, k, sizeof(*refs), by_time_then_vehicle);
	return refs;
}

static void write_trace(const struct sim_trace *t, const struct sample_ref *refs, FILE *f)
{
	fprintf(f, "vanet-trace 1\n# written by sim_trace_save: %zu vehicles, %zu samples\n",
		t->n, t->samples);
	for (size_t v = 0; v < t->n; v++)
		fprintf(f, "v %s\n", t->v[v].name);
	for (size_t k = 0; k < t->samples; k++) {
		const struct trace_sample *s = &t->v[refs[k].v].s[refs[k].i];

		fprintf(f, "%llu %zu %lld %lld\n", (unsigned long long)(s->t / VN_USEC_PER_MS),
			refs[k].v, llround(s->x * 10.0), llround(s->y * 10.0));
	}
}

int sim_trace_save(const struct sim_trace *t, const char *path)
{
	struct sample_ref *refs = file_order(t);
	FILE *f;
	int bad, saved;

	if (!refs)
		return -1;
	f = fopen(path, "w");
	if (!f) {
		saved = errno;
		free(refs);
		errno = saved;
		return -1;
	}
	write_trace(t, refs, f);
	free(refs);
	bad = ferror(f);
	saved = errno;
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	if (bad) {
		errno = saved ? saved : EIO;
		return -1;
	}
	return 0;
}
