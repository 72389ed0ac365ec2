/* The security layer in the simulator (docs/security.md): RSU - O1 - O2,
 * all with the network key, steady traffic both ways, and an attacker X
 * that hears and is heard by everyone. X forges RSUs (as an outsider and
 * as an insider with the network key), lowers hop counts of recorded
 * heartbeats, replays recorded frames, and floods bad signatures; each
 * attack is refused with its counter while the real traffic keeps flowing
 * (>= 95 % delivered) and O2 keeps its route via O1. In mode = encrypt,
 * X replays recorded sealed data re-tagged as its own (the AEAD window
 * stops them at the end points) and alters their ciphertext and counter
 * (bad_aead, and the window stays where it was). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "attack_world.h"
#include "scenario.h"
#include "sec_layer.h"
#include "wire.h"

static const uint64_t seeds_dflt[] = { 91, 92 };

#define TAPS 64

struct world {
	struct attack_world a;
	struct vn_sec_netkeys net;
	struct vn_sec_signkey rsukey;
	/* what X recorded: the latest frames O1 sent, by kind */
	uint8_t hb[TAPS][512], data[TAPS][2048];
	size_t hb_len[TAPS], data_len[TAPS];
	unsigned n_hb, n_data;
	uint64_t ctr; /* X's own per-hop counter (an insider's) */
	bool encrypt;
	unsigned n_plain_data; /* data frames O1 sent not sealed */
};

static void tap(void *ctx, int node, const uint8_t *f, size_t len)
{
	struct world *w = ctx;
	struct vn_sec_view v;

	if (node != w->a.o1 || len > sizeof(w->data[0]) ||
	    vn_sec_decode((uint8_t *)(uintptr_t)f, len, &v) != VN_SEC_OK)
		return;
	if (v.has_hbext) {
		memcpy(w->hb[w->n_hb % TAPS], f, len);
		w->hb_len[w->n_hb++ % TAPS] = len;
	} else if (v.cls == VN_SEC_CLASS_DATA) {
		w->n_plain_data += !vn_sec_sub_sealed(v.subtype);
		memcpy(w->data[w->n_data % TAPS], f, len);
		w->data_len[w->n_data++ % TAPS] = len;
	}
}

static struct vn_sec *layer(struct world *w, int node, bool rsu)
{
	struct vn_sec_params p;
	struct vn_sec_rsukeys trust = { .n = 1 };
	struct vn_sec *l;

	vn_sec_params_default(&p);
	l = vn_sec_create(sim_mac(w->a.s, node), &p, 1000000u * (uint64_t)(node + 1), sim_now(w->a.s));
	assert_non_null(l);
	vn_sec_set_netkeys(l, &w->net);
	memcpy(trust.pk[0], w->rsukey.pk, VN_SEC_PK_LEN);
	if (rsu)
		vn_sec_set_signkey(l, &w->rsukey, 1);
	else
		vn_sec_set_rsukeys(l, &trust);
	if (w->encrypt) {
		uint8_t seed[32] = { (uint8_t)node, 0x5e };

		vn_sec_set_encrypt(l, seed);
	}
	return l;
}

/* The layers before the links: no frame leaves unsecured. */
static void secure_all(void *ctx)
{
	struct world *w = ctx;

	sim_secure(w->a.s, w->a.rsu, layer(w, w->a.rsu, true));
	sim_secure(w->a.s, w->a.o1, layer(w, w->a.o1, false));
	sim_secure(w->a.s, w->a.o2, layer(w, w->a.o2, false));
	sim_sec_tap(w->a.s, tap, w);
}

static void world_new_mode(struct world *w, uint64_t seed, bool encrypt)
{
	memset(w, 0, sizeof(*w));
	w->encrypt = encrypt;
	w->net.n = 1;
	w->net.k[0].id = 7;
	memset(w->net.k[0].key, (int)(seed & 0xff), VN_SEC_KEY_LEN);
	memset(w->rsukey.seed, 0x42, sizeof(w->rsukey.seed));
	vn_sec_signkey_expand(&w->rsukey);
	w->ctr = 1ull << 60;
	aw_new(&w->a, seed, secure_all, w);
}

static void world_new(struct world *w, uint64_t seed)
{
	world_new_mode(w, seed, false);
}

static void world_free(struct world *w)
{
	aw_free(&w->a);
}

static uint64_t drops(struct world *w, int node, enum vn_sec_drop d)
{
	return vn_sec_drops(sim_sec(w->a.s, node), d);
}

/* An insider's touch: X's own counter and transmitter address, the tag
 * recomputed with the network key. */
