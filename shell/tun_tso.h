/* Splitting a TCP super-packet the kernel handed us through the tun
 * (TUNSETOFFLOAD TSO4/TSO6: one read brings up to 64 KB of a flow) into
 * segments of at most the tun MTU, without copying the payload: each
 * segment is a small header (its own IP and TCP headers) plus a slice of
 * the super-packet's payload by pointer, for a scatter-gather send.
 *
 * The first segment is made in place: the super-packet's own headers are
 * rewritten to describe it, so that the first `first_len` bytes of the
 * buffer are an ordinary IP packet that the routing core handles as any
 * other (and in front of which it puts our header). The others are built
 * from the original headers with vn_tso_seg. Per segment: IPv4 total
 * length, id + i and header checksum, or IPv6 payload length; TCP sequence
 * + i * gso_size; FIN and PSH only on the last, CWR only on the first; the
 * TCP checksum computed over the segment (what the virtio header's
 * NEEDS_CSUM asks). Pure. */
#ifndef VN_TUN_TSO_H
#define VN_TUN_TSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vnet.h"

#define VN_TSO_HDR_MAX 120 /* IPv4 with options (60) + TCP with options (60) */
#define VN_TSO_SEGS_MAX 1024

struct vn_tso {
	uint8_t *pkt;	/* the super-packet (IP packet) */
	size_t len;	/* its length */
	size_t iphl, hl; /* IP header, IP + TCP headers */
	unsigned ver;
	size_t gso;	/* payload bytes per segment */
	size_t nseg;
	uint8_t orig[VN_TSO_HDR_MAX]; /* the headers as the kernel wrote them */
};

/* Checks a super-packet (h: its virtio-net header, gso_type TCPV4 or TCPV6
 * with or without ECN) of len bytes: IP and TCP headers consistent with
 * the length and the GSO type, no IPv6 extension headers, a gso_size that
 * makes segments of at most `mtu` bytes, at most VN_TSO_SEGS_MAX segments.
 * On success fills *t, turns the start of pkt into the first segment and
 * returns its length; 0 if the packet is refused (drop and count it). */
size_t vn_tso_begin(struct vn_tso *t, const struct vn_vnet_hdr *h, uint8_t *pkt, size_t len,
		    size_t mtu);

/* Segment i (1 <= i < t->nseg): writes its t->hl bytes of headers to hdr
 * and points *payload / *plen at its slice of the super-packet. */
void vn_tso_seg(const struct vn_tso *t, size_t i, uint8_t *hdr, const uint8_t **payload,
		size_t *plen);

#endif
