#include "tun_gro.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "csum.h"
#include "wire.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define IP_MAX 65535u

/* A queued packet seen as a TCP segment, if it is one we may coalesce. */
struct seg {
	uint8_t *p;
	size_t len, iphl, thl, plen; /* IP header, TCP header, payload */
	unsigned ver;
	uint8_t proto; /* 6 TCP, 17 UDP */
	uint32_t seq;
	uint8_t flags;
};

/* The IP layer: how long its header is, or 0 if not a candidate. */
static size_t ip_part(const uint8_t *p, size_t len, unsigned *ver, uint8_t *proto)
{
	if (len < 20)
		return 0;
	*ver = p[0] >> 4;
	if (*ver == 4) {
		/* no options, DF and nothing else in the fragment field, TCP/UDP */
		*proto = p[9];
		if (p[0] != 0x45 || vn_get_be16(p + 2) != len || vn_get_be16(p + 6) != 0x4000 ||
		    (*proto != 6 && *proto != 17))
			return 0;
		/* the header checksum too: a super-packet gets a new one, which
		 * must not make a damaged header look good */
		return vn_csum_fold(vn_csum_add(0, p, 20)) == 0xffff ? 20 : 0;
	}
	if (*ver == 6 && len >= 40 && vn_get_be16(p + 4) + 40u == len && (p[6] == 6 || p[6] == 17)) {
		*proto = p[6];
		return 40;
	}
	return 0;
}

static bool csum_ok(const struct seg *s)
{
	size_t alen = s->ver == 4 ? 4 : 16;
	const uint8_t *src = s->p + (s->ver == 4 ? 12 : 8);
	uint64_t sum = vn_csum_pseudo(src, src + alen, alen, s->proto, (uint32_t)(s->len - s->iphl));

	return vn_csum_fold(vn_csum_add(sum, s->p + s->iphl, s->len - s->iphl)) == 0xffff;
}

/* A UDP datagram with data, its length field right and a checksum that is
 * there (not 0) and good. */
static bool parse_udp(struct seg *s)
{
	const uint8_t *u = s->p + s->iphl;

	if (s->len < s->iphl + 8 || vn_get_be16(u + 4) != s->len - s->iphl || vn_get_be16(u + 6) == 0)
		return false;
	s->thl = 8;
	s->plen = s->len - s->iphl - 8;
	s->seq = 0;
	s->flags = 0;
	return s->plen > 0 && csum_ok(s);
}

/* Fills *s if p is a TCP segment with data, plain flags and a good
 * checksum, or such a UDP datagram. */
static bool parse(uint8_t *p, size_t len, struct seg *s)
{
	const uint8_t *t;

	s->p = p;
	s->len = len;
	s->iphl = ip_part(p, len, &s->ver, &s->proto);
	if (s->iphl == 0)
		return false;
	if (s->proto == 17)
		return parse_udp(s);
	if (len < s->iphl + 20)
		return false;
	t = p + s->iphl;
	s->thl = (size_t)(t[12] >> 4) * 4;
	if (s->thl < 20 || len < s->iphl + s->thl)
		return false;
	s->plen = len - s->iphl - s->thl;
	s->seq = vn_get_be32(t + 4);
	s->flags = t[13];
	/* ACK, optionally PSH; the low nibble of byte 12 (reserved, AE) zero */
	if ((s->flags & ~TCP_PSH) != TCP_ACK || (t[12] & 0x0f) != 0 || s->plen == 0)
		return false;
	return csum_ok(s);
}

/* Whether b continues the flow of head h (with `next` the sequence number
 * expected): everything but lengths, sequence and PSH alike. */
