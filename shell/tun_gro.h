/* GRO-style coalescing of what goes into the tun: the in-order TCP segments
 * of one flow delivered during one receive batch become one super-packet,
 * written with one writev() (virtio-net header + the first segment + the
 * payloads of the others, by pointer), so that the kernel runs its IP and
 * TCP input once for the lot. Pure: no system calls (the writer is a
 * callback), so that it is tested and fuzzed on crafted packets.
 *
 * UDP: consecutive datagrams of one flow (addresses, ports, TOS/TTL) of the
 * same size but the last, each with a good (non-zero) checksum, become one
 * GSO_UDP_L4 packet that the kernel cuts back into the same datagrams for
 * the socket (Linux 6.2+; refused with EINVAL before, then UDP coalescing
 * stops and TCP's goes on).
 *
 * TCP: what is coalesced is what Linux's own GRO would: IPv4 without options and
 * not fragmented, with DF, or IPv6 without extension headers; TCP with ACK
 * (and PSH on the last), no other flag; same addresses, ports, TOS/TTL
 * (traffic class/flow label/hop limit), ACK number, window and options;
 * consecutive sequence numbers; every segment but the last of the same
 * payload size, the last at most that size; each segment's checksum right
 * (verified here, so a corrupted segment is never hidden inside a
 * super-packet: it goes in alone and the kernel drops it). At most
 * VN_GRO_SEGS segments and 65535 bytes of IP packet.
 *
 * The first segment's IP and TCP headers become the super-packet's: they
 * are rewritten in place (lengths, IPv4 header checksum, PSH, and the
 * pseudo-header sum that a NEEDS_CSUM packet carries). Payloads are never
 * moved or copied. */
#ifndef VN_TUN_GRO_H
#define VN_TUN_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vnet.h"

#define VN_GRO_MAX 64  /* packets queued per flush */
#define VN_GRO_SEGS 64 /* segments per super-packet */

struct vn_gro {
	size_t n;
	struct {
		uint8_t *p;
		size_t len;
	} q[VN_GRO_MAX];
	/* per flush: (1 header + VN_GRO_SEGS) pieces */
	struct iovec iov[1 + VN_GRO_SEGS];
	struct vn_vnet_hdr hdr;
	bool udp; /* UDP datagrams too (GSO_UDP_L4); vn_gro_init sets it */
};

struct vn_gro_stats {
	uint64_t writes;   /* packets handed to the writer */
	uint64_t merged;   /* segments that went into a super-packet (all of it) */
	uint64_t supers;   /* super-packets */
};

/* The writer: one packet to write (iov[0] is the virtio-net header),
 * segs = how many received packets it carries. Returns 0, or -1 with errno
 * (EINVAL on a super-packet: the kernel refuses GSO writes; the flush then
 * writes those segments one by one and stops coalescing, see `coalesce`). */
typedef int (*vn_gro_write_fn)(void *ctx, const struct iovec *iov, int n, size_t segs);

void vn_gro_init(struct vn_gro *g);

/* Queues one IP packet (mutable: its headers may be rewritten at the
 * flush). Returns false if the queue is full (flush first). */
bool vn_gro_add(struct vn_gro *g, uint8_t *pkt, size_t len);

/* Writes everything queued, coalescing where it can if *coalesce (TCP) and
 * g->udp (UDP); sets *coalesce, or g->udp, to false if the writer refused
 * a TCP, or UDP, super-packet with EINVAL.
 * Returns the number of write failures (packets lost). */
size_t vn_gro_flush(struct vn_gro *g, bool *coalesce, vn_gro_write_fn fn, void *ctx,
		    struct vn_gro_stats *st);

#endif
