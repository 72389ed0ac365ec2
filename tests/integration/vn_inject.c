/*
 * vn_inject: send raw (possibly hostile) frames on an interface, for the
 * integration tests. Frames are given as hex or as named templates built
 * from the protocol's layouts (PROTOCOL.md section 2).
 *
 *   vn_inject -i IFACE [-d DST] [-s SRC] [-r RSU] [-n COUNT] [-g GAP_MS]
 *             [-w SECONDS] FRAME...
 *   vn_inject -l            (list the templates)
 *
 * FRAME is a template name or a whole frame in hex ("ffff..." with optional
 * ':', '-', '.' or spaces between bytes). DST defaults to broadcast, SRC to
 * the interface's MAC, RSU (a heartbeat's source) to DST. With -w the tool
 * first waits for a heartbeat on IFACE and takes its uptime, id, hops and
 * source for the templates, so that a reply looks like a real, recent one.
 *
 * Deliberately self-contained (no project headers): it must be able to
 * produce what the project's own encoders refuse to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETHERTYPE_VANET 0x3030
#define MAX_FRAME 65536

struct ctx {
	uint8_t dst[6];
	uint8_t src[6];
	uint8_t rsu[6];
	bool have_rsu;
	uint8_t uptime[16]; /* big-endian u128, as on the wire */
	uint32_t id;
	uint32_t hops;
};

struct frame {
	uint8_t b[MAX_FRAME];
	size_t len;
};

static void put_mac(struct frame *f, size_t off, const uint8_t mac[6])
{
	memcpy(f->b + off, mac, 6);
}

