/* The offload paths' pure parts: the Internet checksum (against a naive
 * reference), the virtio-net header of packets read from the tun, and the
 * coalescer (tun_gro.c) on crafted segments: what it merges, what it
 * refuses, the super-packet's headers and checksums, and that payloads are
 * handed to the writer by pointer, never copied. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "csum.h"
#include "tun_gro.h"
#include "tun_tso.h"
#include "vnet.h"

/* --- reference checksum and packet builder ------------------------------- */

static uint16_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum; /* host order */
}

/* The transport checksum of a packet (v4 or v6), 0xffff if it verifies. */
static uint16_t ref_tcp_verify(const uint8_t *p, size_t len)
{
	unsigned v = p[0] >> 4;
	size_t ihl = v == 4 ? 20 : 40, alen = v == 4 ? 4 : 16;
	const uint8_t *src = p + (v == 4 ? 12 : 8);
	uint32_t s = ref_sum(src, 2 * alen, 0) + 6 + (uint32_t)(len - ihl);

	return ref_sum(p + ihl, len - ihl, s);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* A TCP segment with 12 bytes of options (timestamps) and `plen` payload
 * bytes (byte i of the stream = (seq + i) & 0xff), checksums right. */
static size_t mk(uint8_t *p, unsigned v, uint32_t seq, size_t plen, uint8_t flags)
{
	size_t ihl = v == 4 ? 20 : 40, thl = 32, len = ihl + thl + plen;
	uint8_t *t = p + ihl;
	uint16_t c;

	memset(p, 0, ihl + thl);
	if (v == 4) {
		p[0] = 0x45;
		put16(p + 2, (uint16_t)len);
		put16(p + 4, 0x1234);
		put16(p + 6, 0x4000);
		p[8] = 64;
		p[9] = 6;
		put32(p + 12, 0x0a000001);
		put32(p + 16, 0x0a000002);
		put16(p + 10, (uint16_t)~ref_sum(p, 20, 0));
	} else {
		p[0] = 0x60;
		put16(p + 4, (uint16_t)(thl + plen));
		p[6] = 6;
		p[7] = 64;
		p[8] = 0xfd;
		p[23] = 1;
		p[24] = 0xfd;
		p[39] = 2;
	}
	put16(t, 40000);
	put16(t + 2, 5201);
	put32(t + 4, seq);
	put32(t + 8, 777);
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = flags;
	put16(t + 14, 512);
	t[20] = 1;
	t[21] = 1;
	t[22] = 8;
	t[23] = 10;
	put32(t + 24, 42);
	put32(t + 28, 43);
	for (size_t i = 0; i < plen; i++)
		t[thl + i] = (uint8_t)(seq + i);
	c = (uint16_t)~ref_tcp_verify(p, len);
	put16(t + 16, c);
	return len;
}

/* A UDP datagram of plen payload bytes (byte i = (base + i) & 0xff), port
 * `sport`, checksum right (or 0: none). */
static size_t mk_udp(uint8_t *p, unsigned v, uint32_t base, size_t plen, uint16_t sport,
		     bool nocsum)
{
	size_t ihl = v == 4 ? 20 : 40, len = mk(p, v, 0, 0, 0x10) - 32 + 8 + plen;
	uint8_t *u = p + ihl;

	if (v == 4) {
		p[9] = 17;
		put16(p + 2, (uint16_t)len);
		put16(p + 10, 0);
		put16(p + 10, (uint16_t)~ref_sum(p, 20, 0));
	} else {
		p[6] = 17;
		put16(p + 4, (uint16_t)(8 + plen));
	}
	put16(u, sport);
	put16(u + 2, 5201);
	put16(u + 4, (uint16_t)(8 + plen));
	put16(u + 6, 0);
	for (size_t i = 0; i < plen; i++)
		u[8 + i] = (uint8_t)(base + i);
	if (!nocsum) {
		const uint8_t *src = p + (v == 4 ? 12 : 8);
		size_t alen = v == 4 ? 4 : 16;
		uint16_t c = (uint16_t)~ref_sum(u, 8 + plen,
						ref_sum(src, 2 * alen, 17 + (uint32_t)(8 + plen)));

		put16(u + 6, c ? c : 0xffff);
	}
	return len;
}

/* --- a writer that records what it is given ------------------------------ */

struct rec {
	int calls;
	struct vn_vnet_hdr hdr[16];
	size_t segs[16];
	uint8_t flat[16][70000];
	size_t flat_len[16];
	const void *base[16][VN_GRO_SEGS + 1];
	int n_iov[16];
	int fail_einval; /* refuse super-packets: 1 all, 2 UDP ones */
};

static int rec_write(void *ctx, const struct iovec *iov, int n, size_t segs)
{
	struct rec *r = ctx;
	int c = r->calls;

	assert_true(c < 16);
	if (r->fail_einval && segs > 1 &&
	    (r->fail_einval == 1 || ((struct vn_vnet_hdr *)iov[0].iov_base)->gso_type ==
					    VN_VNET_GSO_UDP_L4)) {
		errno = EINVAL;
		return -1;
	}
	assert_int_equal(iov[0].iov_len, VN_VNET_HLEN);
	memcpy(&r->hdr[c], iov[0].iov_base, sizeof(r->hdr[c]));
	r->segs[c] = segs;
	r->n_iov[c] = n;
	r->flat_len[c] = 0;
	for (int i = 1; i < n; i++) {
		r->base[c][i] = iov[i].iov_base;
		memcpy(r->flat[c] + r->flat_len[c], iov[i].iov_base, iov[i].iov_len);
		r->flat_len[c] += iov[i].iov_len;
	}
	r->calls++;
	return 0;
}

static struct rec R;
static uint8_t pk[VN_GRO_MAX][2000];
static struct vn_gro G;

static size_t add(unsigned v, uint32_t seq, size_t plen, uint8_t flags, int i)
{
	size_t len = mk(pk[i], v, seq, plen, flags);

	assert_true(vn_gro_add(&G, pk[i], len));
	return len;
}

static void flush(bool *co, struct vn_gro_stats *st)
{
	memset(&R, 0, offsetof(struct rec, fail_einval));
	memset(st, 0, sizeof(*st));
	(void)vn_gro_flush(&G, co, rec_write, &R, st);
}

/* The super-packet the writer got, checked like the kernel would see it:
 * headers, a NEEDS_CSUM field holding the pseudo-header sum, and the
 * stream bytes in order. */
static void check_super(int c, unsigned v, uint32_t seq, size_t gso, size_t total, size_t segs)
{
	const uint8_t *p = R.flat[c];
	size_t ihl = v == 4 ? 20 : 40, len = ihl + 32 + total;
	uint16_t pseudo;
	const uint8_t *src = p + (v == 4 ? 12 : 8);
	size_t alen = v == 4 ? 4 : 16;

	assert_int_equal(R.segs[c], segs);
	assert_int_equal(R.flat_len[c], len);
	assert_int_equal(R.hdr[c].flags, VN_VNET_F_NEEDS_CSUM);
	assert_int_equal(R.hdr[c].gso_type, v == 4 ? VN_VNET_GSO_TCPV4 : VN_VNET_GSO_TCPV6);
	assert_int_equal(R.hdr[c].gso_size, gso);
	assert_int_equal(R.hdr[c].hdr_len, ihl + 32);
	assert_int_equal(R.hdr[c].csum_start, ihl);
	assert_int_equal(R.hdr[c].csum_offset, 16);
	if (v == 4) {
		assert_int_equal(p[2] << 8 | p[3], len);
		assert_int_equal(ref_sum(p, 20, 0), 0xffff);
	} else {
		assert_int_equal(p[4] << 8 | p[5], len - 40);
	}
	pseudo = ref_sum(src, 2 * alen, 6 + (uint32_t)(len - ihl));
	assert_int_equal(p[ihl + 16] << 8 | p[ihl + 17], pseudo);
	assert_int_equal((uint32_t)(p[ihl + 4] << 24 | p[ihl + 5] << 16 | p[ihl + 6] << 8 | p[ihl + 7]),
			 seq);
	for (size_t i = 0; i < total; i++)
		assert_int_equal(p[ihl + 32 + i], (uint8_t)(seq + i));
}

/* --- tests --------------------------------------------------------------- */

static void test_csum_matches_reference(void **state)
{
	uint8_t b[301];

	(void)state;
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 37 + 11);
	for (size_t off = 0; off < 4; off++)
		for (size_t len = 0; len + off <= sizeof(b); len += 7) {
			uint16_t mine = vn_csum_fold(vn_csum_add(0, b + off, len));

			assert_int_equal(ntohs(mine), ref_sum(b + off, len, 0));
		}
}

