#include "rawsock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wire.h"

#define VN_RAW_RCVBUF (2 * 1024 * 1024)

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
	/* Older kernels lack it; vn_raw_recv filters by pkttype then. */
	(void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	/* The default receive buffer (~200 kB) overflows on a burst of full
	 * frames while the loop serves tun0; FORCE works with CAP_NET_ADMIN,
	 * the plain one up to net.core.rmem_max otherwise. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

enum vn_raw_rx vn_raw_recv(int fd, uint8_t *buf, size_t cap, size_t *len)
{
	struct sockaddr_ll from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&from, &flen);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return VN_RAW_AGAIN;
		if (errno == EINTR)
			return VN_RAW_AGAIN;
		if (errno == ENETDOWN)
			return VN_RAW_NETDOWN;
		return VN_RAW_ERROR;
	}
	*len = (size_t)n;
	if (from.sll_pkttype == PACKET_OUTGOING)
		return VN_RAW_OUTGOING;
	if ((size_t)n > cap)
		return VN_RAW_TRUNCATED;
	return VN_RAW_FRAME;
}
