/* Decoders: every message, concatenated control messages, round trips,
 * zero copy. Drop reasons, padding, trailers and edge lengths are in
 * test_wire_reject.c. */
#include "ip.h"
#include "wire_walk.h"

static void decode_heartbeat(void **state)
{
	uint8_t f[VN_HEARTBEAT_LEN];
	struct vn_msg m;
	enum vn_rx_err err;
	size_t used = 0;

	(void)state;
	mk_heartbeat(f, &vn_mac_broadcast, &mac_b, 0x01020304, 2);
	assert_int_equal(walk(f, sizeof(f), &m, 1, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m.type, VN_MSG_HEARTBEAT);
	assert_ptr_equal(m.raw, f);
	assert_int_equal(m.len, VN_HEARTBEAT_LEN);
	assert_true(vn_mac_is_broadcast(&m.to));
	assert_mac_equal(&m.from, &mac_b);
	assert_true(m.hb.uptime == ((vn_u128)0x1011121314151617ull << 64 | 0x18191a1b1c1d1e1full));
	assert_int_equal(m.hb.id, 0x01020304);
	assert_int_equal(m.hb.hops, 2);
	assert_mac_equal(&m.hb.source, &mac_rsu);
	assert_null(m.payload);
	assert_int_equal(vn_decode_msg(f, sizeof(f), &m, &used), VN_RX_OK);
	assert_int_equal(used, VN_HEARTBEAT_LEN);
}

static void decode_reply(void **state)
{
	uint8_t f[VN_REPLY_LEN];
	struct vn_msg m;
	enum vn_rx_err err;

	(void)state;
	mk_reply(f, &mac_a, &mac_b, 9, 4, &mac_d);
	assert_int_equal(walk(f, sizeof(f), &m, 1, &err), 1);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m.type, VN_MSG_REPLY);
	assert_int_equal(m.len, VN_REPLY_LEN);
	assert_mac_equal(&m.to, &mac_a);
	assert_mac_equal(&m.from, &mac_b);
	assert_int_equal(m.hb.id, 9);
	assert_int_equal(m.hb.hops, 4);
	assert_mac_equal(&m.hb.source, &mac_rsu);
	assert_mac_equal(&m.sender, &mac_d);
}

static void decode_upstream_zero_copy(void **state)
{
	uint8_t f[200];
	size_t n = mk_upstream(f, &mac_a, &mac_b, &mac_c, 33);
	struct vn_msg m;
	enum vn_rx_err err;
	struct vn_rx_iter it;

	(void)state;
	assert_int_equal(n, 22 + 33);
	/* directly over f: the payload pointer points into f itself */
	vn_rx_iter_init(&it, f, n);
	assert_true(vn_rx_next(&it, &m, &err));
	assert_int_equal(m.type, VN_MSG_UPSTREAM);
	assert_ptr_equal(m.raw, f);
	assert_ptr_equal(m.payload, f + VN_UP_HLEN);
	assert_int_equal(m.payload_len, 33);
	assert_int_equal(m.len, n);
	assert_mac_equal(&m.to, &mac_a);
	assert_mac_equal(&m.from, &mac_b);
	assert_mac_equal(&m.origin, &mac_c);
	assert_false(vn_rx_next(&it, &m, &err));
	assert_int_equal(err, VN_RX_OK);
}

static void decode_downstream_zero_copy(void **state)
{
	uint8_t f[200];
	size_t n = mk_downstream(f, &mac_a, &mac_b, &mac_rsu, &vn_mac_broadcast, 44);
	struct vn_msg m;
	enum vn_rx_err err;
	struct vn_rx_iter it;

	(void)state;
	vn_rx_iter_init(&it, f, n);
	assert_true(vn_rx_next(&it, &m, &err));
	assert_int_equal(m.type, VN_MSG_DOWNSTREAM);
	assert_ptr_equal(m.payload, f + VN_DOWN_HLEN);
	assert_int_equal(m.payload_len, 44);
	assert_mac_equal(&m.origin, &mac_rsu);
	assert_true(vn_mac_is_broadcast(&m.destination));
	/* writes through the view land in the frame: it is the same memory */
	m.payload[0] = 0x46;
	assert_int_equal(f[VN_DOWN_HLEN], 0x46);
}

