/* The RSU core under test, driven by hand: a fixture shared by the RSU unit
 * tests (test_rsu_*.c). Header-only, static helpers. */
#ifndef VN_RSU_FX_H
#define VN_RSU_FX_H

#include "harness.h"
#include "rsu_core.h"

static const struct vn_mac R = {{0x04, 0x04, 0x04, 0x04, 0x04, 0x04}}; /* under test */
static const struct vn_mac B = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct vn_mac C = {{0x02, 0, 0, 0, 0, 0x0c}};
static const struct vn_mac D = {{0x02, 0, 0, 0, 0, 0x0d}};
static const struct vn_mac E = {{0x02, 0, 0, 0, 0, 0x0e}};

#define T0 MS(5000) /* creation: uptime 0 */

struct fx {
	struct harness h;
	struct rsu_core *c;
	struct rsu_params p;
};

static inline struct fx *fx_new(void (*tune)(struct rsu_params *))
{
	struct fx *f = test_calloc(1, sizeof(*f));
	struct vn_core_io io;

	assert_non_null(f);
	io = h_io(&f->h);
	rsu_params_default(&f->p);
	f->p.jitter_pct = 0; /* exact send times, so that RTTs are exact */
	if (tune != NULL)
		tune(&f->p);
	assert_null(rsu_params_check(&f->p));
	f->c = rsu_core_new(&f->p, &R, &io, T0);
	assert_non_null(f->c);
	return f;
}

static inline void fx_free(struct fx *f)
{
	rsu_core_free(f->c);
	test_free(f);
}

static inline uint64_t ctr(const struct fx *f, const char *name)
{
	struct h_counter_q q = {name, 0, false};

	rsu_core_counters(f->c, h_counter_cb, &q);
	assert_true(q.found);
	return q.value;
}

static inline void feed(struct fx *f, const uint8_t *p, size_t len, vn_usec now)
{
	rsu_core_on_frame(f->c, h_buf(&f->h, p, len), now);
}

/* Runs the timers up to now; returns heartbeats sent meanwhile. */
static inline size_t run_to(struct fx *f, vn_usec now)
{
	size_t n = 0;

	while (rsu_core_next_timer(f->c) <= now) {
		size_t before = f->h.ntx;

		rsu_core_tick(f->c, rsu_core_next_timer(f->c));
		n += f->h.ntx - before;
	}
	return n;
}

/* The uptime the RSU put in its heartbeat id (from the captured frames). */
static inline vn_u128 sent_uptime(const struct fx *f, uint32_t id)
{
	for (size_t i = 0; i < f->h.ntx && i < H_MAX; i++) {
		const uint8_t *p = f->h.tx[i].b;

		if (f->h.tx[i].len == VN_HEARTBEAT_LEN && vn_get_be32(p + 32) == id)
			return vn_get_be128(p + 16);
	}
	fail_msg("heartbeat %u not sent", id);
	return 0;
}

static inline void reply(struct fx *f, const struct vn_mac *from, const struct vn_mac *sender,
		  vn_u128 uptime, uint32_t id, uint32_t hops, vn_usec now)
{
	uint8_t fr[64];
	size_t n = b_reply(fr, &R, from, &R, uptime, id, hops, sender);

	feed(f, fr, n, now);
}

#endif
