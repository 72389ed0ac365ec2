/* Two RSUs in reach: each OBU keeps one RSU (no flapping over ten minutes
 * of virtual time with 10 % loss), and moves to the other when its RSU
 * dies; an OBU whose relay chose the other RSU reaches its own, in plain
 * and in encrypt mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scenario.h"
#include "sec_layer.h"

static const uint64_t seeds_dflt[] = { 61, 62, 63 };

#define NOBU 6

/* A - O1 - O2 - O3 - O4 - B; O5 hears O2 and O3 (three hops from either
 * RSU: the undecided one); O6 hears A and B directly. */
static void run(uint64_t seed, double loss)
{
	struct sim *s = scen_new(seed);
	struct sim_link_cfg l = sim_link_default();
	struct vn_mac m;
	int A, B, o[NOBU + 1];
	int first[NOBU + 1];
	unsigned rsu_changes[NOBU + 1] = { 0 }, hop_changes[NOBU + 1] = { 0 }, none[NOBU + 1] = { 0 };
	struct vn_mac last_rsu[NOBU + 1], last_hop[NOBU + 1];
	struct scen_attach a = { o + 1, NOBU, -1 };
	vn_usec kill = SEC(600), t;

	m = sim_mac_n(0xA00);
	A = sim_add_rsu(s, NULL, &m);
	m = sim_mac_n(0xB00);
	B = sim_add_rsu(s, NULL, &m);
	for (int i = 1; i <= NOBU; i++) {
		m = sim_mac_n((uint32_t)i);
		o[i] = sim_add_obu(s, NULL, &m);
		last_rsu[i] = vn_mac_zero;
		last_hop[i] = vn_mac_zero;
	}
	l.loss = loss;
	sim_link_both(s, A, o[1], &l);
	sim_link_both(s, o[1], o[2], &l);
	sim_link_both(s, o[2], o[3], &l);
	sim_link_both(s, o[3], o[4], &l);
	sim_link_both(s, o[4], B, &l);
	sim_link_both(s, o[5], o[2], &l);
	sim_link_both(s, o[5], o[3], &l);
	sim_link_both(s, o[6], A, &l);
	sim_link_both(s, o[6], B, &l);
	assert_true(scen_run_until_pred(s, scen_all_attached, &a, MS(5), SEC(3)) != VN_USEC_NEVER);
	sim_run_until(s, SEC(5));
	for (t = SEC(5); t < kill; t += MS(100)) {
		sim_run_until(s, t);
		for (int i = 1; i <= NOBU; i++) {
			struct obu_route_info r;

			if (!sim_upstream(s, o[i], &r)) {
				none[i]++;
				continue;
			}
			if (!vn_mac_is_zero(&last_rsu[i]) && !vn_mac_eq(&r.rsu, &last_rsu[i]))
				rsu_changes[i]++;
			if (!vn_mac_is_zero(&last_hop[i]) && !vn_mac_eq(&r.next_hop, &last_hop[i]))
				hop_changes[i]++;
			last_rsu[i] = r.rsu;
			last_hop[i] = r.next_hop;
		}
	}
	for (int i = 1; i <= NOBU; i++) {
		first[i] = sim_attached_to(s, o[i], A) ? A : B;
		fprintf(stderr, "seed %llu loss %.0f %%: OBU%d on RSU %s, %u RSU changes, %u next-hop changes, %u samples without upstream in 595 s\n",
			(unsigned long long)seed, loss * 100, i, first[i] == A ? "A" : "B",
			rsu_changes[i], hop_changes[i], none[i]);
	}
	/* One late settling move (after the 5 s warm-up, when the other RSU
	 * had been clearly better long enough) is not flapping; going back is. */
	for (int i = 1; i <= NOBU; i++) {
		assert_true(rsu_changes[i] <= 1);
		/* Without an upstream at most 5 % of the time (the chosen RSU is
		 * kept while its path is briefly silent). */
		assert_true(none[i] * 20 <= (unsigned)((kill - SEC(5)) / MS(100)));
	}
	/* The obvious ones. */
	assert_int_equal(first[1], A);
	assert_int_equal(first[4], B);
	if (sim_dup_forwards(s))
		sim_dup_report(s, 10);
	assert_int_equal(sim_dup_forwards(s), 0);

	/* Kill the RSU that has more OBUs; all move to the other. */
	int on_a = 0, dead, alive;
	unsigned on_alive[NOBU + 1] = { 0 };

	for (int i = 1; i <= NOBU; i++)
		on_a += first[i] == A;
	dead = on_a * 2 >= NOBU ? A : B;
	alive = dead == A ? B : A;
	sim_remove(s, dead);
	a.rsu = alive;
	t = scen_run_until_pred(s, scen_all_attached, &a, MS(5), kill + SEC(5));
	if (t == VN_USEC_NEVER)
		scen_dump_all(s);
	assert_true(t != VN_USEC_NEVER);
	fprintf(stderr, "seed %llu: all OBUs on RSU %s %.1f ms after RSU %s died\n",
		(unsigned long long)seed, alive == A ? "A" : "B", (double)(t - kill) / 1000.0,
		dead == A ? "A" : "B");
	/* And they stay there (a sample without upstream now and then is the
	 * 10 % loss; never back to the dead RSU) with traffic flowing. */
	for (int k = 0; k < 50; k++) {
		sim_run_for(s, MS(100));
		for (int i = 1; i <= NOBU; i++) {
			struct obu_route_info r;

			if (!sim_upstream(s, o[i], &r))
				continue;
			assert_false(vn_mac_eq(&r.rsu, sim_mac(s, dead)));
			on_alive[i]++;
		}
	}
	for (int i = 1; i <= NOBU; i++) {
		if (on_alive[i] < 40)
			fprintf(stderr, "seed %llu: OBU%d attached in only %u of 50 samples after the move\n",
				(unsigned long long)seed, i, on_alive[i]);
		assert_true(on_alive[i] >= 40); /* 4 hops of 10 %: a gap now and then */
	}
	for (int i = 1; i <= NOBU; i++) {
		struct vn_ip ip = sim_ip4((uint32_t)i), inet = scen_inet(1);
		uint32_t tag = sim_send_ip(s, o[i], &ip, &inet, 100);

		sim_run_for(s, MS(100));
		/* One try may be lost on a lossy link; try a few. */
		for (int k = 0; k < 5 && sim_delivered(s, alive, tag) == 0; k++) {
			tag = sim_send_ip(s, o[i], &ip, &inet, 100);
			sim_run_for(s, MS(100));
		}
		assert_int_equal(sim_delivered(s, alive, tag), 1);
	}
	assert_int_equal(sim_dup_forwards(s), 0);
	sim_free(s);
}

