/* The RSU core's export events for host routes (rsu/rsu_export.c): which
 * addresses are served, fresh, settled or stale, and every withdrawal. */
#include <stdio.h>

#include "announce.h"
#include "rsu_fx.h"

#define EV_MAX 32

struct ev {
	struct vn_ip ip;
	enum rsu_export was, now;
};

static struct ev evs[EV_MAX];
static size_t nev;

static void on_export(void *ctx, const struct vn_ip *ip, const struct vn_mac *obu,
		      enum rsu_export was, enum rsu_export now)
{
	(void)ctx;
	(void)obu;
	assert_true(nev < EV_MAX);
	assert_int_not_equal(was, now);
	evs[nev++] = (struct ev){ *ip, was, now };
}

static struct fx *ex_new(void (*tune)(struct rsu_params *))
{
	struct fx *f = fx_new(tune);

	nev = 0;
	rsu_core_set_export(f->c, on_export, NULL);
	return f;
}

static struct vn_ip ip(const char *s)
{
	struct vn_ip a;

	assert_int_equal(vn_ip_parse(s, &a), 0);
	return a;
}

/* The n-th event is addr: was -> now. */
static void ev_is(size_t n, const char *addr, enum rsu_export was, enum rsu_export now)
{
	struct vn_ip a = ip(addr);

	assert_true(n < nev);
	assert_true(vn_ip_eq(&evs[n].ip, &a));
	assert_int_equal(evs[n].was, was);
	assert_int_equal(evs[n].now, now);
}

/* An Upstream frame from `from` for `origin` carrying an announce of addr. */
static void announce(struct fx *f, const struct vn_mac *from, const struct vn_mac *origin,
		     const char *addr, enum vn_announce_kind kind, vn_usec now)
{
	uint8_t fr[128];
	struct vn_ip a = ip(addr);

	memcpy(fr, R.b, 6);
	memcpy(fr + 6, from->b, 6);
	fr[12] = 0x30, fr[13] = 0x30, fr[14] = 1, fr[15] = 0;
	memcpy(fr + 16, origin->b, 6);
	feed(f, fr, VN_UP_HLEN + vn_announce_build(fr + VN_UP_HLEN, 64, &a, kind), now);
}

/* A direct reply of obu to heartbeat k (sent at T0 + k periods). */
static void reply_k(struct fx *f, const struct vn_mac *obu, uint32_t k)
{
	run_to(f, T0 + MS(100 * k));
	reply(f, obu, obu, (vn_u128)k * 100, k, 1, T0 + MS(100 * k + 5));
}

/* Default timings: obu_timeout 6.5 s, stale after 3.25 s of silence,
 * fresh for 3.45 s. */
static void test_lifecycle(void **state)
{
	struct fx *f = ex_new(NULL);

	(void)state;
	reply_k(f, &C, 0);
	assert_int_equal(nev, 0);
	announce(f, &C, &C, "10.0.0.3", VN_ANNOUNCE_ATTACH, T0 + MS(10));
	assert_int_equal(f->h.ndel, 0); /* never into tun0 */
	assert_int_equal(ctr(f, "up_announces"), 1);
	assert_int_equal(nev, 1);
	ev_is(0, "10.0.0.3", RSU_EXPORT_NONE, RSU_EXPORT_FRESH);
	assert_int_equal(rsu_core_n_exported(f->c), 1);
	/* kept alive by keep-alive announces; still fresh at 3.4 s */
	for (int s = 1; s <= 3; s++) {
		run_to(f, T0 + MS(1000 * s));
		announce(f, &C, &C, "10.0.0.3", VN_ANNOUNCE_KEEPALIVE, T0 + MS(1000 * s + 10));
	}
	run_to(f, T0 + MS(3400));
	assert_int_equal(nev, 1);
	run_to(f, T0 + MS(3600));
	assert_int_equal(nev, 2);
	ev_is(1, "10.0.0.3", RSU_EXPORT_FRESH, RSU_EXPORT_SETTLED);
	/* silent from 3.01 s: stale after 6.26 s, gone after 9.51 s */
	run_to(f, T0 + MS(6200));
	assert_int_equal(nev, 2);
	run_to(f, T0 + MS(6400));
	assert_int_equal(nev, 3);
	ev_is(2, "10.0.0.3", RSU_EXPORT_SETTLED, RSU_EXPORT_STALE);
	run_to(f, T0 + MS(9400));
	assert_int_equal(nev, 3);
	run_to(f, T0 + MS(9700));
	assert_int_equal(ctr(f, "obus_gone"), 1);
	assert_int_equal(nev, 4);
	ev_is(3, "10.0.0.3", RSU_EXPORT_STALE, RSU_EXPORT_NONE);
	assert_int_equal(rsu_core_n_exported(f->c), 0);
	assert_int_equal(ctr(f, "ip_exports"), 3);
	assert_int_equal(ctr(f, "ip_withdraws"), 1);
	fx_free(f);
}