static void test_coalesce_v4_v6(void **state)
{
	(void)state;
	for (unsigned v = 4; v <= 6; v += 2) {
		struct vn_gro_stats st;
		bool co = true;
		uint32_t seq = 1000;

		vn_gro_init(&G);
		for (int i = 0; i < 5; i++)
			add(v, seq + (uint32_t)i * 1388, 1388, 0x10, i);
		flush(&co, &st);
		assert_true(co);
		assert_int_equal(R.calls, 1);
		assert_int_equal(st.supers, 1);
		assert_int_equal(st.merged, 5);
		check_super(0, v, seq, 1388, 5 * 1388, 5);
		/* zero copy: the head whole, then each payload in place */
		assert_int_equal(R.n_iov[0], 6);
		assert_ptr_equal(R.base[0][1], pk[0]);
		for (int j = 1; j < 5; j++)
			assert_ptr_equal(R.base[0][1 + j], pk[j] + (v == 4 ? 20 : 40) + 32);
	}
}

static void test_short_last_and_psh(void **state)
{
	struct vn_gro_stats st;
	bool co = true;

	(void)state;
	vn_gro_init(&G);
	add(4, 0, 1000, 0x10, 0);
	add(4, 1000, 1000, 0x10, 1);
	add(4, 2000, 300, 0x18, 2); /* short, PSH: ends it */
	add(4, 2300, 1000, 0x10, 3); /* a new one, alone */
	flush(&co, &st);
	assert_int_equal(R.calls, 2);
	check_super(0, 4, 0, 1000, 2300, 3);
	assert_int_equal(R.flat[0][20 + 13], 0x18); /* the last one's PSH kept */
	assert_int_equal(R.segs[1], 1);
	assert_int_equal(R.hdr[1].flags, VN_VNET_F_DATA_VALID);
	assert_int_equal(R.hdr[1].gso_type, VN_VNET_GSO_NONE);
	assert_ptr_equal(R.base[1][1], pk[3]);
}

