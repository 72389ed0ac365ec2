/* A hand-driven harness for one core: the io callbacks copy every frame sent
 * and packet delivered so that tests can look at them byte by byte. */
#ifndef VN_CORE_HARNESS_H
#define VN_CORE_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core_frames.h"
#include "core_io.h"
#include "ip.h"
#include "pbuf.h"
#include "wire.h"

#define H_MAX 64
#define H_FRAME 2048
#define MS(x) ((vn_usec)(x) * 1000u)

struct h_pkt {
	uint8_t b[H_FRAME];
	size_t len;
};

struct harness {
	struct h_pkt tx[H_MAX];
	size_t ntx;
	struct h_pkt del[H_MAX];
	size_t ndel;
	char log[H_MAX][256];
	size_t nlog;
	uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf pb;
};

static inline void h_send(void *ctx, const uint8_t *f, size_t len)
{
	struct harness *h = ctx;

	assert_true(len <= H_FRAME);
	if (h->ntx < H_MAX) {
		memcpy(h->tx[h->ntx].b, f, len);
		h->tx[h->ntx].len = len;
	}
	h->ntx++;
}

static inline void h_deliver(void *ctx, const uint8_t *p, size_t len)
{
	struct harness *h = ctx;

	assert_true(len <= H_FRAME);
	if (h->ndel < H_MAX) {
		memcpy(h->del[h->ndel].b, p, len);
		h->del[h->ndel].len = len;
	}
	h->ndel++;
}

static inline void h_log(void *ctx, enum vn_log_level lvl, const char *msg)
{
	struct harness *h = ctx;

	(void)lvl;
	if (h->nlog < H_MAX)
		snprintf(h->log[h->nlog], sizeof(h->log[0]), "%s", msg);
	h->nlog++;
}

static inline struct vn_core_io h_io(struct harness *h)
{
	struct vn_core_io io = {h, h_send, h_deliver, h_log};

	return io;
}

static inline void h_clear(struct harness *h)
{
	h->ntx = h->ndel = h->nlog = 0;
}

/* Loads bytes into the harness's receive buffer (with headroom) and returns it. */
static inline struct vn_pbuf *h_buf(struct harness *h, const uint8_t *p, size_t len)
{
	vn_pbuf_init(&h->pb, h->mem, sizeof(h->mem));
	memcpy(h->pb.data, p, len);
	h->pb.len = len;
	return &h->pb;
}

static inline bool h_logged(const struct harness *h, const char *needle)
{
	for (size_t i = 0; i < h->nlog && i < H_MAX; i++)
		if (strstr(h->log[i], needle) != NULL)
			return true;
	return false;
}

struct h_counter_q {
	const char *name;
	uint64_t value;
	bool found;
};

static inline void h_counter_cb(void *ctx, const char *name, uint64_t v)
{
	struct h_counter_q *q = ctx;

	if (strcmp(q->name, name) == 0) {
		q->value = v;
		q->found = true;
	}
}

static inline struct vn_mac h_mac(uint8_t a, uint8_t b)
{
	struct vn_mac m = {{0x02, 0, 0, 0, a, b}};

	return m;
}

#endif
