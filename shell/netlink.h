/* Interface set-up through rtnetlink (libnl-route-3): what the wire
 * interface looks like, and the tun's MTU, state and addresses. */
#ifndef VN_NETLINK_H
#define VN_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

#include "ip.h"
#include "mac.h"
#include "syserr.h"

struct nl_sock;

struct vn_link_info {
	int ifindex;
	struct vn_mac mac; /* zero if the link has no 6-byte hardware address */
	uint32_t mtu;
	bool up;
	bool ether; /* ARPHRD_ETHER */
};

/* Returns a connected NETLINK_ROUTE socket, or NULL with *e filled. */
struct nl_sock *vn_nl_open(struct vn_error *e);
void vn_nl_close(struct nl_sock *sk);

/* The link called `name`; 0, or -1 with *e filled. */
int vn_nl_link_get(struct nl_sock *sk, const char *name, struct vn_link_info *out,
		   struct vn_error *e);
/* Sets the MTU (0: leave it) and brings the link up. 0 or -1. */
int vn_nl_link_set(struct nl_sock *sk, int ifindex, uint32_t mtu, struct vn_error *e);
/* Adds (add) or removes an address with its prefix length. Adding an
 * address that is already there, or removing one that is not, succeeds. */
int vn_nl_addr(struct nl_sock *sk, int ifindex, const struct vn_ip_prefix *p, bool add,
	       struct vn_error *e);

#endif
