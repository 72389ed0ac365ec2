/* Decoders: every drop reason, padding, trailers, edge lengths (every
 * truncation of every message). */
#include "wire_walk.h"

static void reason_runt(void **state)
{
	uint8_t f[VN_HEARTBEAT_LEN];

	(void)state;
	mk_heartbeat(f, &mac_a, &mac_b, 1, 1);
	assert_int_equal(reject(f, 0), VN_RX_RUNT);
	assert_int_equal(reject(f, 1), VN_RX_RUNT);
	assert_int_equal(reject(f, 14), VN_RX_RUNT);
	assert_int_equal(reject(f, VN_MSG_HLEN - 1), VN_RX_RUNT);
	/* 16 bytes: no longer a runt, but a short heartbeat */
	assert_int_equal(reject(f, VN_MSG_HLEN), VN_RX_SHORT);
}

static void reason_ethertype(void **state)
{
	uint8_t f[VN_HEARTBEAT_LEN];

	(void)state;
	mk_heartbeat(f, &mac_a, &mac_b, 1, 1);
	f[12] = 0x08, f[13] = 0x00; /* IPv4 */
	assert_int_equal(reject(f, sizeof(f)), VN_RX_ETHERTYPE);
	f[12] = 0x30, f[13] = 0x31;
	assert_int_equal(reject(f, sizeof(f)), VN_RX_ETHERTYPE);
	f[12] = 0x31, f[13] = 0x30;
	assert_int_equal(reject(f, sizeof(f)), VN_RX_ETHERTYPE);
}

static void reason_unknown_type(void **state)
{
	static const uint8_t bad[][2] = {{0, 2}, {1, 2}, {2, 0}, {0xff, 0xff}, {0x80, 0x00}, {0, 0x80}};
	uint8_t f[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(f, 0, sizeof(f));
		mk_reply(f, &mac_a, &mac_b, 1, 1, &mac_c);
		f[14] = bad[i][0];
		f[15] = bad[i][1];
		assert_int_equal(reject(f, sizeof(f)), VN_RX_UNKNOWN_TYPE);
	}
}

static void reason_short_each_message(void **state)
{
	uint8_t f[200];

	(void)state;
	mk_heartbeat(f, &mac_a, &mac_b, 1, 1);
	assert_int_equal(reject(f, VN_HEARTBEAT_LEN - 1), VN_RX_SHORT);
	mk_reply(f, &mac_a, &mac_b, 1, 1, &mac_c);
	assert_int_equal(reject(f, VN_REPLY_LEN - 1), VN_RX_SHORT);
	/* a reply cut to heartbeat size is still a short reply */
	assert_int_equal(reject(f, VN_HEARTBEAT_LEN), VN_RX_SHORT);
	mk_upstream(f, &mac_a, &mac_b, &mac_c, 20);
	assert_int_equal(reject(f, VN_UP_HLEN - 1), VN_RX_SHORT);
	mk_downstream(f, &mac_a, &mac_b, &mac_c, &mac_d, 20);
	assert_int_equal(reject(f, VN_DOWN_HLEN - 1), VN_RX_SHORT);
	assert_int_equal(reject(f, VN_MSG_HLEN), VN_RX_SHORT);
}

static void reason_ip_version(void **state)
{
	uint8_t f[200];
	size_t n;

	(void)state;
	/* empty payload, both data messages */
	mk_upstream(f, &mac_a, &mac_b, &mac_c, 20);
	assert_int_equal(reject(f, VN_UP_HLEN), VN_RX_IP_VERSION);
	mk_downstream(f, &mac_a, &mac_b, &mac_c, &mac_d, 20);
	assert_int_equal(reject(f, VN_DOWN_HLEN), VN_RX_IP_VERSION);
	/* versions other than 4 and 6 */
	static const uint8_t bad[] = {0x00, 0x15, 0x55, 0x75, 0xf5};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		n = mk_upstream(f, &mac_a, &mac_b, &mac_c, 40);
		f[VN_UP_HLEN] = bad[i];
		assert_int_equal(reject(f, n), VN_RX_IP_VERSION);
	}
}

