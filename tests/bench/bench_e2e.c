/* bench_codec's mode = encrypt rows (common/sec_e2e.c, sec_layer_e2e.c):
 * seal + open of one IP packet in place, the same with AES-256-GCM for the
 * choice docs/performance.md records, and one sealed hop through both
 * layers (OBU: seal + tag; RSU: tag + open). Own state, set up once per
 * packet size. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bench_e2e.h"
#include "sec_layer.h"

static const struct vn_mac e_rsu = {{0x04, 0x04, 0x04, 0x04, 0x04, 0x04}};
static const struct vn_mac e_obu = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};

static struct {
	size_t plen;
	_Alignas(64) uint8_t mem[VN_PBUF_SIZE + VN_SEC_OVERHEAD];
	struct vn_sec *obu, *rsu;
	uint8_t key[VN_E2E_KEY_LEN], pk[VN_E2E_PK_LEN];
} e;

static void ip_in(uint8_t *p, size_t len)
{
	memset(p, 0x5a, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
}

/* Two layers with a session: the RSU's heartbeat verified by the OBU. */
static void setup_layers(void)
{
	static const uint8_t seed1[32] = {1}, seed2[32] = {2};
	struct vn_sec_params p;
	struct vn_sec_netkeys nk = {.n = 1};
	struct vn_sec_signkey sk;
	struct vn_sec_rsukeys trust = {.n = 1};
	struct vn_heartbeat hb = {.uptime = 1, .id = 1, .hops = 1, .source = e_rsu};
	struct vn_pbuf b;
	uint8_t *out;
	size_t n;

	vn_sec_params_default(&p);
	nk.k[0].id = 1;
	memset(nk.k[0].key, 0x11, VN_SEC_KEY_LEN);
	memset(sk.seed, 5, sizeof(sk.seed));
	vn_sec_signkey_expand(&sk);
	memcpy(trust.pk[0], sk.pk, VN_SEC_PK_LEN);
	e.obu = vn_sec_create(&e_obu, &p, 1, 0);
	e.rsu = vn_sec_create(&e_rsu, &p, 1, 0);
	vn_sec_set_netkeys(e.obu, &nk);
	vn_sec_set_netkeys(e.rsu, &nk);
	vn_sec_set_rsukeys(e.obu, &trust);
	vn_sec_set_signkey(e.rsu, &sk, 1);
	vn_sec_set_encrypt(e.obu, seed1);
	vn_sec_set_encrypt(e.rsu, seed2);
	vn_pbuf_init(&b, e.mem, sizeof(e.mem));
	b.len = vn_enc_heartbeat(b.data, 64, &vn_mac_broadcast, &e_rsu, &hb);
	n = vn_sec_tx(e.rsu, b.data, b.len, VN_PBUF_HEADROOM, 4096, &out);
	b.data = out;
	b.len = n;
	if (n == 0 || vn_sec_rx(e.obu, &b, 1) != VN_SEC_OK)
		abort();
	vn_sec_set_chosen(e.obu, &e_rsu, &e_rsu);
	memset(e.key, 7, sizeof(e.key));
	memset(e.pk, 9, sizeof(e.pk));
}

void bench_e2e_setup(size_t plen)
{
	if (e.obu == NULL)
		setup_layers();
	e.plen = plen;
}

/* The plain Upstream frame of the packet at its place in e.mem. */
static uint8_t *plain_up(void)
{
	struct vn_pbuf b;

	vn_pbuf_init(&b, e.mem, sizeof(e.mem));
	b.len = e.plen;
	vn_enc_upstream(&b, &e_rsu, &e_obu, &e_obu);
	return b.data;
}

uint64_t bench_e2e_seal_open(size_t n)
{
	uint64_t acc = 0;
	struct vn_e2e_view v;

	ip_in(e.mem + VN_PBUF_HEADROOM, e.plen);
	for (size_t i = 0; i < n; i++) {
		uint8_t *f = vn_e2e_seal(e.key, plain_up(), VN_UP_HLEN + e.plen, VN_E2E_UP, i + 1, 1,
					 e.pk);
		size_t len = VN_UP_HLEN + e.plen + VN_E2E_UP_HLEN + VN_E2E_ABYTES;

		acc += vn_e2e_decode(f + VN_ETH_HLEN, len - VN_ETH_HLEN, &v) == VN_SEC_OK &&
		       vn_e2e_open(e.key, &v);
	}
	return acc;
}

