/* The IP packets carried as payload: validation and the few fields routing
 * looks at. Nothing here copies a packet. */
#ifndef VN_IP_H
#define VN_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rxerr.h"

/* An IPv4 or IPv6 address; IPv4 lives in a[0..3], the rest zero. */
struct vn_ip {
	uint8_t family; /* 4 or 6; 0 for none */
	uint8_t a[16];
};

struct vn_ip_prefix {
	struct vn_ip addr;
	uint8_t len; /* prefix length in bits */
};

#define VN_IP_STRLEN 46 /* INET6_ADDRSTRLEN */

/* Validates an IP packet of `len` bytes at p: version 4 or 6, header and
 * length fields consistent with `len`. Bytes after the IP packet's own length
 * (Ethernet padding) are allowed; *ip_len gets the packet's real length.
 * Returns VN_RX_OK or VN_RX_IP_VERSION / VN_RX_IP_LENGTH. */
enum vn_rx_err vn_ip_check(const uint8_t *p, size_t len, size_t *ip_len);

/* The body of vn_ip_check, inline for the decoder's per-packet path. */
static inline enum vn_rx_err vn__ip_check(const uint8_t *p, size_t len, size_t *ip_len)
{
	size_t tot, ihl;

	if (len == 0)
		return VN_RX_IP_VERSION;
	switch (p[0] >> 4) {
	case 4:
		if (len < 20)
			return VN_RX_IP_LENGTH;
		ihl = (size_t)(p[0] & 0x0f) * 4;
		tot = (size_t)p[2] << 8 | p[3];
		if (ihl < 20 || tot < ihl || tot > len)
			return VN_RX_IP_LENGTH;
		*ip_len = tot;
		return VN_RX_OK;
	case 6:
		if (len < 40)
			return VN_RX_IP_LENGTH;
		/* payload_length 0 would be a jumbogram, which cannot fit in a
		 * frame anyway: it reads as a bare header plus padding. */
		tot = 40 + ((size_t)p[4] << 8 | p[5]);
		if (tot > len)
			return VN_RX_IP_LENGTH;
		*ip_len = tot;
		return VN_RX_OK;
	default:
		return VN_RX_IP_VERSION;
	}
}

/* Source and destination of a packet that passed vn_ip_check. */
void vn_ip_src(const uint8_t *pkt, struct vn_ip *out);
void vn_ip_dst(const uint8_t *pkt, struct vn_ip *out);

bool vn_ip_eq(const struct vn_ip *a, const struct vn_ip *b);
/* Multicast, IPv4 limited broadcast (255.255.255.255). */
bool vn_ip_is_multicast(const struct vn_ip *a);
/* Whether a is inside prefix p (same family, first p->len bits equal). */
bool vn_ip_in_prefix(const struct vn_ip *a, const struct vn_ip_prefix *p);
/* Whether a is the directed broadcast address of IPv4 prefix p (len < 31). */
bool vn_ip_is_prefix_broadcast(const struct vn_ip *a, const struct vn_ip_prefix *p);
/* A hash for tables. */
uint32_t vn_ip_hash(const struct vn_ip *a);

/* "10.0.0.1" or "fd00::1" -> 0, else -1. */
int vn_ip_parse(const char *s, struct vn_ip *out);
/* "10.0.0.1/24", "fd00::1/64"; without "/N" the full length. 0 or -1. */
int vn_ip_prefix_parse(const char *s, struct vn_ip_prefix *out);
char *vn_ip_format(const struct vn_ip *a, char buf[VN_IP_STRLEN]);

#endif