static void test_refused(void **state)
{
	struct vn_gro_stats st;
	bool co = true;

	(void)state;
	/* gap in sequence; a longer segment after a shorter head; SYN; a bad
	 * checksum; another flow (port): nothing merges */
	vn_gro_init(&G);
	add(4, 0, 500, 0x10, 0);
	add(4, 600, 500, 0x10, 1);
	add(4, 1100, 800, 0x10, 2);
	add(4, 1900, 500, 0x12, 3);
	add(4, 2400, 500, 0x10, 4);
	pk[4][40 + 5] ^= 1; /* payload corrupted */
	add(4, 2900, 500, 0x10, 5);
	pk[5][1] = 0x10; /* another TOS: checksum of the IP header only */
	flush(&co, &st);
	assert_int_equal(R.calls, 6);
	assert_int_equal(st.supers, 0);
	for (int c = 0; c < 6; c++) {
		assert_int_equal(R.segs[c], 1);
		assert_int_equal(R.hdr[c].gso_type, VN_VNET_GSO_NONE);
	}
	assert_int_equal(R.hdr[3].flags, 0); /* SYN: not a candidate */
	assert_int_equal(R.hdr[4].flags, 0); /* bad checksum: the kernel decides */
	assert_int_equal(R.hdr[5].flags, 0); /* bad IPv4 header checksum */
	/* 1 and 2 could pair (600..1100 then 1100..) but 2 is longer than 1 */
}

static void test_mixed_versions_and_limit(void **state)
{
	struct vn_gro_stats st;
	bool co = true;

	(void)state;
	vn_gro_init(&G);
	add(4, 0, 100, 0x10, 0);
	add(6, 100, 100, 0x10, 1);
	flush(&co, &st);
	assert_int_equal(R.calls, 2);
	/* 65535 bytes of IP at most: 1900-byte segments, 34 of them exceed it */
	vn_gro_init(&G);
	for (int i = 0; i < 40; i++)
		add(4, (uint32_t)i * 1900, 1900, 0x10, i);
	flush(&co, &st);
	assert_int_equal(R.calls, 2);
	assert_true(R.flat_len[0] <= 65535);
	assert_int_equal(R.segs[0] + R.segs[1], 40);
	check_super(0, 4, 0, 1900, R.segs[0] * 1900, R.segs[0]);
}

