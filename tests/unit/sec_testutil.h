/* Shared by the security layer's unit tests (test_sec_*.c): a wire frame
 * with the pool's headroom, and the plain frames they secure. */
#ifndef VN_SEC_TESTUTIL_H
#define VN_SEC_TESTUTIL_H
#include "testutil.h"

/* A wire frame: storage with the pool's headroom. */
struct wframe {
	uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf b;
};

/* An IPv4 packet of len bytes whose body counts up from `fill`. */
static inline void ip_packet(uint8_t *p, size_t len, uint8_t fill)
{
	mk_ipv4(p, len);
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)(fill + i);
}

/* f: an Upstream frame from `from` (its own origin) to `to`, carrying an
 * ip_len-byte IPv4 packet. */
static inline void upstream(struct wframe *f, const struct vn_mac *to, const struct vn_mac *from,
			    size_t ip_len)
{
	vn_pbuf_init(&f->b, f->mem, sizeof(f->mem));
	ip_packet(f->b.data, ip_len, 1);
	f->b.len = ip_len;
	assert_int_equal(vn_enc_upstream(&f->b, to, from, from), VN_UP_HLEN);
}
#endif
