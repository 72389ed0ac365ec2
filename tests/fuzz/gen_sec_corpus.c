/* Writes fuzz_sec_decode's mode = encrypt seeds (corpus/sec_decode/enc_*):
 * real sealed frames made by real layers, for the fuzzer's layer (MAC
 * 02:00:00:00:00:01, network key 0x11.., RSU signing seed 0x05.., encrypt
 * seed 0x42) so that they pass every check and open.
 *   enc_rsu: as rsud, an OBU's hello and sealed Upstream packets
 *   enc_obu: as obud, the RSU's signed heartbeat, then sealed Downstream
 *            to it and a sealed broadcast
 * Usage: gen_sec_corpus DIR */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sec_layer.h"

static const struct vn_mac fz = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct vn_mac other_obu = {{0x02, 0, 0, 0, 0, 0x0a}};
static const struct vn_mac other_rsu = {{0x04, 4, 4, 4, 4, 4}};
static uint8_t in[16384];
static size_t in_len;

static struct vn_sec *layer(const struct vn_mac *mac, bool rsu, uint8_t seed_byte)
{
	struct vn_sec_params p;
	struct vn_sec_netkeys nk = {.n = 1};
	struct vn_sec_rsukeys rk = {.n = 1};
	struct vn_sec_signkey sk;
	uint8_t seed[32] = {seed_byte};
	struct vn_sec *s;

	vn_sec_params_default(&p);
	s = vn_sec_create(mac, &p, 100, 0);
	nk.k[0].id = 1;
	memset(nk.k[0].key, 0x11, VN_SEC_KEY_LEN);
	vn_sec_set_netkeys(s, &nk);
	memset(sk.seed, 5, sizeof(sk.seed));
	vn_sec_signkey_expand(&sk);
	memcpy(rk.pk[0], sk.pk, VN_SEC_PK_LEN);
	if (rsu)
		vn_sec_set_signkey(s, &sk, 1);
	else
		vn_sec_set_rsukeys(s, &rk);
	vn_sec_set_encrypt(s, seed);
	return s;
}

/* f sent by s; appended to the input as [len16][bytes] and, if to is not
 * NULL, received by it. */
static void send(struct vn_sec *s, struct vn_pbuf *f, struct vn_sec *to, bool keep)
{
	static uint8_t mem[VN_PBUF_SIZE + VN_SEC_OVERHEAD];
	struct vn_pbuf b;
	uint8_t *out;
	size_t n = vn_sec_tx(s, f->data, f->len, vn_pbuf_headroom(f), vn_pbuf_tailroom(f), &out);

	if (n == 0)
		abort();
	if (keep) {
		in[in_len++] = (uint8_t)(n >> 8);
		in[in_len++] = (uint8_t)n;
		memcpy(in + in_len, out, n);
		in_len += n;
	}
	if (to != NULL) {
		vn_pbuf_init(&b, mem, sizeof(mem));
		memcpy(b.data, out, n);
		b.len = n;
		vn_sec_rx(to, &b, 5);
	}
}

static void heartbeat(struct vn_pbuf *b, uint8_t *mem, size_t cap, const struct vn_mac *rsu)
{
	struct vn_heartbeat hb = {.uptime = 1, .id = 1, .hops = 1, .source = *rsu};

	vn_pbuf_init(b, mem, cap);
	b->len = vn_enc_heartbeat(b->data, 64, &vn_mac_broadcast, rsu, &hb);
}

static void data(struct vn_pbuf *b, uint8_t *mem, size_t cap, bool down, const struct vn_mac *to,
		 const struct vn_mac *from, const struct vn_mac *dst, size_t plen)
{
	vn_pbuf_init(b, mem, cap);
	memset(b->data, 0x5a, plen);
	b->data[0] = 0x45;
	b->data[2] = (uint8_t)(plen >> 8);
	b->data[3] = (uint8_t)plen;
	b->len = plen;
	if (down)
		vn_enc_downstream(b, to, from, from, dst);
	else
		vn_enc_upstream(b, to, from, from);
}

static void write_seed(const char *dir, const char *name, uint8_t flags)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fputc(flags, f) == EOF || fwrite(in, 1, in_len, f) != in_len ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	in_len = 0;
}

int main(int argc, char **argv)
{
	static uint8_t mem[VN_PBUF_SIZE + VN_SEC_OVERHEAD];
	struct vn_sec *obu, *rsu, *fz_obu;
	struct vn_pbuf b;
	uint8_t hello[VN_UP_HLEN];

	if (argc != 2 || sodium_init() < 0)
		return 2;
	/* enc_rsu: an OBU (its own seed) talks to the fuzzer's layer as rsud */
	rsu = layer(&fz, true, 0x42);
	obu = layer(&other_obu, false, 0x07);
	heartbeat(&b, mem, sizeof(mem), &fz);
	send(rsu, &b, obu, false);
	vn_sec_set_chosen(obu, &fz, &fz);
	vn_sec_hello(obu, &fz, hello);
	vn_pbuf_init(&b, mem, sizeof(mem));
	memcpy(b.data, hello, sizeof(hello));
	b.len = sizeof(hello);
	send(obu, &b, NULL, true);
	data(&b, mem, sizeof(mem), false, &fz, &other_obu, NULL, 64);
	send(obu, &b, NULL, true);
	data(&b, mem, sizeof(mem), false, &fz, &other_obu, NULL, 400);
	send(obu, &b, NULL, true);
	write_seed(argv[1], "enc_rsu", 0x04 | 0x02 | 0x01);
	vn_sec_destroy(rsu);
	vn_sec_destroy(obu);
	/* enc_obu: an RSU talks to the fuzzer's layer as obud (the same seed as
	 * the fuzzer's: its hello gives the RSU the fuzzer's key) */
	rsu = layer(&other_rsu, true, 0x01);
	fz_obu = layer(&fz, false, 0x42);
	heartbeat(&b, mem, sizeof(mem), &other_rsu);
	send(rsu, &b, fz_obu, true);
	vn_sec_set_chosen(fz_obu, &other_rsu, &other_rsu);
	vn_sec_hello(fz_obu, &other_rsu, hello);
	vn_pbuf_init(&b, mem, sizeof(mem));
	memcpy(b.data, hello, sizeof(hello));
	b.len = sizeof(hello);
	send(fz_obu, &b, rsu, false);
	data(&b, mem, sizeof(mem), true, &fz, &other_rsu, &fz, 64);
	send(rsu, &b, NULL, true);
	data(&b, mem, sizeof(mem), true, &vn_mac_broadcast, &other_rsu, &vn_mac_broadcast, 100);
	send(rsu, &b, NULL, true);
	write_seed(argv[1], "enc_obu", 0x04);
	vn_sec_destroy(rsu);
	vn_sec_destroy(fz_obu);
	return 0;
}
