/* libFuzzer target: the routing cores. The input is a script of events for
 * one OBU core, one RSU core, or both (first byte): frames from the wire (raw
 * bytes, and frames built from fuzzer-chosen fields so that the fuzzer gets
 * past the decoder at once), packets from tun0, time steps (big jumps
 * included) and ticks, the MAC's transmit failures, parameter reloads, tun0
 * addresses, backbone-route export, restarts, introspection, and frames one
 * core sent handed to the other. Checks, beyond "no crash, no sanitizer
 * report": every frame a core sends is valid PROTOCOL.md from that core
 * within the wire MTU, every packet delivered is valid IP
 * (tests/unit_core/core_check.h), the tables stay within their caps, ticks
 * settle (leave no timer due) at once, and deadlines stay within sane
 * bounds. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "core_check.h"
#include "core_frames.h"
#include "fuzz_check.h"
#include "obu_core.h"
#include "rsu_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WIRE_MTU 1500
#define FRAME_MAX (VN_ETH_HLEN + WIRE_MTU)
/* The tun MTU at most wire MTU - 14 (docs/configuration.md), so that a
 * Downstream (28 bytes of header) fits: no node sends a larger IP packet. */
#define TUN_MTU (WIRE_MTU - VN_ETH_HLEN)
/* Raw frames: an Upstream of this size carries at most TUN_MTU bytes of IP,
 * which the RSU may turn into a Downstream (6 bytes more) of FRAME_MAX. */
#define RAW_MAX (FRAME_MAX - (VN_DOWN_HLEN - VN_UP_HLEN))
#define SENT_KEEP 8
/* Ticks at one time that must leave nothing due: one per candidate and RSU. */
#define TICKS_SETTLE (OBU_CAND_MAX * 4)
#define EVENTS_MAX 4000
#define NOW_MAX ((vn_usec)1 << 60)
/* The farthest a sane deadline lies ahead: the longest limit of either core
 * (obu_timeout_periods at the longest period, about a week), twice. */
#define DEADLINE_MAX ((vn_usec)2 * RSU_OBU_TIMEOUT_MAX * 60000 * VN_USEC_PER_MS)

/* The longest limit a deadline is derived from: every id of the longest
 * history, at the longest period. */
#define PAST_MAX ((vn_usec)OBU_HISTORY_MAX * 60000 * VN_USEC_PER_MS)

