/* The announce packet: how an idle OBU tells its RSU which IP addresses it
 * has (docs/routing.md, "Backbone routes"). It is an ordinary, well-formed
 * IP packet carried in an ordinary Upstream data message, so the wire format
 * of PROTOCOL.md is unchanged and relays forward it like any data:
 *
 *   IPv4: 20-byte header, TTL 1, protocol 253 (RFC 3692 experimentation),
 *         source = the OBU's address, destination 255.255.255.255;
 *   IPv6: 40-byte header, hop limit 1, next header 253,
 *         source = the OBU's address, destination ff02::1;
 *   then 8 bytes: "VNET", version 1, kind (1 attach, 2 keep-alive), 0, 0.
 *
 * An RSU that knows it learns the source and does not write the packet into
 * its tun0. An RSU of the earlier implementation learns the source (which
 * is right) and writes it into tun0, where the kernel takes it as a local
 * broadcast/multicast for a protocol nobody listens to and drops it quietly
 * (no ICMP error is sent for a broadcast or multicast destination). */
#ifndef VN_ANNOUNCE_H
#define VN_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip.h"

#define VN_ANNOUNCE_PROTO 253
#define VN_ANNOUNCE_BODY 8
#define VN_ANNOUNCE_MAX (40 + VN_ANNOUNCE_BODY) /* the IPv6 one */

enum vn_announce_kind {
	VN_ANNOUNCE_NONE = 0,
	VN_ANNOUNCE_ATTACH = 1,	   /* we have just chosen this RSU */
	VN_ANNOUNCE_KEEPALIVE = 2, /* still here, with this address */
};

/* Writes the announce for source address src into buf; returns its length,
 * or 0 if cap is too small or src is neither IPv4 nor IPv6. */
size_t vn_announce_build(uint8_t *buf, size_t cap, const struct vn_ip *src,
			 enum vn_announce_kind kind);
/* The kind of announce the IP packet at pkt (len bytes, vn_ip_check'ed) is,
 * or VN_ANNOUNCE_NONE if it is not one (any other packet). */
enum vn_announce_kind vn_announce_parse(const uint8_t *pkt, size_t len);

#endif
