/* Codec micro-benchmark: median ns per operation of the per-packet paths of
 * PROTOCOL.md §3, for several payload sizes. The zero-copy claim is that
 * every row costs the same at 1400 bytes as at 33.
 *
 *   bench_codec [-n OPS_PER_BATCH] [-b BATCHES] [-c CPU]
 *
 * Each cell (operation x payload size) gets BATCHES batches of
 * OPS_PER_BATCH operations, each after a warm-up of a tenth of that, timed
 * with CLOCK_MONOTONIC; the median of the per-batch means is printed. The
 * batches are taken in rounds over all cells (see main). The encoders are inline (wire.h) as in the cores; a compiler
 * barrier after every operation keeps each one's loads and stores inside
 * the loop, and results are folded into a volatile sink. The decoders are
 * real calls into the library. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench_e2e.h"
#include "sec_layer.h"
#include "wire.h"

static volatile uint64_t sink;

/* Tells the compiler that memory may have been read or changed, so that
 * stores into the buffers cannot be moved out of the loop. */
#define CLOBBER() __asm__ volatile("" ::: "memory")

/* Not const and not static: with CLOBBER() in every loop the compiler must
 * load the addresses from memory each time, as a core reads them from its
 * tables, instead of folding them into immediate stores. */
struct vn_mac mac_rsu = {{0x04, 0x04, 0x04, 0x04, 0x04, 0x04}};
struct vn_mac mac_a = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
struct vn_mac mac_b = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
struct vn_mac mac_c = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0c}};

/* State shared by the operations: one buffer per kind, 64-byte aligned. */
struct bench {
	size_t plen;
	struct vn_pbuf pb;			 /* tun packet, for the encoders */
	_Alignas(64) uint8_t mem[VN_PBUF_SIZE];	 /* its storage */
	_Alignas(64) uint8_t up[VN_PBUF_SIZE];	 /* a received Upstream frame */
	size_t up_len;
	_Alignas(64) uint8_t down[VN_PBUF_SIZE]; /* a received Downstream frame */
	size_t down_len;
	_Alignas(64) uint8_t hb[64];		 /* a received Heartbeat */
	_Alignas(64) uint8_t reply[64];		 /* a received Reply */
	_Alignas(64) uint8_t out[64];		 /* where replies are built */
	struct vn_msg hb_msg;
	_Alignas(64) uint8_t copy[VN_PBUF_SIZE]; /* the copying baseline's target */
	/* [security]: an Upstream frame to secure in place, two layers */
	_Alignas(64) uint8_t sup[VN_PBUF_SIZE + VN_SEC_OVERHEAD];
	size_t sup_len;
	struct vn_sec *tx, *rx;
	struct vn_sec_signkey key;
	struct vn_heartbeat shb;
	uint8_t ext[VN_SEC_HBEXT_LEN];
	struct vn_sec_hbext x;
	struct vn_hbcache cache;
};

typedef uint64_t (*op_fn)(struct bench *s, size_t n);

static size_t ipv4(uint8_t *p, size_t len)
{
	memset(p, 0x5a, len);
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[12] = 10, p[15] = 2;
	p[16] = 10, p[19] = 1;
	return len;
}

/* Two layers sharing a network key (sender a, receiver rsu), a signed
 * heartbeat and a cache holding it. Made once. */
static void setup_sec(struct bench *s)
{
	struct vn_sec_params p;
	struct vn_sec_netkeys nk = {.n = 1};

	if (s->tx != NULL)
		return;
	if (sodium_init() < 0)
		abort();
	vn_sec_params_default(&p);
	s->tx = vn_sec_create(&mac_a, &p, 1, 0);
	s->rx = vn_sec_create(&mac_rsu, &p, 1, 0);
	nk.k[0].id = 1;
	memset(nk.k[0].key, 0x11, VN_SEC_KEY_LEN);
	vn_sec_set_netkeys(s->tx, &nk);
	vn_sec_set_netkeys(s->rx, &nk);
	memset(s->key.seed, 5, sizeof(s->key.seed));
	vn_sec_signkey_expand(&s->key);
	s->shb = (struct vn_heartbeat){.uptime = 1234567, .id = 42, .hops = 1, .source = mac_rsu};
	vn_sec_hbext_make(&s->key, &s->shb, 1, 32, s->ext);
	s->x = (struct vn_sec_hbext){.epoch = 1, .max_hops = 32, .hint = s->ext + 8,
				     .top = s->ext + 16, .value = s->ext + 32, .sig = s->ext + 48,
				     .raw = s->ext};
	vn_hbcache_init(&s->cache);
	vn_hbcache_put(&s->cache, &s->shb, &s->x, 0);
}

