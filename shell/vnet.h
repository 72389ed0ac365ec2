/* The virtio-net header a tun opened with IFF_VNET_HDR puts in front of
 * every packet (linux/virtio_net.h, the 10-byte legacy layout, host byte
 * order on a little-endian host as the tun driver uses it). Spelled out here
 * so that the pure parsers need no kernel header. */
#ifndef VN_VNET_H
#define VN_VNET_H

#include <stdint.h>

struct vn_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;     /* bytes of headers (IP + TCP) */
	uint16_t gso_size;    /* payload bytes per segment */
	uint16_t csum_start;  /* from the start of the IP packet */
	uint16_t csum_offset; /* where the checksum goes, from csum_start */
};
#define VN_VNET_HLEN 10

#define VN_VNET_F_NEEDS_CSUM 1 /* complete the checksum from csum_start */
#define VN_VNET_F_DATA_VALID 2 /* checksum known good */
#define VN_VNET_GSO_NONE 0
#define VN_VNET_GSO_TCPV4 1
#define VN_VNET_GSO_UDP 3
#define VN_VNET_GSO_TCPV6 4
#define VN_VNET_GSO_UDP_L4 5
#define VN_VNET_GSO_ECN 0x80


#include <stdbool.h>
#include <stddef.h>

/* A packet read from the tun with its header: completes a checksum the
 * kernel left to us (NEEDS_CSUM, in place: the 2 bytes of the field), and
 * refuses what we did not ask for (a GSO super-packet while segmentation
 * offload is off) or what does not fit the packet. Returns false: drop it
 * (counted by the caller). */
bool vn_vnet_rx(const struct vn_vnet_hdr *h, uint8_t *pkt, size_t len);

#endif