/* An OBU announces as soon as it chooses us, before its reply to our next
 * heartbeat: its data makes its route at once (through the relay that
 * handed it, docs/routing.md RSU rule 9), so its addresses are exported
 * then, and the reply changes nothing the backbone sees. */
static void test_announce_before_reply(void **state)
{
	struct fx *f = ex_new(NULL);

	(void)state;
	run_to(f, T0);
	announce(f, &C, &C, "fd00::3", VN_ANNOUNCE_ATTACH, T0 + MS(1));
	assert_int_equal(ctr(f, "ips_learned"), 1);
	assert_int_equal(nev, 1);
	ev_is(0, "fd00::3", RSU_EXPORT_NONE, RSU_EXPORT_FRESH);
	reply(f, &C, &C, 0, 0, 1, T0 + MS(5));
	assert_int_equal(nev, 1);
	fx_free(f);
}

/* Addresses learned from an OBU's data are served as they come: its first
 * data made its route. (With that rule the bounded ring of addresses that
 * wait for a route, rsu_export.c, is no longer reached from data.) */
static void test_pending_bounded(void **state)
{
	struct fx *f = ex_new(NULL);
	char a[32];

	(void)state;
	run_to(f, T0);
	for (int i = 1; i <= 20; i++) {
		snprintf(a, sizeof(a), "10.0.1.%d", i);
		announce(f, &C, &C, a, VN_ANNOUNCE_ATTACH, T0 + MS(1));
	}
	/* C's first data made its route (RSU rule 9): every address is
	 * served as it is learned, none waits */
	assert_int_equal(nev, 20);
	ev_is(0, "10.0.1.1", RSU_EXPORT_NONE, RSU_EXPORT_FRESH);
	ev_is(19, "10.0.1.20", RSU_EXPORT_NONE, RSU_EXPORT_FRESH);
	reply(f, &C, &C, 0, 0, 1, T0 + MS(5));
	run_to(f, T0 + MS(100));
	assert_int_equal(nev, 20);
	fx_free(f);
}

/* A vehicle that comes back (attach announce) is fresh again; an address
 * that moves to another OBU is a new attachment too, or withdrawn if that
 * OBU has no route here. */
static void test_reattach_and_move(void **state)
{
	struct fx *f = ex_new(NULL);

	(void)state;
	reply_k(f, &C, 0);
	reply_k(f, &D, 0);
	announce(f, &C, &C, "10.0.0.3", VN_ANNOUNCE_ATTACH, T0 + MS(10));
	for (int k = 10; k <= 40; k += 10)
		reply_k(f, &C, (uint32_t)k);
	assert_int_equal(nev, 2);
	ev_is(1, "10.0.0.3", RSU_EXPORT_FRESH, RSU_EXPORT_SETTLED);
	run_to(f, T0 + MS(4010));
	announce(f, &C, &C, "10.0.0.3", VN_ANNOUNCE_ATTACH, T0 + MS(4010));
	assert_int_equal(nev, 3);
	ev_is(2, "10.0.0.3", RSU_EXPORT_SETTLED, RSU_EXPORT_FRESH);
	/* settled again after 3.45 s; a keep-alive announce does not make it fresh */
	for (int k = 50; k <= 70; k += 10)
		reply_k(f, &C, (uint32_t)k);
	run_to(f, T0 + MS(7600));
	assert_int_equal(nev, 4);
	ev_is(3, "10.0.0.3", RSU_EXPORT_FRESH, RSU_EXPORT_SETTLED);
	announce(f, &C, &C, "10.0.0.3", VN_ANNOUNCE_KEEPALIVE, T0 + MS(7610));
	assert_int_equal(nev, 4);
	/* D's route is stale by now (silent since 0 s); its data moves the address */
	reply_k(f, &D, 77);
	announce(f, &D, &D, "10.0.0.3", VN_ANNOUNCE_KEEPALIVE, T0 + MS(7710));
	assert_int_equal(ctr(f, "ips_moved"), 1);
	assert_int_equal(nev, 5);
	ev_is(4, "10.0.0.3", RSU_EXPORT_SETTLED, RSU_EXPORT_FRESH);
	/* to an OBU without a route here: its data makes one (RSU rule 9),
	 * the address moves and stays fresh -- nothing for the backbone */
	run_to(f, T0 + MS(7720));
	announce(f, &E, &E, "10.0.0.3", VN_ANNOUNCE_KEEPALIVE, T0 + MS(7720));
	assert_int_equal(ctr(f, "ips_moved"), 2);
	assert_int_equal(nev, 5);
	fx_free(f);
}