static void setup(struct bench *s, size_t plen)
{
	struct vn_pbuf b;
	struct vn_heartbeat h = {.uptime = 1234567, .id = 42, .hops = 2, .source = mac_rsu};
	size_t used;

	s->plen = plen;
	vn_pbuf_init(&s->pb, s->mem, sizeof(s->mem));
	s->pb.len = ipv4(s->pb.data, plen);

	vn_pbuf_init(&b, s->up, sizeof(s->up));
	b.len = ipv4(b.data, plen);
	vn_enc_upstream(&b, &mac_rsu, &mac_a, &mac_a);
	s->up_len = b.len;

	vn_pbuf_init(&b, s->down, sizeof(s->down));
	b.len = ipv4(b.data, plen);
	vn_enc_downstream(&b, &mac_a, &mac_rsu, &mac_rsu, &mac_a);
	s->down_len = b.len;

	vn_pbuf_init(&b, s->sup, sizeof(s->sup));
	b.len = ipv4(b.data, plen);
	vn_enc_upstream(&b, &mac_rsu, &mac_a, &mac_a);
	s->sup_len = b.len;
	setup_sec(s);

	vn_enc_heartbeat(s->hb, sizeof(s->hb), &vn_mac_broadcast, &mac_b, &h);
	if (vn_decode_msg(s->hb, VN_HEARTBEAT_LEN, &s->hb_msg, &used) != VN_RX_OK)
		abort();
	vn_enc_reply(s->reply, sizeof(s->reply), &mac_b, &mac_a, &s->hb_msg, &mac_a);
}

/* --- the operations ------------------------------------------------------ */

static uint64_t op_empty(struct bench *s, size_t n);

static uint64_t op_up_fwd(struct bench *s, size_t n)
{
	uint64_t acc = 0;
	/* a relay: the upstream frame goes on to our upstream, from us */
	uint8_t *f = s->up + VN_PBUF_HEADROOM - VN_UP_HLEN;

	for (size_t i = 0; i < n; i++) {
		acc += vn_fwd_rewrite(f, &mac_rsu, &mac_b);
		CLOBBER();
	}
	return acc;
}

static uint64_t op_down_fwd(struct bench *s, size_t n)
{
	uint64_t acc = 0;
	uint8_t *f = s->down + VN_PBUF_HEADROOM - VN_DOWN_HLEN;

	for (size_t i = 0; i < n; i++) {
		acc += vn_fwd_rewrite(f, &mac_a, &mac_b);
		CLOBBER();
	}
	return acc;
}

/* The encoders put a header in front of the same packet each time: the
 * buffer is re-pointed at the packet first (two stores), as a fresh read
 * from tun0 would leave it. */
static uint64_t op_down_create(struct bench *s, size_t n)
{
	uint64_t acc = 0;
	uint8_t *pkt = s->mem + VN_PBUF_HEADROOM;

	for (size_t i = 0; i < n; i++) {
		s->pb.data = pkt;
		s->pb.len = s->plen;
		acc += vn_enc_downstream(&s->pb, &mac_a, &mac_rsu, &mac_rsu, &mac_c);
		CLOBBER();
	}
	return acc;
}

static uint64_t op_up_create(struct bench *s, size_t n)
{
	uint64_t acc = 0;
	uint8_t *pkt = s->mem + VN_PBUF_HEADROOM;

	for (size_t i = 0; i < n; i++) {
		s->pb.data = pkt;
		s->pb.len = s->plen;
		acc += vn_enc_upstream(&s->pb, &mac_rsu, &mac_a, &mac_a);
		CLOBBER();
	}
	return acc;
}

static uint64_t op_reply(struct bench *s, size_t n)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc += vn_enc_reply(s->out, sizeof(s->out), &mac_b, &mac_a, &s->hb_msg, &mac_a);
		CLOBBER();
	}
	return acc;
}

static uint64_t op_hb_fwd(struct bench *s, size_t n)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		/* hops grows by one each time: harmless, and never saturates
		 * within a run */
		acc += vn_fwd_heartbeat(&s->hb_msg, &mac_a);
		CLOBBER();
	}
	return acc;
}

static uint64_t decode_loop(uint8_t *f, size_t len, size_t n)
{
	uint64_t acc = 0;
	struct vn_rx_iter it;
	struct vn_msg m;
	enum vn_rx_err err;

	for (size_t i = 0; i < n; i++) {
		vn_rx_iter_init(&it, f, len);
		acc += vn_rx_next(&it, &m, &err);
		acc += m.len;
		CLOBBER();
	}
	return acc;
}

