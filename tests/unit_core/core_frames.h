/* Frame and packet builders for the core tests and the core fuzzer (via
 * the codec, whose own tests check its bytes). No cmocka: fuzz_core.c uses
 * them too. */
#ifndef VN_CORE_FRAMES_H
#define VN_CORE_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mac.h"
#include "wire.h"

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

#endif
