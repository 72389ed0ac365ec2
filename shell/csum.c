#include "csum.h"

#include <arpa/inet.h>
#include <string.h>

uint64_t vn_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	/* 64-bit words into a 128-bit accumulator (add with carry: about 3
	 * instructions per 8 bytes, the cost that matters when every segment
	 * is verified or computed here); folded to 64 bits at the end. */
	unsigned __int128 acc = sum;

	while (len >= 32) {
		uint64_t w[4];

		memcpy(w, p, sizeof(w));
		acc += w[0];
		acc += w[1];
		acc += w[2];
		acc += w[3];
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		acc += w;
		p += 8;
		len -= 8;
	}
	sum = (uint64_t)acc + (uint64_t)(acc >> 64);
	if (sum < (uint64_t)acc)
		sum++;
	/* 0..7 bytes left: 32 and 16-bit pieces into a fresh 64-bit sum
	 * (cannot overflow after the fold below) */
	sum = (sum & 0xffffffffu) + (sum >> 32);
	if (len >= 4) {
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
