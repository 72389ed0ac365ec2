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

/* --- frame builders (via the codec, whose own tests check its bytes) --- */

static inline size_t b_hb(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
			  const struct vn_mac *src, vn_u128 uptime, uint32_t id, uint32_t hops)
{
	struct vn_heartbeat hb = {uptime, id, hops, *src};

	return vn_enc_heartbeat(p, 64, to, from, &hb);
}

static inline size_t b_reply(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
			     const struct vn_mac *src, vn_u128 uptime, uint32_t id, uint32_t hops,
			     const struct vn_mac *sender)
{
	struct vn_msg m;

	memset(&m, 0, sizeof(m));
	m.hb.uptime = uptime;
	m.hb.id = id;
	m.hb.hops = hops;
	m.hb.source = *src;
	return vn_enc_reply(p, 64, to, from, &m, sender);
}

/* IPv4 packet of len bytes from 10.0.0.s to 10.0.0.d (d 255: broadcast). */
static inline size_t b_ip4(uint8_t *p, size_t len, uint8_t s, uint8_t d)
{
	memset(p, 0xa5, len);
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
	p[12] = 10, p[15] = s;
	p[16] = 10, p[19] = d;
	return len;
}

/* IPv6 packet of len bytes (>= 40) from fd00::s to fd00::d (d 0: ff02::1). */
static inline size_t b_ip6(uint8_t *p, size_t len, uint8_t s, uint8_t d)
{
	memset(p, 0x5a, len);
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = 17;
	p[7] = 64;
	p[8] = 0xfd, p[23] = s;
	if (d == 0)
		p[24] = 0xff, p[25] = 0x02, p[39] = 1;
	else
		p[24] = 0xfd, p[39] = d;
	return len;
}

static inline size_t b_up(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
			  const struct vn_mac *origin, uint8_t s, uint8_t d)
{
	memcpy(p, to->b, 6);
	memcpy(p + 6, from->b, 6);
	p[12] = 0x30, p[13] = 0x30, p[14] = 1, p[15] = 0;
	memcpy(p + 16, origin->b, 6);
	return VN_UP_HLEN + b_ip4(p + VN_UP_HLEN, 60, s, d);
}

static inline size_t b_down(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
			    const struct vn_mac *origin, const struct vn_mac *dst, uint8_t s,
			    uint8_t d)
{
	memcpy(p, to->b, 6);
	memcpy(p + 6, from->b, 6);
	p[12] = 0x30, p[13] = 0x30, p[14] = 1, p[15] = 1;
	memcpy(p + 16, origin->b, 6);
	memcpy(p + 22, dst->b, 6);
	return VN_DOWN_HLEN + b_ip4(p + VN_DOWN_HLEN, 60, s, d);
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