static void no_flapping_lossless(void **state)
{
	(void)state;
	run(60, 0.0);
}

static void no_flapping_lossy(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++)
		run(seeds[k], 0.1);
}

/* An OBU on RSU X directly that also hears RSU Y: its link to X is cut.
 * It moves to Y once X has been silent obu_rsu_leave_after (3 periods +
 * 1/4 on a clean link), not after X is gone (`history`, 10 periods: the
 * handover of integration.fleet). Returns the time from the cut to the
 * move. */
static vn_usec handover_once(uint64_t seed, double loss, unsigned phase)
{
	struct sim *s = scen_new(seed);
	struct sim_link_cfg l = sim_link_default();
	struct vn_mac m;
	struct obu_route_info r;
	int A, B, o, x, y;
	vn_usec cut, t;

	m = sim_mac_n(0xA00);
	A = sim_add_rsu(s, NULL, &m);
	m = sim_mac_n(0xB00);
	B = sim_add_rsu(s, NULL, &m);
	m = sim_mac_n(1);
	o = sim_add_obu(s, NULL, &m);
	l.loss = loss;
	sim_link_both(s, A, o, &l);
	sim_link_both(s, B, o, &l);
	cut = SEC(5) + MS(3) + MS(10) * phase;
	sim_run_until(s, cut);
	assert_true(sim_upstream(s, o, &r));
	x = sim_attached_to(s, o, A) ? A : B;
	y = x == A ? B : A;
	sim_link_up(s, x, o, false);
	for (t = cut; t < cut + SEC(3); t += MS(5)) {
		sim_run_until(s, t);
		if (sim_attached_to(s, o, y))
			break;
	}
	assert_true(sim_attached_to(s, o, y));
	sim_free(s);
	return t - cut;
}