static void decode_ipv6_payload(void **state)
{
	uint8_t f[200];
	uint8_t *q = put_head(f, &mac_a, &mac_b, 1, 0);
	struct vn_msg m;
	enum vn_rx_err err;

	(void)state;
	q = put_bytes(q, mac_c.b, 6);
	mk_ipv6(q, 48);
	assert_int_equal(walk(f, 22 + 48, &m, 1, &err), 1);
	assert_int_equal(m.payload_len, 48);
	/* 40-byte header only (payload_length 0) */
	mk_ipv6(q, 40);
	assert_int_equal(walk(f, 22 + 40, &m, 1, &err), 1);
	assert_int_equal(m.payload_len, 40);
}

static void concatenated_two_three(void **state)
{
	uint8_t f[300];
	struct vn_msg m[4];
	enum vn_rx_err err;
	size_t n = 0;

	(void)state;
	memset(f, 0, sizeof(f));
	n += mk_heartbeat(f + n, &vn_mac_broadcast, &mac_a, 10, 1);
	n += mk_heartbeat(f + n, &vn_mac_broadcast, &mac_b, 11, 2);
	assert_int_equal(walk(f, n, m, 4, &err), 2);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m[0].hb.id, 10);
	assert_int_equal(m[1].hb.id, 11);
	assert_ptr_equal(m[1].raw, f + 46);
	assert_mac_equal(&m[1].from, &mac_b);

	n += mk_heartbeat(f + n, &vn_mac_broadcast, &mac_c, 12, 3);
	assert_int_equal(walk(f, n, m, 4, &err), 3);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m[2].hb.id, 12);
	assert_int_equal(m[2].hb.hops, 3);
	assert_ptr_equal(m[2].raw, f + 92);
	/* plus padding */
	assert_int_equal(walk(f, n + 30, m, 4, &err), 3);
	assert_int_equal(err, VN_RX_OK);
	/* plus garbage: three messages, then the trailer */
	f[n + 3] = 7;
	assert_int_equal(walk(f, n + 30, m, 4, &err), 3);
	assert_int_equal(err, VN_RX_TRAILER);
}

static void concatenated_heartbeat_reply(void **state)
{
	uint8_t f[300];
	struct vn_msg m[4];
	enum vn_rx_err err;
	size_t n = 0;

	(void)state;
	memset(f, 0, sizeof(f));
	n += mk_heartbeat(f + n, &vn_mac_broadcast, &mac_a, 10, 1);
	n += mk_reply(f + n, &mac_a, &mac_b, 10, 1, &mac_c);
	n += mk_reply(f + n, &mac_a, &mac_b, 10, 2, &mac_d);
	assert_int_equal(n, 46 + 52 + 52);
	assert_int_equal(walk(f, n, m, 4, &err), 3);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m[0].type, VN_MSG_HEARTBEAT);
	assert_int_equal(m[1].type, VN_MSG_REPLY);
	assert_mac_equal(&m[1].sender, &mac_c);
	assert_int_equal(m[2].type, VN_MSG_REPLY);
	assert_mac_equal(&m[2].sender, &mac_d);
	assert_int_equal(m[2].hb.hops, 2);
	/* reply first, then heartbeat */
	n = mk_reply(f, &mac_a, &mac_b, 10, 1, &mac_c);
	n += mk_heartbeat(f + n, &vn_mac_broadcast, &mac_a, 11, 1);
	assert_int_equal(walk(f, n, m, 4, &err), 2);
	assert_int_equal(m[1].type, VN_MSG_HEARTBEAT);
	assert_int_equal(m[1].hb.id, 11);
}

