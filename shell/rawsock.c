#include "rawsock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <linux/errqueue.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire.h"

#define VN_RAW_RCVBUF (2 * 1024 * 1024)

/* asm-generic/socket.h; older libcs lack the names */
#ifndef SO_WIFI_STATUS
#define SO_WIFI_STATUS 41
#endif
#ifndef SCM_WIFI_STATUS
#define SCM_WIFI_STATUS SO_WIFI_STATUS
#endif

int vn_raw_open(int ifindex, const char *ifname, struct vn_error *e)
{
	struct sockaddr_ll sll;
	int one = 1, rcvbuf = VN_RAW_RCVBUF;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(VN_ETHERTYPE));

	if (fd < 0) {
		vn_error_set(e, "cannot open packet socket: %s%s", strerror(errno),
			     errno == EPERM ? " (needs CAP_NET_RAW)" : "");
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(VN_ETHERTYPE);
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		vn_error_set(e, "cannot bind packet socket to %s: %s", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	/* Older kernels lack it; vn_raw_recv_batch filters by pkttype then. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	/* The default receive buffer (~200 kB) overflows on a burst of full
	 * frames while the loop serves tun0; FORCE works with CAP_NET_ADMIN,
	 * the plain one up to net.core.rmem_max otherwise. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

int vn_raw_recv_batch(int fd, struct vn_raw_batch *bt, struct vn_pbuf *const *bufs, size_t n,
		      enum vn_raw_rx *res, size_t *len)
{
	int got;

	if (n > VN_RAW_BATCH)
		n = VN_RAW_BATCH;
	for (size_t i = 0; i < n; i++) {
		bt->iov[i].iov_base = bufs[i]->data;
		bt->iov[i].iov_len = vn_pbuf_tailroom(bufs[i]);
		memset(&bt->msgs[i].msg_hdr, 0, sizeof(bt->msgs[i].msg_hdr));
		bt->msgs[i].msg_hdr.msg_iov = &bt->iov[i];
		bt->msgs[i].msg_hdr.msg_iovlen = 1;
		bt->msgs[i].msg_hdr.msg_name = &bt->from[i];
		bt->msgs[i].msg_hdr.msg_namelen = sizeof(bt->from[i]);
		bt->msgs[i].msg_len = 0;
	}
	/* MSG_TRUNC: msg_len is the frame's full length even when it did not
	 * fit, so an oversized frame is detected, never processed cut. */
	got = recvmmsg(fd, bt->msgs, (unsigned)n, MSG_TRUNC | MSG_DONTWAIT, NULL);
	if (got < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return -1;
	}
	for (int i = 0; i < got; i++) {
		len[i] = bt->msgs[i].msg_len;
		if (bt->from[i].sll_pkttype == PACKET_OUTGOING)
			res[i] = VN_RAW_OUTGOING;
		else if (len[i] > bt->iov[i].iov_len ||
			 (bt->msgs[i].msg_hdr.msg_flags & MSG_TRUNC))
			res[i] = VN_RAW_TRUNCATED;
		else
			res[i] = VN_RAW_FRAME;
	}
	return got;
}

bool vn_raw_wireless(const char *ifname)
{
	static const char *const dirs[] = { "wireless", "phy80211" };
	char path[128];
	struct stat st;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, dirs[i]) >=
		    (int)sizeof(path))
			return false;
		if (stat(path, &st) == 0)
			return true;
	}
	return false;
}

int vn_raw_want_tx_status(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_SOCKET, SO_WIFI_STATUS, &one, sizeof(one));
}

int vn_raw_wifi_status(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		int v;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_WIFI_STATUS ||
		    c->cmsg_len < CMSG_LEN(sizeof(v)))
			continue;
		memcpy(&v, CMSG_DATA(c), sizeof(v));
		return v != 0;
	}
	return -1;
}

int vn_raw_recv_txstatus(int fd, struct vn_pbuf *b, int *acked, size_t *len)
{
	/* room for the status, the extended error and a timestamp */
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct sock_extended_err)) +
			 CMSG_SPACE(64)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = b->data, .iov_len = vn_pbuf_tailroom(b) };
	struct msghdr m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.buf;
	m.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	*len = (size_t)n;
	*acked = vn_raw_wifi_status(&m);
	return 1;
}
