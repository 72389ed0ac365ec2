/* The wire's receive side through a mapped packet ring (PACKET_RX_RING,
 * TPACKET_V2): the kernel copies each frame into a slot of memory shared
 * with us, in the softirq that delivers it, and user space takes frames
 * from the ring without a system call; a burst costs no recvmmsg(), no
 * socket queue and no per-frame skb kept for us.
 *
 * Zero copy stays: a slot is handed to the core as a vn_pbuf around the
 * frame where the kernel wrote it (VN_PBUF_HEADROOM free in front of it
 * inside the slot, some tailroom behind), the relay sends from the slot
 * with sendmmsg() and the slot goes back to the kernel only after the
 * flush. Without a ring (old kernel, no memory, [wire] ring = off) the
 * daemon reads with recvmmsg() (rawsock.h). */
#ifndef VN_RAWSOCK_RING_H
#define VN_RAWSOCK_RING_H

#include <stddef.h>
#include <stdint.h>

#include "pbuf.h"
#include "rawsock.h"
#include "syserr.h"

/* Bytes free behind the largest frame a slot holds. */
#define VN_RING_TAILROOM 64
/* What the ring holds in all, about the old socket buffer (2 MB). */
#define VN_RING_BYTES (2u * 1024 * 1024)

struct vn_ring {
	uint8_t *map;	    /* NULL: no ring */
	size_t map_len;
	size_t frame_size;  /* bytes per slot */
	size_t nframes;
	size_t head;	    /* next slot to look at */
	size_t taken;	    /* slots handed out, not released yet */
};

/* Sets up a ring on the packet socket fd (vn_raw_open) for frames of up to
 * max_frame bytes (Ethernet header included). Returns 0, or -1 with *e
 * filled (the socket is unchanged then and still reads with recvmmsg). */
int vn_ring_open(struct vn_ring *r, int fd, size_t max_frame, struct vn_error *e);
void vn_ring_close(struct vn_ring *r);

static inline bool vn_ring_on(const struct vn_ring *r)
{
	return r->map != NULL;
}

/* Takes up to n (<= VN_RAW_BATCH) frames the kernel has filled, in order:
 * bufs[i] wraps frame i in its slot, res[i] / len[i] as vn_raw_recv_batch
 * says. Returns how many; they stay ours until vn_ring_release. */
size_t vn_ring_take(struct vn_ring *r, struct vn_pbuf *bufs, size_t n, enum vn_raw_rx *res,
		    size_t *len);
/* Gives every slot taken back to the kernel. */
void vn_ring_release(struct vn_ring *r);

/* Whether [p, p + len) lies in the ring (for the send batch's held memory). */
static inline bool vn_ring_holds(const struct vn_ring *r, const uint8_t *p, size_t len)
{
	return r->map != NULL && p >= r->map && len <= r->map_len &&
	       (size_t)(p - r->map) <= r->map_len - len;
}

#endif
