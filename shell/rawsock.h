/* The wire: an AF_PACKET raw socket for EtherType 0x3030 on one interface. */
#ifndef VN_RAWSOCK_H
#define VN_RAWSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/if_packet.h>
#include <sys/socket.h>

#include "pbuf.h"
#include "syserr.h"

/* Opens a non-blocking socket bound to ifindex and EtherType 0x3030, asking
 * the kernel not to loop our own transmissions back (PACKET_IGNORE_OUTGOING,
 * Linux 4.20+; vn_raw_recv_batch flags PACKET_OUTGOING frames otherwise).
 * Returns the fd, or -1 with *e filled. */
int vn_raw_open(int ifindex, const char *ifname, struct vn_error *e);

/* What one received frame is. */
enum vn_raw_rx {
	VN_RAW_FRAME,	  /* a frame that fits the buffer */
	VN_RAW_TRUNCATED, /* larger than the buffer: drop it (PROTOCOL.md §6, fault 8) */
	VN_RAW_OUTGOING,  /* our own transmission looped back: ignore */
};

/* Frames taken per recvmmsg() call: one system call for a burst. */
#define VN_RAW_BATCH 16

/* recvmmsg bookkeeping, kept by the caller (no allocation per call). */
struct vn_raw_batch {
	struct mmsghdr msgs[VN_RAW_BATCH];
	struct iovec iov[VN_RAW_BATCH];
	struct sockaddr_ll from[VN_RAW_BATCH];
};

/* Reads up to n (<= VN_RAW_BATCH) frames, frame i into bufs[i]->data (its
 * tailroom); res[i] is VN_RAW_FRAME, VN_RAW_TRUNCATED or VN_RAW_OUTGOING and
 * len[i] the frame's real length. Returns the number of frames, 0 when there
 * is nothing to read, -1 on error (errno set; ENETDOWN: the interface went
 * down or away). b->len is not touched. */
int vn_raw_recv_batch(int fd, struct vn_raw_batch *bt, struct vn_pbuf *const *bufs, size_t n,
		      enum vn_raw_rx *res, size_t *len);

/* Per-frame ACK status (802.11, protocol v2 rule 12). Whether ifname is a
 * wireless interface (sysfs: wireless/ or phy80211): only there does the
 * kernel report anything, so only there is it asked for. */
bool vn_raw_wireless(const char *ifname);
/* Asks for the status of every frame we send (SO_WIFI_STATUS): each comes
 * back on the socket's error queue with the frame. 0, or -1 (errno). */
int vn_raw_want_tx_status(int fd);
/* The SCM_WIFI_STATUS control message of m: 1 acked, 0 not acked (the MAC
 * gave up after its retries), -1 none. Pure: tests feed it by hand. */
int vn_raw_wifi_status(struct msghdr *m);
/* Reads one entry of the error queue into b's tailroom: returns 1 with
 * *acked (as vn_raw_wifi_status) and *len, 0 when the queue is empty, -1
 * on error (errno). b->len is not touched. */
int vn_raw_recv_txstatus(int fd, struct vn_pbuf *b, int *acked, size_t *len);

#endif
