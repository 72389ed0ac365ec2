/* Encoders, byte for byte against the layouts of PROTOCOL.md §2, and proof
 * that they write headers in place without moving the payload. */
#include "testutil.h"

/* The test vector of PROTOCOL.md §2. */
static const uint8_t hb_vector[46] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x30,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x04,
	0x04, 0x04, 0x04, 0x04,
};

static void heartbeat_test_vector(void **state)
{
	uint8_t out[64];
	struct vn_heartbeat hb = {.uptime = 0, .id = 0, .hops = 1, .source = mac_rsu};

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(vn_enc_heartbeat(out, sizeof(out), &vn_mac_broadcast, &vn_mac_zero, &hb),
			 VN_HEARTBEAT_LEN);
	assert_memory_equal(out, hb_vector, sizeof(hb_vector));
	/* nothing written past the message */
	for (size_t i = VN_HEARTBEAT_LEN; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xee);
}

static void heartbeat_fields(void **state)
{
	uint8_t out[VN_HEARTBEAT_LEN];
	struct vn_heartbeat hb = {
		.uptime = (vn_u128)0x0102030405060708ull << 64 | 0x090a0b0c0d0e0f10ull,
		.id = 0xa0b0c0d0,
		.hops = 0x00000107,
		.source = mac_c,
	};
	static const uint8_t want[46] = {
		0x02, 0, 0, 0, 0, 0x0a, 0x02, 0, 0, 0, 0, 0x0b, 0x30, 0x30, 0x00, 0x00,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0xa0, 0xb0, 0xc0, 0xd0, 0x00, 0x00, 0x01, 0x07,
		0x02, 0, 0, 0, 0, 0x0c,
	};

	(void)state;
	assert_int_equal(vn_enc_heartbeat(out, sizeof(out), &mac_a, &mac_b, &hb), 46);
	assert_memory_equal(out, want, sizeof(want));
}

static void heartbeat_no_room(void **state)
{
	uint8_t out[VN_HEARTBEAT_LEN];
	uint8_t copy[VN_HEARTBEAT_LEN];
	struct vn_heartbeat hb = {.hops = 1, .source = mac_rsu};

	(void)state;
	memset(out, 0x77, sizeof(out));
	memcpy(copy, out, sizeof(out));
	assert_int_equal(vn_enc_heartbeat(out, VN_HEARTBEAT_LEN - 1, &mac_a, &mac_b, &hb), 0);
	assert_memory_equal(out, copy, sizeof(out));
	assert_int_equal(vn_enc_heartbeat(out, 0, &mac_a, &mac_b, &hb), 0);
	assert_memory_equal(out, copy, sizeof(out));
}

/* Decodes a hand-written heartbeat for the reply tests. */
static void decoded_heartbeat(uint8_t *frame, struct vn_msg *m, uint32_t id, uint32_t hops)
{
	size_t n = mk_heartbeat(frame, &vn_mac_broadcast, &mac_b, id, hops);
	size_t used;

	assert_int_equal(vn_decode_msg(frame, n, m, &used), VN_RX_OK);
	assert_int_equal(m->type, VN_MSG_HEARTBEAT);
}

static void reply_bytes(void **state)
{
	uint8_t hbf[VN_HEARTBEAT_LEN], out[80];
	struct vn_msg hb;
	static const uint8_t want[52] = {
		0x02, 0, 0, 0, 0, 0x0b, /* to: the neighbour the heartbeat came from */
		0x02, 0, 0, 0, 0, 0x0a, /* from: us */
		0x30, 0x30, 0x00, 0x01,
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, /* uptime as received */
		0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
		0x00, 0x00, 0x01, 0x02, /* id */
		0x00, 0x00, 0x00, 0x03, /* hops as received, not incremented */
		0x04, 0x04, 0x04, 0x04, 0x04, 0x04, /* source */
		0x02, 0, 0, 0, 0, 0x0d, /* sender */
	};

	(void)state;
	decoded_heartbeat(hbf, &hb, 0x102, 3);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(vn_enc_reply(out, sizeof(out), &mac_b, &mac_a, &hb, &mac_d), VN_REPLY_LEN);
	assert_memory_equal(out, want, sizeof(want));
	for (size_t i = VN_REPLY_LEN; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xee);
	/* the heartbeat itself is untouched (it is forwarded too) */
	uint8_t again[VN_HEARTBEAT_LEN];
	mk_heartbeat(again, &vn_mac_broadcast, &mac_b, 0x102, 3);
	assert_memory_equal(hbf, again, sizeof(again));
}

