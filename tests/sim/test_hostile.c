/* Hostile frames: replies with future or huge uptime, ids never sent,
 * spoofed sources, frames carrying the receiver's own MAC as `from`, floods
 * of fake OBU MACs and fake RSUs, garbage. No crash (run it under the
 * sanitizers), tables stay bounded, real traffic keeps flowing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "attack_world.h"
#include "scenario.h"
#include "wire.h"

static const uint64_t seeds_dflt[] = { 81, 82 };

/* Frames written by hand from PROTOCOL.md §2 (not with the codec under
 * test). */
static void eth(uint8_t *f, const struct vn_mac *to, const struct vn_mac *from, uint8_t type,
		uint8_t sub)
{
	memcpy(f, to->b, 6);
	memcpy(f + 6, from->b, 6);
	f[12] = 0x30;
	f[13] = 0x30;
	f[14] = type;
	f[15] = sub;
}

static size_t hb_frame(uint8_t *f, const struct vn_mac *to, const struct vn_mac *from,
		       vn_u128 uptime, uint32_t id, uint32_t hops, const struct vn_mac *source)
{
	eth(f, to, from, 0, 0);
	vn_put_be128(f + 16, uptime);
	vn_put_be32(f + 32, id);
	vn_put_be32(f + 36, hops);
	memcpy(f + 40, source->b, 6);
	return 46;
}

static size_t reply_frame(uint8_t *f, const struct vn_mac *to, const struct vn_mac *from,
			  vn_u128 uptime, uint32_t id, uint32_t hops, const struct vn_mac *source,
			  const struct vn_mac *sender)
{
	hb_frame(f, to, from, uptime, id, hops, source);
	f[15] = 1;
	memcpy(f + 46, sender->b, 6);
	return 52;
}

static size_t up_frame(uint8_t *f, const struct vn_mac *to, const struct vn_mac *from,
		       const struct vn_mac *origin, const struct vn_ip *src, const struct vn_ip *dst,
		       uint32_t tag)
{
	eth(f, to, from, 1, 0);
	memcpy(f + 16, origin->b, 6);
	return 22 + sim_build_udp4(f + 22, 200, src, dst, tag, 100);
}

static size_t down_frame(uint8_t *f, const struct vn_mac *to, const struct vn_mac *from,
			 const struct vn_mac *origin, const struct vn_mac *dest,
			 const struct vn_ip *src, const struct vn_ip *dst, uint32_t tag)
{
	eth(f, to, from, 1, 1);
	memcpy(f + 16, origin->b, 6);
	memcpy(f + 22, dest->b, 6);
	return 28 + sim_build_udp4(f + 28, 200, src, dst, tag, 100);
}

static void world_free(struct attack_world *w)
{
	fprintf(stderr, "(%llu events, %llu frame receptions, %.1f s virtual)\n",
		(unsigned long long)sim_events(w->s),
		(unsigned long long)sim_frames_delivered(w->s), (double)sim_now(w->s) / 1e6);
	for (size_t i = 0; i < sim_node_count(w->s); i++)
		fprintf(stderr, "  node %zu sent %llu frames (hb %llu reply %llu up %llu down %llu)\n", i,
			(unsigned long long)sim_frames_sent(w->s, (int)i),
			(unsigned long long)sim_frames_sent_type(w->s, (int)i, SIM_F_HEARTBEAT),
			(unsigned long long)sim_frames_sent_type(w->s, (int)i, SIM_F_REPLY),
			(unsigned long long)sim_frames_sent_type(w->s, (int)i, SIM_F_UPSTREAM),
			(unsigned long long)sim_frames_sent_type(w->s, (int)i, SIM_F_DOWNSTREAM));
	aw_free(w);
}

/* Lines of describe(): a stand-in for table sizes, which the API does not
 * expose directly. */