static void insider_retag(struct world *w, uint8_t *f, size_t len)
{
	struct vn_sec_view v;

	memcpy(f + 6, sim_mac(w->a.s, w->a.x)->b, VN_MAC_LEN);
	assert_int_equal(vn_sec_decode(f, len, &v), VN_SEC_OK);
	vn_put_be32(f + 20, (uint32_t)(++w->ctr >> 32));
	vn_put_be32(f + 24, (uint32_t)w->ctr);
	vn_sec_tag_view(w->net.k[0].key, &v, v.tag);
}

/* A heartbeat "from" source at hops 1, signed by `key`, as X's layer (with
 * the network key `net`) would send it. */
static size_t forged_hb(struct world *w, const struct vn_sec_netkeys *net,
			const struct vn_sec_signkey *key, const struct vn_mac *source, uint32_t id,
			uint8_t *out)
{
	static uint8_t mem[VN_PBUF_SIZE + VN_SEC_OVERHEAD];
	struct vn_sec_params p;
	struct vn_heartbeat hb = { .uptime = (vn_u128)id * 100, .id = id, .hops = 1, .source = *source };
	struct vn_sec *l;
	uint8_t *f = mem + VN_PBUF_HEADROOM, *sec;
	size_t n;

	vn_sec_params_default(&p);
	l = vn_sec_create(source, &p, ++w->ctr, 0);
	vn_sec_set_netkeys(l, net);
	vn_sec_set_signkey(l, key, 99);
	vn_enc_heartbeat(f, 64, &vn_mac_broadcast, sim_mac(w->a.s, w->a.x), &hb);
	n = vn_sec_tx(l, f, VN_HEARTBEAT_LEN, VN_PBUF_HEADROOM, 4096, &sec);
	assert_int_not_equal(n, 0);
	memcpy(out, sec, n);
	vn_sec_destroy(l);
	return n;
}

/* No attack: every honest frame passes, at every node (a copy relayed
 * back from farther down is a cache hit, not a chain drop). */
static void honest_network_drops_nothing_one(uint64_t seed)
{
	struct world w;
	vn_usec t0;

	world_new(&w, seed);
	t0 = sim_now(w.a.s);
	sim_run_for(w.a.s, SEC(3));
	aw_check(&w.a, t0, "no attack");
	for (int node = w.a.rsu; node <= w.a.o2; node++)
		for (int d = 1; d < VN_SEC_DROP__COUNT; d++) {
			if (drops(&w, node, (enum vn_sec_drop)d) != 0)
				fprintf(stderr, "node %d: %llu sec_%s\n", node,
					(unsigned long long)drops(&w, node, (enum vn_sec_drop)d),
					vn_sec_drop_name((enum vn_sec_drop)d));
			assert_int_equal(drops(&w, node, (enum vn_sec_drop)d), 0);
		}
	assert_true(vn_sec_drops(sim_sec(w.a.s, w.a.o2), VN_SEC_OK) == 0);
	world_free(&w);
}

static void honest_network_drops_nothing(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, honest_network_drops_nothing_one);
}

/* The RSU restarts (ids from 0 again, the next epoch): the OBUs take its
 * heartbeats at once, not as stale; with the same epoch (a lost state
 * file) they would refuse them (sec_stale_hb) until the ids catch up. */
static void rsu_restart_fresh_epoch_one(uint64_t seed)
{
	struct world w;
	vn_usec t0;

	world_new(&w, seed);
	sim_run_for(w.a.s, SEC(10)); /* ids well past the 64-id window */
	sim_restart(w.a.s, w.a.rsu);
	assert_int_equal(vn_sec_epoch(sim_sec(w.a.s, w.a.rsu)), 2);
	t0 = sim_now(w.a.s);
	sim_run_for(w.a.s, SEC(3));
	assert_true(sim_attached_to(w.a.s, w.a.o2, w.a.rsu));
	assert_int_equal(drops(&w, w.a.o1, VN_SEC_DROP_stale_hb), 0);
	assert_int_equal(drops(&w, w.a.o2, VN_SEC_DROP_stale_hb), 0);
	aw_check(&w.a, t0 + SEC(2), "after the RSU's restart");
	/* the same again with the epoch not moved on: stale */
	sim_run_for(w.a.s, SEC(10));
	sim_restart(w.a.s, w.a.rsu);
	vn_sec_set_epoch(sim_sec(w.a.s, w.a.rsu), 2);
	sim_run_for(w.a.s, SEC(1));
	assert_true(drops(&w, w.a.o1, VN_SEC_DROP_stale_hb) > 0);
	world_free(&w);
}

static void rsu_restart_fresh_epoch(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, rsu_restart_fresh_epoch_one);
}

