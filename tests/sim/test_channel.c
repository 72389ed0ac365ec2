/* The 802.11p channel model (channel.c): airtime, collisions at a receiver
 * (hidden terminals), carrier sense and backoff among nodes in range,
 * deferral, unicast ACK/retry/drop, busy-time accounting, the MAC queue.
 *
 * The nodes are OBU cores, but the frames are raw ones with a foreign
 * EtherType sent with sim_transmit_as: the cores drop them without
 * answering, so the channel carries exactly what a test puts on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scenario.h"

#define AIFS 110
#define SLOT 13
#define ACK_TIMEOUT (32 + 64 + 13)
#define CW_SLOTS(cw) ((vn_usec)(cw) * SLOT)

/* Every transmission start, from the on_air hook. */
struct airlog {
	struct sim_air_tx v[256];
	size_t n;
};

static void log_air(void *ctx, const struct sim_air_tx *tx)
{
	struct airlog *l = ctx;

	if (l->n < 256)
		l->v[l->n++] = *tx;
}

static struct sim *chan_sim(uint64_t seed, struct airlog *log, uint32_t queue)
{
	struct sim_opts o = {
		.seed = seed,
		.channel = SIM_CHAN_80211P,
		.mac_queue = queue,
		.on_air = log ? log_air : NULL,
		.on_air_ctx = log,
	};
	struct sim *s = sim_new(&o);

	assert_non_null(s);
	return s;
}

static int add(struct sim *s, uint32_t n)
{
	struct vn_mac m = sim_mac_n(n);
	int i = sim_add_obu(s, NULL, &m);

	assert_true(i >= 0);
	return i;
}

static void link2(struct sim *s, int a, int b, double loss)
{
	struct sim_link_cfg l = sim_link_default();

	l.loss = loss;
	sim_link_both(s, a, b, &l);
}

/* A frame of len bytes from node `from` to `to` (-1: broadcast), with an
 * EtherType no core takes. */
static size_t frame(struct sim *s, uint8_t *f, size_t len, int from, int to)
{
	struct vn_mac b = vn_mac_broadcast;

	memset(f, 0xab, len);
	memcpy(f, to < 0 ? b.b : sim_mac(s, to)->b, 6);
	memcpy(f + 6, sim_mac(s, from)->b, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	return len;
}

static void send_raw(struct sim *s, int from, int to, size_t len)
{
	uint8_t f[2048];

	sim_transmit_as(s, from, f, frame(s, f, len, from, to));
}

static struct sim_radio_stats stats(struct sim *s, int node)
{
	struct sim_radio_stats st;

	sim_radio_stats(s, node, &st);
	return st;
}

static uint64_t tx_total(const struct sim_radio_stats *st)
{
	uint64_t t = 0;

	for (int k = 0; k < SIM_F__COUNT; k++)
		t += st->tx[k];
	return t;
}

static void airtime(void **state)
{
	(void)state;
	/* The figures of the issue: heartbeat, reply, ACK at 6 Mbit/s. */
	assert_int_equal(sim_airtime(46, 6000), 136);
	assert_int_equal(sim_airtime(52, 6000), 144);
	assert_int_equal(sim_airtime(0, 6000), 64);
	/* 1400 B: 1422 B on the air, 11398 bits, 238 symbols of 48 bits. */
	assert_int_equal(sim_airtime(1400, 6000), 40 + 8 * 238);
	/* 3 Mbit/s: 24 bits a symbol; 27 Mbit/s: 216. */
	assert_int_equal(sim_airtime(46, 3000), 40 + 8 * 24);
	assert_int_equal(sim_airtime(46, 27000), 40 + 8 * 3);
	/* 0 means the default rate. */
	assert_int_equal(sim_airtime(46, 0), 136);
}

/* A and B do not hear each other; C hears both. Long frames started
 * together always overlap at C, whatever the backoffs: both are lost. */
static void hidden_terminals(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct sim *s = chan_sim(seed, NULL, 0);
		int a = add(s, 1), b = add(s, 2), c = add(s, 3);

		link2(s, a, c, 0);
		link2(s, b, c, 0);
		send_raw(s, a, -1, 1400);
		send_raw(s, b, -1, 1400);
		sim_run_until(s, MS(10));
		assert_int_equal(sim_frames_received(s, c), 0);
		assert_int_equal(stats(s, c).collisions, 2);
		assert_int_equal(stats(s, a).tx[SIM_F_OTHER], 1);
		assert_int_equal(stats(s, b).tx[SIM_F_OTHER], 1);
		/* Neither transmitter sensed the other. */
		assert_int_equal(stats(s, a).collisions, 0);
		sim_free(s);
	}
}