static size_t describe_lines(struct sim *s, int node)
{
	size_t cap = 1 << 22, n = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	sim_describe(s, node, buf, cap);
	for (char *p = buf; *p; p++)
		n += *p == '\n';
	free(buf);
	return n;
}

static void bad_replies_one(uint64_t seed)
{
	struct attack_world w;
	uint8_t f[256];
	vn_usec t0;

	aw_new(&w, seed, NULL, NULL);
	t0 = sim_now(w.s);
	const struct vn_mac *R = sim_mac(w.s, w.rsu), *X = sim_mac(w.s, w.x),
			    *O1 = sim_mac(w.s, w.o1), *O2 = sim_mac(w.s, w.o2);
	vn_u128 big = ~(vn_u128)0;

	for (int i = 0; i < 200; i++) {
		uint32_t id = (uint32_t)(sim_now(w.s) / SCEN_T); /* about the current id */
		size_t len;

		/* Uptime from the future, huge, zero; ids never sent. */
		len = reply_frame(f, R, X, (vn_u128)1 << 100, id, 1, R, X);
		sim_transmit_as(w.s, w.x, f, len);
		len = reply_frame(f, R, X, big, id, 1, R, X);
		sim_transmit_as(w.s, w.x, f, len);
		len = reply_frame(f, R, X, (vn_u128)sim_now(w.s) / 1000 + 5000, id, 1, R, X);
		sim_transmit_as(w.s, w.x, f, len);
		len = reply_frame(f, R, X, 0, 0xffffffffu - (uint32_t)i, 1, R, X);
		sim_transmit_as(w.s, w.x, f, len);
		/* Spoofed: the real O2 as sender, the attacker as next hop. */
		len = reply_frame(f, R, X, (vn_u128)sim_now(w.s) / 1000, id, 1, R, O2);
		sim_transmit_as(w.s, w.x, f, len);
		/* The RSU's own MAC as from, and as sender. */
		len = reply_frame(f, R, R, (vn_u128)sim_now(w.s) / 1000, id, 1, R, R);
		sim_transmit_as(w.s, w.x, f, len);
		/* A reply for another RSU, to O1 (it must not forward it to
		 * an upstream that does not lead there, nor crash). */
		len = reply_frame(f, O1, X, 1, 7, 2, X, X);
		sim_transmit_as(w.s, w.x, f, len);
		/* O1's own MAC as from, to O1. */
		len = reply_frame(f, O1, O1, 1, id, 2, R, O2);
		sim_transmit_as(w.s, w.x, f, len);
		sim_run_for(w.s, MS(5));
	}
	assert_true(sim_alive(w.s, w.rsu));
	aw_check(&w, t0, "bad replies");
	world_free(&w);
}

static void bad_replies(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, bad_replies_one);
}

static void bad_heartbeats_one(uint64_t seed)
{
	struct attack_world w;
	uint8_t f[256];
	vn_usec t0;

	aw_new(&w, seed, NULL, NULL);
	t0 = sim_now(w.s);
	const struct vn_mac *R = sim_mac(w.s, w.rsu), *X = sim_mac(w.s, w.x),
			    *O1 = sim_mac(w.s, w.o1), *O2 = sim_mac(w.s, w.o2);
	const struct vn_mac *B = &vn_mac_broadcast;

	for (int i = 0; i < 200; i++) {
		size_t len;
		uint32_t id = (uint32_t)(sim_now(w.s) / SCEN_T);

		/* Our own RSU's heartbeats with wild fields, relayed by X:
		 * ids from the future, hops 0 and huge, uptime huge. */
		len = hb_frame(f, B, X, ~(vn_u128)0, id + 1000000, 0, R);
		sim_transmit_as(w.s, w.x, f, len);
		len = hb_frame(f, B, X, 1, (uint32_t)i, 0xffffffffu, R);
		sim_transmit_as(w.s, w.x, f, len);
		/* Claiming to be O1 / O2 (their own MAC as from). */
		len = hb_frame(f, B, O1, (vn_u128)sim_now(w.s) / 1000, id + 1, 1, R);
		sim_transmit_as(w.s, w.x, f, len);
		len = hb_frame(f, B, O2, (vn_u128)sim_now(w.s) / 1000, id + 1, 1, R);
		sim_transmit_as(w.s, w.x, f, len);
		/* A heartbeat whose source is an OBU, or the broadcast. */
		len = hb_frame(f, B, X, 5, id, 1, O2);
		sim_transmit_as(w.s, w.x, f, len);
		len = hb_frame(f, B, X, 5, id, 1, B);
		sim_transmit_as(w.s, w.x, f, len);
		/* To the RSU: an RSU never relays. */
		len = hb_frame(f, R, X, 5, id, 1, X);
		sim_transmit_as(w.s, w.x, f, len);
		sim_run_for(w.s, MS(5));
	}
	aw_check(&w, t0, "bad heartbeats");
	world_free(&w);
}