static void control_then_data(void **state)
{
	uint8_t f[300];
	struct vn_msg m[4];
	enum vn_rx_err err;
	size_t n;

	(void)state;
	n = mk_heartbeat(f, &vn_mac_broadcast, &mac_a, 10, 1);
	n += mk_upstream(f + n, &mac_a, &mac_b, &mac_c, 40);
	n += 5; /* the data message runs to the end: its padding */
	f[n - 1] = 0xab;
	assert_int_equal(walk(f, n, m, 4, &err), 2);
	assert_int_equal(err, VN_RX_OK);
	assert_int_equal(m[1].type, VN_MSG_UPSTREAM);
	assert_ptr_equal(m[1].payload, f + 46 + 22);
	assert_int_equal(m[1].payload_len, 40);
	assert_int_equal(m[1].len, n - 46);
}

static void roundtrip_control(void **state)
{
	static const uint32_t ids[] = {0, 1, 0x7fffffff, 0xffffffff};
	uint8_t f[VN_REPLY_LEN], r[VN_REPLY_LEN];
	struct vn_msg m, rm;
	enum vn_rx_err err;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(ids); i++) {
		struct vn_heartbeat hb = {
			.uptime = ((vn_u128)ids[i] << 96) | ((vn_u128)0xdeadbeefull << 32) | i,
			.id = ids[i],
			.hops = (uint32_t)i + 1,
			.source = mac_rsu,
		};

		assert_int_equal(vn_enc_heartbeat(f, sizeof(f), &vn_mac_broadcast, &mac_a, &hb), 46);
		assert_int_equal(walk(f, 46, &m, 1, &err), 1);
		assert_int_equal(m.type, VN_MSG_HEARTBEAT);
		assert_true(m.hb.uptime == hb.uptime);
		assert_int_equal(m.hb.id, hb.id);
		assert_int_equal(m.hb.hops, hb.hops);
		assert_mac_equal(&m.hb.source, &hb.source);
		assert_mac_equal(&m.from, &mac_a);

		assert_int_equal(vn_enc_reply(r, sizeof(r), &mac_a, &mac_b, &m, &mac_c), 52);
		assert_int_equal(walk(r, 52, &rm, 1, &err), 1);
		assert_int_equal(rm.type, VN_MSG_REPLY);
		assert_true(rm.hb.uptime == hb.uptime);
		assert_int_equal(rm.hb.id, hb.id);
		assert_int_equal(rm.hb.hops, hb.hops);
		assert_mac_equal(&rm.hb.source, &mac_rsu);
		assert_mac_equal(&rm.sender, &mac_c);
		assert_mac_equal(&rm.to, &mac_a);
		assert_mac_equal(&rm.from, &mac_b);
	}
}

static void roundtrip_data(void **state)
{
	static uint8_t mem[VN_PBUF_SIZE];
	static const size_t sizes[] = {20, 33, 38, 44, 1400, VN_PBUF_DATA_MAX - VN_DOWN_HLEN};
	struct vn_pbuf b;
	struct vn_msg m;
	enum vn_rx_err err;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		uint8_t *pkt;

		vn_pbuf_init(&b, mem, sizeof(mem));
		pkt = b.data;
		b.len = mk_ipv4(pkt, sizes[i]);
		assert_int_equal(vn_enc_upstream(&b, &mac_a, &mac_b, &mac_c), 22);
		assert_int_equal(walk(b.data, b.len, &m, 1, &err), 1);
		assert_int_equal(m.type, VN_MSG_UPSTREAM);
		assert_mac_equal(&m.to, &mac_a);
		assert_mac_equal(&m.from, &mac_b);
		assert_mac_equal(&m.origin, &mac_c);
		assert_ptr_equal(m.payload, pkt);
		assert_int_equal(m.payload_len, sizes[i]);

		/* the RSU turns the received upstream into a downstream in
		 * place: pull the upstream header, push a downstream one */
		vn_pbuf_init(&b, mem, sizeof(mem));
		b.len = mk_ipv4(b.data, sizes[i]);
		vn_pbuf_pull(&b, 0);
		assert_int_equal(vn_enc_downstream(&b, &mac_d, &mac_a, &mac_c, &mac_b), 28);
		assert_int_equal(walk(b.data, b.len, &m, 1, &err), 1);
		assert_int_equal(m.type, VN_MSG_DOWNSTREAM);
		assert_mac_equal(&m.to, &mac_d);
		assert_mac_equal(&m.from, &mac_a);
		assert_mac_equal(&m.origin, &mac_c);
		assert_mac_equal(&m.destination, &mac_b);
		assert_ptr_equal(m.payload, pkt);
		assert_int_equal(m.payload_len, sizes[i]);
	}
}

