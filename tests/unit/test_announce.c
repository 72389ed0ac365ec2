/* The announce packet (common/announce.h): byte layout, a valid IP packet,
 * recognised exactly and nothing else taken for one. */
#include "announce.h"
#include "ip.h"
#include "testutil.h"

static struct vn_ip ip(const char *s)
{
	struct vn_ip a;

	assert_int_equal(vn_ip_parse(s, &a), 0);
	return a;
}

static void build_v4(void **state)
{
	static const uint8_t want[28] = {
		0x45, 0, 0, 28, 0, 0, 0x40, 0, 1, 253, 0, 0, 10, 77, 0, 11,
		255, 255, 255, 255, 'V', 'N', 'E', 'T', 1, 1, 0, 0,
	};
	uint8_t p[64];
	struct vn_ip a = ip("10.77.0.11");
	size_t n = vn_announce_build(p, sizeof(p), &a, VN_ANNOUNCE_ATTACH), len;
	uint32_t sum = 0;

	(void)state;
	assert_int_equal(n, 28);
	/* everything but the checksum, which must make the header sum 0xffff */
	assert_memory_equal(p, want, 10);
	assert_memory_equal(p + 12, want + 12, 16);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	assert_int_equal(vn_ip_check(p, n, &len), VN_RX_OK);
	assert_int_equal(len, n);
	assert_int_equal(vn_announce_parse(p, n), VN_ANNOUNCE_ATTACH);
	/* Ethernet padding after it changes nothing */
	memset(p + n, 0, 18);
	assert_int_equal(vn_announce_parse(p, n + 18), VN_ANNOUNCE_ATTACH);
}

static void build_v6(void **state)
{
	uint8_t p[64];
	struct vn_ip a = ip("fd77::11"), src;
	size_t n = vn_announce_build(p, sizeof(p), &a, VN_ANNOUNCE_KEEPALIVE), len;

	(void)state;
	assert_int_equal(n, 48);
	assert_int_equal(p[0], 0x60);
	assert_int_equal(p[5], 8);
	assert_int_equal(p[6], 253);
	assert_int_equal(p[7], 1);
	assert_int_equal(p[24], 0xff);
	assert_int_equal(p[25], 0x02);
	assert_int_equal(p[39], 0x01);
	assert_int_equal(vn_ip_check(p, n, &len), VN_RX_OK);
	vn_ip_src(p, &src);
	assert_true(vn_ip_eq(&src, &a));
	assert_int_equal(vn_announce_parse(p, n), VN_ANNOUNCE_KEEPALIVE);
}

static void build_limits(void **state)
{
	uint8_t p[64];
	struct vn_ip a4 = ip("10.0.0.1"), a6 = ip("fd00::1"), none = { 0 };

	(void)state;
	assert_int_equal(vn_announce_build(p, 27, &a4, VN_ANNOUNCE_ATTACH), 0);
	assert_int_equal(vn_announce_build(p, 47, &a6, VN_ANNOUNCE_ATTACH), 0);
	assert_int_equal(vn_announce_build(p, sizeof(p), &none, VN_ANNOUNCE_ATTACH), 0);
}

/* Each byte that makes it an announce, changed, makes it an ordinary
 * packet; so does a short one. */
static void not_announces(void **state)
{
	static const size_t key4[] = { 0, 2, 3, 9, 16, 19, 20, 23, 24, 25, 26, 27 };
	uint8_t p[64], q[64];
	struct vn_ip a4 = ip("10.0.0.1"), a6 = ip("fd00::1");
	size_t n = vn_announce_build(p, sizeof(p), &a4, VN_ANNOUNCE_ATTACH);

	(void)state;
	for (size_t i = 0; i < sizeof(key4) / sizeof(key4[0]); i++) {
		memcpy(q, p, n);
		q[key4[i]] ^= 0x04;
		assert_int_equal(vn_announce_parse(q, n), VN_ANNOUNCE_NONE);
	}
	assert_int_equal(vn_announce_parse(p, n - 1), VN_ANNOUNCE_NONE);
	memcpy(q, p, n);
	q[25] = 3; /* unknown kind */
	assert_int_equal(vn_announce_parse(q, n), VN_ANNOUNCE_NONE);
	n = vn_announce_build(p, sizeof(p), &a6, VN_ANNOUNCE_ATTACH);
	for (size_t i = 0; i < n; i++) {
		if ((i >= 1 && i <= 3) || i == 7 || (i >= 8 && i < 24))
			continue; /* flow label, hop limit, source: anything goes */
		memcpy(q, p, n);
		q[i] ^= 0x10;
		assert_int_equal(vn_announce_parse(q, n), VN_ANNOUNCE_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_v4),
		cmocka_unit_test(build_v6),
		cmocka_unit_test(build_limits),
		cmocka_unit_test(not_announces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
