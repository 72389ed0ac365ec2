/* The seeds of fuzz_core: event scripts in its input format (fuzz_core.c's
 * LLVMFuzzerTestOneInput and event(), fuzz_core_gen.c; keep them in step),
 * each a short working life of a core: heartbeats heard and relayed,
 * replies, data up and down, ticks, transmit failures, reloads, restarts.
 * gen_corpus writes them (gen_corpus DIR CORE_DIR). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gen_core_seeds.h"

/* fuzz_core's event numbers (op % 15) and MAC indexes */
enum { EV_RAW, EV_FRAME, EV_TUN = 3, EV_STEP_MS, EV_STEP_MS16, EV_JUMP, EV_TICK_DUE,
       EV_TICK_NOW, EV_TX_FAILED, EV_LINK, EV_PARAMS, EV_INFO, EV_RESTART, EV_RAW_TUN };
enum { M_OBU, M_OBU2, M_OBU3, M_RSU, M_RSU2, M_BCAST, M_OBU4 = 8 };
#define ON_RSU 0x80 /* both cores: the event is the RSU's */

static uint8_t s[4096];
static size_t n;

static void b(int v)
{
	if (n < sizeof(s))
		s[n++] = (uint8_t)v;
}

/* mode (0 OBU, 1 RSU, 2 both), now = 0, parameters with small tables */
static void header(int mode)
{
	n = 0;
	b(mode);
	b(0), b(0), b(0), b(0);
	if (mode != 1)
		b(2), b(1), b(3), b(0); /* 4 neighbours, 2 RSUs, 4 downstream */
	if (mode != 0)
		b(3), b(3), b(0); /* 4 OBUs, 4 IPs */
}

/* IPv4 10.0.0.s -> 10.0.0.d, 60 bytes (build_ip's k: v4, one length byte) */
static void ip4(int s_, int d)
{
	b(0), b(40), b(s_), b(d);
}

/* a heartbeat (next id, uptime = now, hops h) as one built frame */
static void hb(int on, int to, int from, int h)
{
	b(on | EV_FRAME), b(0);
	b(0), b(to), b(from), b(M_RSU);
	b(0), b(5), b(h - 1);
	b(0);
}

/* a reply for the current id (next if next), made by sender, to `to` */
static void reply(int on, int to, int from, int sender, int h, int next)
{
	b(on | EV_FRAME), b(0);
	b(1), b(to), b(from), b(M_RSU);
	b(0), b(next ? 5 : 4), b(h - 1), b(sender);
	b(0);
}

static void data(int on, int down, int to, int from, int origin, int dst, int s_, int d)
{
	b(on | EV_FRAME), b(0);
	b(down ? 3 : 2), b(to), b(from), b(origin), b(dst);
	ip4(s_, d);
	b(0);
}

static void period(int on)
{
	b(on | EV_STEP_MS), b(100);
	b(on | EV_TICK_DUE);
}

static void obu_life(void)
{
	header(0);
	for (int i = 0; i < 12; i++) {
		hb(0, M_BCAST, M_OBU2, 1);
		reply(0, M_OBU, M_OBU3, M_OBU3, 2, 0);
		period(0);
	}
	b(EV_TUN), ip4(1, 9);
	data(0, 0, M_OBU, M_OBU3, M_OBU3, 0, 3, 9);
	data(0, 1, M_OBU, M_OBU2, M_RSU, M_OBU, 9, 1);
	data(0, 1, M_OBU, M_OBU2, M_RSU, M_OBU3, 9, 3);
	data(0, 1, M_BCAST, M_OBU2, M_RSU, M_BCAST, 9, 255);
	b(EV_TX_FAILED), b(0);
	b(EV_TX_FAILED), b(0x81);
	b(EV_INFO), b(0);
	b(EV_INFO), b(1), b(2), b(0), b(2);
	b(EV_STEP_MS16), b(0x10), b(0);
	b(EV_TICK_NOW);
	b(EV_PARAMS), b(7), b(2), b(7), b(0);
}

static void rsu_life(void)
{
	header(1);
	for (int i = 0; i < 12; i++) {
		b(EV_TICK_DUE);
		reply(0, M_RSU, M_OBU, M_OBU, 1, i > 0);
		reply(0, M_RSU, M_OBU2, M_OBU3, 2, 0);
	}
	data(0, 0, M_RSU, M_OBU, M_OBU, 0, 1, 9);
	data(0, 0, M_RSU, M_OBU2, M_OBU3, 0, 3, 1);
	b(EV_TUN), ip4(9, 3);
	b(EV_TUN), ip4(9, 255);
	b(EV_TX_FAILED), b(0);
	b(EV_INFO), b(0), b(M_OBU);
	b(EV_JUMP), b(1), b(0), b(1), b(0), b(0);
	b(EV_TICK_DUE);
	b(EV_RESTART);
	b(EV_TICK_DUE);
	b(EV_INFO), b(1), b(0);
}

/* One OBU's replies through more relays than the RSU keeps next hops for
 * (RSU_NH_MAX), and its data through them. */
static void rsu_relays(void)
{
	static const int relay[] = {M_OBU2, M_OBU3, M_OBU4, M_OBU4 + 1, M_OBU4 + 2, M_OBU4 + 3};

	header(1);
	for (int i = 0; i < 12; i++) {
		b(EV_TICK_DUE);
		for (int k = 0; k < 6; k++)
			reply(0, M_RSU, relay[(i + k) % 6], M_OBU, 2 + k % 3, i > 0 && k == 0);
		data(0, 0, M_RSU, relay[i % 6], M_OBU, 0, 1, 9);
	}
	b(EV_TUN), ip4(9, 1);
	b(EV_TX_FAILED), b(0);
	b(EV_TX_FAILED), b(0x80);
}

/* The RSU's frames handed to the OBU and back: a one-hop network. */
static void both_life(void)
{
	header(2);
	for (int i = 0; i < 12; i++) {
		b(ON_RSU | EV_TICK_DUE);
		b(EV_LINK), b(0);      /* its heartbeat to the OBU */
		b(ON_RSU | EV_LINK), b(0); /* the OBU's reply (or relay) back */
		b(ON_RSU | EV_LINK), b(1);
	}
	b(EV_TUN), ip4(1, 9);
	b(ON_RSU | EV_LINK), b(0);
	b(ON_RSU | EV_TUN), ip4(9, 1);
	b(EV_LINK), b(0);
	b(ON_RSU | EV_RESTART);
	b(ON_RSU | EV_TICK_DUE);
	b(EV_LINK), b(0);
	b(EV_TICK_DUE);
}

void gen_core_seeds(void (*put)(const char *name, const void *p, size_t n))
{
	obu_life();
	put("obu_life", s, n);
	rsu_life();
	put("rsu_life", s, n);
	both_life();
	put("both_life", s, n);
	rsu_relays();
	put("rsu_relays", s, n);
}