static void upstream_to_downstream_in_place(void **state)
{
	/* What PROTOCOL.md §3 promises the RSU: a received Upstream frame in
	 * a pbuf (with headroom) becomes a Downstream without moving the IP
	 * packet. */
	static uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf b;
	struct vn_rx_iter it;
	struct vn_msg m;
	enum vn_rx_err err;
	uint8_t *pkt;

	(void)state;
	vn_pbuf_init(&b, mem, sizeof(mem));
	b.len = mk_upstream(b.data, &mac_rsu, &mac_a, &mac_c, 100);
	vn_rx_iter_init(&it, b.data, b.len);
	assert_true(vn_rx_next(&it, &m, &err));
	pkt = m.payload;
	assert_non_null(vn_pbuf_pull(&b, (size_t)(m.payload - b.data)));
	b.len = m.payload_len;
	assert_int_equal(vn_enc_downstream(&b, &mac_d, &mac_rsu, &m.origin, &mac_d), 28);
	vn_rx_iter_init(&it, b.data, b.len);
	assert_true(vn_rx_next(&it, &m, &err));
	assert_int_equal(m.type, VN_MSG_DOWNSTREAM);
	assert_ptr_equal(m.payload, pkt);
	assert_mac_equal(&m.origin, &mac_c);
}

static void ip_check_direct(void **state)
{
	uint8_t p[100] = {0};
	size_t len = 0;

	(void)state;
	assert_int_equal(vn_ip_check(p, 0, &len), VN_RX_IP_VERSION);
	mk_ipv4(p, 60);
	assert_int_equal(vn_ip_check(p, 100, &len), VN_RX_OK);
	assert_int_equal(len, 60);
	mk_ipv6(p, 41);
	assert_int_equal(vn_ip_check(p, 41, &len), VN_RX_OK);
	assert_int_equal(len, 41);
}

static void err_names(void **state)
{
	static const char *const want[VN_RX__COUNT] = {
		"ok", "truncated", "runt", "ethertype", "unknown_type",
		"short", "trailer", "ip_version", "ip_length",
	};

	(void)state;
	for (int e = 0; e < VN_RX__COUNT; e++)
		assert_string_equal(vn_rx_err_name((enum vn_rx_err)e), want[e]);
	assert_string_equal(vn_rx_err_name(VN_RX__COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_heartbeat),
		cmocka_unit_test(decode_reply),
		cmocka_unit_test(decode_upstream_zero_copy),
		cmocka_unit_test(decode_downstream_zero_copy),
		cmocka_unit_test(decode_ipv6_payload),
		cmocka_unit_test(concatenated_two_three),
		cmocka_unit_test(concatenated_heartbeat_reply),
		cmocka_unit_test(control_then_data),
		cmocka_unit_test(roundtrip_control),
		cmocka_unit_test(roundtrip_data),
		cmocka_unit_test(upstream_to_downstream_in_place),
		cmocka_unit_test(ip_check_direct),
		cmocka_unit_test(err_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