static void put_be32(struct frame *f, size_t off, uint32_t v)
{
	f->b[off] = (uint8_t)(v >> 24);
	f->b[off + 1] = (uint8_t)(v >> 16);
	f->b[off + 2] = (uint8_t)(v >> 8);
	f->b[off + 3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Adds v to a big-endian 128-bit number. */
static void u128_add(uint8_t n[16], uint64_t v)
{
	unsigned int carry = 0;

	for (int i = 15; i >= 0; i--) {
		unsigned int s = (unsigned int)n[i] + (unsigned int)(v & 0xff) + carry;

		n[i] = (uint8_t)s;
		carry = s >> 8;
		v >>= 8;
	}
}

static void eth(struct frame *f, const struct ctx *c, uint8_t type, uint8_t sub)
{
	memset(f->b, 0, 64);
	put_mac(f, 0, c->dst);
	put_mac(f, 6, c->src);
	f->b[12] = 0x30;
	f->b[13] = 0x30;
	f->b[14] = type;
	f->b[15] = sub;
}

static const uint8_t *rsu_of(const struct ctx *c)
{
	return c->have_rsu ? c->rsu : c->dst;
}

static void heartbeat(struct frame *f, const struct ctx *c)
{
	eth(f, c, 0, 0);
	memcpy(f->b + 16, c->uptime, 16);
	put_be32(f, 32, c->id);
	put_be32(f, 36, c->hops);
	put_mac(f, 40, rsu_of(c));
	f->len = 46;
}

static void reply(struct frame *f, const struct ctx *c)
{
	eth(f, c, 0, 1);
	memcpy(f->b + 16, c->uptime, 16);
	put_be32(f, 32, c->id);
	put_be32(f, 36, c->hops);
	put_mac(f, 40, rsu_of(c));
	put_mac(f, 46, c->src);
	f->len = 52;
}

/* A 28-byte IPv4/ICMP echo from 10.77.0.200 to 10.77.0.1, lengths consistent. */
static size_t ipv4_echo(uint8_t *p)
{
	static const uint8_t pkt[28] = {
		0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
		10, 77, 0, 200, 10, 77, 0, 1,
		0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
	};

	memcpy(p, pkt, sizeof(pkt));
	return sizeof(pkt);
}

static void upstream(struct frame *f, const struct ctx *c)
{
	eth(f, c, 1, 0);
	put_mac(f, 16, c->src);
	f->len = 22 + ipv4_echo(f->b + 22);
}

static void downstream(struct frame *f, const struct ctx *c)
{
	eth(f, c, 1, 1);
	put_mac(f, 16, rsu_of(c));
	put_mac(f, 22, c->dst);
	f->len = 28 + ipv4_echo(f->b + 28);
}

static void t_runt(struct frame *f, const struct ctx *c)
{
	eth(f, c, 0, 0);
	f->len = 15;
}

static void t_unknown_type(struct frame *f, const struct ctx *c)
{
	heartbeat(f, c);
	f->b[14] = 0x02;
	f->b[15] = 0x07;
}

static void t_unknown_subtype(struct frame *f, const struct ctx *c)
{
	heartbeat(f, c);
	f->b[15] = 0x05;
}

static void t_short_heartbeat(struct frame *f, const struct ctx *c)
{
	heartbeat(f, c);
	f->len = 30;
}

static void t_short_reply(struct frame *f, const struct ctx *c)
{
	reply(f, c);
	f->len = 48;
}

static void t_short_data(struct frame *f, const struct ctx *c)
{
	downstream(f, c);
	f->len = 24; /* ends inside the destination field */
}

static void t_trailer(struct frame *f, const struct ctx *c)
{
	heartbeat(f, c);
	memset(f->b + 46, 0xee, 5);
	f->len = 51;
}

static void t_reply_future(struct frame *f, const struct ctx *c)
{
	reply(f, c);
	u128_add(f->b + 16, 1000000000ULL); /* eleven days ahead */
}

static void t_reply_huge(struct frame *f, const struct ctx *c)
{
	reply(f, c);
	memset(f->b + 16, 0xff, 16);
}

static void t_reply_zero(struct frame *f, const struct ctx *c)
{
	reply(f, c);
	memset(f->b + 16, 0, 16);
}

static void t_data_bad_version(struct frame *f, const struct ctx *c)
{
	upstream(f, c);
	f->b[22] = 0x55;
}

static void t_data_empty(struct frame *f, const struct ctx *c)
{
	upstream(f, c);
	f->len = 22;
}

static void t_data_bad_length(struct frame *f, const struct ctx *c)
{
	upstream(f, c);
	f->b[22 + 2] = 0x03; /* total length 0x031c: far beyond the frame */
}

static void t_data_bad_ihl(struct frame *f, const struct ctx *c)
{
	upstream(f, c);
	f->b[22] = 0x4f; /* a 60-byte header in a 28-byte packet */
}

static void t_data_v6_short(struct frame *f, const struct ctx *c)
{
	upstream(f, c);
	f->b[22] = 0x60; /* IPv6, but only 28 bytes: less than its 40-byte header */
}

static void t_down_bad_version(struct frame *f, const struct ctx *c)
{
	downstream(f, c);
	f->b[28] = 0x00;
}

static void t_down_bad_length(struct frame *f, const struct ctx *c)
{
	downstream(f, c);
	f->b[28 + 3] = 0x10; /* total length 16 < header length 20 */
}

static void t_many_heartbeats(struct frame *f, const struct ctx *c)
{
	/* Two control messages back to back, each with its own header. */
	heartbeat(f, c);
	memcpy(f->b + 46, f->b, 46);
	put_be32(f, 46 + 32, c->id + 1);
	f->len = 92;
}

struct tmpl {
	const char *name;
	void (*build)(struct frame *f, const struct ctx *c);
	const char *what;
};

static const struct tmpl templates[] = {
	{ "heartbeat", heartbeat, "a valid heartbeat (46 bytes)" },
	{ "reply", reply, "a valid heartbeat reply (52 bytes), sender = SRC" },
	{ "upstream", upstream, "valid upstream data: IPv4 echo 10.77.0.200 -> 10.77.0.1" },
	{ "downstream", downstream, "valid downstream data to DST" },
	{ "two-heartbeats", t_many_heartbeats, "two heartbeats in one frame" },
	{ "own-mac", heartbeat, "a heartbeat (pass -s <the target's MAC>)" },
	{ "runt", t_runt, "15 bytes: header and type, no subtype" },
	{ "unknown-type", t_unknown_type, "type 02 subtype 07" },
	{ "unknown-subtype", t_unknown_subtype, "type 00 subtype 05" },
	{ "short-heartbeat", t_short_heartbeat, "heartbeat cut to 30 bytes" },
	{ "short-reply", t_short_reply, "reply cut to 48 bytes" },
	{ "short-data", t_short_data, "downstream cut to 24 bytes" },
	{ "trailer", t_trailer, "heartbeat followed by 5 stray bytes" },
	{ "reply-future-uptime", t_reply_future, "reply with uptime 10^9 ms ahead" },
	{ "reply-huge-uptime", t_reply_huge, "reply with uptime 2^128-1" },
	{ "reply-zero-uptime", t_reply_zero, "reply with uptime 0" },
	{ "data-bad-version", t_data_bad_version, "upstream whose IP version is 5" },
	{ "data-empty", t_data_empty, "upstream with no IP packet" },
	{ "data-bad-length", t_data_bad_length, "upstream whose IPv4 total length exceeds the frame" },
	{ "data-bad-ihl", t_data_bad_ihl, "upstream whose IPv4 header length exceeds the packet" },
	{ "data-v6-short", t_data_v6_short, "upstream IPv6 shorter than its header" },
	{ "down-bad-version", t_down_bad_version, "downstream whose IP version is 0" },
	{ "down-bad-length", t_down_bad_length, "downstream whose IPv4 total length < header" },
};

#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Parses hex bytes with optional separators. Returns 0 or -1. */
static int parse_hex(const char *s, struct frame *f)
{
	f->len = 0;
	while (*s) {
		int hi, lo;

		if (*s == ':' || *s == '-' || *s == '.' || *s == ' ') {
			s++;
			continue;
		}
		hi = hexval(*s);
		lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0 || f->len == MAX_FRAME)
			return -1;
		f->b[f->len++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return f->len > 0 ? 0 : -1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	struct frame f;

	if (parse_hex(s, &f) < 0 || f.len != 6)
		return -1;
	memcpy(mac, f.b, 6);
	return 0;
}

static int build(const char *arg, const struct ctx *c, struct frame *f)
{
	for (size_t i = 0; i < N_TEMPLATES; i++) {
		if (strcmp(arg, templates[i].name) == 0) {
			templates[i].build(f, c);
			return 0;
		}
	}
	return parse_hex(arg, f);
}

static int open_socket(const char *ifname, int *ifindex, uint8_t mac[6])
{
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr = { 0 };
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_VANET));
	if (fd < 0) {
		fprintf(stderr, "vn_inject: socket: %s\n", strerror(errno));
		return -1;
	}
	if (strlen(ifname) >= sizeof(ifr.ifr_name)) {
		fprintf(stderr, "vn_inject: interface name too long: %s\n", ifname);
		goto fail;
	}
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		fprintf(stderr, "vn_inject: %s: %s\n", ifname, strerror(errno));
		goto fail;
	}
	*ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "vn_inject: %s: %s\n", ifname, strerror(errno));
		goto fail;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHERTYPE_VANET);
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "vn_inject: bind %s: %s\n", ifname, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Waits for a heartbeat heard on the socket; learns its fields. */
static int learn_heartbeat(int fd, struct ctx *c, int seconds)
{
	static uint8_t buf[MAX_FRAME];
	long end = now_ms() + seconds * 1000L;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		long left = end - now_ms();
		ssize_t n;

		if (left <= 0)
			return -1;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (n < 46 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (buf[14] != 0 || buf[15] != 0)
			continue;
		memcpy(c->uptime, buf + 16, 16);
		c->id = get_be32(buf + 32);
		c->hops = get_be32(buf + 36);
		if (!c->have_rsu) {
			memcpy(c->rsu, buf + 40, 6);
			c->have_rsu = true;
		}
		return 0;
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vn_inject -i IFACE [-d DST] [-s SRC] [-r RSU] [-n COUNT] [-g GAP_MS]\n"
		"                 [-w SECONDS] FRAME...\n"
		"       vn_inject -l\n"
		"FRAME is a template name (-l lists them) or a whole frame in hex.\n");
}