static bool same_flow(const struct seg *h, const struct seg *b, uint32_t next)
{
	const uint8_t *ht = h->p + h->iphl, *bt = b->p + b->iphl;

	if (b->ver != h->ver || b->proto != h->proto || b->thl != h->thl || b->plen > h->plen ||
	    (h->proto == 6 && b->seq != next))
		return false;
	if (h->ver == 4) {
		/* TOS, TTL, addresses */
		if (h->p[1] != b->p[1] || h->p[8] != b->p[8] || memcmp(h->p + 12, b->p + 12, 8) != 0)
			return false;
	} else if (memcmp(h->p, b->p, 4) != 0 || h->p[7] != b->p[7] ||
		   memcmp(h->p + 8, b->p + 8, 32) != 0) {
		return false;
	}
	if (h->proto == 17)
		return memcmp(ht, bt, 4) == 0; /* ports */
	/* ports; ACK number; window; options */
	return memcmp(ht, bt, 4) == 0 && memcmp(ht + 8, bt + 8, 4) == 0 &&
	       memcmp(ht + 14, bt + 14, 2) == 0 && memcmp(ht + 20, bt + 20, h->thl - 20) == 0;
}

void vn_gro_init(struct vn_gro *g)
{
	g->n = 0;
	g->udp = true;
}

bool vn_gro_add(struct vn_gro *g, uint8_t *pkt, size_t len)
{
	if (g->n == VN_GRO_MAX)
		return false;
	g->q[g->n].p = pkt;
	g->q[g->n].len = len;
	g->n++;
	return true;
}

/* The head's headers become the super-packet's, carrying `total` payload
 * bytes; the checksum field holds the pseudo-header sum, as the kernel
 * expects of a NEEDS_CSUM packet. TCP: the last segment's PSH; UDP: the
 * length field, and every datagram but the last of the head's size (the
 * kernel cuts a GSO_UDP_L4 packet into gso_size pieces). */
static void make_super(struct vn_gro *g, const struct seg *h, size_t total, bool psh)
{
	uint8_t *t = h->p + h->iphl;
	size_t alen = h->ver == 4 ? 4 : 16;
	const uint8_t *src = h->p + (h->ver == 4 ? 12 : 8);
	uint32_t tlen = (uint32_t)(h->thl + total);
	bool udp = h->proto == 17;
	uint16_t c;

	if (h->ver == 4) {
		vn_put_be16(h->p + 2, (uint16_t)(h->iphl + tlen));
		vn_csum_ip4_set(h->p, h->iphl);
	} else {
		vn_put_be16(h->p + 4, (uint16_t)tlen);
	}
	if (udp)
		vn_put_be16(t + 4, (uint16_t)tlen);
	else if (psh)
		t[13] |= TCP_PSH;
	c = vn_csum_fold(vn_csum_pseudo(src, src + alen, alen, h->proto, tlen));
	memcpy(t + (udp ? 6 : 16), &c, 2);
	g->hdr = (struct vn_vnet_hdr){
		.flags = VN_VNET_F_NEEDS_CSUM,
		.gso_type = udp ? VN_VNET_GSO_UDP_L4
				: h->ver == 4 ? VN_VNET_GSO_TCPV4 : VN_VNET_GSO_TCPV6,
		.hdr_len = (uint16_t)(h->iphl + h->thl),
		.gso_size = (uint16_t)h->plen,
		.csum_start = (uint16_t)h->iphl,
		.csum_offset = udp ? 6 : 16,
	};
}

/* Undoes make_super on the head (the kernel refused the super-packet): an
 * ordinary packet again, checksums recomputed. */
static void unmake_super(const struct seg *h)
{
	uint8_t *t = h->p + h->iphl;
	size_t alen = h->ver == 4 ? 4 : 16, at = h->proto == 17 ? 6 : 16;
	const uint8_t *src = h->p + (h->ver == 4 ? 12 : 8);
	uint32_t tlen = (uint32_t)(h->len - h->iphl);
	uint16_t c;

	if (h->ver == 4) {
		vn_put_be16(h->p + 2, (uint16_t)h->len);
		vn_csum_ip4_set(h->p, h->iphl);
	} else {
		vn_put_be16(h->p + 4, (uint16_t)tlen);
	}
	if (h->proto == 17)
		vn_put_be16(t + 4, (uint16_t)tlen);
	else
		t[13] = h->flags;
	t[at] = t[at + 1] = 0;
	c = (uint16_t)~vn_csum_fold(
		vn_csum_add(vn_csum_pseudo(src, src + alen, alen, h->proto, tlen), t, tlen));
	if (c == 0 && h->proto == 17)
		c = 0xffff;
	memcpy(t + at, &c, 2);
}