static const struct vn_mac macs[8] = {
	{{0x02, 0, 0, 0, 0, 1}}, /* the OBU core */
	{{0x02, 0, 0, 0, 0, 2}},
	{{0x02, 0, 0, 0, 0, 3}},
	{{0x04, 4, 4, 4, 4, 4}}, /* the RSU core */
	{{0x04, 4, 4, 4, 4, 5}},
	{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	{{0x33, 0x33, 0, 0, 0, 1}},
	{{0, 0, 0, 0, 0, 0}},
};

struct sent {
	uint8_t b[FRAME_MAX];
	size_t len;
};

struct node {
	bool rsu;
	const struct vn_mac *self;
	struct obu_core *o;
	struct rsu_core *r;
	struct obu_params op;
	struct rsu_params rp;
	struct sent sent[SENT_KEEP]; /* the last frames it sent */
	unsigned nsent;
	bool export_on;
	long exported; /* addresses exported, by the export events */
};

/* FUZZ_CORE_TRACE set: each event on stderr, to read a crash file. */
static bool trace;

static struct {
	vn_usec now;
	uint32_t hb_id;
	struct node n[2];
} st;

/* --- the input --- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t un(struct in *in, int bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0)
		v = v << 8 | u8(in);
	return v;
}

static const struct vn_mac *mac(struct in *in)
{
	return &macs[u8(in) & 7];
}

/* --- what the cores emit --- */

static void on_send(void *ctx, const uint8_t *f, size_t len)
{
	struct node *n = ctx;
	const char *why = cc_frame(f, len, n->self, n->rsu, FRAME_MAX);
	struct sent *s;

	if (why != NULL) {
		fprintf(stderr, "%s core sent a bad frame (%zu bytes): %s\n", n->rsu ? "rsu" : "obu",
			len, why);
		abort();
	}
	s = &n->sent[n->nsent++ % SENT_KEEP];
	memcpy(s->b, f, len);
	s->len = len;
}

static void on_deliver(void *ctx, const uint8_t *p, size_t len)
{
	const char *why = cc_packet(p, len);

	(void)ctx;
	if (why != NULL) {
		fprintf(stderr, "core delivered a bad packet (%zu bytes): %s\n", len, why);
		abort();
	}
}

static void on_log(void *ctx, enum vn_log_level level, const char *msg)
{
	(void)ctx;
	CHECK((unsigned)level <= VN_LOG_DEBUG);
	CHECK(msg != NULL && strlen(msg) < 1024);
}

static void on_export(void *ctx, const struct vn_ip *ip, const struct vn_mac *obu,
		      enum rsu_export was, enum rsu_export now)
{
	struct node *n = ctx;

	(void)obu;
	CHECK(was != now);
	CHECK(ip->family == 4 || ip->family == 6);
	n->exported += (now != RSU_EXPORT_NONE) - (was != RSU_EXPORT_NONE);
	CHECK(n->exported >= 0);
}

/* --- parameters, small tables so that the caps are reached --- */

static void obu_params_from(struct in *in, struct obu_params *p)
{
	uint8_t k;

	obu_params_default(p);
	p->max_neighbours = 2 + u8(in) % 7;
	p->max_rsus = 1 + u8(in) % 3;
	p->max_downstream = 1 + u8(in) % 8;
	k = u8(in);
	if (k & 1)
		p->heartbeat_period_ms = u8(in) * 4u; /* 0: learn it */
	if (k & 2) {
		p->history = 2 + u8(in) % 40;
		p->dead_periods = 2 + u8(in) % (p->history - 1);
	}
	if (k & 4)
		p->candidates = 1 + u8(in) % OBU_CAND_MAX;
	if (k & 8)
		p->hysteresis_pct = u8(in) % 101;
	if (k & 16)
		p->relay_sparse = 1u << (u8(in) % 7);
	if (k & 32)
		p->reply_keepalive = 1 + u8(in) % 40;
	if (k & 64)
		p->scope_hops = u8(in) % 5;
	if (k & 128)
		p->reply_hold_ms = u8(in) * 4u; /* above 1000 is refused */
}

static void rsu_params_from(struct in *in, struct rsu_params *p)
{
	uint8_t k;

	rsu_params_default(p);
	p->max_obus = 1 + u8(in) % 8;
	p->max_ips = 1 + u8(in) % 8;
	k = u8(in);
	if (k & 1)
		p->heartbeat_period_ms = 1 + u8(in) * 4u;
	if (k & 2)
		p->jitter_pct = u8(in) % 51;
	if (k & 4)
		p->history = 2 + u8(in) % 40;
	if (k & 8)
		p->rtt_hysteresis_ms = u8(in);
	if (k & 16)
		p->ip_expiry_ms = 1000 + (uint32_t)un(in, 2) * 10u;
	if (k & 32) {
		p->obu_timeout_periods = 2 + u8(in) % 100;
		p->stale_periods = 1 + u8(in) % p->obu_timeout_periods;
	}
	if (k & 64)
		p->seed = un(in, 4);
	if (k & 128)
		p->history = 0; /* refused */
}

static void node_start(struct node *n)
{
	struct vn_core_io io = {n, on_send, on_deliver, on_log};

	n->nsent = 0; /* a restarted daemon hears of no older frame */
	if (n->rsu) {
		n->r = rsu_core_new(&n->rp, n->self, &io, st.now);
		CHECK(n->r != NULL);
		n->exported = 0;
		if (n->export_on)
			rsu_core_set_export(n->r, on_export, n);
	} else {
		n->o = obu_core_new(&n->op, n->self, &io, st.now);
		CHECK(n->o != NULL);
	}
}

static void node_stop(struct node *n)
{
	obu_core_free(n->o);
	rsu_core_free(n->r);
	n->o = NULL;
	n->r = NULL;
}

/* Creation: parameters from the input, or (refused) the defaults' small cousin. */
static void node_init(struct node *n, bool rsu, struct in *in)
{
	memset(n, 0, sizeof(*n));
	n->rsu = rsu;
	n->self = &macs[rsu ? 3 : 0];
	n->export_on = rsu;
	if (rsu) {
		rsu_params_from(in, &n->rp);
		if (rsu_params_check(&n->rp) != NULL) {
			rsu_params_default(&n->rp);
			n->rp.max_obus = n->rp.max_ips = 4;
		}
	} else {
		obu_params_from(in, &n->op);
		if (obu_params_check(&n->op) != NULL) {
			obu_params_default(&n->op);
			n->op.max_neighbours = n->op.max_downstream = 4;
			n->op.max_rsus = 2;
		}
	}
	node_start(n);
}

/* --- frames and packets built from fields --- */

/* An IP packet of at most max bytes: family, length, addresses (unicast,
 * broadcast, multicast, unspecified), sometimes another protocol or an
 * announce (common/announce.h). */
static size_t build_ip(struct in *in, uint8_t *p, size_t max)
{
	uint8_t k = u8(in);
	bool v6 = k & 1;
	size_t min = v6 ? 40 : 20;
	size_t len = min + (size_t)(k & 0x40 ? un(in, 2) : u8(in)) % (max - min + 1);
	uint8_t s = u8(in), d = u8(in);
	struct vn_ip src;

	if (v6)
		b_ip6(p, len, s, d);
	else
		b_ip4(p, len, s, d);
	switch ((k >> 1) & 3) {
	case 1: /* limited broadcast, or ff02::1 (b_ip6 with d = 0) */
		if (!v6)
			memset(p + 16, 0xff, 4);
		break;
	case 2: /* multicast */
		if (v6)
			p[24] = 0xff, p[25] = 0x0e;
		else
			p[16] = 224;
		break;
	case 3: /* unspecified source */
		memset(p + (v6 ? 8 : 12), 0, v6 ? 16 : 4);
		break;
	}
	if (k & 0x20)
		p[v6 ? 6 : 9] = u8(in);
	if (k & 0x80) {
		vn_ip_src(p, &src);
		size_t n = vn_announce_build(p, max, &src, 1 + (k >> 3 & 1));
		if (n != 0)
			len = n;
	}
	return len;
}

static vn_u128 uptime(struct in *in)
{
	uint8_t k = u8(in);
	uint64_t ms = st.now / VN_USEC_PER_MS;

	switch (k & 3) {
	case 0: /* about now */
		return ms >= (k >> 2) ? ms - (k >> 2) : 0;
	case 1: /* from the future */
		return ms + un(in, 2);
	case 2:
		return un(in, 4);
	default:
		return (vn_u128)un(in, 8) << 64 | un(in, 8);
	}
}

/* Mostly the next ids, sometimes back, sometimes anywhere. */
static uint32_t hb_id(struct in *in)
{
	uint8_t k = u8(in);

	if (k >= 0xf0)
		st.hb_id = (uint32_t)un(in, 4);
	else
		st.hb_id += (uint32_t)(k & 15) - 4u;
	return st.hb_id;
}

static uint32_t hops(struct in *in)
{
	static const uint32_t odd[] = {0, 64, 65, UINT32_MAX};
	uint8_t k = u8(in);

	if (k < 200)
		return 1 + k % 6;
	if (k < 240)
		return odd[k & 3];
	return (uint32_t)un(in, 4);
}

/* A data message at f: header by the encoder in front of a built packet. */
static size_t build_data(struct in *in, uint8_t *f, size_t room, bool down,
			 const struct vn_mac *to, const struct vn_mac *from)
{
	static uint8_t mem[VN_PBUF_SIZE];
	size_t hlen = down ? VN_DOWN_HLEN : VN_UP_HLEN;
	const struct vn_mac *origin = mac(in), *dst = mac(in);
	struct vn_pbuf b;

	if (room < hlen + 40)
		return 0;
	vn_pbuf_init(&b, mem, sizeof(mem));
	b.len = build_ip(in, b.data, room - hlen < TUN_MTU ? room - hlen : TUN_MTU);
	if (down)
		vn_enc_downstream(&b, to, from, origin, dst);
	else
		vn_enc_upstream(&b, to, from, origin);
	memcpy(f, b.data, b.len);
	return b.len;
}

/* Up to four messages: control ones back to back, data last. */
static size_t build_frame(struct in *in, uint8_t *f)
{
	unsigned msgs = 1 + (u8(in) & 3);
	size_t n = 0;

	for (unsigned i = 0; i < msgs; i++) {
		uint8_t k = u8(in);
		const struct vn_mac *to = mac(in), *from = mac(in);

		if ((k & 3) >= 2) {
			n += build_data(in, f + n, FRAME_MAX - n, (k & 3) == 3, to, from);
			break;
		}
		const struct vn_mac *src = mac(in);
		vn_u128 up = uptime(in);
		uint32_t id = hb_id(in), h = hops(in);

		if ((k & 3) == 0)
			n += b_hb(f + n, to, from, src, up, id, h);
		else
			n += b_reply(f + n, to, from, src, up, id, h, mac(in));
	}
	if (u8(in) & 1) { /* padding, or a trailer */
		size_t pad = u8(in) % 16;
		uint8_t fill = u8(in) & 1 ? 0x42 : 0;

		if (n + pad <= FRAME_MAX) {
			memset(f + n, 0, pad);
			if (pad > 0)
				f[n + pad - 1] = fill;
			n += pad;
		}
	}
	return n;
}

/* --- events --- */

static vn_usec next_timer(const struct node *n)
{
	return n->rsu ? rsu_core_next_timer(n->r) : obu_core_next_timer(n->o);
}

/* The frame sits in a heap block of exactly headroom + len bytes: ASan
 * reports any read or write past it. kind: 0 wire, 1 tun, 2 tx failed. */
static void feed(struct node *n, int kind, const uint8_t *p, size_t len)
{
	uint8_t *mem = malloc(VN_PBUF_HEADROOM + len + 1);
	struct vn_pbuf b;

	CHECK(mem != NULL);
	vn_pbuf_init(&b, mem, VN_PBUF_HEADROOM + len);
	memcpy(b.data, p, len);
	b.len = len;
	if (kind == 0 && n->rsu)
		rsu_core_on_frame(n->r, &b, st.now);
	else if (kind == 0)
		obu_core_on_frame(n->o, &b, st.now);
	else if (kind == 1 && n->rsu)
		rsu_core_on_tun(n->r, &b, st.now);
	else if (kind == 1)
		obu_core_on_tun(n->o, &b, st.now);
	else if (n->rsu)
		rsu_core_on_tx_failed(n->r, &b, st.now);
	else
		obu_core_on_tx_failed(n->o, &b, st.now);
	free(mem);
}

static void advance(vn_usec d)
{
	if (st.now < NOW_MAX) /* monotonic: a tick may have gone a little past it */
		st.now = d < NOW_MAX - st.now ? st.now + d : NOW_MAX;
}

static void tick_once(struct node *n)
{
	if (n->rsu)
		rsu_core_tick(n->r, st.now);
	else
		obu_core_tick(n->o, st.now);
}

/* A tick, at the next deadline (unless it is far) or now. A tick may leave
 * a deadline due (an OBU promoting a candidate that is itself dead past its
 * limit: the next tick drops that one too), but ticks at the same time
 * must settle quickly, or the daemon's loop would spin. */
static void tick(struct node *n, bool at_deadline)
{
	vn_usec t = next_timer(n);
	int ticks = 1;

	if (at_deadline && t != VN_USEC_NEVER && t > st.now && t - st.now <= DEADLINE_MAX)
		st.now = t;
	tick_once(n);
	while (next_timer(n) <= st.now && ticks < TICKS_SETTLE) {
		tick_once(n);
		ticks++;
	}
	if (trace)
		fprintf(stderr, "tick at %llu (due %llu): %d ticks, next %llu\n",
			(unsigned long long)st.now, (unsigned long long)t, ticks,
			(unsigned long long)next_timer(n));
	CHECK(next_timer(n) > st.now);
}

/* The MAC gave up one of the last frames this core sent (a unicast one):
 * all of it, or only its Ethernet header. */
static void tx_failed(struct node *n, struct in *in)
{
	unsigned back = u8(in);
	bool header_only = back & 0x80;
	const struct sent *s;

	back = back % SENT_KEEP;
	if (back >= n->nsent)
		return;
	s = &n->sent[(n->nsent - 1 - back) % SENT_KEEP];
	if (s->b[0] & 1) /* broadcast or multicast: never reported */
		return;
	feed(n, 2, s->b, header_only ? VN_ETH_HLEN : s->len);
}

/* A reload: taken exactly when the params check accepts it. */
static void set_params(struct node *n, struct in *in)
{
	struct obu_params op;
	struct rsu_params rp;
	bool ok;
	int rc;

	if (n->rsu) {
		rsu_params_from(in, &rp);
		ok = rsu_params_check(&rp) == NULL;
		rc = rsu_core_set_params(n->r, &rp, st.now);
	} else {
		obu_params_from(in, &op);
		ok = obu_params_check(&op) == NULL;
		rc = obu_core_set_params(n->o, &op, st.now);
	}
	CHECK((rc == 0) == ok);
	if (ok && n->rsu)
		n->rp = rp;
	else if (ok)
		n->op = op;
}

/* OBU: its tun0 addresses. RSU: export on or off (set again: forgotten). */
static void addresses(struct node *n, struct in *in)
{
	static const char *const text[] = {"10.0.0.1/24", "10.0.0.2/32", "fd00::1/64",
					   "fd00::2/128", "192.168.1.1/16", "10.0.0.255/24"};
	struct vn_ip_prefix a[4];
	uint8_t k = u8(in);
	size_t na = k % 5;

	if (n->rsu) {
		n->export_on = k & 1;
		n->exported = 0;
		rsu_core_set_export(n->r, n->export_on ? on_export : NULL, n);
		return;
	}
	for (size_t i = 0; i < na; i++)
		CHECK(vn_ip_prefix_parse(text[u8(in) % 6], &a[i]) == 0);
	CHECK(obu_core_set_addresses(n->o, a, na) == 0);
}

static void on_counter(void *ctx, const char *name, uint64_t value)
{
	(void)value;
	(void)ctx;
	CHECK(name != NULL && name[0] != '\0');
}

static void describe(struct node *n)
{
	static char text[1 << 16];
	size_t need = n->rsu ? rsu_core_describe(n->r, st.now, text, sizeof(text))
			     : obu_core_describe(n->o, st.now, text, sizeof(text));

	CHECK(need < sizeof(text) && strlen(text) == need);
	if (n->rsu)
		rsu_core_counters(n->r, on_counter, NULL);
	else
		obu_core_counters(n->o, on_counter, NULL);
}

/* --- the tables' caps --- */

struct tally {
	unsigned n;
	struct vn_mac rsu[64];
	unsigned nrsu;
};

static void count_nbr(void *ctx, const struct obu_nbr_info *i)
{
	struct tally *t = ctx;
	unsigned k;

	t->n++;
	for (k = 0; k < t->nrsu && !vn_mac_eq(&t->rsu[k], &i->rsu); k++)
		;
	if (k == t->nrsu && t->nrsu < 64)
		t->rsu[t->nrsu++] = i->rsu;
}

static void count_down(void *ctx, const struct obu_down_info *i)
{
	(void)i;
	((struct tally *)ctx)->n++;
}

static void count_route(void *ctx, const struct rsu_obu_info *i)
{
	CHECK(i->hops >= 1);
	((struct tally *)ctx)->n++;
}

static void check_node(const struct node *n, vn_usec was_next)
{
	struct tally t = {0};
	vn_usec next = next_timer(n);

	/* A deadline before now means "due": one derived from an older event
	 * (heard + a limit that a reload or a learned period shortened) may
	 * lie in the past, but not further back than the longest limit, unless
	 * it was already there before this event (time moved on, no tick). */
	CHECK(next >= was_next || next >= st.now || st.now - next <= PAST_MAX);
	CHECK(next == VN_USEC_NEVER || next <= st.now || next - st.now <= DEADLINE_MAX);
	if (n->rsu) {
		rsu_core_routes(n->r, st.now, count_route, &t);
		CHECK(t.n <= n->rp.max_obus);
		CHECK(rsu_core_n_routes(n->r, st.now) == t.n);
		CHECK(rsu_core_n_exported(n->r) <= n->rp.max_ips);
		if (n->export_on)
			CHECK((long)rsu_core_n_exported(n->r) == n->exported);
		return;
	}
	obu_core_neighbours(n->o, st.now, count_nbr, &t);
	CHECK(t.n <= n->op.max_neighbours);
	CHECK(t.nrsu <= n->op.max_rsus);
	t.n = 0;
	obu_core_downstream(n->o, st.now, count_down, &t);
	CHECK(t.n <= n->op.max_downstream);
	CHECK(obu_core_n_downstream(n->o) <= n->op.max_downstream);
}

static void event(struct node *n, struct node *other, uint8_t op, struct in *in)
{
	static uint8_t f[FRAME_MAX];
	vn_usec was_next = next_timer(n);
	size_t len;

	switch (op % 14) {
	case 0: /* raw bytes */
		len = un(in, 2) % (RAW_MAX + 1);
		len = len < in->n ? len : in->n;
		feed(n, 0, in->p, len);
		in->p += len, in->n -= len;
		break;
	case 1:
	case 2:
		len = build_frame(in, f);
		feed(n, 0, f, len);
		break;
	case 3:
		feed(n, 1, f, build_ip(in, f, TUN_MTU));
		break;
	case 4:
		advance(u8(in) * VN_USEC_PER_MS);
		break;
	case 5:
		advance(un(in, 2) * VN_USEC_PER_MS);
		break;
	case 6: /* hours, days, years */
		advance(u8(in) & 1 ? un(in, 4) * VN_USEC_PER_MS : un(in, 8));
		break;
	case 7:
	case 8:
		tick(n, op % 14 == 7);
		break;
	case 9:
		tx_failed(n, in);
		break;
	case 10: /* a frame one core sent (or this one: ignored), on the wire */
		len = u8(in) % SENT_KEEP;
		if (len < other->nsent)
			feed(n, 0, other->sent[(other->nsent - 1 - len) % SENT_KEEP].b,
			     other->sent[(other->nsent - 1 - len) % SENT_KEEP].len);
		break;
	case 11:
		set_params(n, in);
		break;
	case 12:
		if (u8(in) & 1) {
			addresses(n, in);
		} else {
			describe(n);
			struct obu_route_info ri;
			struct rsu_route_info rr;
			if (!n->rsu && obu_core_upstream(n->o, &ri))
				CHECK(ri.hops >= 1);
			if (n->rsu && rsu_core_route(n->r, mac(in), &rr))
				CHECK(rr.hops >= 1);
		}
		break;
	default: /* restart: an RSU's uptime and ids go back to 0 */
		node_stop(n);
		node_start(n);
		was_next = VN_USEC_NEVER;
		break;
	}
	if (trace)
		fprintf(stderr, "%s op %2u now %llu next %llu\n", n->rsu ? "rsu" : "obu", op % 14,
			(unsigned long long)st.now, (unsigned long long)next_timer(n));
	check_node(n, was_next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size};
	unsigned mode = u8(&in) % 3; /* OBU, RSU, both */
	unsigned events = 0;

	trace = getenv("FUZZ_CORE_TRACE") != NULL;
	st.now = un(&in, 4);
	st.hb_id = 0;
	if (mode != 1)
		node_init(&st.n[0], false, &in);
	if (mode != 0)
		node_init(&st.n[1], true, &in);
	while (in.n > 0 && events++ < EVENTS_MAX) {
		uint8_t op = u8(&in);
		unsigned i = mode == 2 ? op >> 7 : mode;

		event(&st.n[i], &st.n[mode == 2 ? 1 - i : i], op & 0x7f, &in);
	}
	if (mode != 1)
		node_stop(&st.n[0]);
	if (mode != 0)
		node_stop(&st.n[1]);
	return 0;
}