static void handover_before_gone(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);
	vn_usec worst0 = 0, worst10 = 0;

	(void)state;
	for (size_t k = 0; k < ns; k++)
		for (unsigned phase = 0; phase < 10; phase++) {
			vn_usec a = handover_once(seeds[k], 0.0, phase);
			vn_usec b = handover_once(seeds[k], 0.1, phase);

			worst0 = a > worst0 ? a : worst0;
			worst10 = b > worst10 ? b : worst10;
		}
	fprintf(stderr, "handover off a dead direct RSU: worst %.0f ms clean, %.0f ms at 10 %% loss\n",
		(double)worst0 / 1000.0, (double)worst10 / 1000.0);
	/* gone after history (10) periods would be 1 s and more; at 10 %
	 * loss (p 0.9: 8 periods at odds 1e-7) it is about that anyway */
	assert_true(worst0 <= 5 * SCEN_T);
	assert_true(worst10 <= 12 * SCEN_T);
}

/* --- A relay on the other RSU ------------------------------------------- */

struct keys {
	struct vn_sec_netkeys net;
	struct vn_sec_signkey rsu[2];
	struct vn_sec_rsukeys trust;
};

static void keys_make(struct keys *k)
{
	memset(k, 0, sizeof(*k));
	k->net.n = 1;
	k->net.k[0].id = 3;
	memset(k->net.k[0].key, 0x77, VN_SEC_KEY_LEN);
	k->trust.n = 2;
	for (int i = 0; i < 2; i++) {
		memset(k->rsu[i].seed, 0x40 + i, sizeof(k->rsu[i].seed));
		vn_sec_signkey_expand(&k->rsu[i]);
		memcpy(k->trust.pk[i], k->rsu[i].pk, VN_SEC_PK_LEN);
	}
}

/* mode = encrypt at node (rsu: its signing key, else an OBU trusting both). */
static void secure(struct sim *s, const struct keys *k, int node, int rsu)
{
	struct vn_sec_params p;
	struct vn_sec *l;
	uint8_t seed[32] = { (uint8_t)node, 0x7e };

	vn_sec_params_default(&p);
	l = vn_sec_create(sim_mac(s, node), &p, 1000000u * (uint64_t)(node + 1), sim_now(s));
	assert_non_null(l);
	vn_sec_set_netkeys(l, &k->net);
	if (rsu >= 0)
		vn_sec_set_signkey(l, &k->rsu[rsu], 1);
	else
		vn_sec_set_rsukeys(l, &k->trust);
	vn_sec_set_encrypt(l, seed);
	sim_secure(s, node, l);
}

/*   A ---- O3      O2 first reaches A through O3; O1 hears B a second
 *   :       \      later and moves to it (A's link to O1 comes up only
 *   :   B   O2     after that); then O3 goes: O2 keeps A, through O1
 *   :   |  /       now, and O1 keeps B -- a tie for both (two hops to
 *   :...O1         either for O2, one for O1), so neither moves.
 * O2's data must still reach A, the RSU it chose (the one its replies
 * give a route to it, and, encrypted, the one it sealed the data for), and
 * A's Downstream reach O2. Without the relay following its origin's RSU
 * (obu_data.c) the data went to B: delivered there in plain mode, lost in
 * encrypt mode (B cannot open it). Returns O2's packets delivered at A,
 * of 100. */
