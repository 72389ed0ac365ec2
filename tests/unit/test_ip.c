/* IP helpers: addresses, prefixes, parsing, formatting. */
#include "ip.h"
#include "testutil.h"

static struct vn_ip ip(const char *s)
{
	struct vn_ip a;

	assert_int_equal(vn_ip_parse(s, &a), 0);
	return a;
}

static struct vn_ip_prefix pfx(const char *s)
{
	struct vn_ip_prefix p;

	assert_int_equal(vn_ip_prefix_parse(s, &p), 0);
	return p;
}

static void parse_good(void **state)
{
	struct vn_ip a;
	static const uint8_t v6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

	(void)state;
	a = ip("10.1.2.3");
	assert_int_equal(a.family, 4);
	assert_int_equal(a.a[0], 10);
	assert_int_equal(a.a[3], 3);
	for (int i = 4; i < 16; i++)
		assert_int_equal(a.a[i], 0);
	a = ip("fd00::1");
	assert_int_equal(a.family, 6);
	assert_memory_equal(a.a, v6, 16);
	a = ip("::ffff:10.0.0.1");
	assert_int_equal(a.family, 6);
	a = ip("255.255.255.255");
	assert_int_equal(a.a[3], 255);
}

static void parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.0.0.1", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/24",
		"fd00:::1", "fd00::1::2", "g::1", "::1%eth0", "abc", "-1.0.0.0", "1..2.3",
	};
	struct vn_ip a = {.family = 9};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(vn_ip_parse(bad[i], &a), -1);
		assert_int_equal(a.family, 9); /* untouched on failure */
	}
	assert_int_equal(vn_ip_parse(NULL, &a), -1);
}

static void prefix_parse(void **state)
{
	struct vn_ip_prefix p;

	(void)state;
	p = pfx("10.0.0.1/24");
	assert_int_equal(p.len, 24);
	assert_int_equal(p.addr.family, 4);
	assert_int_equal(p.addr.a[3], 1); /* the address as written, not masked */
	assert_int_equal(pfx("10.0.0.1").len, 32);
	assert_int_equal(pfx("0.0.0.0/0").len, 0);
	assert_int_equal(pfx("10.0.0.0/32").len, 32);
	assert_int_equal(pfx("fd00::1/64").len, 64);
	assert_int_equal(pfx("fd00::1").len, 128);
	assert_int_equal(pfx("fd00::/128").len, 128);
	assert_int_equal(pfx("::/0").len, 0);
	assert_int_equal(pfx("10.0.0.0/08").len, 8);
}

static void prefix_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "/24", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8",
		"10.0.0.0/ 24", "10.0.0.0/24 ", "10.0.0.0/24x", "10.0.0.0/0024", "10.0.0.0/1000",
		"10.0.0.0/24/8", "fd00::/129", "fd00::/999", "fd00::/", "x/8", "10.0.0/8",
		"0000000000000000000000000000000000000000000000000000000001.2.3.4/8",
	};
	struct vn_ip_prefix p = {.len = 77};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		if (vn_ip_prefix_parse(bad[i], &p) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(p.len, 77);
	}
	assert_int_equal(vn_ip_prefix_parse(NULL, &p), -1);
}

static void format(void **state)
{
	char buf[VN_IP_STRLEN];
	struct vn_ip none = {0};

	(void)state;
	struct vn_ip a = ip("192.168.1.20");
	assert_string_equal(vn_ip_format(&a, buf), "192.168.1.20");
	a = ip("FD00:0:0::0001");
	assert_string_equal(vn_ip_format(&a, buf), "fd00::1");
	a = ip("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	assert_string_equal(vn_ip_format(&a, buf), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(vn_ip_format(&none, buf), "none");
}

static void eq(void **state)
{
	struct vn_ip a = ip("10.0.0.1"), b = ip("10.0.0.1"), c = ip("10.0.0.2");
	struct vn_ip v6 = ip("::a00:1"); /* same bytes at a different place */

	(void)state;
	assert_true(vn_ip_eq(&a, &b));
	assert_false(vn_ip_eq(&a, &c));
	assert_false(vn_ip_eq(&a, &v6));
	assert_true(vn_ip_eq(&v6, &v6));
	/* IPv4 compares its 4 bytes only */
	b.a[8] = 0x55;
	assert_true(vn_ip_eq(&a, &b));
}

static void multicast(void **state)
{
	static const char *const yes[] = {"224.0.0.1", "239.255.255.250", "255.255.255.255",
					  "ff02::1", "ff0e::fb", "ff00::"};
	static const char *const no[] = {"223.255.255.255", "240.0.0.1", "10.0.0.255",
					 "255.255.255.254", "fe80::1", "fd00::ff", "::"};
	struct vn_ip none = {0};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
		struct vn_ip a = ip(yes[i]);

		if (!vn_ip_is_multicast(&a))
			fail_msg("%s not multicast", yes[i]);
	}
	for (size_t i = 0; i < ARRAY_LEN(no); i++) {
		struct vn_ip a = ip(no[i]);

		if (vn_ip_is_multicast(&a))
			fail_msg("%s multicast", no[i]);
	}
	assert_false(vn_ip_is_multicast(&none));
}

