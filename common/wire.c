/* The frame layout of PROTOCOL.md §2. Everything here is on the per-packet
 * path: fixed-size memcpy (which the compiler turns into a few moves), no
 * loops over payload bytes, no allocation. */
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

/* EtherType, type and subtype as they stand in bytes 12..15. */
static const uint8_t tag_heartbeat[4] = {0x30, 0x30, 0x00, 0x00};
static const uint8_t tag_reply[4] = {0x30, 0x30, 0x00, 0x01};
static const uint8_t tag_upstream[4] = {0x30, 0x30, 0x01, 0x00};
static const uint8_t tag_downstream[4] = {0x30, 0x30, 0x01, 0x01};

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

/* 128-bit big-endian via two byte-swapped 64-bit loads: a handful of
 * instructions instead of the 16-step loop of the generic helpers. */
static inline vn_u128 load_be128(const uint8_t *p)
{
	uint64_t hi, lo;

	memcpy(&hi, p, 8);
	memcpy(&lo, p + 8, 8);
	return (vn_u128)__builtin_bswap64(hi) << 64 | __builtin_bswap64(lo);
}

static inline void store_be128(uint8_t *p, vn_u128 v)
{
	uint64_t hi = __builtin_bswap64((uint64_t)(v >> 64));
	uint64_t lo = __builtin_bswap64((uint64_t)v);

	memcpy(p, &hi, 8);
	memcpy(p + 8, &lo, 8);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

/* to, from, EtherType, type, subtype: the 16 bytes every message starts with. */
static inline void put_head(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
			    const uint8_t tag[4])
{
	memcpy(p + OFF_TO, to->b, VN_MAC_LEN);
	memcpy(p + OFF_FROM, from->b, VN_MAC_LEN);
	memcpy(p + OFF_ETYPE, tag, 4);
}

static inline void load_hb(struct vn_heartbeat *hb, const uint8_t *p)
{
	hb->uptime = load_be128(p + OFF_UPTIME);
	hb->id = load_be32(p + OFF_ID);
	hb->hops = load_be32(p + OFF_HOPS);
	vn_mac_load(&hb->source, p + OFF_SOURCE);
}

static enum vn_rx_err decode_data(uint8_t *buf, size_t len, size_t hlen, struct vn_msg *m)
{
	size_t ip_len;
	enum vn_rx_err e;

	if (len < hlen)
		return VN_RX_SHORT;
	e = vn_ip_check(buf + hlen, len - hlen, &ip_len);
	if (e != VN_RX_OK)
		return e;
	vn_mac_load(&m->origin, buf + OFF_ORIGIN);
	m->payload = buf + hlen;
	m->payload_len = ip_len;
	m->len = len;
	return VN_RX_OK;
}

enum vn_rx_err vn_decode_msg(uint8_t *buf, size_t len, struct vn_msg *m, size_t *used)
{
	enum vn_rx_err e;

	if (len < VN_MSG_HLEN)
		return VN_RX_RUNT;
	if (vn_get_be16(buf + OFF_ETYPE) != VN_ETHERTYPE)
		return VN_RX_ETHERTYPE;

	/* type and subtype as one 16-bit key: 0x0000, 0x0001, 0x0100, 0x0101 */
	switch (vn_get_be16(buf + OFF_TYPE)) {
	case 0x0000:
		if (len < VN_HEARTBEAT_LEN)
			return VN_RX_SHORT;
		m->type = VN_MSG_HEARTBEAT;
		m->len = VN_HEARTBEAT_LEN;
		load_hb(&m->hb, buf);
		m->payload = NULL;
		m->payload_len = 0;
		break;
	case 0x0001:
		if (len < VN_REPLY_LEN)
			return VN_RX_SHORT;
		m->type = VN_MSG_REPLY;
		m->len = VN_REPLY_LEN;
		load_hb(&m->hb, buf);
		vn_mac_load(&m->sender, buf + OFF_SENDER);
		m->payload = NULL;
		m->payload_len = 0;
		break;
	case 0x0100:
		e = decode_data(buf, len, VN_UP_HLEN, m);
		if (e != VN_RX_OK)
			return e;
		m->type = VN_MSG_UPSTREAM;
		break;
	case 0x0101:
		e = decode_data(buf, len, VN_DOWN_HLEN, m);
		if (e != VN_RX_OK)
			return e;
		m->type = VN_MSG_DOWNSTREAM;
		vn_mac_load(&m->destination, buf + OFF_DEST);
		break;
	default:
		return VN_RX_UNKNOWN_TYPE;
	}
	m->raw = buf;
	vn_mac_load(&m->to, buf + OFF_TO);
	vn_mac_load(&m->from, buf + OFF_FROM);
	*used = m->len;
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
	size_t rest, used = 0;
	enum vn_rx_err e;

	*err = VN_RX_OK;
	if (it->done)
		return false;
	rest = it->len - it->off;
	if (it->off > 0 && rest == 0) {
		it->done = true;
		return false;
	}
	e = vn_decode_msg(it->buf + it->off, rest, m, &used);
	if (e == VN_RX_OK) {
		it->off += used;
		/* A data message runs to the frame's end: nothing follows it. */
		if (m->type == VN_MSG_UPSTREAM || m->type == VN_MSG_DOWNSTREAM)
			it->done = true;
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

size_t vn_enc_heartbeat(uint8_t *out, size_t cap, const struct vn_mac *to,
			const struct vn_mac *from, const struct vn_heartbeat *hb)
{
	if (cap < VN_HEARTBEAT_LEN)
		return 0;
	put_head(out, to, from, tag_heartbeat);
	store_be128(out + OFF_UPTIME, hb->uptime);
	store_be32(out + OFF_ID, hb->id);
	store_be32(out + OFF_HOPS, hb->hops);
	memcpy(out + OFF_SOURCE, hb->source.b, VN_MAC_LEN);
	return VN_HEARTBEAT_LEN;
}

size_t vn_enc_reply(uint8_t *out, size_t cap, const struct vn_mac *to,
		    const struct vn_mac *from, const struct vn_msg *hb,
		    const struct vn_mac *sender)
{
	if (cap < VN_REPLY_LEN)
		return 0;
	if (hb->raw != NULL) {
		/* uptime, id, hops, source exactly as received; memmove in
		 * case the reply is built over the heartbeat itself. */
		memmove(out + OFF_UPTIME, hb->raw + OFF_UPTIME, OFF_SENDER - OFF_UPTIME);
	} else {
		/* a view built by hand (simulator, tests): use its fields */
		store_be128(out + OFF_UPTIME, hb->hb.uptime);
		store_be32(out + OFF_ID, hb->hb.id);
		store_be32(out + OFF_HOPS, hb->hb.hops);
		memcpy(out + OFF_SOURCE, hb->hb.source.b, VN_MAC_LEN);
	}
	put_head(out, to, from, tag_reply);
	memcpy(out + OFF_SENDER, sender->b, VN_MAC_LEN);
	return VN_REPLY_LEN;
}

size_t vn_fwd_heartbeat(struct vn_msg *hb, const struct vn_mac *from)
{
	uint8_t *p = hb->raw;
	uint32_t hops = load_be32(p + OFF_HOPS);

	/* Saturate: a hostile 0xffffffff must not wrap to 0 ("next to the RSU"). */
	if (hops != UINT32_MAX)
		hops++;
	memcpy(p + OFF_TO, vn_mac_broadcast.b, VN_MAC_LEN);
	memcpy(p + OFF_FROM, from->b, VN_MAC_LEN);
	store_be32(p + OFF_HOPS, hops);
	hb->to = vn_mac_broadcast;
	hb->from = *from;
	hb->hb.hops = hops;
	return VN_HEARTBEAT_LEN;
}

size_t vn_enc_upstream(struct vn_pbuf *b, const struct vn_mac *to, const struct vn_mac *from,
		       const struct vn_mac *origin)
{
	uint8_t *p = vn_pbuf_push(b, VN_UP_HLEN);

	if (p == NULL)
		return 0;
	put_head(p, to, from, tag_upstream);
	memcpy(p + OFF_ORIGIN, origin->b, VN_MAC_LEN);
	return VN_UP_HLEN;
}

size_t vn_enc_downstream(struct vn_pbuf *b, const struct vn_mac *to, const struct vn_mac *from,
			 const struct vn_mac *origin, const struct vn_mac *destination)
{
	uint8_t *p = vn_pbuf_push(b, VN_DOWN_HLEN);

	if (p == NULL)
		return 0;
	put_head(p, to, from, tag_downstream);
	memcpy(p + OFF_ORIGIN, origin->b, VN_MAC_LEN);
	memcpy(p + OFF_DEST, destination->b, VN_MAC_LEN);
	return VN_DOWN_HLEN;
}

size_t vn_fwd_rewrite(uint8_t *frame, const struct vn_mac *to, const struct vn_mac *from)
{
	memcpy(frame + OFF_TO, to->b, VN_MAC_LEN);
	memcpy(frame + OFF_FROM, from->b, VN_MAC_LEN);
	return VN_ETH_HLEN - 2;
}