/* All three in range: carrier sense keeps A and B apart unless their
 * backoffs end in the same slot (1 in 16). */
static void carrier_sense(void **state)
{
	size_t together = 0, trials = 400;

	(void)state;
	for (uint64_t seed = 1; seed <= trials; seed++) {
		struct airlog log = { .n = 0 };
		struct sim *s = chan_sim(seed, &log, 0);
		int a = add(s, 1), b = add(s, 2), c = add(s, 3);
		vn_usec first_end, second_start;

		link2(s, a, b, 0);
		link2(s, a, c, 0);
		link2(s, b, c, 0);
		send_raw(s, a, -1, 1400);
		send_raw(s, b, -1, 1400);
		sim_run_until(s, MS(10));
		assert_int_equal(log.n, 2);
		if (log.v[0].start == log.v[1].start) {
			together++;
			assert_int_equal(stats(s, c).collisions, 2);
			assert_int_equal(sim_frames_received(s, c), 0);
		} else {
			assert_int_equal(stats(s, c).collisions, 0);
			assert_int_equal(sim_frames_received(s, c), 2);
			/* The second waited for the first, then AIFS, then the
			 * slots it had left: never more than CWmin. */
			first_end = log.v[0].end;
			second_start = log.v[1].start;
			assert_true(second_start >= first_end + AIFS);
			assert_int_equal((second_start - first_end - AIFS) % SLOT, 0);
			assert_true(second_start - first_end - AIFS <= CW_SLOTS(15));
		}
		/* The first started AIFS + k slots after the frames arrived. */
		assert_true(log.v[0].start >= AIFS);
		assert_int_equal((log.v[0].start - AIFS) % SLOT, 0);
		assert_true(log.v[0].start - AIFS <= CW_SLOTS(15));
		sim_free(s);
	}
	/* 1/16 = 25 of 400 expected. */
	assert_true(together >= 10 && together <= 45);
}

struct later {
	struct sim *s;
	int from;
};

static void send_later(struct sim *s, void *arg)
{
	struct later *l = arg;

	send_raw(s, l->from, -1, 46);
}

/* A frame queued while the medium is busy waits for its end, AIFS and a
 * fresh backoff. */
static void deferral(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 50; seed++) {
		struct airlog log = { .n = 0 };
		struct sim *s = chan_sim(seed, &log, 0);
		int a = add(s, 1), b = add(s, 2);
		struct later l = { s, b };

		link2(s, a, b, 0);
		send_raw(s, a, -1, 1400); /* on the air from <= 305 us to >= 2054 us */
		sim_at(s, 400, send_later, &l);
		sim_run_until(s, MS(10));
		assert_int_equal(log.n, 2);
		assert_int_equal(log.v[1].node, b);
		assert_true(log.v[1].start >= log.v[0].end + AIFS);
		assert_int_equal((log.v[1].start - log.v[0].end - AIFS) % SLOT, 0);
		assert_true(log.v[1].start - log.v[0].end - AIFS <= CW_SLOTS(15));
		assert_int_equal(sim_frames_received(s, a), 1);
		sim_free(s);
	}
}

/* A unicast frame to B is ACKed: B's core gets it once, both radios are
 * busy for the frame and the ACK. */
static void unicast_acked(void **state)
{
	struct sim *s = chan_sim(5, NULL, 0);
	int a = add(s, 1), b = add(s, 2);
	struct sim_radio_stats sa, sb;
	vn_usec both = sim_airtime(200, 6000) + sim_airtime(0, 6000);

	(void)state;
	link2(s, a, b, 0);
	send_raw(s, a, b, 200);
	sim_run_until(s, MS(10));
	sa = stats(s, a);
	sb = stats(s, b);
	assert_int_equal(sim_frames_received(s, b), 1);
	assert_int_equal(tx_total(&sa), 1);
	assert_int_equal(sb.acks, 1);
	assert_int_equal(sa.retries + sa.mac_drops, 0);
	assert_int_equal(sa.busy, both);
	assert_int_equal(sb.busy, both);
	sim_free(s);
}

