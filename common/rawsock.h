/* The wire: an AF_PACKET raw socket for EtherType 0x3030 on one interface. */
#ifndef VN_RAWSOCK_H
#define VN_RAWSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syserr.h"

/* Opens a non-blocking socket bound to ifindex and EtherType 0x3030, asking
 * the kernel not to loop our own transmissions back (PACKET_IGNORE_OUTGOING,
 * Linux 4.20+; receive skips PACKET_OUTGOING frames otherwise). Returns the
 * fd, or -1 with *e filled. */
int vn_raw_open(int ifindex, const char *ifname, struct vn_error *e);

enum vn_raw_rx {
	VN_RAW_FRAME,	  /* a frame: *len bytes at buf */
	VN_RAW_TRUNCATED, /* larger than cap (*len: its real length): drop it */
	VN_RAW_OUTGOING,  /* our own transmission looped back: ignore */
	VN_RAW_AGAIN,	  /* nothing more to read */
	VN_RAW_NETDOWN,	  /* the interface went down or away (ENETDOWN, reported once) */
	VN_RAW_ERROR,	  /* errno set */
};

/* Reads one frame into buf (cap bytes). MSG_TRUNC makes the kernel report a
 * frame's full length, so that one larger than the buffer is detected rather
 * than silently cut (PROTOCOL.md §6, fault 8). */
enum vn_raw_rx vn_raw_recv(int fd, uint8_t *buf, size_t cap, size_t *len);

#endif