static void small_ips(struct rsu_params *p)
{
	p->max_ips = 2;
}

/* A full table evicts its oldest address: withdrawn first. */
static void test_evict(void **state)
{
	struct fx *f = ex_new(small_ips);

	(void)state;
	reply_k(f, &C, 0);
	announce(f, &C, &C, "10.0.0.1", VN_ANNOUNCE_ATTACH, T0 + MS(10));
	announce(f, &C, &C, "10.0.0.2", VN_ANNOUNCE_ATTACH, T0 + MS(11));
	announce(f, &C, &C, "10.0.0.3", VN_ANNOUNCE_ATTACH, T0 + MS(12));
	assert_int_equal(ctr(f, "ips_evicted"), 1);
	assert_int_equal(nev, 4);
	ev_is(2, "10.0.0.1", RSU_EXPORT_FRESH, RSU_EXPORT_NONE);
	ev_is(3, "10.0.0.3", RSU_EXPORT_NONE, RSU_EXPORT_FRESH);
	assert_int_equal(rsu_core_n_exported(f->c), 2);
	fx_free(f);
}

/* Link-local and loopback addresses are learned (downstream works) but
 * never exported. */
static void test_not_exported(void **state)
{
	struct fx *f = ex_new(NULL);

	(void)state;
	reply_k(f, &C, 0);
	announce(f, &C, &C, "fe80::3", VN_ANNOUNCE_ATTACH, T0 + MS(10));
	announce(f, &C, &C, "169.254.0.3", VN_ANNOUNCE_ATTACH, T0 + MS(11));
	announce(f, &C, &C, "::1", VN_ANNOUNCE_ATTACH, T0 + MS(12));
	announce(f, &C, &C, "127.0.0.3", VN_ANNOUNCE_ATTACH, T0 + MS(13));
	assert_int_equal(ctr(f, "ips_learned"), 4);
	run_to(f, T0 + MS(500));
	assert_int_equal(nev, 0);
	fx_free(f);
}

/* Ordinary data exports its source like an announce does, and is still
 * delivered. */
static void test_data_exports(void **state)
{
	struct fx *f = ex_new(NULL);
	uint8_t fr[128];

	(void)state;
	reply_k(f, &C, 0);
	feed(f, fr, b_up(fr, &R, &C, &C, 3, 1), T0 + MS(10));
	assert_int_equal(f->h.ndel, 1);
	assert_int_equal(nev, 1);
	ev_is(0, "10.0.0.3", RSU_EXPORT_NONE, RSU_EXPORT_FRESH);
	fx_free(f);
}

/* Off: nothing. Set again: everything afresh at the next tick (the shell
 * has flushed). A capacity change withdraws everything first. */
static void test_off_on_and_reset(void **state)
{
	struct fx *f = ex_new(NULL);
	struct rsu_params p;

	(void)state;
	reply_k(f, &C, 0);
	announce(f, &C, &C, "10.0.0.3", VN_ANNOUNCE_ATTACH, T0 + MS(10));
	assert_int_equal(nev, 1);
	rsu_core_set_export(f->c, NULL, NULL);
	assert_int_equal(rsu_core_n_exported(f->c), 0);
	reply_k(f, &C, 5);
	assert_int_equal(nev, 1);
	rsu_core_set_export(f->c, on_export, NULL);
	reply_k(f, &C, 6);
	assert_int_equal(nev, 2);
	ev_is(1, "10.0.0.3", RSU_EXPORT_NONE, RSU_EXPORT_FRESH);
	p = f->p;
	p.max_ips = 100;
	run_to(f, T0 + MS(700));
	assert_int_equal(rsu_core_set_params(f->c, &p, T0 + MS(700)), 0);
	assert_int_equal(nev, 3);
	ev_is(2, "10.0.0.3", RSU_EXPORT_FRESH, RSU_EXPORT_NONE);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_announce_before_reply),
		cmocka_unit_test(test_pending_bounded),
		cmocka_unit_test(test_reattach_and_move),
		cmocka_unit_test(test_evict),
		cmocka_unit_test(test_not_exported),
		cmocka_unit_test(test_data_exports),
		cmocka_unit_test(test_off_on_and_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