static void forged_rsus_one(uint64_t seed)
{
	struct world w;
	struct vn_sec_netkeys wrong = { .n = 1 };
	struct vn_sec_signkey evil;
	struct vn_mac fake = sim_mac_n(0xfa4e);
	uint8_t f[512];
	vn_usec t0;

	world_new(&w, seed);
	t0 = sim_now(w.a.s);
	wrong.k[0].id = 7; /* the right id, the wrong key */
	memset(wrong.k[0].key, 0xee, VN_SEC_KEY_LEN);
	memset(evil.seed, 0x66, sizeof(evil.seed));
	vn_sec_signkey_expand(&evil);
	for (int i = 0; i < 100; i++) {
		uint32_t id = (uint32_t)(sim_now(w.a.s) / SCEN_T) + 5;
		size_t n;

		/* an outsider: plain heartbeats, and secured with a guessed key */
		n = forged_hb(&w, &wrong, &evil, sim_mac(w.a.s, w.a.rsu), id, f);
		sim_transmit_as(w.a.s, w.a.x, f, n);
		n = vn_enc_heartbeat(f, 64, &vn_mac_broadcast, sim_mac(w.a.s, w.a.x),
				     &(struct vn_heartbeat){ .id = id, .hops = 1, .source = fake });
		sim_transmit_as(w.a.s, w.a.x, f, n);
		/* an insider: the network key, its own signing key, the
		 * real RSU's name and a fake one */
		n = forged_hb(&w, &w.net, &evil, sim_mac(w.a.s, w.a.rsu), id, f);
		sim_transmit_as(w.a.s, w.a.x, f, n);
		n = forged_hb(&w, &w.net, &evil, &fake, id, f);
		sim_transmit_as(w.a.s, w.a.x, f, n);
		sim_run_for(w.a.s, MS(20));
	}
	aw_check(&w.a, t0, "forged RSUs");
	assert_true(drops(&w, w.a.o1, VN_SEC_DROP_bad_tag) >= 100);
	assert_true(drops(&w, w.a.o2, VN_SEC_DROP_unsecured) >= 100);
	assert_true(drops(&w, w.a.o2, VN_SEC_DROP_untrusted_rsu) >= 200);
	assert_int_equal(sim_find(w.a.s, &fake), -1);
	world_free(&w);
}

static void forged_rsus(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, forged_rsus_one);
}

static void lowered_hops_and_replays_one(uint64_t seed)
{
	struct world w;
	uint8_t f[2048];
	vn_usec t0;
	uint64_t chain0, replay0;

	world_new(&w, seed);
	assert_true(w.n_hb > 0 && w.n_data > 0);
	t0 = sim_now(w.a.s);
	chain0 = drops(&w, w.a.o2, VN_SEC_DROP_chain);
	replay0 = drops(&w, w.a.o2, VN_SEC_DROP_replay) + drops(&w, w.a.rsu, VN_SEC_DROP_replay);
	for (int i = 0; i < 100; i++) {
		unsigned h = (w.n_hb - 1) % TAPS, d = (w.n_data - 1) % TAPS;
		size_t n = w.hb_len[h];

		/* O1's latest heartbeat (O2 at 2 hops) claimed at 1 hop,
		 * re-tagged: the chain value is worth 2 */
		memcpy(f, w.hb[h], n);
		assert_int_equal(vn_get_be32(f + VN_SEC_HLEN + 22), 2);
		vn_put_be32(f + VN_SEC_HLEN + 22, 1);
		insider_retag(&w, f, n);
		sim_transmit_as(w.a.s, w.a.x, f, n);
		/* replays, byte for byte: a heartbeat and a data frame */
		sim_transmit_as(w.a.s, w.a.x, w.hb[h], n);
		sim_transmit_as(w.a.s, w.a.x, w.data[d], w.data_len[d]);
		sim_run_for(w.a.s, MS(20));
	}
	aw_check(&w.a, t0, "lowered hop counts and replays");
	assert_true(drops(&w, w.a.o2, VN_SEC_DROP_chain) >= chain0 + 100);
	assert_true(drops(&w, w.a.o2, VN_SEC_DROP_replay) + drops(&w, w.a.rsu, VN_SEC_DROP_replay) >=
		    replay0 + 100);
	world_free(&w);
}

static void lowered_hops_and_replays(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, lowered_hops_and_replays_one);
}

