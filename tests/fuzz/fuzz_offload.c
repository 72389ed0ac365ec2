/* libFuzzer target: the offload parsers (shell/vnet.c, tun_tso.c,
 * tun_gro.c). What they read comes from the kernel (a virtio-net header
 * and a super-packet from the tun) or, for the coalescer, from the wire
 * through the core. Any bytes must give a refusal or well-formed output --
 * never a crash, a read or write outside the packet, a segment longer than
 * the MTU, or a super-packet over 65535 bytes.
 *
 * Input: byte 0 picks the parser; for vnet/tso, then a 10-byte header and
 * the packet; for the coalescer, packets as (2-byte length, bytes). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tun_gro.h"
#include "tun_tso.h"
#include "vnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MTU 1500

static uint8_t pkt[70000];

static void run_tso(const struct vn_vnet_hdr *h, size_t len)
{
	static struct vn_tso t;
	static uint8_t hdr[VN_TSO_HDR_MAX];
	size_t first = vn_tso_begin(&t, h, pkt, len, MTU), total;

	if (first == 0)
		return;
	if (first > MTU || first > len || t.nseg == 0 || t.nseg > VN_TSO_SEGS_MAX)
		abort();
	total = first - t.hl;
	for (size_t i = 1; i < t.nseg; i++) {
		const uint8_t *pl;
		size_t plen;
		volatile uint8_t sink;

		vn_tso_seg(&t, i, hdr, &pl, &plen);
		if (plen == 0 || t.hl + plen > MTU || pl < pkt || pl + plen > pkt + len)
			abort();
		sink = pl[plen - 1];
		(void)sink;
		total += plen;
	}
	if (t.hl + total != len)
		abort();
}

static int gro_write(void *ctx, const struct iovec *iov, int n, size_t segs)
{
	size_t len = 0;
	volatile uint8_t sink = 0;

	(void)ctx;
	if (n < 2 || segs == 0 || iov[0].iov_len != VN_VNET_HLEN)
		abort();
	for (int i = 1; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;

		if (iov[i].iov_len > 0)
			sink ^= p[0] ^ p[iov[i].iov_len - 1];
		len += iov[i].iov_len;
	}
	(void)sink;
	if (len > 65535 || (segs > 1 && (size_t)n != segs + 1))
		abort();
	return 0;
}

static void run_gro(const uint8_t *data, size_t size)
{
	static struct vn_gro g;
	static uint8_t bufs[VN_GRO_MAX][2048];
	struct vn_gro_stats st = { 0 };
	bool co = true;

	vn_gro_init(&g);
	while (size >= 2 && g.n < VN_GRO_MAX) {
		size_t len = (size_t)(data[0] << 8 | data[1]) % sizeof(bufs[0]);

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		memcpy(bufs[g.n], data, len);
		(void)vn_gro_add(&g, bufs[g.n], len);
		data += len;
		size -= len;
	}
	(void)vn_gro_flush(&g, &co, gro_write, NULL, &st);
	if (st.merged > VN_GRO_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vn_vnet_hdr h;
	size_t len;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 2) {
		run_gro(data + 1, size - 1);
		return 0;
	}
	if (size < 1 + VN_VNET_HLEN)
		return 0;
	memcpy(&h, data + 1, VN_VNET_HLEN);
	len = size - 1 - VN_VNET_HLEN;
	if (len > sizeof(pkt))
		len = sizeof(pkt);
	memcpy(pkt, data + 1 + VN_VNET_HLEN, len);
	if (data[0] % 3 == 0)
		(void)vn_vnet_rx(&h, pkt, len);
	else
		run_tso(&h, len);
	return 0;
}
