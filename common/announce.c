/* The announce packet (announce.h): built by obud, recognised by the RSU
 * core. Both sides agree on every byte, so nothing else is taken for one. */
#include "announce.h"

#include <string.h>

static const uint8_t magic[4] = { 'V', 'N', 'E', 'T' };
#define ANNOUNCE_VERSION 1

static const uint8_t all_nodes6[16] = { 0xff, 0x02, [15] = 0x01 };

static void body(uint8_t *p, enum vn_announce_kind kind)
{
	memcpy(p, magic, sizeof(magic));
	p[4] = ANNOUNCE_VERSION;
	p[5] = (uint8_t)kind;
	p[6] = p[7] = 0;
}

static uint16_t ip4_checksum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t build4(uint8_t *p, const struct vn_ip *src, enum vn_announce_kind kind)
{
	uint16_t ck;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[3] = 20 + VN_ANNOUNCE_BODY;
	p[6] = 0x40; /* DF */
	p[8] = 1;    /* TTL: it is for the RSU, never routed further */
	p[9] = VN_ANNOUNCE_PROTO;
	memcpy(p + 12, src->a, 4);
	memset(p + 16, 0xff, 4);
	ck = ip4_checksum(p);
	p[10] = (uint8_t)(ck >> 8);
	p[11] = (uint8_t)ck;
	body(p + 20, kind);
	return 20 + VN_ANNOUNCE_BODY;
}

static size_t build6(uint8_t *p, const struct vn_ip *src, enum vn_announce_kind kind)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[5] = VN_ANNOUNCE_BODY;
	p[6] = VN_ANNOUNCE_PROTO;
	p[7] = 1; /* hop limit */
	memcpy(p + 8, src->a, 16);
	memcpy(p + 24, all_nodes6, 16);
	body(p + 40, kind);
	return 40 + VN_ANNOUNCE_BODY;
}

size_t vn_announce_build(uint8_t *buf, size_t cap, const struct vn_ip *src,
			 enum vn_announce_kind kind)
{
	if (src->family == 4 && cap >= 20 + VN_ANNOUNCE_BODY)
		return build4(buf, src, kind);
	if (src->family == 6 && cap >= 40 + VN_ANNOUNCE_BODY)
		return build6(buf, src, kind);
	return 0;
}

static enum vn_announce_kind body_kind(const uint8_t *p)
{
	if (memcmp(p, magic, sizeof(magic)) != 0 || p[4] != ANNOUNCE_VERSION || p[6] != 0 ||
	    p[7] != 0)
		return VN_ANNOUNCE_NONE;
	if (p[5] == VN_ANNOUNCE_ATTACH || p[5] == VN_ANNOUNCE_KEEPALIVE)
		return (enum vn_announce_kind)p[5];
	return VN_ANNOUNCE_NONE;
}

/* The IP header's own fields decide, not the frame's length: Ethernet
 * padding after the packet is allowed (vn_ip_check). */
enum vn_announce_kind vn_announce_parse(const uint8_t *pkt, size_t len)
{
	if (len >= 20 + VN_ANNOUNCE_BODY && pkt[0] == 0x45 && pkt[2] == 0 &&
	    pkt[3] == 20 + VN_ANNOUNCE_BODY && pkt[9] == VN_ANNOUNCE_PROTO &&
	    pkt[16] == 0xff && pkt[17] == 0xff && pkt[18] == 0xff && pkt[19] == 0xff)
		return body_kind(pkt + 20);
	if (len >= 40 + VN_ANNOUNCE_BODY && pkt[0] >> 4 == 6 && pkt[4] == 0 &&
	    pkt[5] == VN_ANNOUNCE_BODY && pkt[6] == VN_ANNOUNCE_PROTO &&
	    memcmp(pkt + 24, all_nodes6, 16) == 0)
		return body_kind(pkt + 40);
	return VN_ANNOUNCE_NONE;
}
