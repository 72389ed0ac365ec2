/* libFuzzer target: the routing cores. The input is a script of events for
 * one OBU core, one RSU core, or both (first byte): frames from the wire (raw
 * bytes, and frames built from fuzzer-chosen fields so that the fuzzer gets
 * past the decoder at once), packets from tun0, time steps (big jumps
 * included) and ticks, the MAC's transmit failures, parameter reloads, tun0
 * addresses (announced as obud does), backbone-route export, restarts,
 * introspection, and frames one core sent handed to the other. Checks,
 * beyond "no crash, no sanitizer report": every frame a core sends is valid
 * PROTOCOL.md from that core within the wire MTU, every packet delivered is
 * valid IP (tests/unit_core/core_check.h), the tables stay within their
 * caps, ticks at one time settle (leave no timer due) within a few, and
 * deadlines stay within sane bounds. The input's reader and builders: fuzz_core_in.h, fuzz_core_gen.c. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "core_check.h"
#include "core_frames.h"
#include "fuzz_check.h"
#include "fuzz_core_in.h"
#include "obu_announce.h"
#include "obu_core.h"
#include "rsu_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Raw frames: an Upstream of this size carries at most TUN_MTU bytes of IP,
 * which the RSU may turn into a Downstream (6 bytes more) of FRAME_MAX. */
#define RAW_MAX (FRAME_MAX - (VN_DOWN_HLEN - VN_UP_HLEN))
#define SENT_KEEP 8
/* Ticks at one time that must leave nothing due (-DTICKS_SETTLE=1 finds
 * the inputs where one tick is not enough). */
#ifndef TICKS_SETTLE
#define TICKS_SETTLE (OBU_CAND_MAX * 4)
#endif
#define EVENTS_MAX 4000
#define NOW_MAX ((vn_usec)1 << 60)
/* The farthest a sane deadline lies ahead: the longest limit of either core
 * (obu_timeout_periods at the longest period, about a week), twice. */
#define DEADLINE_MAX ((vn_usec)2 * RSU_OBU_TIMEOUT_MAX * 60000 * VN_USEC_PER_MS)

/* The longest limit a deadline is derived from: every id of the longest
 * history, at the longest period. */
#define PAST_MAX ((vn_usec)OBU_HISTORY_MAX * 60000 * VN_USEC_PER_MS)

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
	/* OBU: its tun0 addresses, announced as obud does (obu_announce.h) */
	struct obu_announce ann;
	struct vn_ip addrs[4];
	size_t naddrs;
};

/* FUZZ_CORE_TRACE set: each event on stderr, to read a crash file. */
static bool trace;

static struct {
	vn_usec now;
	struct node n[2];
} st;

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
		CHECK(obu_core_set_addresses(n->o, NULL, 0) == 0);
		n->naddrs = 0;
		obu_announce_init(&n->ann);
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

/* --- events --- */

/* The OBU's is obud's: the core's or the next announce, whichever first. */
static vn_usec next_timer(const struct node *n)
{
	vn_usec a;

	if (n->rsu)
		return rsu_core_next_timer(n->r);
	a = obu_announce_next(&n->ann);
	return a < obu_core_next_timer(n->o) ? a : obu_core_next_timer(n->o);
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
	if (kind == 0 && !n->rsu)
		obu_announce_send(&n->ann, n->o, n->addrs, n->naddrs, st.now);
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
	if (n->rsu) {
		rsu_core_tick(n->r, st.now);
		return;
	}
	obu_core_tick(n->o, st.now);
	obu_announce_send(&n->ann, n->o, n->addrs, n->naddrs, st.now);
}

/* A tick, at the next deadline (unless it is far) or now. A tick may leave
 * a deadline due (an OBU taking a silent alternative as the last known good
 * upstream, past its limit: the next tick drops it), but ticks at the same
 * time must settle quickly, or the daemon's loop would spin. */
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
	for (size_t i = 0; i < na; i++) {
		CHECK(vn_ip_prefix_parse(text[u8(in) % 6], &a[i]) == 0);
		n->addrs[i] = a[i].addr;
	}
	CHECK(obu_core_set_addresses(n->o, a, na) == 0);
	n->naddrs = na;
	obu_announce_init(&n->ann); /* new addresses: announced at once */
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
	 * one was due before this event already (time moved on, no tick). */
	CHECK(next >= st.now || was_next < st.now || st.now - next <= PAST_MAX);
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

	switch (op % 15) {
	case 0: /* raw bytes */
		len = un(in, 2) % (RAW_MAX + 1);
		len = len < in->n ? len : in->n;
		feed(n, 0, in->p, len);
		in->p += len, in->n -= len;
		break;
	case 1:
	case 2:
		len = build_frame(in, f, st.now);
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
		tick(n, op % 15 == 7);
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
	case 13: /* restart: an RSU's uptime and ids go back to 0 */
		node_stop(n);
		node_start(n);
		was_next = VN_USEC_NEVER;
		break;
	default: /* raw bytes from tun0 (the kernel's are valid IP; still) */
		len = un(in, 2) % (TUN_MTU + 1);
		len = len < in->n ? len : in->n;
		feed(n, 1, in->p, len);
		in->p += len, in->n -= len;
		break;
	}
	if (trace)
		fprintf(stderr, "%s op %2u now %llu next %llu\n", n->rsu ? "rsu" : "obu", op % 15,
			(unsigned long long)st.now, (unsigned long long)next_timer(n));
	check_node(n, was_next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = {data, size, 0};
	unsigned mode = u8(&in) % 3; /* OBU, RSU, both */
	unsigned events = 0;

	trace = getenv("FUZZ_CORE_TRACE") != NULL;
	st.now = un(&in, 4);
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