static void bad_heartbeats(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, bad_heartbeats_one);
}

/* Thousands of fake OBU MACs (replies relayed through O1 so that its
 * downstream table fills too), thousands of fake RSUs, thousands of source
 * addresses: the tables stay bounded and the real OBUs keep their routes. */
static void floods_one(uint64_t seed)
{
	struct attack_world w;
	uint8_t f[256];
	vn_usec t0;
	size_t lr0, lo0, lr, lo;

	aw_new(&w, seed, NULL, NULL);
	lr0 = describe_lines(w.s, w.rsu);
	lo0 = describe_lines(w.s, w.o1);
	t0 = sim_now(w.s);
	uint64_t sent0 = sim_frames_sent(w.s, w.o1) + sim_frames_sent(w.s, w.o2) +
			 sim_frames_sent(w.s, w.rsu);
	const struct vn_mac *R = sim_mac(w.s, w.rsu), *X = sim_mac(w.s, w.x),
			    *O1 = sim_mac(w.s, w.o1);
	const struct vn_mac *B = &vn_mac_broadcast;

	for (uint32_t i = 0; i < 20000; i++) {
		struct vn_mac fake = sim_mac_n(0x100000 + i);
		uint32_t id = (uint32_t)(sim_now(w.s) / SCEN_T);
		size_t len;
		struct vn_ip src = sim_ip4(0x10000 + i), inet = scen_inet(1);

		/* A reply from a fake OBU, sent to O1 as if from below. */
		len = reply_frame(f, O1, X, (vn_u128)(sim_now(w.s) / 1000), id, 3, R, &fake);
		sim_transmit_as(w.s, w.x, f, len);
		/* ...and straight to the RSU. */
		len = reply_frame(f, R, &fake, (vn_u128)(sim_now(w.s) / 1000), id, 1, R, &fake);
		sim_transmit_as(w.s, w.x, f, len);
		/* A heartbeat from a fake RSU. */
		len = hb_frame(f, B, X, 1000 + i, i, 1, &fake);
		sim_transmit_as(w.s, w.x, f, len);
		/* Upstream data from a fake origin with a fresh source IP,
		 * to O1 (relayed) and to the RSU. */
		len = up_frame(f, O1, X, &fake, &src, &inet, SIM_TAG_NONE);
		sim_transmit_as(w.s, w.x, f, len);
		len = up_frame(f, R, &fake, &fake, &src, &inet, SIM_TAG_NONE);
		sim_transmit_as(w.s, w.x, f, len);
		/* Downstream for fake OBUs through O1. */
		len = down_frame(f, O1, X, R, &fake, &inet, &src, SIM_TAG_NONE);
		sim_transmit_as(w.s, w.x, f, len);
		if (i % 20 == 19)
			sim_run_for(w.s, MS(1));
	}
	/* No amplification: the real nodes together must not send more
	 * than a few frames per hostile frame (each fake heartbeat is
	 * relayed and answered once per OBU: 2 x 2 per 6 hostile). */
	uint64_t amp = sim_frames_sent(w.s, w.o1) + sim_frames_sent(w.s, w.o2) +
		       sim_frames_sent(w.s, w.rsu) - sent0;
	uint64_t hostile = sim_frames_sent(w.s, w.x);

	fprintf(stderr, "floods: %llu hostile frames made the real nodes send %llu\n",
		(unsigned long long)hostile, (unsigned long long)amp);
	assert_true(amp <= 2 * hostile);
	lr = describe_lines(w.s, w.rsu);
	lo = describe_lines(w.s, w.o1);
	fprintf(stderr, "floods: describe lines RSU %zu -> %zu, O1 %zu -> %zu\n", lr0, lr,
		lo0, lo);
	/* Bounded by the default capacities (4096 OBUs, 16384 IPs at the
	 * RSU; 1024 routes, 8 RSUs, 64 neighbours at the OBU). */
	assert_true(lr <= lr0 + 4096 + 16384 + 64);
	assert_true(lo <= lo0 + 1024 + 8 + 64 + 64);
	aw_check(&w, t0, "floods");
	/* And the flood ages out. */
	sim_run_for(w.s, SEC(5));
	fprintf(stderr, "floods: 5 s later describe lines RSU %zu, O1 %zu\n",
		describe_lines(w.s, w.rsu), describe_lines(w.s, w.o1));
	sim_counters_print(w.s, w.rsu);
	world_free(&w);
}