static void bad_signature_flood_one(uint64_t seed)
{
	struct world w;
	uint8_t f[512];
	vn_usec t0;
	uint64_t checked;

	world_new(&w, seed);
	t0 = sim_now(w.a.s);
	/* 2 s at 1000/s: the real RSU's name, fresh ids, the trusted key's
	 * hint, a broken signature */
	for (int i = 0; i < 2000; i++) {
		uint32_t id = (uint32_t)(sim_now(w.a.s) / SCEN_T) + 3 + (uint32_t)(i % 50);
		size_t n = forged_hb(&w, &w.net, &w.rsukey, sim_mac(w.a.s, w.a.rsu), id, f);

		f[VN_SEC_HLEN + 32 + 48] ^= 0x01;
		insider_retag(&w, f, n);
		sim_transmit_as(w.a.s, w.a.x, f, n);
		sim_run_for(w.a.s, MS(1));
	}
	aw_check(&w.a, t0, "bad-signature flood");
	checked = drops(&w, w.a.o2, VN_SEC_DROP_bad_signature);
	fprintf(stderr, "  O2: %llu bad signatures checked, %llu over budget\n",
		(unsigned long long)checked,
		(unsigned long long)drops(&w, w.a.o2, VN_SEC_DROP_budget));
	/* the per-neighbour budget: about 50/s after a burst of 100 */
	assert_true(checked <= 100 + 50 * 3);
	assert_true(drops(&w, w.a.o2, VN_SEC_DROP_budget) >= 1500);
	world_free(&w);
}

static void bad_signature_flood(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, bad_signature_flood_one);
}

/* mode = encrypt: the traffic flows sealed; X replays O1's recorded
 * sealed data under its own per-hop counter and tag (an insider: only the
 * AEAD window at the end point can tell) and sends copies with a bit of
 * ciphertext flipped (only the AEAD tag can tell). */
static void encrypted_replays_and_tampering_one(uint64_t seed)
{
	struct world w;
	uint8_t f[2048];
	vn_usec t0;
	uint64_t replay0, aead0;

	world_new_mode(&w, seed, true);
	assert_true(w.n_data > 0);
	assert_int_equal(w.n_plain_data, 0);
	t0 = sim_now(w.a.s);
	replay0 = drops(&w, w.a.o2, VN_SEC_DROP_data_replay) +
		  drops(&w, w.a.rsu, VN_SEC_DROP_data_replay);
	aead0 = drops(&w, w.a.o2, VN_SEC_DROP_bad_aead) + drops(&w, w.a.rsu, VN_SEC_DROP_bad_aead);
	for (int i = 0; i < 100; i++) {
		unsigned d = (w.n_data - 1 - (unsigned)i % 8) % TAPS;
		size_t n = w.data_len[d];

		memcpy(f, w.data[d], n);
		insider_retag(&w, f, n);
		sim_transmit_as(w.a.s, w.a.x, f, n);
		/* the counter made far newer (it is authenticated too): past
		 * the window, the AEAD refuses it, and the window must not
		 * move, or the real traffic after it would be "replays" */
		memcpy(f, w.data[d], n);
		f[VN_SEC_HLEN + (f[VN_SEC_HLEN + 1] == 0 ? 8 : 14) + 4] ^= 0x40;
		f[n - VN_SEC_TAG_LEN - VN_E2E_ABYTES - 1] ^= 0x01;
		insider_retag(&w, f, n);
		sim_transmit_as(w.a.s, w.a.x, f, n);
		sim_run_for(w.a.s, MS(20));
	}
	aw_check(&w.a, t0, "sealed replays and tampering");
	assert_int_equal(w.n_plain_data, 0);
	assert_true(drops(&w, w.a.rsu, VN_SEC_DROP_hello) >= 2); /* O1's and O2's */
	fprintf(stderr, "  data_replay %llu, bad_aead %llu at the end points\n",
		(unsigned long long)(drops(&w, w.a.o2, VN_SEC_DROP_data_replay) +
				     drops(&w, w.a.rsu, VN_SEC_DROP_data_replay) - replay0),
		(unsigned long long)(drops(&w, w.a.o2, VN_SEC_DROP_bad_aead) +
				     drops(&w, w.a.rsu, VN_SEC_DROP_bad_aead) - aead0));
	assert_true(drops(&w, w.a.o2, VN_SEC_DROP_data_replay) +
			    drops(&w, w.a.rsu, VN_SEC_DROP_data_replay) >= replay0 + 90);
	assert_true(drops(&w, w.a.o2, VN_SEC_DROP_bad_aead) + drops(&w, w.a.rsu, VN_SEC_DROP_bad_aead) >=
		    aead0 + 90);
	world_free(&w);
}

static void encrypted_replays_and_tampering(void **state)
{
	(void)state;
	scen_each_seed(seeds_dflt, 2, encrypted_replays_and_tampering_one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(honest_network_drops_nothing),
		cmocka_unit_test(rsu_restart_fresh_epoch),
		cmocka_unit_test(forged_rsus),
		cmocka_unit_test(lowered_hops_and_replays),
		cmocka_unit_test(bad_signature_flood),
		cmocka_unit_test(encrypted_replays_and_tampering),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