static void reply_from_hand_built_view(void **state)
{
	uint8_t hbf[VN_HEARTBEAT_LEN], a[VN_REPLY_LEN], b[VN_REPLY_LEN];
	struct vn_msg hb, view;

	(void)state;
	decoded_heartbeat(hbf, &hb, 77, 9);
	memset(&view, 0, sizeof(view));
	view.type = VN_MSG_HEARTBEAT;
	view.hb = hb.hb;
	assert_int_equal(vn_enc_reply(a, sizeof(a), &mac_b, &mac_a, &hb, &mac_d), 52);
	assert_int_equal(vn_enc_reply(b, sizeof(b), &mac_b, &mac_a, &view, &mac_d), 52);
	assert_memory_equal(a, b, sizeof(a));
}

static void reply_in_place(void **state)
{
	/* built over the heartbeat's own bytes: the echo still comes out right */
	uint8_t f[VN_REPLY_LEN], ref[VN_REPLY_LEN], hbf[VN_HEARTBEAT_LEN];
	struct vn_msg hb, hb2;

	(void)state;
	decoded_heartbeat(hbf, &hb, 0x55667788, 6);
	assert_int_equal(vn_enc_reply(ref, sizeof(ref), &mac_b, &mac_a, &hb, &mac_d), 52);
	decoded_heartbeat(f, &hb2, 0x55667788, 6);
	assert_int_equal(vn_enc_reply(f, sizeof(f), &mac_b, &mac_a, &hb2, &mac_d), 52);
	assert_memory_equal(f, ref, sizeof(ref));
}

static void reply_no_room(void **state)
{
	uint8_t hbf[VN_HEARTBEAT_LEN], out[VN_REPLY_LEN], copy[VN_REPLY_LEN];
	struct vn_msg hb;

	(void)state;
	decoded_heartbeat(hbf, &hb, 1, 1);
	memset(out, 0x55, sizeof(out));
	memcpy(copy, out, sizeof(out));
	assert_int_equal(vn_enc_reply(out, VN_REPLY_LEN - 1, &mac_b, &mac_a, &hb, &mac_d), 0);
	assert_memory_equal(out, copy, sizeof(out));
}

static void fwd_heartbeat_in_place(void **state)
{
	uint8_t f[VN_HEARTBEAT_LEN], orig[VN_HEARTBEAT_LEN];
	struct vn_msg hb;

	(void)state;
	decoded_heartbeat(f, &hb, 5, 0x000000ff);
	memcpy(orig, f, sizeof(f));
	/* a unicast copy: forwarding makes it a broadcast again */
	memcpy(f, mac_c.b, 6);
	assert_int_equal(vn_fwd_heartbeat(&hb, &mac_a), VN_HEARTBEAT_LEN);
	assert_memory_equal(f, vn_mac_broadcast.b, 6);
	assert_memory_equal(f + 6, mac_a.b, 6);
	assert_memory_equal(f + 12, orig + 12, 36 - 12);
	assert_int_equal(f[36], 0);
	assert_int_equal(f[37], 0);
	assert_int_equal(f[38], 1);
	assert_int_equal(f[39], 0);
	assert_memory_equal(f + 40, orig + 40, 6);
	/* the view follows the bytes */
	assert_int_equal(hb.hb.hops, 0x100);
	assert_mac_equal(&hb.from, &mac_a);
	assert_true(vn_mac_is_broadcast(&hb.to));
	assert_ptr_equal(hb.raw, f);
}

static void fwd_heartbeat_saturates(void **state)
{
	uint8_t f[VN_HEARTBEAT_LEN];
	struct vn_msg hb;

	(void)state;
	decoded_heartbeat(f, &hb, 5, UINT32_MAX);
	vn_fwd_heartbeat(&hb, &mac_a);
	assert_int_equal(vn_get_be32(f + 36), UINT32_MAX);
	assert_int_equal(hb.hb.hops, UINT32_MAX);
}

