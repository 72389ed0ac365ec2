/* The simulator itself: determinism, link semantics (loss, latency,
 * up/down, unicast filter, retries), timers, restarts and the test packet
 * builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ip.h"
#include "scenario.h"

struct fingerprint {
	uint64_t events, frames, tun[4], sent[4];
};

/* RSU - O1 - O2 - O3, 20 % loss, flows both ways for 5 s; the run to 6 s
 * in steps of `step` (the result must not depend on it), on the ideal
 * channel or the 802.11p one. */
static void lossy_chain(uint64_t seed, vn_usec step, enum sim_channel ch, struct fingerprint *fp)
{
	struct sim_opts o = { .seed = seed, .tun_queue = 64, .channel = ch };
	struct sim *s = sim_new(&o);
	struct sim_link_cfg l = sim_link_default();
	int n[4];
	struct vn_ip o3 = sim_ip4(3), inet = scen_inet(1);
	struct scen_flow up, down;

	l.loss = 0.2;
	l.jitter = 500;
	scen_chain(s, n, 3, &l);
	scen_flow_start(s, &up, n[3], &o3, &inet, SEC(1), MS(10), SEC(5));
	scen_flow_start(s, &down, n[0], &inet, &o3, SEC(1) + MS(5), MS(10), SEC(5));
	for (vn_usec t = step; t < SEC(6) + step; t += step)
		sim_run_until(s, t < SEC(6) ? t : SEC(6));
	fp->events = sim_events(s);
	fp->frames = sim_frames_delivered(s);
	for (int i = 0; i < 4; i++) {
		fp->tun[i] = sim_tun_total(s, n[i]);
		fp->sent[i] = sim_frames_sent(s, n[i]);
	}
	scen_flow_free(&up);
	scen_flow_free(&down);
	sim_free(s);
}

static void deterministic(void **state)
{
	struct fingerprint a, b, c;

	(void)state;
	lossy_chain(7, SEC(6), SIM_CHAN_IDEAL, &a);
	lossy_chain(7, SEC(6), SIM_CHAN_IDEAL, &b);
	lossy_chain(8, SEC(6), SIM_CHAN_IDEAL, &c);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(memcmp(&a, &c, sizeof(a)) != 0);
	assert_true(a.tun[0] > 0 && a.tun[3] > 0);
}

/* Running to t in one call or in many steps is the same run: events due
 * exactly at a step's end run in that call, the clock never jumps past a
 * pending event, and nothing is scheduled from the caller's clock. */
static void step_invariant(void **state)
{
	static const vn_usec steps[] = { 1, 997, MS(10), MS(333), SEC(1) };

	(void)state;
	for (int ch = SIM_CHAN_IDEAL; ch <= SIM_CHAN_80211P; ch++) {
		struct fingerprint whole, stepped;

		lossy_chain(7, SEC(6), (enum sim_channel)ch, &whole);
		assert_true(whole.tun[0] > 0 && whole.tun[3] > 0);
		for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			lossy_chain(7, steps[i], (enum sim_channel)ch, &stepped);
			assert_memory_equal(&whole, &stepped, sizeof(whole));
		}
	}
}