static void test_einval_falls_back(void **state)
{
	struct vn_gro_stats st;
	bool co = true;

	(void)state;
	vn_gro_init(&G);
	for (int i = 0; i < 3; i++)
		add(4, (uint32_t)i * 700, 700, 0x10, i);
	R.fail_einval = 1;
	flush(&co, &st);
	R.fail_einval = 0;
	assert_false(co);
	assert_int_equal(R.calls, 3);
	for (int c = 0; c < 3; c++) {
		assert_int_equal(R.segs[c], 1);
		/* the head's headers restored: a valid packet again */
		assert_int_equal(ref_tcp_verify(R.flat[c], R.flat_len[c]), 0xffff);
		assert_int_equal(R.flat_len[c], 20 + 32 + 700);
		assert_int_equal(ref_sum(R.flat[c], 20, 0), 0xffff);
	}
	/* and later flushes do not try again */
	vn_gro_init(&G);
	add(4, 0, 700, 0x10, 0);
	add(4, 700, 700, 0x10, 1);
	flush(&co, &st);
	assert_int_equal(R.calls, 2);
}

static void test_udp(void **state)
{
	struct vn_gro_stats st;
	bool co = true;

	(void)state;
	for (unsigned v = 4; v <= 6; v += 2) {
		size_t ihl = v == 4 ? 20 : 40, len;
		const uint8_t *p, *src;
		uint16_t pseudo;

		vn_gro_init(&G);
		for (int i = 0; i < 4; i++)
			assert_true(vn_gro_add(&G, pk[i], mk_udp(pk[i], v, (uint32_t)i * 64, 64, 4000,
								 false)));
		assert_true(vn_gro_add(&G, pk[4], mk_udp(pk[4], v, 256, 20, 4000, false)));
		assert_true(vn_gro_add(&G, pk[5], mk_udp(pk[5], v, 0, 64, 4000, false)));
		flush(&co, &st);
		/* 4 x 64 + a short one end a super-packet; the next goes alone */
		assert_int_equal(R.calls, 2);
		assert_int_equal(R.segs[0], 5);
		assert_int_equal(R.hdr[0].gso_type, VN_VNET_GSO_UDP_L4);
		assert_int_equal(R.hdr[0].gso_size, 64);
		assert_int_equal(R.hdr[0].hdr_len, ihl + 8);
		assert_int_equal(R.hdr[0].csum_offset, 6);
		assert_int_equal(R.hdr[0].flags, VN_VNET_F_NEEDS_CSUM);
		p = R.flat[0];
		len = ihl + 8 + 4 * 64 + 20;
		assert_int_equal(R.flat_len[0], len);
		assert_int_equal(p[ihl + 4] << 8 | p[ihl + 5], len - ihl);
		if (v == 4)
			assert_int_equal(ref_sum(p, 20, 0), 0xffff);
		src = p + (v == 4 ? 12 : 8);
		pseudo = ref_sum(src, v == 4 ? 8 : 32, 17 + (uint32_t)(len - ihl));
		assert_int_equal(p[ihl + 6] << 8 | p[ihl + 7], pseudo);
		for (size_t i = 0; i < 4 * 64 + 20; i++)
			assert_int_equal(p[ihl + 8 + i], (uint8_t)i);
		assert_ptr_equal(R.base[0][2], pk[1] + ihl + 8);
		assert_int_equal(R.hdr[1].flags, VN_VNET_F_DATA_VALID);
	}
	/* another port, or no checksum: alone */
	vn_gro_init(&G);
	assert_true(vn_gro_add(&G, pk[0], mk_udp(pk[0], 4, 0, 64, 4000, false)));
	assert_true(vn_gro_add(&G, pk[1], mk_udp(pk[1], 4, 64, 64, 4001, false)));
	assert_true(vn_gro_add(&G, pk[2], mk_udp(pk[2], 4, 128, 64, 4001, true)));
	flush(&co, &st);
	assert_int_equal(R.calls, 3);
	assert_int_equal(st.supers, 0);
	assert_int_equal(R.hdr[2].flags, 0);
	/* UDP refused by the kernel: UDP coalescing stops, TCP's goes on */
	vn_gro_init(&G);
	for (int i = 0; i < 3; i++)
		assert_true(vn_gro_add(&G, pk[i], mk_udp(pk[i], 4, (uint32_t)i * 64, 64, 4000,
							 false)));
	add(4, 0, 700, 0x10, 3);
	add(4, 700, 700, 0x10, 4);
	R.fail_einval = 2;
	flush(&co, &st);
	assert_false(G.udp);
	assert_true(co);
	assert_int_equal(R.calls, 4);
	assert_int_equal(ref_sum(R.flat[0], 20, 0), 0xffff); /* head restored */
	assert_int_equal(R.flat_len[0], 20 + 8 + 64);
	{
		const uint8_t *u = R.flat[0] + 20;
		uint16_t s = ref_sum(u, 8 + 64, ref_sum(R.flat[0] + 12, 8, 17 + 72));

		assert_int_equal(s, 0xffff);
	}
	assert_int_equal(R.segs[3], 2); /* TCP still merged */
	R.fail_einval = 0;
}

