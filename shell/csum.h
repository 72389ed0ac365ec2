/* The Internet checksum (RFC 1071), for the offload paths: verifying the
 * segments that are coalesced, completing a checksum the kernel left to us,
 * and the pseudo-header sums a GSO packet carries. Sums are kept unfolded in
 * 64 bits in host byte order; a folded sum stored with memcpy is right in
 * network order (RFC 1071, "byte order independence"). Pure. */
#ifndef VN_CSUM_H
#define VN_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at p (p any alignment; an odd last byte is padded with a
 * zero, so an odd-length piece may only come last). */
uint64_t vn_csum_add(uint64_t sum, const uint8_t *p, size_t len);

/* Folds to 16 bits (not complemented). */
uint16_t vn_csum_fold(uint64_t sum);

/* The TCP/UDP pseudo header: addresses (4 or 16 bytes each), protocol and
 * the transport length. */
uint64_t vn_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
			uint32_t len);

/* The IPv4 header checksum of a 20..60-byte header whose checksum field is
 * filled in. */
void vn_csum_ip4_set(uint8_t *ip, size_t ihl);

#endif
