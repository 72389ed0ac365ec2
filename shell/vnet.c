#include "vnet.h"

#include <string.h>

#include "csum.h"

bool vn_vnet_rx(const struct vn_vnet_hdr *h, uint8_t *pkt, size_t len)
{
	size_t start = h->csum_start, at = (size_t)h->csum_start + h->csum_offset;
	uint16_t c;

	if (h->gso_type != VN_VNET_GSO_NONE)
		return false;
	if (!(h->flags & VN_VNET_F_NEEDS_CSUM))
		return true;
	/* The field lies within the summed range, which lies within the packet. */
	if (start >= len || at + 2 > len || at < start)
		return false;
	/* The field holds the pseudo-header sum; the sum over the range from
	 * there on, complemented, is the checksum. */
	c = (uint16_t)~vn_csum_fold(vn_csum_add(0, pkt + start, len - start));
	if (c == 0 && h->csum_offset == 6)
		c = 0xffff; /* UDP's field (offset 6): 0 would mean "no checksum" */
	memcpy(pkt + at, &c, 2);
	return true;
}