static void test_vnet_rx(void **state)
{
	uint8_t p[200];
	size_t len = mk(p, 4, 5, 100, 0x10);
	struct vn_vnet_hdr h = { 0 };

	(void)state;
	assert_true(vn_vnet_rx(&h, p, len));
	/* NEEDS_CSUM: the field holds the pseudo-header sum; completed in place */
	{
		uint16_t pseudo = ref_sum(p + 12, 8, 6 + (uint32_t)(len - 20));

		put16(p + 36, pseudo);
		h = (struct vn_vnet_hdr){ .flags = VN_VNET_F_NEEDS_CSUM, .csum_start = 20,
					  .csum_offset = 16 };
		assert_true(vn_vnet_rx(&h, p, len));
		assert_int_equal(ref_tcp_verify(p, len), 0xffff);
	}
	/* outside the packet, or a GSO packet we did not ask for */
	h.csum_start = (uint16_t)len;
	assert_false(vn_vnet_rx(&h, p, len));
	h.csum_start = 20;
	h.csum_offset = (uint16_t)(len - 21);
	assert_false(vn_vnet_rx(&h, p, len));
	h.csum_start = 20;
	h.csum_offset = 0xffff;
	assert_false(vn_vnet_rx(&h, p, len));
	h = (struct vn_vnet_hdr){ .gso_type = VN_VNET_GSO_TCPV4, .gso_size = 50 };
	assert_false(vn_vnet_rx(&h, p, len));
}

/* A super-packet as the kernel hands it over with TSO: one IP packet of
 * `total` payload bytes, flags given, checksum field left as the kernel
 * leaves it (garbage here: it must be recomputed per segment). */
static size_t mk_super(uint8_t *p, unsigned v, uint32_t seq, size_t total, uint8_t flags)
{
	size_t len = mk(p, v, seq, total, flags);

	p[(v == 4 ? 20 : 40) + 16] ^= 0x5a;
	return len;
}

static uint8_t sp[70000];

/* Splits and checks every segment: an ordinary packet with right
 * checksums, its slice of the stream, flags on the right segments, the
 * payload by pointer into the super-packet. */
