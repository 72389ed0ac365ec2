/* IP packets as payload: validation and the few fields routing needs. */
#include "ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

enum vn_rx_err vn_ip_check(const uint8_t *p, size_t len, size_t *ip_len)
{
	return vn__ip_check(p, len, ip_len);
}

static void ip_load(const uint8_t *pkt, struct vn_ip *out, size_t off4, size_t off6)
{
	memset(out->a, 0, sizeof(out->a));
	if (pkt[0] >> 4 == 4) {
		out->family = 4;
		memcpy(out->a, pkt + off4, 4);
	} else {
		out->family = 6;
		memcpy(out->a, pkt + off6, 16);
	}
}

void vn_ip_src(const uint8_t *pkt, struct vn_ip *out)
{
	ip_load(pkt, out, 12, 8);
}

void vn_ip_dst(const uint8_t *pkt, struct vn_ip *out)
{
	ip_load(pkt, out, 16, 24);
}

static inline size_t addr_len(uint8_t family)
{
	return family == 4 ? 4 : family == 6 ? 16 : 0;
}

bool vn_ip_eq(const struct vn_ip *a, const struct vn_ip *b)
{
	return a->family == b->family && memcmp(a->a, b->a, addr_len(a->family)) == 0;
}

bool vn_ip_is_multicast(const struct vn_ip *a)
{
	if (a->family == 4)
		return (a->a[0] & 0xf0) == 0xe0 ||
		       (a->a[0] == 0xff && a->a[1] == 0xff && a->a[2] == 0xff && a->a[3] == 0xff);
	if (a->family == 6)
		return a->a[0] == 0xff;
	return false;
}

bool vn_ip_in_prefix(const struct vn_ip *a, const struct vn_ip_prefix *p)
{
	size_t bits = p->len, max = addr_len(a->family) * 8, full;

	if (a->family != p->addr.family || max == 0)
		return false;
	if (bits > max)
		bits = max;
	full = bits / 8;
	if (memcmp(a->a, p->addr.a, full) != 0)
		return false;
	if (bits % 8 != 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));

		if ((a->a[full] & mask) != (p->addr.a[full] & mask))
			return false;
	}
	return true;
}

bool vn_ip_is_prefix_broadcast(const struct vn_ip *a, const struct vn_ip_prefix *p)
{
	uint32_t addr, host;

	/* /31 and /32 have no broadcast address (RFC 3021). */
	if (a->family != 4 || p->addr.family != 4 || p->len >= 31)
		return false;
	if (!vn_ip_in_prefix(a, p))
		return false;
	addr = (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 |
	       a->a[3];
	host = p->len == 0 ? UINT32_MAX : UINT32_MAX >> p->len;
	return (addr & host) == host;
}

uint32_t vn_ip_hash(const struct vn_ip *a)
{
	/* FNV-1a over family and address, then a final avalanche so that the
	 * low bits (used for bucket masks) depend on every byte. */
	uint32_t h = 2166136261u ^ a->family;
	size_t n = addr_len(a->family);

	h *= 16777619u;
	for (size_t i = 0; i < n; i++) {
		h ^= a->a[i];
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

int vn_ip_parse(const char *s, struct vn_ip *out)
{
	struct vn_ip ip;

	if (s == NULL)
		return -1;
	memset(&ip, 0, sizeof(ip));
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, ip.a) != 1)
			return -1;
		ip.family = 6;
	} else {
		if (inet_pton(AF_INET, s, ip.a) != 1)
			return -1;
		ip.family = 4;
	}
	*out = ip;
	return 0;
}

int vn_ip_prefix_parse(const char *s, struct vn_ip_prefix *out)
{
	char addr[VN_IP_STRLEN];
	const char *slash;
	struct vn_ip_prefix p;
	size_t alen;
	unsigned len = 0;

	if (s == NULL)
		return -1;
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (vn_ip_parse(addr, &p.addr) != 0)
		return -1;
	if (slash == NULL) {
		len = p.addr.family == 4 ? 32 : 128;
	} else {
		const char *d = slash + 1;

		/* 1 to 3 decimal digits, nothing else (no sign, no spaces) */
		if (*d == '\0')
			return -1;
		for (int i = 0; *d != '\0'; d++, i++) {
			if (i >= 3 || *d < '0' || *d > '9')
				return -1;
			len = len * 10 + (unsigned)(*d - '0');
		}
		if (len > (p.addr.family == 4 ? 32u : 128u))
			return -1;
	}
	p.len = (uint8_t)len;
	*out = p;
	return 0;
}

char *vn_ip_format(const struct vn_ip *a, char buf[VN_IP_STRLEN])
{
	int af = a->family == 4 ? AF_INET : a->family == 6 ? AF_INET6 : 0;

	if (af == 0 || inet_ntop(af, a->a, buf, VN_IP_STRLEN) == NULL)
		snprintf(buf, VN_IP_STRLEN, "none");
	return buf;
}
