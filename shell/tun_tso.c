#include "tun_tso.h"

#include <arpa/inet.h>
#include <string.h>

#include "csum.h"
#include "wire.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

/* The IP header's length if pkt is an IP packet of exactly len bytes of
 * the version the GSO type says, carrying TCP; else 0. */
static size_t ip_hlen(const uint8_t *p, size_t len, uint8_t gso_type, unsigned *ver)
{
	if (len < 20)
		return 0;
	*ver = p[0] >> 4;
	if (gso_type == VN_VNET_GSO_TCPV4) {
		size_t ihl = (size_t)(p[0] & 0x0f) * 4;

		/* not a fragment (MF, offset) */
		if (*ver != 4 || ihl < 20 || vn_get_be16(p + 2) != len || (vn_get_be16(p + 6) & 0x3fff) != 0 ||
		    p[9] != 6)
			return 0;
		return ihl;
	}
	if (gso_type == VN_VNET_GSO_TCPV6 && *ver == 6 && len >= 40 && vn_get_be16(p + 4) + 40u == len &&
	    p[6] == 6)
		return 40;
	return 0;
}

/* Headers of a segment with plen payload bytes, i-th of the flow: lengths,
 * id, flags, checksums; `seg` points at the segment's headers followed by
 * the payload at `payload`. */
static void fix(const struct vn_tso *t, uint8_t *seg, size_t i, const uint8_t *payload, size_t plen)
{
	uint8_t *tcp = seg + t->iphl;
	size_t alen = t->ver == 4 ? 4 : 16, thl = t->hl - t->iphl;
	const uint8_t *src = seg + (t->ver == 4 ? 12 : 8);
	uint32_t seq;
	uint64_t sum;
	uint16_t c;

	if (t->ver == 4) {
		vn_put_be16(seg + 2, (uint16_t)(t->hl + plen));
		vn_put_be16(seg + 4, (uint16_t)(vn_get_be16(t->orig + 4) + i));
		vn_csum_ip4_set(seg, t->iphl);
	} else {
		vn_put_be16(seg + 4, (uint16_t)(thl + plen));
	}
	memcpy(&seq, t->orig + t->iphl + 4, 4);
	seq = htonl(ntohl(seq) + (uint32_t)(i * t->gso));
	memcpy(tcp + 4, &seq, 4);
	tcp[13] = t->orig[t->iphl + 13];
	if (i + 1 < t->nseg)
		tcp[13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i > 0)
		tcp[13] &= (uint8_t)~TCP_CWR;
	tcp[16] = tcp[17] = 0;
	sum = vn_csum_pseudo(src, src + alen, alen, 6, (uint32_t)(thl + plen));
	sum = vn_csum_add(sum, tcp, thl);
	c = (uint16_t)~vn_csum_fold(vn_csum_add(sum, payload, plen));
	memcpy(tcp + 16, &c, 2);
}

size_t vn_tso_begin(struct vn_tso *t, const struct vn_vnet_hdr *h, uint8_t *pkt, size_t len,
		    size_t mtu)
{
	uint8_t type = h->gso_type & (uint8_t)~VN_VNET_GSO_ECN;
	size_t thl, payload, first;

	t->iphl = ip_hlen(pkt, len, type, &t->ver);
	if (t->iphl == 0 || len < t->iphl + 20)
		return 0;
	thl = (size_t)(pkt[t->iphl + 12] >> 4) * 4;
	t->hl = t->iphl + thl;
	if (thl < 20 || t->hl > len || t->hl > VN_TSO_HDR_MAX)
		return 0;
	payload = len - t->hl;
	t->gso = h->gso_size;
	if (t->gso == 0 || payload == 0 || t->hl + t->gso > mtu)
		return 0;
	t->nseg = (payload + t->gso - 1) / t->gso;
	if (t->nseg > VN_TSO_SEGS_MAX)
		return 0;
	t->pkt = pkt;
	t->len = len;
	memcpy(t->orig, pkt, t->hl);
	first = t->gso < payload ? t->gso : payload;
	fix(t, pkt, 0, pkt + t->hl, first);
	return t->hl + first;
}

void vn_tso_seg(const struct vn_tso *t, size_t i, uint8_t *hdr, const uint8_t **payload,
		size_t *plen)
{
	size_t off = t->hl + i * t->gso, left = t->len - off;

	*payload = t->pkt + off;
	*plen = left < t->gso ? left : t->gso;
	memcpy(hdr, t->orig, t->hl);
	fix(t, hdr, i, *payload, *plen);
}
