#include "tun.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int vn_tun_open(const char *name, struct vn_error *e)
{
	return vn_tun_open_flags(name, 0, e);
}

int vn_tun_open_flags(const char *name, int extra, struct vn_error *e)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		vn_error_set(e, "cannot open /dev/net/tun: %s%s", strerror(errno),
			     errno == EACCES || errno == EPERM ? " (needs CAP_NET_ADMIN)" : "");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(IFF_TUN | IFF_NO_PI | extra);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = errno;

		vn_error_set(e, "cannot create tun %s: %s%s", name, strerror(err),
			     err == EBUSY ? " (in use by another process?)"
			     : err == EPERM ? " (needs CAP_NET_ADMIN)"
			     : err == EINVAL ? " (a non-tun interface of that name exists?)"
					     : "");
		close(fd);
		return -1;
	}
	/* A persistent tun of that name (left by `ip tuntap add`) would outlive
	 * us; make sure ours vanishes on close. */
	if (ioctl(fd, TUNSETPERSIST, 0) < 0) {
		vn_error_set(e, "tun %s: cannot clear persistence: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

bool vn_tun_has_vnet_hdr(void)
{
	unsigned feat = 0;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = ioctl(fd, TUNGETFEATURES, &feat) == 0 && (feat & IFF_VNET_HDR);
	close(fd);
	return ok;
}