/* Every try lost: 1 + 7 transmissions, the window doubling between them
 * (a 13 us slot each, after AIFS), then the frame is given up. */
static void unicast_dropped(void **state)
{
	vn_usec last_max = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 30; seed++) {
		struct airlog log = { .n = 0 };
		struct sim *s = chan_sim(seed, &log, 0);
		int a = add(s, 1), b = add(s, 2);
		uint32_t cw = 15;

		link2(s, a, b, 0);
		sim_link_get(s, a, b)->loss = 1.0;
		send_raw(s, a, b, 200);
		sim_run_until(s, SEC(1));
		assert_int_equal(log.n, 8);
		assert_int_equal(stats(s, a).mac_drops, 1);
		assert_int_equal(stats(s, a).retries, 7);
		assert_int_equal(stats(s, b).acks, 0);
		assert_int_equal(sim_frames_received(s, b), 0);
		for (size_t i = 1; i < log.n; i++) {
			vn_usec gap = log.v[i].start - log.v[i - 1].end;

			cw = 2 * cw + 1 > 1023 ? 1023 : 2 * cw + 1;
			assert_true(log.v[i].retry);
			/* The ACK timeout runs inside the AIFS that follows
			 * the frame (the medium is idle since its end). */
			assert_true(gap >= ACK_TIMEOUT && gap >= AIFS);
			assert_int_equal((gap - AIFS) % SLOT, 0);
			assert_true(gap <= AIFS + CW_SLOTS(cw));
			if (i == log.n - 1 && gap > last_max)
				last_max = gap;
		}
		sim_free(s);
	}
	/* The window did grow: the last retries drew from [0, 1023]. */
	assert_true(last_max > AIFS + CW_SLOTS(255));
}

/* The ACKs are lost, not the frame: B's core still gets it once (the MAC
 * drops the retransmissions), and A gives up after the retry limit. */
static void unicast_ack_lost(void **state)
{
	struct sim *s = chan_sim(9, NULL, 0);
	int a = add(s, 1), b = add(s, 2);

	(void)state;
	link2(s, a, b, 0);
	sim_link_get(s, b, a)->loss = 1.0;
	send_raw(s, a, b, 200);
	sim_run_until(s, SEC(1));
	assert_int_equal(sim_frames_received(s, b), 1);
	assert_int_equal(stats(s, b).acks, 8);
	assert_int_equal(stats(s, a).tx[SIM_F_OTHER], 8);
	assert_int_equal(stats(s, a).mac_drops, 1);
	assert_int_equal(stats(s, a).phy_errors, 8);
	sim_free(s);
}

/* Retries get through a lossy link, and the frame reaches B once. */
static void unicast_lossy(void **state)
{
	size_t drops = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 50; seed++) {
		struct sim *s = chan_sim(seed, NULL, 0);
		int a = add(s, 1), b = add(s, 2);

		link2(s, a, b, 0.5);
		send_raw(s, a, b, 200);
		sim_run_until(s, SEC(1));
		drops += stats(s, a).mac_drops;
		/* Once, or not at all; a drop may also be 8 lost ACKs. */
		assert_true(sim_frames_received(s, b) <= 1);
		if (stats(s, a).mac_drops == 0)
			assert_int_equal(sim_frames_received(s, b), 1);
		sim_free(s);
	}
	/* A try succeeds with 0.25 (frame and ACK): 8 tries fail with 0.1. */
	assert_true(drops <= 12);
}

struct periodic {
	struct sim *s;
	int from;
	int left;
};

static void send_periodic(struct sim *s, void *arg)
{
	struct periodic *p = arg;

	send_raw(s, p->from, -1, 46);
	if (--p->left > 0)
		sim_at(s, sim_now(s) + MS(10), send_periodic, p);
}

/* Busy time is exactly the airtime heard (or sent), and it includes a
 * frame still on the air. */
