#include "netlink.h"

#include <linux/if_addr.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sys/socket.h>

struct nl_sock *vn_nl_open(struct vn_error *e)
{
	struct nl_sock *sk = nl_socket_alloc();
	int rc;

	if (sk == NULL) {
		vn_error_set(e, "netlink: out of memory");
		return NULL;
	}
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0) {
		vn_error_set(e, "netlink: cannot connect: %s", nl_geterror(rc));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

void vn_nl_close(struct nl_sock *sk)
{
	if (sk != NULL)
		nl_socket_free(sk);
}

int vn_nl_link_get(struct nl_sock *sk, const char *name, struct vn_link_info *out,
		   struct vn_error *e)
{
	struct rtnl_link *link = NULL;
	struct nl_addr *hw;
	int rc = rtnl_link_get_kernel(sk, 0, name, &link);

	if (rc < 0) {
		vn_error_set(e, "interface %s: %s", name,
			     rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV ? "no such interface"
									   : nl_geterror(rc));
		return -1;
	}
	out->ifindex = rtnl_link_get_ifindex(link);
	out->mtu = rtnl_link_get_mtu(link);
	out->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	out->ether = rtnl_link_get_arptype(link) == ARPHRD_ETHER;
	out->mac = vn_mac_zero;
	hw = rtnl_link_get_addr(link);
	if (hw != NULL && nl_addr_get_len(hw) == VN_MAC_LEN)
		vn_mac_load(&out->mac, nl_addr_get_binary_addr(hw));
	rtnl_link_put(link);
	return 0;
}

int vn_nl_link_set(struct nl_sock *sk, int ifindex, uint32_t mtu, struct vn_error *e)
{
	struct rtnl_link *link = NULL, *change;
	int rc = rtnl_link_get_kernel(sk, ifindex, NULL, &link);

	if (rc < 0) {
		vn_error_set(e, "interface #%d: %s", ifindex, nl_geterror(rc));
		return -1;
	}
	change = rtnl_link_alloc();
	if (change == NULL) {
		rtnl_link_put(link);
		vn_error_set(e, "netlink: out of memory");
		return -1;
	}
	if (mtu != 0)
		rtnl_link_set_mtu(change, mtu);
	rtnl_link_set_flags(change, IFF_UP);
	rc = rtnl_link_change(sk, link, change, 0);
	if (rc < 0)
		vn_error_set(e, "%s: cannot set mtu %u and up: %s", rtnl_link_get_name(link), mtu,
			     nl_geterror(rc));
	rtnl_link_put(change);
	rtnl_link_put(link);
	return rc < 0 ? -1 : 0;
}

int vn_nl_addr(struct nl_sock *sk, int ifindex, const struct vn_ip_prefix *p, bool add,
	       struct vn_error *e)
{
	int family = p->addr.family == 6 ? AF_INET6 : AF_INET;
	struct nl_addr *local = nl_addr_build(family, p->addr.a, family == AF_INET6 ? 16 : 4);
	struct rtnl_addr *a = rtnl_addr_alloc();
	char buf[VN_IP_STRLEN];
	int rc;

	if (local == NULL || a == NULL) {
		nl_addr_put(local);
		rtnl_addr_put(a);
		vn_error_set(e, "netlink: out of memory");
		return -1;
	}
	nl_addr_set_prefixlen(local, p->len);
	rtnl_addr_set_ifindex(a, ifindex);
	rc = rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, p->len);
	/* No duplicate address detection on a point-to-point tun: the address
	 * is usable at once instead of "tentative" for a second or two. */
	if (family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	if (rc >= 0)
		rc = add ? rtnl_addr_add(sk, a, 0) : rtnl_addr_delete(sk, a, 0);
	if (rc == -NLE_EXIST || (!add && (rc == -NLE_NOADDR || rc == -NLE_OBJ_NOTFOUND)))
		rc = 0;
	if (rc < 0)
		vn_error_set(e, "cannot %s address %s/%u: %s", add ? "add" : "remove",
			     vn_ip_format(&p->addr, buf), p->len, nl_geterror(rc));
	rtnl_addr_put(a);
	nl_addr_put(local);
	return rc < 0 ? -1 : 0;
}