static void reason_ip_length_v4(void **state)
{
	uint8_t f[200];
	size_t n;
	uint8_t *ip = f + VN_UP_HLEN;

	(void)state;
	/* fewer than 20 bytes of IPv4 */
	n = mk_upstream(f, &mac_a, &mac_b, &mac_c, 20);
	assert_int_equal(reject(f, n - 1), VN_RX_IP_LENGTH);
	assert_int_equal(reject(f, VN_UP_HLEN + 1), VN_RX_IP_LENGTH);
	/* IHL below 5 */
	n = mk_upstream(f, &mac_a, &mac_b, &mac_c, 40);
	ip[0] = 0x44;
	assert_int_equal(reject(f, n), VN_RX_IP_LENGTH);
	ip[0] = 0x40;
	assert_int_equal(reject(f, n), VN_RX_IP_LENGTH);
	/* total_length beyond the frame (one byte) */
	n = mk_upstream(f, &mac_a, &mac_b, &mac_c, 40);
	assert_int_equal(reject(f, n - 1), VN_RX_IP_LENGTH);
	ip[2] = 0xff;
	assert_int_equal(reject(f, n), VN_RX_IP_LENGTH);
	/* total_length below the header length */
	n = mk_upstream(f, &mac_a, &mac_b, &mac_c, 40);
	ip[0] = 0x46; /* 24-byte header */
	ip[2] = 0, ip[3] = 23;
	assert_int_equal(reject(f, n), VN_RX_IP_LENGTH);
	ip[3] = 24; /* header only: fine */
	{
		struct vn_msg m;
		enum vn_rx_err err;

		assert_int_equal(walk(f, n, &m, 1, &err), 1);
		assert_int_equal(m.payload_len, 24);
	}
	/* IHL larger than the frame holds */
	ip[0] = 0x4f, ip[3] = 40; /* 60-byte header in 40 bytes */
	assert_int_equal(reject(f, n), VN_RX_IP_LENGTH);
}

static void reason_ip_length_v6(void **state)
{
	uint8_t f[200];
	uint8_t *q = put_head(f, &mac_a, &mac_b, 1, 1);

	(void)state;
	q = put_bytes(q, mac_c.b, 6);
	q = put_bytes(q, mac_d.b, 6);
	mk_ipv6(q, 60);
	assert_int_equal(reject(f, VN_DOWN_HLEN + 39), VN_RX_IP_LENGTH);
	assert_int_equal(reject(f, VN_DOWN_HLEN + 59), VN_RX_IP_LENGTH);
	q[4] = 0x10; /* payload_length 4116 */
	assert_int_equal(reject(f, VN_DOWN_HLEN + 60), VN_RX_IP_LENGTH);
}

