/* MAC addresses: parsing, formatting, classes. */
#include "testutil.h"

static void parse_good(void **state)
{
	struct vn_mac m;
	static const uint8_t want[6] = {0x02, 0xab, 0xcd, 0xef, 0x00, 0x9f};

	(void)state;
	assert_int_equal(vn_mac_parse("02:ab:cd:ef:00:9f", &m), 0);
	assert_memory_equal(m.b, want, 6);
	assert_int_equal(vn_mac_parse("02-AB-cD-Ef-00-9F", &m), 0);
	assert_memory_equal(m.b, want, 6);
	assert_int_equal(vn_mac_parse("ff:ff:ff:ff:ff:ff", &m), 0);
	assert_true(vn_mac_is_broadcast(&m));
}

static void parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "02:ab:cd:ef:00", "02:ab:cd:ef:00:9f:11", "02:ab:cd:ef:00:9", "02:ab:cd:ef:00:9f ",
		" 02:ab:cd:ef:00:9f", "02:ab-cd:ef:00:9f", "02.ab.cd.ef.00.9f", "02abcdef009f",
		"0g:ab:cd:ef:00:9f", "2:ab:cd:ef:00:9f", "02:ab:cd:ef:00:", "02::ab:cd:ef:00:9f",
		"02:ab:cd:ef:00:9f\n",
	};
	struct vn_mac m = {{1, 2, 3, 4, 5, 6}};
	const struct vn_mac keep = m;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (vn_mac_parse(bad[i], &m) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_mac_equal(&m, &keep);
	}
	assert_int_equal(vn_mac_parse(NULL, &m), -1);
}

static void format(void **state)
{
	char buf[VN_MAC_STRLEN];
	struct vn_mac m = {{0x02, 0xab, 0xcd, 0xef, 0x00, 0x9f}}, back;

	(void)state;
	assert_string_equal(vn_mac_format(&m, buf), "02:ab:cd:ef:00:9f");
	assert_int_equal(vn_mac_parse(buf, &back), 0);
	assert_mac_equal(&m, &back);
	assert_string_equal(vn_mac_format(&vn_mac_broadcast, buf), "ff:ff:ff:ff:ff:ff");
	assert_string_equal(vn_mac_format(&vn_mac_zero, buf), "00:00:00:00:00:00");
}

static void classes(void **state)
{
	struct vn_mac mc = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
	struct vn_mac almost = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}};

	(void)state;
	assert_true(vn_mac_is_broadcast(&vn_mac_broadcast));
	assert_true(vn_mac_is_multicast(&vn_mac_broadcast));
	assert_false(vn_mac_is_broadcast(&mc));
	assert_true(vn_mac_is_multicast(&mc));
	assert_false(vn_mac_is_broadcast(&almost));
	assert_false(vn_mac_is_multicast(&mac_a));
	assert_false(vn_mac_is_broadcast(&mac_a));
	assert_true(vn_mac_is_zero(&vn_mac_zero));
	assert_false(vn_mac_is_zero(&mac_a));
}

static void compare(void **state)
{
	(void)state;
	assert_true(vn_mac_eq(&mac_a, &mac_a));
	assert_false(vn_mac_eq(&mac_a, &mac_b));
	assert_true(vn_mac_cmp(&mac_a, &mac_b) < 0);
	assert_true(vn_mac_cmp(&mac_b, &mac_a) > 0);
	assert_int_equal(vn_mac_cmp(&mac_c, &mac_c), 0);
	assert_true(vn_mac_cmp(&vn_mac_zero, &vn_mac_broadcast) < 0);
}

static void load_store(void **state)
{
	uint8_t raw[8] = {9, 1, 2, 3, 4, 5, 6, 9};
	struct vn_mac m;

	(void)state;
	vn_mac_load(&m, raw + 1);
	assert_int_equal(m.b[0], 1);
	assert_int_equal(m.b[5], 6);
	vn_mac_store(raw + 1, &mac_a);
	assert_memory_equal(raw + 1, mac_a.b, 6);
	assert_int_equal(raw[0], 9);
	assert_int_equal(raw[7], 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_good),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test(format),
		cmocka_unit_test(classes),
		cmocka_unit_test(compare),
		cmocka_unit_test(load_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
