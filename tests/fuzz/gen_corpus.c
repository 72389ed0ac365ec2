/* Writes the seed corpus of fuzz_decode: valid frames of every kind (made
 * with the encoders, which the unit tests check byte for byte), a few
 * near-misses, and address strings. Usage: gen_corpus DIR
 * The committed tests/fuzz/corpus/decode/ is this program's output; with
 * a second directory (gen_corpus DIR CORE_DIR) it also writes there the
 * seeds of fuzz_core (gen_core_seeds.c), tests/fuzz/corpus/core/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gen_core_seeds.h"
#include "wire.h"

static const struct vn_mac rsu = {{0x04, 0x04, 0x04, 0x04, 0x04, 0x04}};
static const struct vn_mac obu1 = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct vn_mac obu2 = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};

static const char *dir;
static int failed;

static void put(const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		failed = 1;
	}
}

/* Makes d (if need be) the directory put() writes into. */
static int open_dir(const char *d)
{
	dir = d;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		perror(dir);
		return -1;
	}
	return 0;
}

static size_t ipv4(uint8_t *p, size_t len, uint8_t dst_last)
{
	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17; /* UDP */
	p[12] = 10, p[15] = 2;
	p[16] = 10, p[19] = dst_last;
	for (size_t i = 20; i < len; i++)
		p[i] = (uint8_t)i;
	return len;
}

static size_t ipv6(uint8_t *p, size_t len)
{
	memset(p, 0, len);
	p[0] = 0x60;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = 58; /* ICMPv6 */
	p[7] = 255;
	p[8] = 0xfd, p[23] = 2;
	p[24] = 0xff, p[25] = 0x02, p[39] = 1; /* ff02::1 */
	return len;
}

/* A data frame: payload made by fill(), header by the encoder. */
static void data_frame(const char *name, int down, size_t plen, int v6, size_t pad)
{
	static uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf b;

	vn_pbuf_init(&b, mem, sizeof(mem));
	b.len = v6 ? ipv6(b.data, plen) : ipv4(b.data, plen, down ? 2 : 1);
	memset(b.data + b.len, 0, pad);
	b.len += pad;
	if (down)
		vn_enc_downstream(&b, &obu1, &rsu, &rsu, &obu2);
	else
		vn_enc_upstream(&b, &rsu, &obu1, &obu2);
	put(name, b.data, b.len);
}

int main(int argc, char **argv)
{
	uint8_t f[512];
	size_t n;
	struct vn_msg hb;
	struct vn_heartbeat h = {.uptime = 123456, .id = 42, .hops = 1, .source = rsu};

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s DIR [CORE_DIR]\n", argv[0]);
		return 2;
	}
	if (open_dir(argv[1]) != 0)
		return 1;

	memset(f, 0, sizeof(f));
	n = vn_enc_heartbeat(f, sizeof(f), &vn_mac_broadcast, &rsu, &h);
	put("heartbeat", f, n);
	put("heartbeat_pad60", f, 60);
	memcpy(f + 46, f, 46);
	memcpy(f + 92, f, 46);
	f[92 + 39] = 3;
	put("heartbeat_x3", f, 138);
	f[138] = 0x42;
	put("heartbeat_x3_trailer", f, 150);

	memset(f, 0, sizeof(f));
	vn_enc_heartbeat(f, sizeof(f), &vn_mac_broadcast, &rsu, &h);
	vn_decode_msg(f, 46, &hb, &n);
	n = vn_enc_reply(f + 46, sizeof(f) - 46, &obu1, &obu2, &hb, &obu2);
	put("hb_reply", f, 46 + n);
	n += vn_enc_reply(f + 46 + n, sizeof(f) - 46 - n, &rsu, &obu1, &hb, &obu1);
	put("hb_reply_reply_pad", f, 46 + n + 10);
	put("reply", f + 46, 52);
	put("reply_pad60", f + 46, 60);

	data_frame("up_v4_33", 0, 33, 0, 0);
	data_frame("up_v4_44", 0, 44, 0, 0);
	data_frame("up_v4_20_pad60", 0, 20, 0, 18);
	data_frame("up_v6_48", 0, 48, 1, 0);
	data_frame("down_v4_38", 1, 38, 0, 0);
	data_frame("down_v6_40_pad", 1, 40, 1, 4);
	data_frame("down_v4_1400", 1, 1400, 0, 0);

	/* near misses: one byte short, foreign EtherType, unknown type */
	memset(f, 0, sizeof(f));
	n = vn_enc_heartbeat(f, sizeof(f), &vn_mac_broadcast, &rsu, &h);
	put("short_heartbeat", f, n - 1);
	f[12] = 0x08;
	put("ethertype_ipv4", f, n);
	f[12] = 0x30, f[14] = 2;
	put("unknown_type", f, n);

	/* text seeds for the address parsers */
	static const char *const text[] = {
		"10.0.0.1", "10.0.0.1/24", "fd00::1/64", "::ffff:1.2.3.4", "02:00:00:00:00:0a",
		"ff-ff-ff-ff-ff-ff", "224.0.0.1/4",
	};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		char name[32];

		snprintf(name, sizeof(name), "text_%zu", i);
		put(name, text[i], strlen(text[i]));
	}
	if (argc == 3) {
		if (open_dir(argv[2]) != 0)
			return 1;
		gen_core_seeds(put);
	}
	return failed;
}
