/* Test packets (tagged IPv4/IPv6 UDP and ICMP with correct checksums) and
 * injection of packets and frames into nodes. See sim.h. */
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"

#define SIM_MAGIC "VNSM"

uint32_t sim_packet_tag(const uint8_t *p, size_t len)
{
	size_t off;

	if (len < 1)
		return SIM_TAG_NONE;
	if ((p[0] >> 4) == 4) {
		if (len < 20 || (p[9] != 17 && p[9] != 1))
			return SIM_TAG_NONE;
		off = (size_t)(p[0] & 0x0f) * 4 + 8;
	} else if ((p[0] >> 4) == 6) {
		if (len < 40 || (p[6] != 17 && p[6] != 58))
			return SIM_TAG_NONE;
		off = 48;
	} else {
		return SIM_TAG_NONE;
	}
	if (len < off + 8 || memcmp(p + off, SIM_MAGIC, 4) != 0)
		return SIM_TAG_NONE;
	return (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 |
	       (uint32_t)p[off + 6] << 8 | p[off + 7];
}


/* --- Test packets ------------------------------------------------------------------ */

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Payload: magic, tag, then a recognisable filler. */
static void fill_payload(uint8_t *p, size_t len, uint32_t tag)
{
	memcpy(p, SIM_MAGIC, 4);
	put32(p + 4, tag);
	for (size_t i = 8; i < len; i++)
		p[i] = (uint8_t)(i + tag);
}

static void ip4_header(uint8_t *b, size_t len, uint8_t proto, const struct vn_ip *src,
		       const struct vn_ip *dst, uint32_t tag)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)len);
	put16(b + 4, (uint16_t)tag);
	b[6] = 0x40; /* DF */
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, src->a, 4);
	memcpy(b + 16, dst->a, 4);
	put16(b + 10, csum_fold(csum_add(0, b, 20)));
}

size_t sim_build_udp4(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		      uint32_t tag, size_t len)
{
	if (len < 20 + 8 + 8 || len > cap || len > 65535)
		return 0;
	ip4_header(buf, len, 17, src, dst, tag);
	put16(buf + 20, 4000);
	put16(buf + 22, 4001);
	put16(buf + 24, (uint16_t)(len - 20));
	put16(buf + 26, 0); /* no checksum: allowed over IPv4 */
	fill_payload(buf + 28, len - 28, tag);
	return len;
}

size_t sim_build_icmp4(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		       uint32_t tag, size_t len)
{
	uint8_t *icmp = buf + 20;

	if (len < 20 + 8 + 8 || len > cap || len > 65535)
		return 0;
	ip4_header(buf, len, 1, src, dst, tag);
	memset(icmp, 0, 8);
	icmp[0] = 8; /* echo request */
	put16(icmp + 4, 0x5653);
	put16(icmp + 6, (uint16_t)tag);
	fill_payload(icmp + 8, len - 28, tag);
	put16(icmp + 2, csum_fold(csum_add(0, icmp, len - 20)));
	return len;
}

size_t sim_build_udp6(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		      uint32_t tag, size_t len)
{
	uint8_t *udp = buf + 40;
	size_t ulen = len - 40;
	uint32_t sum;
	uint16_t c;

	if (len < 40 + 8 + 8 || len > cap || ulen > 65535)
		return 0;
	memset(buf, 0, 40);
	buf[0] = 0x60;
	put16(buf + 4, (uint16_t)ulen);
	buf[6] = 17;
	buf[7] = 64;
	memcpy(buf + 8, src->a, 16);
	memcpy(buf + 24, dst->a, 16);
	put16(udp, 4000);
	put16(udp + 2, 4001);
	put16(udp + 4, (uint16_t)ulen);
	put16(udp + 6, 0);
	fill_payload(udp + 8, ulen - 8, tag);
	/* Pseudo-header: addresses, length, next header. */
	sum = csum_add(0, buf + 8, 32);
	sum += (uint32_t)ulen + 17;
	sum = csum_add(sum, udp, ulen);
	c = csum_fold(sum);
	put16(udp + 6, c ? c : 0xffff);
	return len;
}

uint32_t sim_new_tag(struct sim *s)
{
	return s->next_tag++;
}

void sim_inject_tun(struct sim *s, int node, const uint8_t *pkt, size_t len)
{
	struct sim_node *n = node_at(s, node);
	struct vn_pbuf *b = &s->rxbuf;

	if (!n->alive || len > VN_PBUF_DATA_MAX)
		return;
	vn_pbuf_init(b, s->rxmem, sizeof(s->rxmem));
	memcpy(b->data, pkt, len);
	b->len = len;
	sim_sec_follow(s, n);
	if (n->role == SIM_RSU)
		rsu_core_on_tun(n->core.rsu, b, s->now);
	else
		obu_core_on_tun(n->core.obu, b, s->now);
	schedule_timer(s, n);
}

uint32_t sim_send_ip(struct sim *s, int node, const struct vn_ip *src, const struct vn_ip *dst,
		     size_t len)
{
	uint8_t pkt[2048];
	uint32_t tag = sim_new_tag(s);
	size_t n;

	if (len > sizeof(pkt))
		len = sizeof(pkt);
	if (src->family == 6)
		n = sim_build_udp6(pkt, sizeof(pkt), src, dst, tag, len);
	else
		n = sim_build_udp4(pkt, sizeof(pkt), src, dst, tag, len);
	if (n == 0)
		abort();
	sim_inject_tun(s, node, pkt, n);
	return tag;
}

void sim_inject_frame(struct sim *s, int node, const uint8_t *frame, size_t len)
{
	struct sim_node *n = node_at(s, node);

	if (n->alive)
		node_rx(s, n, frame, len);
}

void sim_transmit_as(struct sim *s, int node, const uint8_t *frame, size_t len)
{
	struct sim_node *n = node_at(s, node);
	bool alive = n->alive;
	struct vn_sec *sec = n->sec;

	/* A removed node may still be used as a hostile transmitter; its
	 * bytes go out as given, not through its security layer. */
	n->alive = true;
	n->sec = NULL;
	io_send(n, frame, len);
	n->sec = sec;
	n->alive = alive;
}

