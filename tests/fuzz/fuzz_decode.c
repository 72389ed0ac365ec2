/* libFuzzer target: arbitrary bytes as a received frame, and as the text of
 * an IP address, prefix or MAC. Checks, beyond "no crash, no sanitizer
 * report": every view stays inside the frame, the payload is a valid IP
 * packet, and re-encoding a decoded message gives back its bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "ip.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps the reads of every field from being optimised away. */
static volatile uint64_t sink;

static void touch_mac(const struct vn_mac *m)
{
	char s[VN_MAC_STRLEN];
	struct vn_mac back;

	vn_mac_format(m, s);
	CHECK(vn_mac_parse(s, &back) == 0 && vn_mac_eq(m, &back));
	sink += (uint64_t)vn_mac_is_broadcast(m) + (uint64_t)vn_mac_is_multicast(m);
}

static void check_payload(const struct vn_msg *m, const uint8_t *end)
{
	struct vn_ip src, dst;
	size_t ip_len = 0;
	char s[VN_IP_STRLEN];
	uint64_t sum = 0;

	CHECK(m->payload != NULL);
	CHECK(m->payload > m->raw && m->payload + m->payload_len <= m->raw + m->len);
	CHECK(m->raw + m->len == end); /* a data message runs to the frame's end */
	CHECK(vn_ip_check(m->payload, m->payload_len, &ip_len) == VN_RX_OK);
	CHECK(ip_len == m->payload_len);
	for (size_t i = 0; i < m->payload_len; i++)
		sum += m->payload[i];
	vn_ip_src(m->payload, &src);
	vn_ip_dst(m->payload, &dst);
	CHECK(src.family == 4 || src.family == 6);
	sink += sum + vn_ip_hash(&src) + vn_ip_hash(&dst) + vn_ip_is_multicast(&dst);
	vn_ip_format(&src, s);
	struct vn_ip back;
	CHECK(vn_ip_parse(s, &back) == 0 && vn_ip_eq(&back, &src));
}

/* Re-encodes a decoded control message and compares it with the bytes. */
static void roundtrip_control(const struct vn_msg *m)
{
	uint8_t out[VN_REPLY_LEN];
	struct vn_msg view, again;
	size_t used = 0;

	if (m->type == VN_MSG_HEARTBEAT) {
		CHECK(vn_enc_heartbeat(out, sizeof(out), &m->to, &m->from, &m->hb) ==
		      VN_HEARTBEAT_LEN);
		CHECK(memcmp(out, m->raw, VN_HEARTBEAT_LEN) == 0);

		/* forwarding a copy: only to, from and hops change */
		uint8_t fwd[VN_HEARTBEAT_LEN];
		memcpy(fwd, m->raw, sizeof(fwd));
		CHECK(vn_decode_msg(fwd, sizeof(fwd), &again, &used) == VN_RX_OK);
		vn_fwd_heartbeat(&again, &m->to);
		CHECK(memcmp(fwd + 12, m->raw + 12, 36 - 12) == 0);
		CHECK(memcmp(fwd + 40, m->raw + 40, 6) == 0);
		CHECK(again.hb.hops == (m->hb.hops == UINT32_MAX ? UINT32_MAX : m->hb.hops + 1));
		CHECK(vn_get_be32(fwd + 36) == again.hb.hops);
		return;
	}
	/* a reply echoes the heartbeat part as received: encoding it from
	 * this view (raw bytes) and from a hand-built one (fields) must both
	 * give the original bytes */
	CHECK(vn_enc_reply(out, sizeof(out), &m->to, &m->from, m, &m->sender) == VN_REPLY_LEN);
	CHECK(memcmp(out, m->raw, VN_REPLY_LEN) == 0);
	memset(&view, 0, sizeof(view));
	view.hb = m->hb;
	CHECK(vn_enc_reply(out, sizeof(out), &m->to, &m->from, &view, &m->sender) == VN_REPLY_LEN);
	CHECK(memcmp(out, m->raw, VN_REPLY_LEN) == 0);
	CHECK(vn_decode_msg(out, sizeof(out), &again, &used) == VN_RX_OK);
	CHECK(again.type == VN_MSG_REPLY && used == VN_REPLY_LEN);
}

/* Re-encodes the header of a decoded data message in front of a copy of
 * its payload and compares the header bytes. */