static uint64_t op_dec_hb(struct bench *s, size_t n)
{
	return decode_loop(s->hb, VN_HEARTBEAT_LEN, n);
}

static uint64_t op_dec_reply(struct bench *s, size_t n)
{
	return decode_loop(s->reply, VN_REPLY_LEN, n);
}

static uint64_t op_dec_up(struct bench *s, size_t n)
{
	return decode_loop(s->up + VN_PBUF_HEADROOM - VN_UP_HLEN, s->up_len, n);
}

static uint64_t op_dec_down(struct bench *s, size_t n)
{
	return decode_loop(s->down + VN_PBUF_HEADROOM - VN_DOWN_HLEN, s->down_len, n);
}

/* What zero-copy avoids: building the frame in a fresh buffer, header then
 * a copy of the payload (the "traditional" path of the Rust figures). */
static uint64_t op_copy_baseline(struct bench *s, size_t n)
{
	uint64_t acc = 0;
	const uint8_t *pkt = s->mem + VN_PBUF_HEADROOM;
	struct vn_pbuf b;

	for (size_t i = 0; i < n; i++) {
		vn_pbuf_init(&b, s->copy, sizeof(s->copy));
		memcpy(b.data, pkt, s->plen);
		b.len = s->plen;
		acc += vn_enc_downstream(&b, &mac_a, &mac_rsu, &mac_rsu, &mac_c);
		CLOBBER();
	}
	return acc;
}

/* --- [security] (common/sec*.c) ------------------------------------------ */

/* The per-hop tag alone over a secured Upstream frame, two ways: keyed
 * BLAKE2b-128 (what the layer uses) and crypto_auth (HMAC-SHA-512-256, 16
 * of its 32 bytes kept), the choice docs/performance.md records. */
static uint64_t op_tag_blake2b(struct bench *s, size_t n)
{
	static const uint8_t key[VN_SEC_KEY_LEN] = {1};
	uint8_t *f = s->sup + VN_PBUF_HEADROOM - VN_UP_HLEN;
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		vn_sec_tag(key, f, s->sup_len + VN_SEC_SHIFT, f + s->sup_len + VN_SEC_SHIFT);
		acc += f[s->sup_len + VN_SEC_SHIFT];
		CLOBBER();
	}
	return acc;
}

static uint64_t op_tag_hmac(struct bench *s, size_t n)
{
	static const uint8_t key[crypto_auth_KEYBYTES] = {1};
	uint8_t *f = s->sup + VN_PBUF_HEADROOM - VN_UP_HLEN, out[crypto_auth_BYTES];
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		crypto_auth(out, f, s->sup_len + VN_SEC_SHIFT, key);
		memcpy(f + s->sup_len + VN_SEC_SHIFT, out, VN_SEC_TAG_LEN);
		acc += out[0];
		CLOBBER();
	}
	return acc;
}

/* The lever not taken (docs/performance.md): Poly1305 through the
 * ChaCha20-Poly1305 AEAD with the frame as associated data and no
 * plaintext, a counter nonce. Faster on big frames, but a repeated nonce
 * (a clock set back at a restart, a spoofed MAC) would let outsiders forge
 * tags; keyed BLAKE2b has no nonce to get wrong. */
static uint64_t op_tag_poly1305(struct bench *s, size_t n)
{
	static const uint8_t key[crypto_aead_chacha20poly1305_ietf_KEYBYTES] = {1};
	uint8_t *f = s->sup + VN_PBUF_HEADROOM - VN_UP_HLEN, nonce[12] = {0}, none[1];
	unsigned long long tl;
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		memcpy(nonce + 4, &i, sizeof(i));
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(
			none, f + s->sup_len + VN_SEC_SHIFT, &tl, none, 0, f, s->sup_len + VN_SEC_SHIFT,
			NULL, nonce, key);
		acc += f[s->sup_len + VN_SEC_SHIFT];
		CLOBBER();
	}
	return acc;
}

/* One hop of an authenticated Upstream frame: the sender's layer secures it
 * in place (header shift, counter, tag), the receiver's verifies it (tag,
 * replay window) and shifts it back: both ends of a hop. */
