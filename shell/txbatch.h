/* Frames for the wire gathered while the loop handles one burst (a receive
 * batch, a round of tun reads) and sent with one sendmmsg(): one system call
 * for the burst instead of one per frame.
 *
 * Zero copy: a queued frame is a pointer into memory the caller promises to
 * keep unchanged until the flush (the daemon's buffer pool: buffers go back
 * to the pool only after the flush). A frame from anywhere else (a core's
 * scratch buffer for control messages, reused on the next call) is copied
 * into a small arena; those are control frames of a few dozen bytes.
 *
 * Each entry has room for up to VN_TXB_IOV pieces (e.g. a per-frame header
 * buffer and a payload slice, plus a trailer such as an authentication tag
 * later) so that a frame need not be contiguous. */
#ifndef VN_TXBATCH_H
#define VN_TXBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define VN_TXB_MAX 64	  /* frames per sendmmsg() */
#define VN_TXB_IOV 3	  /* pieces per frame */
#define VN_TXB_COPY 4096  /* arena for frames outside the held memory */

#define VN_TXB_SLOTS 2048 /* held slots tracked by the bitmap (pools and the packet ring) */

#define VN_TXB_REGIONS 3 /* the buffer pool, the super-packet pool, the packet ring */

/* Memory [lo, hi) that stays valid until the flush, made of slots (buffers)
 * of `slot` bytes; its slots are numbered from `first` on. */
struct vn_txb_region {
	const uint8_t *lo, *hi;
	size_t slot, first;
};

struct vn_txbatch {
	struct vn_txb_region reg[VN_TXB_REGIONS];
	size_t nreg;
	/* Slots with a frame queued: a frame can only overlap another from
	 * its own slot (buffer), so only then is the queue searched. */
	uint64_t used[VN_TXB_SLOTS / 64];
	size_t n;			  /* frames queued */
	size_t copy_used;
	struct mmsghdr msgs[VN_TXB_MAX];
	struct iovec iov[VN_TXB_MAX][VN_TXB_IOV];
	uint8_t copy[VN_TXB_COPY];
};

/* What a flush did: frames sent, frames that failed and the errno of the
 * first failure (0 if none). */
struct vn_txb_result {
	size_t sent, failed;
	int err;
	size_t err_len; /* length of the first failed frame */
};

/* held: memory made of held_len / slot buffers of `slot` bytes each (a
 * frame never spans two); NULL: none. */
void vn_txb_init(struct vn_txbatch *t, const void *held, size_t held_len, size_t slot);
/* One more such region (at most VN_TXB_REGIONS in all); false if full. */
bool vn_txb_hold(struct vn_txbatch *t, const void *held, size_t held_len, size_t slot);
/* Whether [p, p + len) lies in held memory. */
bool vn_txb_held(const struct vn_txbatch *t, const uint8_t *p, size_t len);

/* Queues one contiguous frame. Returns false (nothing queued) if the batch
 * must be flushed first: it is full, the arena is full, or the frame
 * overlaps one already queued (the caller reused the bytes: the earlier
 * frame must leave first). */
bool vn_txb_add(struct vn_txbatch *t, const uint8_t *frame, size_t len);

/* Queues one frame in pieces, all of which must stay valid until the flush
 * (no copy, no overlap check). Returns false if the batch is full. */
bool vn_txb_addv(struct vn_txbatch *t, const struct iovec *iov, size_t n);

static inline size_t vn_txb_pending(const struct vn_txbatch *t)
{
	return t->n;
}

/* Sends everything queued on fd (sendmmsg, MSG_DONTWAIT; a frame that
 * fails is counted and skipped, the rest still go) and empties the batch. */
void vn_txb_flush(struct vn_txbatch *t, int fd, struct vn_txb_result *r);

#endif