static void data_padding_excluded(void **state)
{
	uint8_t f[60];
	size_t n;
	struct vn_msg m;
	enum vn_rx_err err;

	(void)state;
	memset(f, 0, sizeof(f));
	/* 22 + 20 = 42 bytes, padded to the Ethernet minimum of 60 */
	n = mk_upstream(f, &mac_a, &mac_b, &mac_c, 20);
	assert_int_equal(n, 42);
	assert_int_equal(walk(f, sizeof(f), &m, 1, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m.payload_len, 20);
	assert_int_equal(m.len, 60);
	/* whatever the padding holds, it belongs to the data message */
	memset(f + n, 0x99, sizeof(f) - n);
	assert_int_equal(walk(f, sizeof(f), &m, 1, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m.payload_len, 20);
}

static void control_padding_accepted(void **state)
{
	uint8_t f[1600];
	struct vn_msg m[4];
	enum vn_rx_err err;

	(void)state;
	memset(f, 0, sizeof(f));
	mk_heartbeat(f, &vn_mac_broadcast, &mac_b, 1, 1);
	/* 14 bytes of zero padding (to 60) */
	assert_int_equal(walk(f, 60, m, 4, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	/* 1 byte, 15 bytes, and many bytes of zeros */
	assert_int_equal(walk(f, 47, m, 4, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(walk(f, 61, m, 4, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(walk(f, sizeof(f), m, 4, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	/* a reply needs 8 bytes of padding */
	mk_reply(f, &mac_a, &mac_b, 1, 1, &mac_c);
	assert_int_equal(walk(f, 60, m, 4, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m[0].type, VN_MSG_REPLY);
}

static void trailer_rejected(void **state)
{
	uint8_t f[200];
	struct vn_msg m[4];
	enum vn_rx_err err;

	(void)state;
	memset(f, 0, sizeof(f));
	mk_heartbeat(f, &vn_mac_broadcast, &mac_b, 1, 1);
	/* one non-zero byte in the padding, first or last */
	f[46] = 1;
	assert_int_equal(walk(f, 60, m, 4, &err), 1);
	assert_int_equal(err, VN_RX_TRAILER);
	f[46] = 0, f[59] = 0x80;
	assert_int_equal(walk(f, 60, m, 4, &err), 1);
	assert_int_equal(err, VN_RX_TRAILER);
	assert_int_equal(m[0].type, VN_MSG_HEARTBEAT); /* the message before stands */
	/* a second heartbeat cut short is a trailer too */
	memset(f, 0, sizeof(f));
	mk_heartbeat(f, &vn_mac_broadcast, &mac_b, 1, 1);
	mk_heartbeat(f + 46, &vn_mac_broadcast, &mac_b, 2, 1);
	assert_int_equal(walk(f, 46 + 45, m, 4, &err), 1);
	assert_int_equal(err, VN_RX_TRAILER);
	/* so is a second message with a foreign EtherType */
	f[46 + 12] = 0x86, f[46 + 13] = 0xdd;
	assert_int_equal(walk(f, 92, m, 4, &err), 1);
	assert_int_equal(err, VN_RX_TRAILER);
}

static void reject_at_first_message_yields_nothing(void **state)
{
	uint8_t f[300];
	size_t n;

	(void)state;
	n = mk_heartbeat(f, &vn_mac_broadcast, &mac_a, 10, 1);
	n += mk_heartbeat(f + n, &vn_mac_broadcast, &mac_a, 11, 1);
	f[14] = 9; /* the first is unknown: the second is never looked at */
	assert_int_equal(reject(f, n), VN_RX_UNKNOWN_TYPE);
}

static void every_prefix_length(void **state)
{
	/* Every truncation of every message: a clean reject or a clean
	 * accept, never a read past the end (ASan build). */
	uint8_t f[4][200];
	size_t n[4];
	struct vn_msg m;
	enum vn_rx_err err;

	(void)state;
	n[0] = mk_heartbeat(f[0], &vn_mac_broadcast, &mac_a, 10, 1);
	n[1] = mk_reply(f[1], &mac_a, &mac_b, 10, 1, &mac_c);
	n[2] = mk_upstream(f[2], &mac_a, &mac_b, &mac_c, 60);
	n[3] = mk_downstream(f[3], &mac_a, &mac_b, &mac_c, &mac_d, 60);
	for (int k = 0; k < 4; k++) {
		for (size_t len = 0; len < n[k]; len++) {
			size_t got = walk(f[k], len, &m, 1, &err);

			assert_int_equal(got, 0);
			assert_int_not_equal(err, VN_RX_OK);
		}
		assert_int_equal(walk(f[k], n[k], &m, 1, &err), 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reason_runt),
		cmocka_unit_test(reason_ethertype),
		cmocka_unit_test(reason_unknown_type),
		cmocka_unit_test(reason_short_each_message),
		cmocka_unit_test(reason_ip_version),
		cmocka_unit_test(reason_ip_length_v4),
		cmocka_unit_test(reason_ip_length_v6),
		cmocka_unit_test(data_padding_excluded),
		cmocka_unit_test(control_padding_accepted),
		cmocka_unit_test(trailer_rejected),
		cmocka_unit_test(reject_at_first_message_yields_nothing),
		cmocka_unit_test(every_prefix_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
