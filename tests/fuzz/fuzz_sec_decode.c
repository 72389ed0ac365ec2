/* libFuzzer target: the security layer's receive path (common/sec_frame.c,
 * sec_layer.c) on any bytes. The first input byte steers: bit 0 re-tags
 * the frame with the network key first, so that the fuzzer gets past the
 * tag into the replay window, the heartbeat checks and the conversion back
 * to a plain frame; bit 1 gives the layer no trust list but the signing
 * key (rsud, epoch 1); bit 2 turns on mode = encrypt (its seed is
 * FUZZ_E2E_SEED, which gen_sec_corpus uses too, so that its sealed seeds
 * open: the fuzzer starts inside sessions). What
 * passes must come out as a plain frame the protocol decoder accepts the
 * header of, inside the buffer. Several frames per input share one layer,
 * so windows, cache and budgets carry state from frame to frame. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sec_layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct vn_mac self = { { 0x02, 0, 0, 0, 0, 0x01 } };
#define FUZZ_E2E_SEED 0x42

static struct vn_sec *make_layer(bool trust, bool encrypt)
{
	struct vn_sec_params p;
	struct vn_sec_netkeys nk = { .n = 1 };
	struct vn_sec_rsukeys rk = { .n = 1 };
	struct vn_sec_signkey sk;
	struct vn_sec *s;

	vn_sec_params_default(&p);
	s = vn_sec_create(&self, &p, 1, 0);
	if (s == NULL)
		abort();
	nk.k[0].id = 1;
	memset(nk.k[0].key, 0x11, VN_SEC_KEY_LEN);
	vn_sec_set_netkeys(s, &nk);
	memset(sk.seed, 5, sizeof(sk.seed));
	vn_sec_signkey_expand(&sk);
	memcpy(rk.pk[0], sk.pk, VN_SEC_PK_LEN);
	vn_sec_set_rsukeys(s, trust ? &rk : NULL);
	if (!trust)
		vn_sec_set_signkey(s, &sk, 1);
	if (encrypt) {
		static const uint8_t seed[32] = { FUZZ_E2E_SEED };

		vn_sec_set_encrypt(s, seed);
	}
	return s;
}

/* One frame: at most 2 KB, preceded by a 2-byte length in the input. */
static void one(struct vn_sec *s, const uint8_t *f, size_t n, bool retag, vn_usec now)
{
	static uint8_t mem[VN_PBUF_SIZE];
	static const uint8_t key[VN_SEC_KEY_LEN] = { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
						     0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
						     0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
						     0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };
	struct vn_pbuf b;
	struct vn_sec_view v;

	vn_pbuf_init(&b, mem, sizeof(mem));
	memcpy(b.data, f, n);
	b.len = n;
	if (retag && vn_sec_decode(b.data, b.len, &v) == VN_SEC_OK)
		vn_sec_tag_view(key, &v, v.tag);
	if (vn_sec_rx(s, &b, now) != VN_SEC_OK)
		return;
	/* passed: a plain frame inside the buffer, the header intact */
	if (b.data < mem || b.data + b.len > mem + sizeof(mem) || b.len < VN_MSG_HLEN ||
	    vn_get_be16(b.data + 12) != VN_ETHERTYPE || b.data[14] == VN_TYPE_SECURED)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct vn_sec *s;
	vn_usec now = 1000;

	if (!init) {
		if (sodium_init() < 0)
			abort();
		init = true;
	}
	if (size < 1)
		return 0;
	s = make_layer((data[0] & 2) == 0, (data[0] & 4) != 0);
	for (size_t off = 1; off + 2 <= size;) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];

		off += 2;
		if (n > size - off)
			n = size - off;
		if (n > 2048)
			n = 2048;
		one(s, data + off, n, (data[0] & 1) != 0, now);
		off += n;
		now += 10000;
	}
	vn_sec_destroy(s);
	return 0;
}
