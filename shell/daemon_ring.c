/* The wire's receive side through the packet ring (rawsock_ring.h) when
 * it can be had: set-up with its fallback to recvmmsg(), and the loop that
 * takes a burst from the ring. */
#include "daemon_priv.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* Frames taken per wakeup before the other sources get their turn (as
 * DRAIN_CAP in daemon.c for recvmmsg). */
#define RING_DRAIN_CAP 64

void vn_daemon_ring_setup(struct daemon *d)
{
	struct vn_error e;

	if (!d->cfg.wire_ring)
		return;
	/* A secured frame is tagged (and sealed) in place in a pool buffer
	 * (daemon_sec.c); the ring's slots are not pool buffers. */
	if (d->cfg.sec.mode != VN_SEC_OFF) {
		vn_info("wire: no packet ring with [security] mode %s; recvmmsg",
			vn_sec_mode_name(d->cfg.sec.mode));
		return;
	}
	/* room for the largest frame the wire carries, a VLAN tag included */
	if (vn_ring_open(&d->ring, d->raw_fd, (size_t)d->wire.mtu + VN_ETH_HLEN + 4, &e) < 0) {
		d->cnt.rx_ring_fallbacks++;
		vn_notice("wire: %s; receiving with recvmmsg", e.msg);
		return;
	}
	if (!vn_txb_hold(&d->txb, d->ring.map, d->ring.map_len, d->ring.frame_size)) {
		/* cannot happen (the regions are counted): frames from the ring
		 * would then be copied into the send batch's arena */
		vn_ring_close(&d->ring);
		d->cnt.rx_ring_fallbacks++;
		vn_notice("wire: no room to hold the packet ring's frames; receiving with recvmmsg");
		return;
	}
	vn_info("wire: packet ring, %zu slots of %zu bytes", d->ring.nframes, d->ring.frame_size);
}

/* A wakeup without a frame: the socket has an error to tell (the wire
 * went down or away: ENETDOWN), which recvmmsg() would have returned. */
static void ring_error(struct daemon *d)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (getsockopt(d->raw_fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0 || err == 0)
		return;
	if (err == ENETDOWN) {
		vn_daemon_check_wire_soon(d);
		return;
	}
	d->cnt.rx_errors++;
	LOG_LIMITED(&d->rl_rx, VN_LOG_WARN, "receive on %s: %s", d->cfg.interface, strerror(err));
}

void vn_daemon_ring_rx(struct daemon *d)
{
	enum vn_raw_rx res[VN_RAW_BATCH];
	size_t len[VN_RAW_BATCH], got, done = 0;

	vn_daemon_tx_begin(d);
	do {
		got = vn_ring_take(&d->ring, d->ring_bufs, VN_RAW_BATCH, res, len);
		for (size_t i = 0; i < got; i++)
			vn_daemon_rx_one(d, &d->ring_bufs[i], res[i], len[i]);
		/* what the batch made leaves (and is written to the tun)
		 * before its slots go back to the kernel */
		vn_daemon_tx_flush(d);
		vn_ring_release(&d->ring);
		done += got;
	} while (got == VN_RAW_BATCH && done < RING_DRAIN_CAP);
	vn_daemon_tx_end(d);
	if (done == 0)
		ring_error(d);
}
