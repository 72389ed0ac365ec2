#include "csum.h"

#include <arpa/inet.h>
#include <string.h>

uint64_t vn_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	/* 32-bit words into a 64-bit accumulator: no carry is lost for any
	 * length a packet can have. */
	while (len >= 16) {
		uint32_t w[4];

		memcpy(w, p, sizeof(w));
		sum += (uint64_t)w[0] + w[1] + w[2] + w[3];
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;

		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		uint16_t h = 0;

		memcpy(&h, p, 1);
		sum += h;
	}
	return sum;
}

uint16_t vn_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

uint64_t vn_csum_pseudo(const uint8_t *src, const uint8_t *dst, size_t alen, uint8_t proto,
			uint32_t len)
{
	uint64_t sum = vn_csum_add(0, src, alen);

	sum = vn_csum_add(sum, dst, alen);
	/* The high half of the length never matters here (≤ 65535 + 8), the
	 * protocol is the low byte of a zero-padded word. */
	return sum + htons(proto) + htons((uint16_t)len) + htons((uint16_t)(len >> 16));
}

void vn_csum_ip4_set(uint8_t *ip, size_t ihl)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = (uint16_t)~vn_csum_fold(vn_csum_add(0, ip, ihl));
	memcpy(ip + 10, &c, 2);
}