static uint64_t op_sec_hop(struct bench *s, size_t n)
{
	uint8_t *f = s->sup + VN_PBUF_HEADROOM - VN_UP_HLEN, *out;
	uint64_t acc = 0;
	struct vn_pbuf b;

	for (size_t i = 0; i < n; i++) {
		size_t len = vn_sec_tx(s->tx, f, s->sup_len, VN_PBUF_HEADROOM - VN_UP_HLEN,
				       sizeof(s->sup) - VN_PBUF_HEADROOM - s->plen, &out);

		b = (struct vn_pbuf){.data = out, .len = len, .start = s->sup, .size = sizeof(s->sup)};
		acc += vn_sec_rx(s->rx, &b, (vn_usec)i) == VN_SEC_OK;
		CLOBBER();
	}
	return acc;
}

/* What a flood of bad signatures would cost without the cache and budget:
 * one Ed25519 verification. */
static uint64_t op_sig_verify(struct bench *s, size_t n)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc += vn_sec_hbext_sig_ok(s->key.pk, &s->shb, &s->x);
		CLOBBER();
	}
	return acc;
}

/* What a later copy of a verified heartbeat costs instead: the cache
 * lookup and the one hash of its next hop's chain value. */
static uint64_t op_sig_cache_hit(struct bench *s, size_t n)
{
	uint64_t acc = 0;
	uint8_t v[VN_SEC_HASH_LEN];

	for (size_t i = 0; i < n; i++) {
		acc += vn_hbcache_match(&s->cache, &s->shb, &s->x) != NULL;
		vn_sec_hash(s->x.value, v);
		acc += v[0];
		CLOBBER();
	}
	return acc;
}

/* A copy never seen before, at 1 hop of a 32-hop chain: 31 hashes. */
static uint64_t op_chain_full(struct bench *s, size_t n)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc += vn_sec_chain_ok(s->x.value, 1, 32, s->x.top);
		CLOBBER();
	}
	return acc;
}

/* The RSU, once a period: seed, chain of 32, Ed25519 signature. */
static uint64_t op_sign(struct bench *s, size_t n)
{
	uint64_t acc = 0;
	uint8_t ext[VN_SEC_HBEXT_LEN];

	for (size_t i = 0; i < n; i++) {
		vn_sec_hbext_make(&s->key, &s->shb, 1, 32, ext);
		acc += ext[60];
		CLOBBER();
	}
	return acc;
}

/* mode = encrypt (bench_e2e.c): its own state, per packet size. */
static uint64_t op_seal_open(struct bench *s, size_t n)
{
	bench_e2e_setup(s->plen);
	return bench_e2e_seal_open(n);
}

static uint64_t op_aesgcm(struct bench *s, size_t n)
{
	bench_e2e_setup(s->plen);
	return bench_e2e_aesgcm(n);
}

static uint64_t op_e2e_hop(struct bench *s, size_t n)
{
	bench_e2e_setup(s->plen);
	return bench_e2e_hop(n);
}

static uint64_t op_e2e_tag(struct bench *s, size_t n)
{
	bench_e2e_setup(s->plen);
	return bench_e2e_tag_sealed(n);
}

static uint64_t op_e2e_tag_poly(struct bench *s, size_t n)
{
	bench_e2e_setup(s->plen);
	return bench_e2e_tag_poly1305(n);
}

struct op {
	const char *name;
	op_fn fn;
	unsigned div; /* this op runs OPS_PER_BATCH / div times a batch */
};

static const struct op ops[] = {
	{"upstream forward (vn_fwd_rewrite)", op_up_fwd, 1},
	{"downstream creation (vn_enc_downstream)", op_down_create, 1},
	{"downstream forward (vn_fwd_rewrite)", op_down_fwd, 1},
	{"heartbeat reply creation (vn_enc_reply)", op_reply, 1},
	{"upstream creation (vn_enc_upstream)", op_up_create, 1},
	{"heartbeat forward (vn_fwd_heartbeat)", op_hb_fwd, 1},
	{"decode heartbeat (vn_rx_next)", op_dec_hb, 1},
	{"decode reply (vn_rx_next)", op_dec_reply, 1},
	{"decode upstream (vn_rx_next)", op_dec_up, 1},
	{"decode downstream (vn_rx_next)", op_dec_down, 1},
	{"copying baseline: memcpy + header", op_copy_baseline, 1},
	{"loop + call overhead (empty function)", op_empty, 1},
	{"sec: tag BLAKE2b-128 (vn_sec_tag)", op_tag_blake2b, 20},
	{"sec: tag HMAC-SHA-512-256 (crypto_auth)", op_tag_hmac, 20},
	{"sec: tag Poly1305 (ChaCha20-Poly1305 AD)", op_tag_poly1305, 20},
	{"sec: one hop, vn_sec_tx + vn_sec_rx", op_sec_hop, 20},
	{"sec: signature check (Ed25519 verify)", op_sig_verify, 2000},
	{"sec: heartbeat cache hit + 1 chain hash", op_sig_cache_hit, 20},
	{"sec: chain check from scratch (31 hashes)", op_chain_full, 200},
	{"sec: sign a heartbeat (RSU, 32-hop chain)", op_sign, 2000},
	{"enc: seal + open, ChaCha20-Poly1305", op_seal_open, 20},
	{"enc: (AES-256-GCM seal + open, compared)", op_aesgcm, 20},
	{"enc: one sealed hop, OBU tx + RSU rx", op_e2e_hop, 20},
	{"enc: per-hop tag of a sealed frame (02)", op_e2e_tag, 20},
	{"enc: (the same, Poly1305 one-time key)", op_e2e_tag_poly, 20},
};

