/* A broadcast from the RSU (unknown destination, subnet broadcast,
 * multicast) reaches every OBU of a 5-hop chain exactly once, and every OBU
 * of a meshed grid exactly once, with no node re-broadcasting twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "scenario.h"

static const uint64_t seeds_dflt[] = { 71, 72, 73 };

static struct vn_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct vn_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = 4;
	ip.a[0] = a;
	ip.a[1] = b;
	ip.a[2] = c;
	ip.a[3] = d;
	return ip;
}

static void check_all_once(struct sim *s, const int *obus, size_t n, int rsu)
{
	struct vn_ip src = scen_inet(9);
	const struct vn_ip dsts[] = {
		ip4(10, 0, 0, 255),	/* the OBUs' subnet broadcast */
		ip4(255, 255, 255, 255), /* limited broadcast */
		ip4(224, 0, 0, 1),	/* all-hosts multicast */
	};

	for (size_t d = 0; d < sizeof(dsts) / sizeof(dsts[0]); d++) {
		uint32_t tag = sim_send_ip(s, rsu, &src, &dsts[d], 200);

		sim_run_for(s, MS(100));
		for (size_t i = 0; i < n; i++) {
			if (sim_delivered(s, obus[i], tag) != 1) {
				fprintf(stderr, "destination %zu: OBU index %zu got it %u times\n", d, i,
					sim_delivered(s, obus[i], tag));
				scen_dump_all(s);
			}
			assert_int_equal(sim_delivered(s, obus[i], tag), 1);
		}
		assert_int_equal(sim_delivered(s, rsu, tag), 0);
	}
	/* A unicast to an unknown address of the subnet: only its owner. */
	struct vn_ip last = sim_ip4((uint32_t)n);
	uint32_t tag = sim_send_ip(s, rsu, &src, &last, 200);

	sim_run_for(s, MS(100));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sim_delivered(s, obus[i], tag), i + 1 == n ? 1 : 0);
	if (sim_dup_forwards(s))
		sim_dup_report(s, 10);
	assert_int_equal(sim_dup_forwards(s), 0);
}

static void chain5(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		struct sim *s = scen_new(seeds[k]);
		struct sim_link_cfg l = sim_link_default();
		int n[6];
		struct scen_attach a = { n + 1, 5, 0 };

		scen_chain(s, n, 5, &l);
		a.rsu = n[0];
		for (int i = 1; i <= 5; i++)
			assert_int_equal(scen_set_addr(s, n[i], (uint32_t)i), 0);
		assert_true(scen_run_until_pred(s, scen_all_attached, &a, MS(5), SEC(2)) !=
			    VN_USEC_NEVER);
		sim_run_for(s, SEC(1));
		check_all_once(s, n + 1, 5, n[0]);
		sim_free(s);
	}
}

/* A 4x4 grid of OBUs, each hearing its 4 (and diagonal) neighbours; the RSU
 * hears the corner. Many paths, one delivery each. */
static void grid(void **state)
{
	uint64_t seeds[16];
	size_t ns = scen_seeds(seeds, 16, seeds_dflt, 3);

	(void)state;
	for (size_t k = 0; k < ns; k++) {
		struct sim *s = scen_new(seeds[k]);
		struct sim_link_cfg l = sim_link_default();
		struct vn_mac m = sim_mac_n(0x100);
		int rsu = sim_add_rsu(s, NULL, &m), o[16];
		struct scen_attach a = { o, 16, 0 };

		a.rsu = rsu;
		for (int i = 0; i < 16; i++) {
			m = sim_mac_n((uint32_t)i + 1);
			o[i] = sim_add_obu(s, NULL, &m);
			assert_int_equal(scen_set_addr(s, o[i], (uint32_t)i + 1), 0);
		}
		for (int y = 0; y < 4; y++)
			for (int x = 0; x < 4; x++)
				for (int dy = 0; dy <= 1; dy++)
					for (int dx = -1; dx <= 1; dx++) {
						int nx = x + dx, ny = y + dy;

						if ((dy == 0 && dx <= 0) || nx < 0 || nx > 3 || ny > 3)
							continue;
						sim_link_both(s, o[y * 4 + x], o[ny * 4 + nx], &l);
					}
		sim_link_both(s, rsu, o[0], &l);
		assert_true(scen_run_until_pred(s, scen_all_attached, &a, MS(5), SEC(2)) !=
			    VN_USEC_NEVER);
		sim_run_for(s, SEC(1));
		check_all_once(s, o, 16, rsu);
		sim_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(chain5),
		cmocka_unit_test(grid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