static void fwd_rewrite_only_addresses(void **state)
{
	uint8_t f[200], orig[200];
	size_t n = mk_downstream(f, &mac_a, &mac_b, &mac_rsu, &mac_d, 100);

	(void)state;
	memcpy(orig, f, n);
	assert_int_equal(vn_fwd_rewrite(f, &mac_c, &mac_a), 12);
	assert_memory_equal(f, mac_c.b, 6);
	assert_memory_equal(f + 6, mac_a.b, 6);
	assert_memory_equal(f + 12, orig + 12, n - 12);
}

struct encoded {
	uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf b;
	uint8_t *payload;
	size_t plen;
};

static void load_payload(struct encoded *e, size_t plen)
{
	vn_pbuf_init(&e->b, e->mem, sizeof(e->mem));
	e->payload = e->b.data;
	e->plen = plen;
	if (plen >= 20)
		mk_ipv4(e->b.data, plen);
	e->b.len = plen;
}

static void upstream_bytes(void **state)
{
	static struct encoded e;
	static const uint8_t want[22] = {
		0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x30, 0x30, 0x01, 0x00,
		0x02, 0, 0, 0, 0, 0x0c,
	};
	uint8_t ref[64];

	(void)state;
	load_payload(&e, 44);
	memcpy(ref, e.payload, 44);
	assert_int_equal(vn_enc_upstream(&e.b, &mac_b, &mac_a, &mac_c), VN_UP_HLEN);
	/* header in front of the payload; the payload did not move */
	assert_ptr_equal(e.b.data, e.payload - VN_UP_HLEN);
	assert_int_equal(e.b.len, VN_UP_HLEN + 44);
	assert_memory_equal(e.b.data, want, sizeof(want));
	assert_memory_equal(e.payload, ref, 44);
}

static void downstream_bytes(void **state)
{
	static struct encoded e;
	static const uint8_t want[28] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x0a, 0x30, 0x30, 0x01, 0x01,
		0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x02, 0, 0, 0, 0, 0x0d,
	};
	uint8_t ref[64];

	(void)state;
	load_payload(&e, 38);
	memcpy(ref, e.payload, 38);
	assert_int_equal(vn_enc_downstream(&e.b, &vn_mac_broadcast, &mac_a, &mac_rsu, &mac_d),
			 VN_DOWN_HLEN);
	assert_ptr_equal(e.b.data, e.payload - VN_DOWN_HLEN);
	assert_int_equal(e.b.len, VN_DOWN_HLEN + 38);
	assert_memory_equal(e.b.data, want, sizeof(want));
	assert_memory_equal(e.payload, ref, 38);
	/* headroom left for nothing else: 32 - 28 */
	assert_int_equal(vn_pbuf_headroom(&e.b), VN_PBUF_HEADROOM - VN_DOWN_HLEN);
}

static void headroom_too_small(void **state)
{
	static struct encoded e;
	static uint8_t snapshot[VN_PBUF_SIZE];
	struct vn_pbuf before;

	(void)state;
	load_payload(&e, 40);
	/* exactly one byte short of each header */
	e.b.data = e.b.start + VN_UP_HLEN - 1;
	e.b.len = 40;
	before = e.b;
	memcpy(snapshot, e.mem, sizeof(e.mem));
	assert_int_equal(vn_enc_upstream(&e.b, &mac_b, &mac_a, &mac_c), 0);
	assert_memory_equal(&before, &e.b, sizeof(before));
	assert_memory_equal(snapshot, e.mem, sizeof(e.mem));

	e.b.data = e.b.start + VN_DOWN_HLEN - 1;
	before = e.b;
	assert_int_equal(vn_enc_downstream(&e.b, &mac_b, &mac_a, &mac_c, &mac_d), 0);
	assert_memory_equal(&before, &e.b, sizeof(before));
	assert_memory_equal(snapshot, e.mem, sizeof(e.mem));

	/* and exactly enough works */
	e.b.data = e.b.start + VN_DOWN_HLEN;
	assert_int_equal(vn_enc_downstream(&e.b, &mac_b, &mac_a, &mac_c, &mac_d), VN_DOWN_HLEN);
	assert_ptr_equal(e.b.data, e.b.start);
}