static void in_prefix(void **state)
{
	struct vn_ip_prefix p24 = pfx("10.0.0.0/24"), p12 = pfx("172.16.0.0/12");
	struct vn_ip_prefix p0 = pfx("0.0.0.0/0"), p32 = pfx("10.0.0.7/32");
	struct vn_ip_prefix v64 = pfx("fd00:1::/64"), v127 = pfx("fd00::/127");
	struct vn_ip a;

	(void)state;
	a = ip("10.0.0.200");
	assert_true(vn_ip_in_prefix(&a, &p24));
	assert_true(vn_ip_in_prefix(&a, &p0));
	assert_false(vn_ip_in_prefix(&a, &p32));
	a = ip("10.0.1.0");
	assert_false(vn_ip_in_prefix(&a, &p24));
	a = ip("172.31.255.255");
	assert_true(vn_ip_in_prefix(&a, &p12));
	a = ip("172.32.0.0");
	assert_false(vn_ip_in_prefix(&a, &p12));
	a = ip("172.15.255.255");
	assert_false(vn_ip_in_prefix(&a, &p12));
	a = ip("10.0.0.7");
	assert_true(vn_ip_in_prefix(&a, &p32));
	a = ip("fd00:1::1234");
	assert_true(vn_ip_in_prefix(&a, &v64));
	a = ip("fd00:2::1");
	assert_false(vn_ip_in_prefix(&a, &v64));
	a = ip("fd00::1");
	assert_true(vn_ip_in_prefix(&a, &v127));
	a = ip("fd00::2");
	assert_false(vn_ip_in_prefix(&a, &v127));
	/* families never mix, even /0 */
	assert_false(vn_ip_in_prefix(&a, &p0));
	a = ip("10.0.0.1");
	assert_false(vn_ip_in_prefix(&a, &v64));
}

static void prefix_broadcast(void **state)
{
	struct vn_ip_prefix p24 = pfx("10.0.0.1/24"), p31 = pfx("10.0.0.0/31");
	struct vn_ip_prefix p32 = pfx("10.0.0.1/32"), p20 = pfx("10.0.16.1/20");
	struct vn_ip_prefix v6 = pfx("fd00::/64");
	struct vn_ip a;

	(void)state;
	a = ip("10.0.0.255");
	assert_true(vn_ip_is_prefix_broadcast(&a, &p24));
	a = ip("10.0.0.254");
	assert_false(vn_ip_is_prefix_broadcast(&a, &p24));
	a = ip("10.0.1.255");
	assert_false(vn_ip_is_prefix_broadcast(&a, &p24));
	a = ip("10.0.31.255");
	assert_true(vn_ip_is_prefix_broadcast(&a, &p20));
	a = ip("10.0.16.255");
	assert_false(vn_ip_is_prefix_broadcast(&a, &p20));
	a = ip("10.0.0.1");
	assert_false(vn_ip_is_prefix_broadcast(&a, &p31));
	assert_false(vn_ip_is_prefix_broadcast(&a, &p32));
	a = ip("fd00::ffff:ffff:ffff:ffff");
	assert_false(vn_ip_is_prefix_broadcast(&a, &v6));
}

static void hash(void **state)
{
	struct vn_ip a = ip("10.0.0.1"), b = ip("10.0.0.1");
	uint32_t seen[256];
	size_t distinct = 0;

	(void)state;
	assert_int_equal(vn_ip_hash(&a), vn_ip_hash(&b));
	/* the low bits (bucket masks) spread over consecutive addresses */
	for (int i = 0; i < 256; i++) {
		struct vn_ip x = a;
		bool dup = false;

		x.a[3] = (uint8_t)i;
		uint32_t h = vn_ip_hash(&x) & 0xff;
		for (size_t j = 0; j < distinct; j++)
			dup |= seen[j] == h;
		if (!dup)
			seen[distinct++] = h;
	}
	assert_true(distinct > 128);
	b = ip("::a00:1");
	assert_int_not_equal(vn_ip_hash(&a), vn_ip_hash(&b));
}

static void src_dst(void **state)
{
	uint8_t p4[20], p6[40];
	struct vn_ip s, d;

	(void)state;
	mk_ipv4(p4, sizeof(p4));
	vn_ip_src(p4, &s);
	vn_ip_dst(p4, &d);
	struct vn_ip w = ip("10.0.0.1");
	assert_true(vn_ip_eq(&s, &w));
	assert_memory_equal(&s, &w, sizeof(w)); /* zero tail too */
	w = ip("10.0.0.2");
	assert_true(vn_ip_eq(&d, &w));
	mk_ipv6(p6, sizeof(p6));
	vn_ip_src(p6, &s);
	vn_ip_dst(p6, &d);
	w = ip("fd00::1");
	assert_true(vn_ip_eq(&s, &w));
	w = ip("fd00::2");
	assert_true(vn_ip_eq(&d, &w));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_good),
		cmocka_unit_test(parse_bad),
		cmocka_unit_test(prefix_parse),
		cmocka_unit_test(prefix_parse_bad),
		cmocka_unit_test(format),
		cmocka_unit_test(eq),
		cmocka_unit_test(multicast),
		cmocka_unit_test(in_prefix),
		cmocka_unit_test(prefix_broadcast),
		cmocka_unit_test(hash),
		cmocka_unit_test(src_dst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