static size_t write_one(struct vn_gro *g, uint8_t *p, size_t len, bool valid, vn_gro_write_fn fn,
			void *ctx, struct vn_gro_stats *st)
{
	g->hdr = (struct vn_vnet_hdr){ .flags = valid ? VN_VNET_F_DATA_VALID : 0 };
	g->iov[0] = (struct iovec){ &g->hdr, VN_VNET_HLEN };
	g->iov[1] = (struct iovec){ p, len };
	st->writes++;
	return fn(ctx, g->iov, 2, 1) < 0 ? 1 : 0;
}

/* Segments i.. that continue the segment at i: how many (1 = alone). */
static size_t run_of(const struct vn_gro *g, size_t i, const struct seg *h, size_t *total,
		     bool *psh)
{
	size_t k = 1, ip_len = h->len;
	uint32_t next = h->seq + (uint32_t)h->plen;
	struct seg b;

	*total = h->plen;
	*psh = false;
	if ((h->flags & TCP_PSH) || (h->proto == 17 && !g->udp))
		return 1;
	while (i + k < g->n && k < VN_GRO_SEGS) {
		if (!parse(g->q[i + k].p, g->q[i + k].len, &b) || !same_flow(h, &b, next) ||
		    ip_len + b.plen > IP_MAX)
			break;
		ip_len += b.plen;
		*total += b.plen;
		next += (uint32_t)b.plen;
		k++;
		/* a short segment or PSH ends the super-packet */
		if (b.plen < h->plen || (b.flags & TCP_PSH)) {
			*psh = (b.flags & TCP_PSH) != 0;
			break;
		}
	}
	return k;
}

size_t vn_gro_flush(struct vn_gro *g, bool *coalesce, vn_gro_write_fn fn, void *ctx,
		    struct vn_gro_stats *st)
{
	size_t lost = 0, i = 0;

	while (i < g->n) {
		struct seg h;
		bool tcp = parse(g->q[i].p, g->q[i].len, &h), psh;
		size_t total, k = tcp && *coalesce ? run_of(g, i, &h, &total, &psh) : 1;

		if (k == 1) {
			lost += write_one(g, g->q[i].p, g->q[i].len, tcp, fn, ctx, st);
			i++;
			continue;
		}
		make_super(g, &h, total, psh);
		g->iov[0] = (struct iovec){ &g->hdr, VN_VNET_HLEN };
		g->iov[1] = (struct iovec){ h.p, h.len };
		for (size_t j = 1; j < k; j++) {
			size_t pl = g->q[i + j].len - h.iphl - h.thl;

			g->iov[1 + j] = (struct iovec){ g->q[i + j].p + h.iphl + h.thl, pl };
		}
		st->writes++;
		if (fn(ctx, g->iov, (int)(k + 1), k) == 0) {
			st->supers++;
			st->merged += k;
			i += k;
			continue;
		}
		if (errno != EINVAL) {
			lost += k;
			i += k;
			continue;
		}
		/* The kernel refuses this kind of GSO write: restore the head,
		 * stop coalescing that kind (UDP_L4 is younger than TCP). */
		if (h.proto == 17)
			g->udp = false;
		else
			*coalesce = false;
		unmake_super(&h);
		/* the rest go as they came, in the next rounds of the loop */
		lost += write_one(g, h.p, h.len, true, fn, ctx, st);
		i++;
	}
	g->n = 0;
	return lost;
}