static void split_check(unsigned v, size_t total, size_t gso, uint8_t flags)
{
	size_t len = mk_super(sp, v, 5000, total, flags), ihl = v == 4 ? 20 : 40, hl = ihl + 32;
	struct vn_vnet_hdr h = { .flags = VN_VNET_F_NEEDS_CSUM,
				 .gso_type = v == 4 ? VN_VNET_GSO_TCPV4 : VN_VNET_GSO_TCPV6,
				 .hdr_len = (uint16_t)hl, .gso_size = (uint16_t)gso,
				 .csum_start = (uint16_t)ihl, .csum_offset = 16 };
	struct vn_tso t;
	size_t first = vn_tso_begin(&t, &h, sp, len, 1500), seen = 0;
	static uint8_t seg[2000];

	assert_int_equal(t.nseg, (total + gso - 1) / gso);
	assert_int_equal(first, hl + (gso < total ? gso : total));
	for (size_t i = 0; i < t.nseg; i++) {
		const uint8_t *pl;
		size_t plen, slen;
		uint8_t f;

		if (i == 0) {
			memcpy(seg, sp, first);
			pl = sp + hl;
			plen = first - hl;
		} else {
			vn_tso_seg(&t, i, seg, &pl, &plen);
			assert_ptr_equal(pl, sp + hl + i * gso); /* by pointer */
			memcpy(seg + hl, pl, plen);
		}
		slen = hl + plen;
		assert_int_equal(plen, i + 1 < t.nseg ? gso : total - i * gso);
		if (v == 4) {
			assert_int_equal(seg[2] << 8 | seg[3], slen);
			assert_int_equal(ref_sum(seg, 20, 0), 0xffff);
			assert_int_equal(seg[4] << 8 | seg[5], 0x1234 + i);
		} else {
			assert_int_equal(seg[4] << 8 | seg[5], slen - 40);
		}
		assert_int_equal(ref_tcp_verify(seg, slen), 0xffff);
		assert_int_equal((uint32_t)(seg[ihl + 4] << 24 | seg[ihl + 5] << 16 |
					    seg[ihl + 6] << 8 | seg[ihl + 7]),
				 5000 + i * gso);
		f = seg[ihl + 13];
		assert_int_equal(f & 0x09, i + 1 == t.nseg ? (flags & 0x09) : 0); /* FIN, PSH */
		assert_int_equal(f & 0x80, i == 0 ? (flags & 0x80) : 0);	 /* CWR */
		for (size_t k = 0; k < plen; k++)
			assert_int_equal(seg[hl + k], (uint8_t)(5000 + seen + k));
		seen += plen;
	}
	assert_int_equal(seen, total);
}

static void test_split(void **state)
{
	(void)state;
	split_check(4, 10 * 1388, 1388, 0x18);	    /* exact multiple, PSH on the last */
	split_check(4, 10 * 1388 + 17, 1388, 0x19); /* short last, FIN */
	split_check(6, 5000, 1368, 0x90);	    /* IPv6, CWR on the first only */
	split_check(4, 100, 1388, 0x18);	    /* one segment */
	split_check(4, 65000, 536, 0x10);
}

static void test_split_refused(void **state)
{
	struct vn_tso t;
	struct vn_vnet_hdr h = { .gso_type = VN_VNET_GSO_TCPV4, .gso_size = 1388 };
	size_t len = mk_super(sp, 4, 0, 5000, 0x10);

	(void)state;
	assert_int_equal(vn_tso_begin(&t, &h, sp, len, 1400), 0); /* segments > MTU */
	h.gso_size = 0;
	assert_int_equal(vn_tso_begin(&t, &h, sp, len, 1500), 0);
	h.gso_size = 1000;
	h.gso_type = VN_VNET_GSO_TCPV6; /* the type says v6, the packet is v4 */
	assert_int_equal(vn_tso_begin(&t, &h, sp, len, 1500), 0);
	h.gso_type = VN_VNET_GSO_UDP_L4;
	assert_int_equal(vn_tso_begin(&t, &h, sp, len, 1500), 0);
	h.gso_type = VN_VNET_GSO_TCPV4 | VN_VNET_GSO_ECN;
	assert_int_equal(vn_tso_begin(&t, &h, sp, len - 1, 1500), 0); /* length */
	assert_int_not_equal(vn_tso_begin(&t, &h, sp, len, 1500), 0);
	len = mk_super(sp, 4, 0, 5000, 0x10); /* it was made the first segment */
	h.gso_size = 1;
	assert_int_equal(vn_tso_begin(&t, &h, sp, len, 1500), 0); /* too many segments */
	h.gso_size = 5;
	assert_int_not_equal(vn_tso_begin(&t, &h, sp, len, 1500), 0); /* 1000: fine */
	len = mk_super(sp, 4, 0, 5000, 0x10);
	h.gso_size = 1000;
	sp[6] = 0x20; /* MF: a fragment */
	assert_int_equal(vn_tso_begin(&t, &h, sp, len, 1500), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_matches_reference),
		cmocka_unit_test(test_coalesce_v4_v6),
		cmocka_unit_test(test_short_last_and_psh),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_mixed_versions_and_limit),
		cmocka_unit_test(test_einval_falls_back),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_vnet_rx),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
