/* The tun device: created by the daemon, gone when it closes the fd. */
#ifndef VN_TUN_H
#define VN_TUN_H

#include <stdbool.h>

#include "syserr.h"

/* Opens /dev/net/tun and creates (or attaches to) tun `name`: IFF_TUN |
 * IFF_NO_PI, non-blocking, close-on-exec, and not persistent, so that the
 * interface disappears when the fd is closed even if someone had made it
 * persistent before. Returns the fd, or -1 with *e filled. */
int vn_tun_open(const char *name, struct vn_error *e);
/* The same with more IFF_ flags (IFF_VNET_HDR). */
int vn_tun_open_flags(const char *name, int extra, struct vn_error *e);
/* Whether the kernel's tun offers IFF_VNET_HDR (TUNGETFEATURES). */
bool vn_tun_has_vnet_hdr(void);

#endif