static const size_t sizes[] = {33, 44, 38, 64, 1400};

/* An out-of-line function that does nothing: the floor of every row. */
__attribute__((noinline)) static size_t empty_fn(struct bench *s)
{
	__asm__ volatile("" : : "r"(s) : "memory");
	return 1;
}

static uint64_t op_empty(struct bench *s, size_t n)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < n; i++) {
		acc += empty_fn(s);
		CLOBBER();
	}
	return acc;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One timed batch of one cell, after a short warm-up (caches, branch
 * predictors, the buffers just written by setup()). */
static double run_batch(const struct op *o, struct bench *s, size_t ops_per_batch)
{
	double t0;

	if (o->div > 1)
		ops_per_batch = ops_per_batch / o->div + 1;
	sink += o->fn(s, ops_per_batch / 10 + 1);
	t0 = now_ns();
	sink += o->fn(s, ops_per_batch);
	return (now_ns() - t0) / (double)ops_per_batch;
}

static double median_of(double *t, size_t n, double *spread)
{
	qsort(t, n, sizeof(*t), cmp_double);
	/* interquartile range, to show how steady the figure is */
	*spread = t[n * 3 / 4] - t[n / 4];
	return t[n / 2];
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-n OPS_PER_BATCH] [-b BATCHES] [-c CPU]\n", argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	size_t ops_per_batch = 1000000, batches = 31;
	int cpu = -1, c;
	static struct bench s;
	double max_iqr = 0;

	while ((c = getopt(argc, argv, "n:b:c:")) != -1) {
		switch (c) {
		case 'n':
			ops_per_batch = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			batches = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (ops_per_batch == 0 || batches == 0)
		usage(argv[0]);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((size_t)cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) != 0)
			perror("sched_setaffinity");
	}

	/* Rounds: every cell gets one batch per round, so a burst of load
	 * from elsewhere on the machine spreads over all cells instead of
	 * spoiling a few. */
	enum { NOPS = sizeof(ops) / sizeof(ops[0]), NSIZES = sizeof(sizes) / sizeof(sizes[0]) };
	double *t = calloc((size_t)NOPS * NSIZES * batches, sizeof(*t));

	if (t == NULL)
		abort();
	for (size_t r = 0; r < batches; r++)
		for (size_t i = 0; i < NOPS; i++)
			for (size_t j = 0; j < NSIZES; j++) {
				setup(&s, sizes[j]);
				t[(i * NSIZES + j) * batches + r] = run_batch(&ops[i], &s, ops_per_batch);
			}

	printf("median ns/op, %zu batches x %zu ops (payload bytes across)\n\n", batches,
	       ops_per_batch);
	printf("| %-42s |", "operation");
	for (size_t j = 0; j < NSIZES; j++)
		printf(" %7zu |", sizes[j]);
	printf("\n|%s|", "--------------------------------------------");
	for (size_t j = 0; j < NSIZES; j++)
		printf("--------:|");
	printf("\n");
	for (size_t i = 0; i < NOPS; i++) {
		printf("| %-42s |", ops[i].name);
		for (size_t j = 0; j < NSIZES; j++) {
			double iqr;

			printf(" %7.2f |", median_of(t + (i * NSIZES + j) * batches, batches, &iqr));
			if (iqr > max_iqr)
				max_iqr = iqr;
		}
		printf("\n");
	}
	free(t);
	printf("\nlargest interquartile range of a cell: %.2f ns\n", max_iqr);
	return sink == 0x5eed ? 1 : 0; /* uses sink; practically never true */
}
