/* The synthetic mobility sources: the static jam and the ring road. Both
 * are pure functions of time from per-vehicle start values. */
#include "mobility.h"

#include <math.h>
#include <stdlib.h>

#define JAM_LANES 4
#define JAM_LANE_W 3.5	/* m between lane centres */
#define JAM_RSU_Y (-5.0) /* the RSU stands 5 m beside the first lane */

/* A vehicle moving along one axis at constant speed. */
struct mover {
	double s0, v; /* position at t = 0 (m) and speed (m/s, signed) */
	double lane;  /* lateral offset (jam) */
};

struct movers {
	struct mover *v;
	double len; /* jam: segment length; ring: circumference */
};

/* splitmix64: the sources' own PRNG, independent of the simulator's. */
static double rand01(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

static double seconds(vn_usec t)
{
	return (double)t / 1e6;
}

static void movers_free(void *ctx)
{
	struct movers *m = ctx;

	free(m->v);
	free(m);
}

static struct movers *movers_new(size_t n, double len)
{
	struct movers *m = malloc(sizeof(*m));

	if (m == NULL)
		return NULL;
	m->v = calloc(n ? n : 1, sizeof(*m->v));
	if (m->v == NULL) {
		free(m);
		return NULL;
	}
	m->len = len;
	return m;
}

/* Along the segment [-len/2, len/2], bouncing off the ends (a triangle
 * wave), so that a vehicle never jumps. */
static bool jam_pos(void *ctx, size_t i, vn_usec at, double *x, double *y)
{
	const struct movers *m = ctx;
	const struct mover *v = &m->v[i];
	double p = fmod(v->s0 + m->len / 2 + v->v * seconds(at), 2 * m->len);

	if (p < 0)
		p += 2 * m->len;
	*x = (p <= m->len ? p : 2 * m->len - p) - m->len / 2;
	*y = v->lane;
	return true;
}

int mobility_jam(struct world_mobility *out, size_t n, double range, uint64_t seed,
		 struct world_xy *rsu)
{
	struct movers *m = movers_new(n, 1.9 * range);

	if (m == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct mover *v = &m->v[i];
		size_t lane = i % JAM_LANES;
		bool standing = rand01(&seed) < 1.0 / 3;

		v->s0 = (rand01(&seed) - 0.5) * m->len;
		v->v = standing ? 0 : 2 * rand01(&seed);
		if (lane >= JAM_LANES / 2)
			v->v = -v->v; /* the other carriageway */
		v->lane = JAM_LANE_W * (double)lane;
	}
	rsu->x = 0;
	rsu->y = JAM_RSU_Y;
	*out = (struct world_mobility){ .ctx = m, .nvehicles = n, .pos = jam_pos,
					.free = movers_free };
	return 0;
}

/* The ring as a circle in the plane: over 300 m the chord is within 0.1 m
 * of the distance along the road. */
static struct world_xy ring_point(double s, double len)
{
	double a = 2 * M_PI * s / len, r = len / (2 * M_PI);

	return (struct world_xy){ r * cos(a), r * sin(a) };
}

static bool ring_pos(void *ctx, size_t i, vn_usec at, double *x, double *y)
{
	const struct movers *m = ctx;
	struct world_xy p = ring_point(m->v[i].s0 + m->v[i].v * seconds(at), m->len);

	*x = p.x;
	*y = p.y;
	return true;
}

int mobility_ring(struct world_mobility *out, size_t n, double road, size_t nrsus, uint64_t seed,
		  struct world_xy *rsus)
{
	struct movers *m = movers_new(n, road);

	if (m == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		double sp = 20 + 15 * rand01(&seed);

		m->v[i].s0 = road * rand01(&seed);
		m->v[i].v = rand01(&seed) < 0.5 ? sp : -sp;
	}
	for (size_t i = 0; i < nrsus; i++)
		rsus[i] = ring_point(road * ((double)i + 0.5) / (double)nrsus, road);
	*out = (struct world_mobility){ .ctx = m, .nvehicles = n, .pos = ring_pos,
					.free = movers_free };
	return 0;
}
