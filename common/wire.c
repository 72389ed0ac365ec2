/* The decoders of PROTOCOL.md §2 (the encoders are inline in wire.h).
 * Per-packet path: fixed-size loads, no loop over payload bytes, no
 * allocation, no copy. */
#include "wire.h"

#include <string.h>

#include "ip.h"

/* Offsets within a message (PROTOCOL.md §2). */
#define OFF_TO 0
#define OFF_FROM 6
#define OFF_ETYPE 12
#define OFF_TYPE 14
#define OFF_SUBTYPE 15
#define OFF_UPTIME 16
#define OFF_ID 32
#define OFF_HOPS 36
#define OFF_SOURCE 40
#define OFF_SENDER 46
#define OFF_ORIGIN 16
#define OFF_DEST 22

const char *vn_msg_type_name(enum vn_msg_type t)
{
	static const char *const names[VN_MSG__COUNT] = {
		[VN_MSG_HEARTBEAT] = "heartbeat",
		[VN_MSG_REPLY] = "reply",
		[VN_MSG_UPSTREAM] = "upstream",
		[VN_MSG_DOWNSTREAM] = "downstream",
	};

	if ((unsigned)t >= VN_MSG__COUNT)
		return "unknown";
	return names[t];
}

static inline void load_hb(struct vn_heartbeat *hb, const uint8_t *p)
{
	hb->uptime = vn_get_be128(p + OFF_UPTIME);
	hb->id = vn_get_be32(p + OFF_ID);
	hb->hops = vn_get_be32(p + OFF_HOPS);
	vn_mac_load(&hb->source, p + OFF_SOURCE);
}

static inline __attribute__((always_inline)) enum vn_rx_err
decode_data(uint8_t *buf, size_t len, size_t hlen, struct vn_msg *m)
{
	size_t ip_len = 0;
	enum vn_rx_err e;

	if (len < hlen)
		return VN_RX_SHORT;
	e = vn__ip_check(buf + hlen, len - hlen, &ip_len);
	if (e != VN_RX_OK)
		return e;
	vn_mac_load(&m->origin, buf + OFF_ORIGIN);
	m->payload = buf + hlen;
	m->payload_len = ip_len;
	m->len = len;
	return VN_RX_OK;
}

/* The one decoder; inlined into both entry points (it is the per-packet
 * path of vn_rx_next). Returns the message length, or 0 with *err set. */
static inline __attribute__((always_inline)) size_t
decode_one(uint8_t *buf, size_t len, struct vn_msg *m, enum vn_rx_err *err)
{
	enum vn_rx_err e;

	if (len < VN_MSG_HLEN) {
		*err = VN_RX_RUNT;
		return 0;
	}
	if (vn_get_be16(buf + OFF_ETYPE) != VN_ETHERTYPE) {
		*err = VN_RX_ETHERTYPE;
		return 0;
	}

	/* type and subtype as one 16-bit key: 0x0000, 0x0001, 0x0100, 0x0101 */
	switch (vn_get_be16(buf + OFF_TYPE)) {
	case 0x0000:
		if (len < VN_HEARTBEAT_LEN) {
			*err = VN_RX_SHORT;
			return 0;
		}
		m->type = VN_MSG_HEARTBEAT;
		m->len = VN_HEARTBEAT_LEN;
		load_hb(&m->hb, buf);
		m->payload = NULL;
		m->payload_len = 0;
		break;
	case 0x0001:
		if (len < VN_REPLY_LEN) {
			*err = VN_RX_SHORT;
			return 0;
		}
		m->type = VN_MSG_REPLY;
		m->len = VN_REPLY_LEN;
		load_hb(&m->hb, buf);
		vn_mac_load(&m->sender, buf + OFF_SENDER);
		m->payload = NULL;
		m->payload_len = 0;
		break;
	case 0x0100:
		e = decode_data(buf, len, VN_UP_HLEN, m);
		if (e != VN_RX_OK) {
			*err = e;
			return 0;
		}
		m->type = VN_MSG_UPSTREAM;
		break;
	case 0x0101:
		e = decode_data(buf, len, VN_DOWN_HLEN, m);
		if (e != VN_RX_OK) {
			*err = e;
			return 0;
		}
		m->type = VN_MSG_DOWNSTREAM;
		vn_mac_load(&m->destination, buf + OFF_DEST);
		break;
	default:
		*err = VN_RX_UNKNOWN_TYPE;
		return 0;
	}
	m->raw = buf;
	vn_mac_load(&m->to, buf + OFF_TO);
	vn_mac_load(&m->from, buf + OFF_FROM);
	return m->len;
}

enum vn_rx_err vn_decode_msg(uint8_t *buf, size_t len, struct vn_msg *m, size_t *used)
{
	enum vn_rx_err e = VN_RX_OK;
	size_t n = decode_one(buf, len, m, &e);

	if (n == 0)
		return e;
	*used = n;
	return VN_RX_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

bool vn_rx_next(struct vn_rx_iter *it, struct vn_msg *m, enum vn_rx_err *err)
{
	size_t rest, used;
	enum vn_rx_err e = VN_RX_OK;

	*err = VN_RX_OK;
	if (it->done)
		return false;
	rest = it->len - it->off;
	if (it->off > 0 && rest == 0) {
		it->done = true;
		return false;
	}
	used = decode_one(it->buf + it->off, rest, m, &e);
	if (used != 0) {
		it->off += used;
		/* A data message runs to the frame's end: nothing follows it. */
		it->done = m->type >= VN_MSG_UPSTREAM;
		return true;
	}
	it->done = true;
	if (it->off == 0) {
		*err = e; /* the frame's first message: the real reason */
		return false;
	}
	/* After a message: Ethernet padding ends the frame cleanly, anything
	 * else is a trailer (the messages before it stand). */
	if (!all_zero(it->buf + it->off, rest))
		*err = VN_RX_TRAILER;
	return false;
}