static void busy_accounting(void **state)
{
	struct sim *s = chan_sim(2, NULL, 0);
	int a = add(s, 1), b = add(s, 2), c = add(s, 3);
	struct periodic p = { s, a, 10 };

	(void)state;
	link2(s, a, b, 0);
	link2(s, b, c, 0); /* c hears b only: never busy */
	sim_at(s, 0, send_periodic, &p);
	sim_run_until(s, MS(200));
	assert_int_equal(stats(s, a).busy, 10 * 136);
	assert_int_equal(stats(s, b).busy, 10 * 136);
	assert_int_equal(stats(s, c).busy, 0);
	/* Mid-frame: the open busy period counts up to now. */
	send_raw(s, a, -1, 1400);
	sim_run_until(s, MS(200) + AIFS + CW_SLOTS(15) + 500);
	assert_true(stats(s, b).busy > 10 * 136);
	assert_true(stats(s, b).busy < 10 * 136 + 500 + CW_SLOTS(15));
	sim_free(s);
}

/* A full MAC queue drops what does not fit, and says so. */
static void queue_full(void **state)
{
	struct sim *s = chan_sim(4, NULL, 4);
	int a = add(s, 1), b = add(s, 2);

	(void)state;
	link2(s, a, b, 0);
	for (int i = 0; i < 10; i++)
		send_raw(s, a, -1, 100);
	sim_run_until(s, MS(50));
	assert_int_equal(stats(s, a).queue_drops, 6);
	assert_int_equal(stats(s, a).tx[SIM_F_OTHER], 4);
	assert_int_equal(sim_frames_received(s, b), 4);
	sim_free(s);
}

/* Removing a node in the middle of its transmission: the frame on the air
 * still ends cleanly, the queue is gone, nothing leaks (ASan). */
static void remove_mid_frame(void **state)
{
	struct sim *s = chan_sim(6, NULL, 0);
	int a = add(s, 1), b = add(s, 2);

	(void)state;
	link2(s, a, b, 0);
	send_raw(s, a, -1, 1400);
	send_raw(s, a, -1, 1400);
	sim_run_until(s, 400); /* the first is on the air */
	sim_remove(s, a);
	sim_run_until(s, MS(20));
	assert_int_equal(stats(s, a).tx[SIM_F_OTHER], 1);
	assert_int_equal(sim_frames_received(s, b), 1);
	assert_int_equal(stats(s, b).busy, sim_airtime(1400, 6000));
	sim_free(s);
}

/* The routing cores over the channel: a 3-hop chain attaches and carries
 * data; the ideal channel's figures stay what they were. */
static void cores_over_channel(void **state)
{
	struct sim *s = chan_sim(11, NULL, 0);
	struct sim_link_cfg l = sim_link_default();
	int n[4];
	struct scen_attach at = { .obus = n + 1, .n = 3, .rsu = -1 };
	struct vn_ip o3 = sim_ip4(3), inet = scen_inet(1);
	struct scen_flow up;

	(void)state;
	l.loss = 0.05;
	scen_chain(s, n, 3, &l);
	assert_true(scen_run_until_pred(s, scen_all_attached, &at, MS(10), SEC(2)) != VN_USEC_NEVER);
	assert_int_equal(scen_set_addr(s, n[3], 3), 0);
	scen_flow_start(s, &up, n[3], &o3, &inet, SEC(2), MS(20), SEC(4));
	sim_run_until(s, SEC(5));
	assert_true(scen_flow_delivered(s, &up, n[0]) >= up.n * 95 / 100);
	assert_int_equal(sim_dup_forwards(s), 0);
	assert_true(stats(s, n[1]).tx[SIM_F_HEARTBEAT] > 0);
	assert_true(stats(s, n[1]).busy > 0);
	scen_flow_free(&up);
	sim_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(airtime),
		cmocka_unit_test(hidden_terminals),
		cmocka_unit_test(carrier_sense),
		cmocka_unit_test(deferral),
		cmocka_unit_test(unicast_acked),
		cmocka_unit_test(unicast_dropped),
		cmocka_unit_test(unicast_ack_lost),
		cmocka_unit_test(unicast_lossy),
		cmocka_unit_test(busy_accounting),
		cmocka_unit_test(queue_full),
		cmocka_unit_test(remove_mid_frame),
		cmocka_unit_test(cores_over_channel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