static void list_templates(void)
{
	for (size_t i = 0; i < N_TEMPLATES; i++)
		printf("%-20s %s\n", templates[i].name, templates[i].what);
}

int main(int argc, char **argv)
{
	static struct frame f;
	struct ctx c = { .hops = 1 };
	const char *ifname = NULL;
	bool have_src = false;
	long count = 1, gap_ms = 0;
	int learn = 0, fd, ifindex, opt, rc = 0;
	uint8_t ifmac[6];

	memset(c.dst, 0xff, 6);
	while ((opt = getopt(argc, argv, "i:d:s:r:n:g:w:lh")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'd':
			if (parse_mac(optarg, c.dst) < 0)
				goto bad_mac;
			break;
		case 's':
			if (parse_mac(optarg, c.src) < 0)
				goto bad_mac;
			have_src = true;
			break;
		case 'r':
			if (parse_mac(optarg, c.rsu) < 0)
				goto bad_mac;
			c.have_rsu = true;
			break;
		case 'n': count = strtol(optarg, NULL, 10); break;
		case 'g': gap_ms = strtol(optarg, NULL, 10); break;
		case 'w': learn = atoi(optarg); break;
		case 'l': list_templates(); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!ifname || optind >= argc || count < 1 || gap_ms < 0) {
		usage(stderr);
		return 2;
	}
	fd = open_socket(ifname, &ifindex, ifmac);
	if (fd < 0)
		return 1;
	if (!have_src)
		memcpy(c.src, ifmac, 6);
	if (learn > 0 && learn_heartbeat(fd, &c, learn) < 0) {
		fprintf(stderr, "vn_inject: no heartbeat heard on %s in %d s\n", ifname, learn);
		close(fd);
		return 1;
	}
	for (int a = optind; a < argc; a++) {
		struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifindex,
					  .sll_halen = 6 };

		if (build(argv[a], &c, &f) < 0) {
			fprintf(stderr, "vn_inject: '%s' is neither a template nor hex\n", argv[a]);
			rc = 2;
			break;
		}
		memcpy(to.sll_addr, f.b, 6);
		for (long i = 0; i < count; i++) {
			if (sendto(fd, f.b, f.len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
				fprintf(stderr, "vn_inject: send %s (%zu bytes): %s\n", argv[a],
					f.len, strerror(errno));
				rc = 1;
				break;
			}
			if (gap_ms > 0)
				usleep((useconds_t)gap_ms * 1000U);
		}
		printf("sent %s: %zu bytes x %ld\n", argv[a], f.len, count);
	}
	close(fd);
	return rc;
bad_mac:
	fprintf(stderr, "vn_inject: bad MAC '%s'\n", optarg);
	return 2;
}