static void floods(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, floods_one);
}

/* Random bytes, truncated messages, wrong EtherType, data with broken IP
 * lengths, oversized frames: dropped and counted. */
static void garbage_one(uint64_t seed)
{
	struct attack_world w;
	static uint8_t f[VN_PBUF_DATA_MAX + 100];
	vn_usec t0;

	aw_new(&w, seed, NULL, NULL);
	t0 = sim_now(w.s);
	const struct vn_mac *R = sim_mac(w.s, w.rsu), *X = sim_mac(w.s, w.x),
			    *O1 = sim_mac(w.s, w.o1);
	struct vn_ip a = sim_ip4(2), inet = scen_inet(1);

	for (int i = 0; i < 5000; i++) {
		size_t len = sim_rand(w.s) % 200;
		uint64_t r = sim_rand(w.s);

		for (size_t j = 0; j < len; j++)
			f[j] = (uint8_t)sim_rand(w.s);
		if (len >= 16 && (r & 1)) {
			/* Mostly-valid header so the deeper checks are hit. */
			memcpy(f, (r & 2) ? R->b : O1->b, 6);
			memcpy(f + 6, X->b, 6);
			f[12] = 0x30;
			f[13] = 0x30;
			f[14] = (uint8_t)((r >> 2) % 3);
			f[15] = (uint8_t)((r >> 4) % 3);
		}
		sim_transmit_as(w.s, w.x, f, len);
		/* A data frame whose IP length lies. */
		len = up_frame(f, R, X, X, &a, &inet, 0);
		f[22 + 2] = (uint8_t)(sim_rand(w.s));
		sim_transmit_as(w.s, w.x, f, len);
		/* Several control messages back to back, then junk. */
		len = hb_frame(f, O1, X, 1, 1, 1, X);
		len += reply_frame(f + len, O1, X, 1, 1, 1, X, X);
		f[len++] = 0x55;
		sim_transmit_as(w.s, w.x, f, len);
		if (i % 10 == 9)
			sim_run_for(w.s, MS(1));
	}
	/* Oversized: the reader drops it; the core never sees it. */
	memset(f, 0, sizeof(f));
	sim_transmit_as(w.s, w.x, f, sizeof(f));
	aw_check(&w, t0, "garbage");
	world_free(&w);
}

static void garbage(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, garbage_one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_replies),
		cmocka_unit_test(bad_heartbeats),
		cmocka_unit_test(floods),
		cmocka_unit_test(garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