uint64_t bench_e2e_aesgcm(size_t n)
{
	uint8_t *ip = e.mem + VN_PBUF_HEADROOM, *tag = ip + e.plen, nonce[12] = {0};
	uint64_t acc = 0;

	if (!crypto_aead_aes256gcm_is_available())
		return 0;
	ip_in(ip, e.plen);
	for (size_t i = 0; i < n; i++) {
		memcpy(nonce + 4, &i, sizeof(i) < 8 ? sizeof(i) : 8);
		crypto_aead_aes256gcm_encrypt_detached(ip, tag, NULL, ip, e.plen, ip - 56, 56, NULL,
						       nonce, e.key);
		acc += crypto_aead_aes256gcm_decrypt_detached(ip, NULL, ip, e.plen, tag, ip - 56,
							      56, nonce, e.key) == 0;
	}
	return acc;
}

/* One sealed Upstream frame as the OBU sends it (subtype 02), for the tag
 * rows: the frame and its decoded view. */
static size_t sealed_frame(uint8_t **out, struct vn_sec_view *v)
{
	uint8_t *f;
	size_t len;

	ip_in(e.mem + VN_PBUF_HEADROOM, e.plen);
	f = plain_up();
	len = vn_sec_tx(e.obu, f, VN_UP_HLEN + e.plen, (size_t)(f - e.mem),
			sizeof(e.mem) - (size_t)(f - e.mem) - VN_UP_HLEN - e.plen, out);
	if (len == 0 || vn_sec_decode(*out, len, v) != VN_SEC_OK)
		abort();
	return len;
}

/* The per-hop tag of a sealed frame: subtype 02 (all but the
 * ciphertext), what the layer computes at each sender and receiver. */
uint64_t bench_e2e_tag_sealed(size_t n)
{
	static const uint8_t key[VN_SEC_KEY_LEN] = {0x11};
	struct vn_sec_view v;
	uint8_t *f, t[VN_SEC_TAG_LEN];
	uint64_t acc = 0;

	sealed_frame(&f, &v);
	for (size_t i = 0; i < n; i++) {
		f[20] = (uint8_t)i; /* a new counter per frame */
		vn_sec_tag_sealed(key, f, v.len - VN_SEC_TAG_LEN, &v.e2e, t);
		acc += t[0];
	}
	return acc;
}

/* Lever 2 compared (not used): the same bytes under Poly1305 with a
 * one-time key per frame from ChaCha20 (network key, the frame's
 * transmitter and counter as nonce): what a cheaper MAC would cost. */
uint64_t bench_e2e_tag_poly1305(size_t n)
{
	static const uint8_t key[crypto_stream_chacha20_ietf_KEYBYTES] = {0x11};
	struct vn_sec_view v;
	crypto_onetimeauth_state st;
	uint8_t *f, otk[crypto_onetimeauth_KEYBYTES], nonce[12], t[crypto_onetimeauth_BYTES];
	uint64_t acc = 0;
	size_t head, tail;

	sealed_frame(&f, &v);
	head = (size_t)(v.e2e.msg - f);
	tail = (size_t)(f + v.len - VN_SEC_TAG_LEN - v.e2e.tag);
	for (size_t i = 0; i < n; i++) {
		f[20] = (uint8_t)i;
		memcpy(nonce, f + 6, 6);
		memcpy(nonce + 6, f + 22, 6);
		crypto_stream_chacha20_ietf(otk, sizeof(otk), nonce, key);
		crypto_onetimeauth_init(&st, otk);
		crypto_onetimeauth_update(&st, f, head);
		crypto_onetimeauth_update(&st, v.e2e.tag, tail);
		crypto_onetimeauth_final(&st, t);
		acc += t[0];
	}
	return acc;
}

uint64_t bench_e2e_hop(size_t n)
{
	uint64_t acc = 0;
	struct vn_pbuf b;

	ip_in(e.mem + VN_PBUF_HEADROOM, e.plen);
	for (size_t i = 0; i < n; i++) {
		uint8_t *f = plain_up(), *out;
		size_t len = vn_sec_tx(e.obu, f, VN_UP_HLEN + e.plen, (size_t)(f - e.mem),
				       sizeof(e.mem) - (size_t)(f - e.mem) - VN_UP_HLEN - e.plen, &out);

		b = (struct vn_pbuf){.data = out, .len = len, .start = e.mem, .size = sizeof(e.mem)};
		acc += vn_sec_rx(e.rsu, &b, (vn_usec)i + 2) == VN_SEC_OK;
	}
	return acc;
}