static void roundtrip_data(const struct vn_msg *m)
{
	static uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf b;
	size_t hlen, used = 0;
	struct vn_msg again;

	vn_pbuf_init(&b, mem, sizeof(mem));
	memcpy(b.data, m->payload, m->payload_len);
	b.len = m->payload_len;
	if (m->type == VN_MSG_UPSTREAM)
		hlen = vn_enc_upstream(&b, &m->to, &m->from, &m->origin);
	else
		hlen = vn_enc_downstream(&b, &m->to, &m->from, &m->origin, &m->destination);
	CHECK(hlen != 0 && hlen == (size_t)(m->payload - m->raw));
	CHECK(memcmp(b.data, m->raw, hlen) == 0);
	CHECK(vn_decode_msg(b.data, b.len, &again, &used) == VN_RX_OK);
	CHECK(again.type == m->type && again.payload_len == m->payload_len);
	CHECK(again.payload == mem + VN_PBUF_HEADROOM);
}

static void fuzz_frame(const uint8_t *data, size_t size)
{
	/* The frame sits in a pbuf with headroom, in a heap block of exactly
	 * the needed size: ASan reports any read past the frame. */
	size_t cap = VN_PBUF_HEADROOM + size;
	uint8_t *mem = malloc(cap);
	struct vn_pbuf b;
	struct vn_rx_iter it;
	struct vn_msg m;
	enum vn_rx_err err = VN_RX_OK;
	size_t n = 0;
	const uint8_t *prev_end;

	if (mem == NULL)
		return;
	vn_pbuf_init(&b, mem, cap);
	memcpy(b.data, data, size);
	b.len = size;
	prev_end = b.data;

	vn_rx_iter_init(&it, b.data, b.len);
	while (vn_rx_next(&it, &m, &err)) {
		CHECK(err == VN_RX_OK);
		CHECK(m.raw == prev_end); /* messages follow each other */
		CHECK(m.raw + m.len <= b.data + b.len);
		CHECK((unsigned)m.type < VN_MSG__COUNT);
		sink += (uintptr_t)vn_msg_type_name(m.type)[0];
		touch_mac(&m.to);
		touch_mac(&m.from);
		switch (m.type) {
		case VN_MSG_HEARTBEAT:
		case VN_MSG_REPLY:
			CHECK(m.len == (m.type == VN_MSG_HEARTBEAT ? VN_HEARTBEAT_LEN : VN_REPLY_LEN));
			sink += (uint64_t)m.hb.uptime + (uint64_t)(m.hb.uptime >> 64) + m.hb.id +
				m.hb.hops;
			touch_mac(&m.hb.source);
			if (m.type == VN_MSG_REPLY)
				touch_mac(&m.sender);
			roundtrip_control(&m);
			break;
		case VN_MSG_UPSTREAM:
		case VN_MSG_DOWNSTREAM:
			touch_mac(&m.origin);
			if (m.type == VN_MSG_DOWNSTREAM)
				touch_mac(&m.destination);
			check_payload(&m, b.data + b.len);
			roundtrip_data(&m);
			break;
		default:
			CHECK(0);
		}
		prev_end = m.raw + m.len;
		n++;
	}
	CHECK((unsigned)err < VN_RX__COUNT && err != VN_RX_TRUNCATED);
	CHECK(vn_rx_err_name(err) != NULL);
	/* only TRAILER can follow accepted messages; it never comes first */
	if (n > 0)
		CHECK(err == VN_RX_OK || err == VN_RX_TRAILER);
	else
		CHECK(err != VN_RX_TRAILER);
	sink += n;
	free(mem);
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	char s[128];
	struct vn_ip ip, back;
	struct vn_ip_prefix p;
	struct vn_mac mac;
	char out[VN_IP_STRLEN];
	size_t ip_len;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (vn_ip_parse(s, &ip) == 0) {
		CHECK(ip.family == 4 || ip.family == 6);
		vn_ip_format(&ip, out);
		CHECK(vn_ip_parse(out, &back) == 0 && vn_ip_eq(&ip, &back));
	}
	if (vn_ip_prefix_parse(s, &p) == 0) {
		CHECK(p.len <= (p.addr.family == 4 ? 32 : 128));
		CHECK(vn_ip_in_prefix(&p.addr, &p));
		sink += vn_ip_is_prefix_broadcast(&p.addr, &p);
	}
	if (vn_mac_parse(s, &mac) == 0)
		touch_mac(&mac);
	/* the raw bytes as an IP packet */
	if (vn_ip_check(data, size, &ip_len) == VN_RX_OK)
		CHECK(ip_len <= size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > VN_PBUF_DATA_MAX)
		return 0; /* the reader drops these as truncated before decoding */
	fuzz_frame(data, size);
	fuzz_text(data, size);
	return 0;
}
