/* Shared by the unit tests: cmocka, and builders of frames written out
 * byte by byte (independently of the encoders under test). */
#ifndef VN_TESTUTIL_H
#define VN_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../unit_core/core_frames.h"
#include "wire.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct vn_mac mac_a = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const struct vn_mac mac_b = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
static const struct vn_mac mac_c = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0c}};
static const struct vn_mac mac_d = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0d}};
static const struct vn_mac mac_rsu = {{0x04, 0x04, 0x04, 0x04, 0x04, 0x04}};

static inline uint8_t *put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

static inline uint8_t *put_head(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
				uint8_t type, uint8_t subtype)
{
	p = put_bytes(p, to->b, 6);
	p = put_bytes(p, from->b, 6);
	*p++ = 0x30;
	*p++ = 0x30;
	*p++ = type;
	*p++ = subtype;
	return p;
}

/* A heartbeat written out by hand: uptime bytes are 0x10..0x1f, id and hops
 * as given, source mac_rsu. Returns the bytes written (46). */
static inline size_t mk_heartbeat(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
				  uint32_t id, uint32_t hops)
{
	uint8_t *q = put_head(p, to, from, 0, 0);

	for (int i = 0; i < 16; i++)
		*q++ = (uint8_t)(0x10 + i);
	vn_put_be32(q, id);
	vn_put_be32(q + 4, hops);
	q += 8;
	q = put_bytes(q, mac_rsu.b, 6);
	return (size_t)(q - p);
}

static inline size_t mk_reply(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
			      uint32_t id, uint32_t hops, const struct vn_mac *sender)
{
	size_t n = mk_heartbeat(p, to, from, id, hops);

	p[15] = 1;
	memcpy(p + n, sender->b, 6);
	return n + 6;
}

/* A minimal IPv4 packet of `len` bytes (>= 20): 10.0.0.1 -> 10.0.0.2, payload
 * bytes 0xa5. */
static inline size_t mk_ipv4(uint8_t *p, size_t len)
{
	return b_ip4(p, len, 1, 2);
}

/* A minimal IPv6 packet of `len` bytes (>= 40): fd00::1 -> fd00::2. */
static inline size_t mk_ipv6(uint8_t *p, size_t len)
{
	return b_ip6(p, len, 1, 2);
}

static inline size_t mk_upstream(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
				 const struct vn_mac *origin, size_t ip_len)
{
	uint8_t *q = put_head(p, to, from, 1, 0);

	q = put_bytes(q, origin->b, 6);
	return VN_UP_HLEN + mk_ipv4(q, ip_len);
}

static inline size_t mk_downstream(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
				   const struct vn_mac *origin, const struct vn_mac *dest,
				   size_t ip_len)
{
	uint8_t *q = put_head(p, to, from, 1, 1);

	q = put_bytes(q, origin->b, 6);
	q = put_bytes(q, dest->b, 6);
	return VN_DOWN_HLEN + mk_ipv4(q, ip_len);
}

static inline void assert_mac_equal(const struct vn_mac *a, const struct vn_mac *b)
{
	assert_memory_equal(a->b, b->b, VN_MAC_LEN);
}

#endif