static unsigned relay_on_other_rsu(uint64_t seed, bool encrypt)
{
	struct sim *s = scen_new(seed);
	struct sim_link_cfg l = sim_link_default();
	struct obu_params full;
	struct vn_mac m;
	struct keys k;
	struct scen_flow up;
	struct vn_ip ip = sim_ip4(2), inet = scen_inet(1);
	int A, B, o1, o2, o3;
	unsigned at_a, at_b, down = 0;
	uint64_t lost_b = 0;

	keys_make(&k);
	m = sim_mac_n(0xA00);
	A = sim_add_rsu(s, NULL, &m);
	m = sim_mac_n(0xB00);
	B = sim_add_rsu(s, NULL, &m);
	/* O1 relays every heartbeat (v1 duty): O2 has it as a candidate
	 * towards A before O3 goes, and fails over to it at once */
	obu_params_default(&full);
	full.relay_sparse = 1;
	m = sim_mac_n(1);
	o1 = sim_add_obu(s, &full, &m);
	m = sim_mac_n(2);
	o2 = sim_add_obu(s, NULL, &m);
	m = sim_mac_n(3);
	o3 = sim_add_obu(s, NULL, &m);
	if (encrypt) {
		secure(s, &k, A, 0);
		secure(s, &k, B, 1);
		secure(s, &k, o1, -1);
		secure(s, &k, o2, -1);
		secure(s, &k, o3, -1);
	}
	assert_int_equal(scen_set_addr(s, o2, 2), 0);
	sim_link_both(s, o1, o2, &l);
	sim_link_both(s, A, o3, &l);
	sim_link_both(s, o3, o2, &l);
	sim_run_until(s, SEC(1));
	sim_link_both(s, B, o1, &l);
	sim_run_until(s, SEC(3));
	sim_link_both(s, A, o1, &l);
	/* until 1 s O1 was on A through O2: its data (encrypt: its hellos)
	 * marked it below O2 for dep_hold (4 s) */
	sim_run_until(s, SEC(7));
	assert_true(sim_attached_to(s, o1, B));
	assert_true(sim_attached_to(s, o2, A));
	sim_remove(s, o3);
	sim_run_until(s, SEC(10));
	assert_true(sim_attached_to(s, o1, B));
	assert_true(sim_attached_to(s, o2, A)); /* through O1 now */
	/* B may have had one of O2's packets at the moment O2 moved to O1 (a
	 * frame ahead of its reply: the simulator's jitter reorders), none
	 * since: a counted drop at the change, not a lasting loss */
	if (encrypt)
		lost_b = vn_sec_drops(sim_sec(s, B), VN_SEC_DROP_no_session) +
			 vn_sec_drops(sim_sec(s, B), VN_SEC_DROP_bad_aead);
	scen_flow_start(s, &up, o2, &ip, &inet, SEC(10), MS(20), SEC(12));
	sim_run_until(s, SEC(13));
	at_a = (unsigned)scen_flow_delivered(s, &up, A);
	at_b = (unsigned)scen_flow_delivered(s, &up, B);
	for (int i = 0; i < 20; i++) {
		uint32_t tag = sim_send_ip(s, A, &inet, &ip, 200);

		sim_run_for(s, MS(20));
		down += sim_delivered(s, o2, tag) > 0;
	}
	fprintf(stderr, "seed %llu %s: O2 (on A via O1, O1 on B): %u of %zu at A, %u at B; %u of 20 from A delivered\n",
		(unsigned long long)seed, encrypt ? "encrypt" : "plain", at_a, up.n, at_b, down);
	assert_int_equal(up.n, 100);
	assert_int_equal(down, 20);
	if (encrypt) {
		assert_true(sim_attached_to(s, o1, B));
		assert_true(lost_b <= 2);
		assert_int_equal(vn_sec_drops(sim_sec(s, B), VN_SEC_DROP_no_session) +
					 vn_sec_drops(sim_sec(s, B), VN_SEC_DROP_bad_aead),
				 lost_b);
	}
	scen_flow_free(&up);
	sim_free(s);
	return at_a;
}

static void relay_on_other_rsu_seeds(bool encrypt)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	for (size_t k = 0; k < ns; k++)
		assert_int_equal(relay_on_other_rsu(seeds[k], encrypt), 100);
}

static void relay_on_other_rsu_plain(void **state)
{
	(void)state;
	relay_on_other_rsu_seeds(false);
}

static void relay_on_other_rsu_encrypt(void **state)
{
	(void)state;
	relay_on_other_rsu_seeds(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handover_before_gone),
		cmocka_unit_test(no_flapping_lossless),
		cmocka_unit_test(no_flapping_lossy),
		cmocka_unit_test(relay_on_other_rsu_plain),
		cmocka_unit_test(relay_on_other_rsu_encrypt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