static void empty_payload_encodes(void **state)
{
	static struct encoded e;
	struct vn_rx_iter it;
	struct vn_msg m;
	enum vn_rx_err err;

	(void)state;
	load_payload(&e, 0);
	assert_int_equal(vn_enc_upstream(&e.b, &mac_b, &mac_a, &mac_c), VN_UP_HLEN);
	assert_int_equal(e.b.len, VN_UP_HLEN);
	/* ...but no receiver accepts it: the payload must be an IP packet */
	vn_rx_iter_init(&it, e.b.data, e.b.len);
	assert_false(vn_rx_next(&it, &m, &err));
	assert_int_equal(err, VN_RX_IP_VERSION);
}

static void max_payload(void **state)
{
	static struct encoded e;
	const size_t plen = VN_PBUF_DATA_MAX - VN_DOWN_HLEN;
	struct vn_rx_iter it;
	struct vn_msg m;
	enum vn_rx_err err;

	(void)state;
	load_payload(&e, plen);
	assert_int_equal(vn_pbuf_tailroom(&e.b), VN_PBUF_DATA_MAX - plen);
	assert_int_equal(vn_enc_downstream(&e.b, &mac_b, &mac_a, &mac_c, &mac_d), VN_DOWN_HLEN);
	assert_int_equal(e.b.len, VN_PBUF_DATA_MAX);
	vn_rx_iter_init(&it, e.b.data, e.b.len);
	assert_true(vn_rx_next(&it, &m, &err));
	assert_int_equal(m.type, VN_MSG_DOWNSTREAM);
	assert_ptr_equal(m.payload, e.payload);
	assert_int_equal(m.payload_len, plen);
	assert_false(vn_rx_next(&it, &m, &err));
	assert_int_equal(err, VN_RX_OK);

	/* the same for Upstream */
	load_payload(&e, VN_PBUF_DATA_MAX - VN_UP_HLEN);
	assert_int_equal(vn_enc_upstream(&e.b, &mac_b, &mac_a, &mac_c), VN_UP_HLEN);
	assert_int_equal(e.b.len, VN_PBUF_DATA_MAX);
	vn_rx_iter_init(&it, e.b.data, e.b.len);
	assert_true(vn_rx_next(&it, &m, &err));
	assert_int_equal(m.type, VN_MSG_UPSTREAM);
	assert_ptr_equal(m.payload, e.payload);
	assert_int_equal(m.payload_len, VN_PBUF_DATA_MAX - VN_UP_HLEN);
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal(vn_msg_type_name(VN_MSG_HEARTBEAT), "heartbeat");
	assert_string_equal(vn_msg_type_name(VN_MSG_REPLY), "reply");
	assert_string_equal(vn_msg_type_name(VN_MSG_UPSTREAM), "upstream");
	assert_string_equal(vn_msg_type_name(VN_MSG_DOWNSTREAM), "downstream");
	assert_string_equal(vn_msg_type_name(VN_MSG__COUNT), "unknown");
}

static void be_helpers(void **state)
{
	uint8_t p[16];
	vn_u128 v = (vn_u128)0x8877665544332211ull << 64 | 0xffeeddccbbaa9900ull;

	(void)state;
	vn_put_be32(p, 0x01020304);
	assert_int_equal(p[0], 1);
	assert_int_equal(p[3], 4);
	assert_int_equal(vn_get_be32(p), 0x01020304);
	assert_int_equal(vn_get_be16(p), 0x0102);
	vn_put_be128(p, v);
	assert_int_equal(p[0], 0x88);
	assert_int_equal(p[15], 0x00);
	assert_true(vn_get_be128(p) == v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(heartbeat_test_vector),
		cmocka_unit_test(heartbeat_fields),
		cmocka_unit_test(heartbeat_no_room),
		cmocka_unit_test(reply_bytes),
		cmocka_unit_test(reply_from_hand_built_view),
		cmocka_unit_test(reply_in_place),
		cmocka_unit_test(reply_no_room),
		cmocka_unit_test(fwd_heartbeat_in_place),
		cmocka_unit_test(fwd_heartbeat_saturates),
		cmocka_unit_test(fwd_rewrite_only_addresses),
		cmocka_unit_test(upstream_bytes),
		cmocka_unit_test(downstream_bytes),
		cmocka_unit_test(headroom_too_small),
		cmocka_unit_test(empty_payload_encodes),
		cmocka_unit_test(max_payload),
		cmocka_unit_test(type_names),
		cmocka_unit_test(be_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
