/* The OBU core under test, driven by hand: a fixture shared by the OBU unit
 * tests (test_obu_*.c). Header-only, static helpers. */
#ifndef VN_OBU_FX_H
#define VN_OBU_FX_H

#include "harness.h"
#include "obu_core.h"

static const struct vn_mac R = {{0x04, 0x04, 0x04, 0x04, 0x04, 0x04}}; /* RSU */
static const struct vn_mac A = {{0x02, 0, 0, 0, 0, 0x0a}}; /* the OBU under test */
static const struct vn_mac B = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct vn_mac C = {{0x02, 0, 0, 0, 0, 0x0c}};

struct fx {
	struct harness h;
	struct obu_core *c;
	struct obu_params p;
	uint32_t period_ms; /* the RSU's, for the uptimes we write */
};

static inline struct fx *fx_new_as(const struct vn_mac *self, void (*tune)(struct obu_params *))
{
	struct fx *f = test_calloc(1, sizeof(*f));
	struct vn_core_io io;

	assert_non_null(f);
	io = h_io(&f->h);
	obu_params_default(&f->p);
	if (tune != NULL)
		tune(&f->p);
	assert_null(obu_params_check(&f->p));
	f->c = obu_core_new(&f->p, self, &io, MS(1000));
	assert_non_null(f->c);
	f->period_ms = 100;
	return f;
}

static inline struct fx *fx_new(void (*tune)(struct obu_params *))
{
	return fx_new_as(&A, tune);
}

static inline void fx_free(struct fx *f)
{
	obu_core_free(f->c);
	test_free(f);
}

static inline uint64_t ctr(const struct fx *f, const char *name)
{
	struct h_counter_q q = {name, 0, false};

	obu_core_counters(f->c, h_counter_cb, &q);
	assert_true(q.found);
	return q.value;
}

static inline void feed(struct fx *f, const uint8_t *p, size_t len, vn_usec now)
{
	obu_core_on_frame(f->c, h_buf(&f->h, p, len), now);
}

#endif