/* A transmitter without a core (X) and two receivers. */
static void links(void **state)
{
	struct sim_opts o = { .seed = 3 };
	struct sim *s = sim_new(&o);
	struct vn_mac m = sim_mac_n(1);
	int a, b, x;
	struct sim_link_cfg l = sim_link_default();
	uint8_t f[20];
	uint64_t got;

	(void)state;
	a = sim_add_obu(s, NULL, &m);
	m = sim_mac_n(2);
	b = sim_add_obu(s, NULL, &m);
	m = sim_mac_n(3);
	x = sim_add_obu(s, NULL, &m);
	sim_remove(s, x);
	assert_false(sim_alive(s, x));
	l.loss = 0.3;
	sim_link_set(s, x, a, &l);
	l.loss = 0;
	l.latency = 5000;
	l.jitter = 1000;
	sim_link_set(s, x, b, &l);
	sim_link_up(s, x, b, false);
	memset(f, 0xff, 6); /* broadcast, junk after it */
	memset(f + 6, 0, sizeof(f) - 6);
	for (int i = 0; i < 10000; i++)
		sim_transmit_as(s, x, f, sizeof(f));
	sim_run_for(s, MS(10));
	got = sim_frames_received(s, a);
	assert_true(got > 6800 && got < 7200); /* 70 % of 10000, +-4.4 sigma */
	assert_int_equal(sim_frames_received(s, b), 0);
	assert_int_equal(sim_frames_sent(s, x), 10000);

	/* Latency + jitter: nothing before 5 ms, everything by 6 ms. */
	sim_link_up(s, x, b, true);
	vn_usec t0 = sim_now(s);

	for (int i = 0; i < 100; i++)
		sim_transmit_as(s, x, f, sizeof(f));
	sim_run_until(s, t0 + 4999);
	assert_int_equal(sim_frames_received(s, b), 0);
	sim_run_until(s, t0 + 6000);
	assert_int_equal(sim_frames_received(s, b), 100);

	/* A unicast reaches everyone linked when the filter is off. */
	memcpy(f, sim_mac(s, a)->b, 6);
	sim_transmit_as(s, x, f, sizeof(f));
	sim_run_for(s, MS(10));
	assert_int_equal(sim_frames_received(s, b), 101);
	sim_free(s);

	/* With the filter on, only its addressee; with retries, a 30 % link
	 * loses 0.3^4 of unicasts but still 30 % of broadcasts. */
	o.unicast_filter = true;
	o.unicast_retries = 3;
	s = sim_new(&o);
	m = sim_mac_n(1);
	a = sim_add_obu(s, NULL, &m);
	m = sim_mac_n(2);
	b = sim_add_obu(s, NULL, &m);
	m = sim_mac_n(3);
	x = sim_add_obu(s, NULL, &m);
	sim_remove(s, x);
	l = sim_link_default();
	l.loss = 0.3;
	sim_link_set(s, x, a, &l);
	sim_link_set(s, x, b, &l);
	memcpy(f, sim_mac(s, a)->b, 6);
	for (int i = 0; i < 10000; i++)
		sim_transmit_as(s, x, f, sizeof(f));
	sim_run_for(s, MS(20));
	got = sim_frames_received(s, a);
	assert_true(got > 9900); /* 1 - 0.3^4 = 99.19 % */
	assert_int_equal(sim_frames_received(s, b), 0);
	sim_free(s);
}

/* A lone RSU ticks every period (100 ms +- 5 %), also after a restart. */
static void timers(void **state)
{
	struct sim *s = scen_new(5);
	struct vn_mac m = sim_mac_n(0x100);
	int r = sim_add_rsu(s, NULL, &m);
	uint64_t n;

	(void)state;
	sim_run_until(s, SEC(10));
	n = sim_frames_sent(s, r);
	assert_true(n >= 95 && n <= 106);
	sim_restart(s, r);
	sim_run_until(s, SEC(20));
	n = sim_frames_sent(s, r) - n;
	assert_true(n >= 95 && n <= 106);
	sim_remove(s, r);
	n = sim_frames_sent(s, r);
	sim_run_until(s, SEC(21));
	assert_int_equal(sim_frames_sent(s, r), n);
	sim_free(s);
}

static uint16_t sum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void packets(void **state)
{
	uint8_t p[1500];
	struct vn_ip a = sim_ip4(1), b = scen_inet(2), a6, b6, got;
	size_t n, ip_len;

	(void)state;
	n = sim_build_udp4(p, sizeof(p), &a, &b, 1234, 100);
	assert_int_equal(n, 100);
	assert_int_equal(vn_ip_check(p, n, &ip_len), VN_RX_OK);
	assert_int_equal(ip_len, 100);
	assert_int_equal(sum16(p, 20), 0xffff); /* header checksum verifies */
	assert_int_equal(sim_packet_tag(p, n), 1234);
	vn_ip_src(p, &got);
	assert_true(vn_ip_eq(&got, &a));
	vn_ip_dst(p, &got);
	assert_true(vn_ip_eq(&got, &b));

	n = sim_build_icmp4(p, sizeof(p), &a, &b, 77, 84);
	assert_int_equal(vn_ip_check(p, n, &ip_len), VN_RX_OK);
	assert_int_equal(sum16(p + 20, n - 20), 0xffff); /* ICMP checksum */
	assert_int_equal(sim_packet_tag(p, n), 77);

	assert_int_equal(vn_ip_parse("fd00::1", &a6), 0);
	assert_int_equal(vn_ip_parse("2001:db8::2", &b6), 0);
	n = sim_build_udp6(p, sizeof(p), &a6, &b6, 99, 300);
	assert_int_equal(vn_ip_check(p, n, &ip_len), VN_RX_OK);
	assert_int_equal(ip_len, 300);
	assert_int_equal(sim_packet_tag(p, n), 99);

	assert_int_equal(sim_build_udp4(p, 20, &a, &b, 1, 100), 0); /* does not fit */
	assert_int_equal(sim_packet_tag(p, 3), SIM_TAG_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deterministic),
		cmocka_unit_test(step_invariant),
		cmocka_unit_test(links),
		cmocka_unit_test(timers),
		cmocka_unit_test(packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
