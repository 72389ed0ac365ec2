/* The frame layout of PROTOCOL.md §2: zero-copy encoders and validating
 * decoders. Decoders turn bytes into a view whose payload points into the
 * buffer; encoders write a header in place (in front of a payload, or over
 * the to/from of a received frame) and return its length. Nothing here
 * allocates or copies a payload. */
#ifndef VN_WIRE_H
#define VN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mac.h"
#include "pbuf.h"
#include "rxerr.h"

#define VN_ETHERTYPE 0x3030
#define VN_ETH_HLEN 14
#define VN_MSG_HLEN 16 /* Ethernet header + type + subtype */
#define VN_HEARTBEAT_LEN 46
#define VN_REPLY_LEN 52
#define VN_UP_HLEN 22
#define VN_DOWN_HLEN 28
#define VN_MAX_HLEN VN_DOWN_HLEN

__extension__ typedef unsigned __int128 vn_u128;

enum vn_msg_type {
	VN_MSG_HEARTBEAT,
	VN_MSG_REPLY,
	VN_MSG_UPSTREAM,
	VN_MSG_DOWNSTREAM,
	VN_MSG__COUNT
};

const char *vn_msg_type_name(enum vn_msg_type t);

/* What a Heartbeat carries (and a HeartbeatReply echoes). */
struct vn_heartbeat {
	vn_u128 uptime;	     /* RSU uptime in ms when it made the heartbeat */
	uint32_t id;	     /* sequence number */
	uint32_t hops;	     /* receiver's distance from the RSU, in hops */
	struct vn_mac source; /* the RSU */
};

/* A validated message: the fields, and pointers into the frame. */
struct vn_msg {
	enum vn_msg_type type;
	uint8_t *raw;	      /* this message's first byte (its Ethernet header) */
	size_t len;	      /* its length: exact size, or to the frame's end for data */
	struct vn_mac to;     /* next hop, or broadcast */
	struct vn_mac from;   /* transmitter of this hop */
	struct vn_heartbeat hb; /* HEARTBEAT and REPLY */
	struct vn_mac sender; /* REPLY: the OBU that made it */
	struct vn_mac origin; /* UPSTREAM, DOWNSTREAM */
	struct vn_mac destination; /* DOWNSTREAM: target OBU, or broadcast */
	uint8_t *payload;     /* UPSTREAM, DOWNSTREAM: the IP packet */
	size_t payload_len;   /* its IP length (Ethernet padding excluded) */
};

/* Walks the messages of one frame: several control messages may stand back
 * to back; a data message runs to the end of the frame. */
struct vn_rx_iter {
	uint8_t *buf;
	size_t len;
	size_t off;
	bool done;
};

static inline void vn_rx_iter_init(struct vn_rx_iter *it, uint8_t *frame, size_t len)
{
	it->buf = frame;
	it->len = len;
	it->off = 0;
	it->done = false;
}

/* Returns true with *m filled for each valid message. Returns false at the
 * end: *err is VN_RX_OK when the frame ended cleanly (trailing all-zero
 * Ethernet padding counts as clean), else why the rest was rejected. A frame
 * rejected at its first message yields no message at all. */
bool vn_rx_next(struct vn_rx_iter *it, struct vn_msg *m, enum vn_rx_err *err);

/* Decodes the single message at buf (len bytes available); *used gets its
 * length. The building block of vn_rx_next. */
enum vn_rx_err vn_decode_msg(uint8_t *buf, size_t len, struct vn_msg *m, size_t *used);

/* --- Big-endian helpers (shared with the cores and tests) --------------- */

static inline void vn_put_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static inline uint32_t vn_get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline uint16_t vn_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void vn_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Two byte-swapped 64-bit halves: a few instructions, not a 16-step loop. */
static inline void vn_put_be128(uint8_t *p, vn_u128 v)
{
	uint64_t hi = __builtin_bswap64((uint64_t)(v >> 64));
	uint64_t lo = __builtin_bswap64((uint64_t)v);

	memcpy(p, &hi, 8);
	memcpy(p + 8, &lo, 8);
}

static inline vn_u128 vn_get_be128(const uint8_t *p)
{
	uint64_t hi, lo;

	memcpy(&hi, p, 8);
	memcpy(&lo, p + 8, 8);
	return (vn_u128)__builtin_bswap64(hi) << 64 | __builtin_bswap64(lo);
}

/* --- Encoders ----------------------------------------------------------- */

/* The encoders are defined here, inline: each is a handful of fixed-size
 * stores, and a function call would cost more than the work (see
 * docs/performance.md). Every fixed-size memcpy becomes plain moves. */

/* Stores are what these functions cost (about two per cycle), so the 6-byte
 * addresses are merged into 8-byte words in registers and written with as
 * few stores as possible: 12 bytes of to/from in two, the 16-byte header
 * in two. On a big-endian host the plain copies are used. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The address in the low 48 bits, byte 0 lowest (as it lies in memory). */
static inline uint64_t vn__mac_word(const struct vn_mac *m)
{
	uint32_t lo;
	uint16_t hi;

	memcpy(&lo, m->b, 4);
	memcpy(&hi, m->b + 4, 2);
	return lo | (uint64_t)hi << 32;
}

/* Two addresses, back to back (12 bytes), then `tail_len` (0 or 4) bytes of
 * tail (little-endian), in two stores. Both addresses are loaded before
 * anything is stored, so they may point into p. */
static inline void vn__put_mac_pair(uint8_t *p, const struct vn_mac *a, const struct vn_mac *b,
				    uint32_t tail, size_t tail_len)
{
	uint64_t wb = vn__mac_word(b);
	uint64_t w0 = vn__mac_word(a) | wb << 48;
	uint64_t w1 = wb >> 16 | (uint64_t)tail << 32;

	memcpy(p, &w0, 8);
	if (tail_len == 4)
		memcpy(p + 8, &w1, 8);
	else
		memcpy(p + 8, &w1, 4);
}
#else
static inline void vn__put_mac_pair(uint8_t *p, const struct vn_mac *a, const struct vn_mac *b,
				    uint32_t tail, size_t tail_len)
{
	const uint8_t t[4] = {(uint8_t)tail, (uint8_t)(tail >> 8), (uint8_t)(tail >> 16),
			      (uint8_t)(tail >> 24)};

	memcpy(p, a->b, VN_MAC_LEN);
	memcpy(p + 6, b->b, VN_MAC_LEN);
	memcpy(p + 12, t, tail_len);
}
#endif

/* Bytes 12..15 of each message (EtherType 30 30, type, subtype) as a
 * little-endian word for vn__put_mac_pair. */
#define VN__TAG(type, subtype) ((uint32_t)0x3030 | (uint32_t)(type) << 16 | (uint32_t)(subtype) << 24)

/* to, from, EtherType, type, subtype: the 16 bytes every message starts with. */
static inline void vn__put_head(uint8_t *p, const struct vn_mac *to, const struct vn_mac *from,
				uint32_t tag)
{
	vn__put_mac_pair(p, to, from, tag, 4);
}

/* A Heartbeat into out (cap bytes). Returns VN_HEARTBEAT_LEN, or 0 if cap is
 * too small. */
static inline size_t vn_enc_heartbeat(uint8_t *out, size_t cap, const struct vn_mac *to,
				      const struct vn_mac *from, const struct vn_heartbeat *hb)
{
	if (cap < VN_HEARTBEAT_LEN)
		return 0;
	vn__put_head(out, to, from, VN__TAG(0, 0));
	vn_put_be128(out + 16, hb->uptime);
	vn_put_be32(out + 32, hb->id);
	vn_put_be32(out + 36, hb->hops);
	memcpy(out + 40, hb->source.b, VN_MAC_LEN);
	return VN_HEARTBEAT_LEN;
}

/* A HeartbeatReply to the received heartbeat `hb` (its uptime, id, hops as
 * received, source), made by `sender`. Returns VN_REPLY_LEN, or 0. */
static inline size_t vn_enc_reply(uint8_t *out, size_t cap, const struct vn_mac *to,
				  const struct vn_mac *from, const struct vn_msg *hb,
				  const struct vn_mac *sender)
{
	if (cap < VN_REPLY_LEN)
		return 0;
	if (hb->raw != NULL) {
		/* bytes 16..45 exactly as received, as two overlapping
		 * 16-byte words (16..31, 30..45), both loaded before either
		 * is stored, so out may even be hb->raw itself. (A 30-byte
		 * struct copy went through the stack instead and stalled on
		 * store forwarding: 3x slower.) */
		vn_u128 w0, w1;

		memcpy(&w0, hb->raw + 16, 16);
		memcpy(&w1, hb->raw + 30, 16);
		memcpy(out + 16, &w0, 16);
		memcpy(out + 30, &w1, 16);
	} else {
		/* a view built by hand (simulator, tests): from its fields */
		vn_put_be128(out + 16, hb->hb.uptime);
		vn_put_be32(out + 32, hb->hb.id);
		vn_put_be32(out + 36, hb->hb.hops);
		memcpy(out + 40, hb->hb.source.b, VN_MAC_LEN);
	}
	vn__put_head(out, to, from, VN__TAG(0, 1));
	memcpy(out + 46, sender->b, VN_MAC_LEN);
	return VN_REPLY_LEN;
}

/* Re-broadcast of a received Heartbeat, in place: to = broadcast, from =
 * us, hops = received + 1 (saturating: a hostile 0xffffffff must not wrap
 * to 0, "next to the RSU"). hb->raw must be writable; the view's to, from
 * and hops follow. Returns VN_HEARTBEAT_LEN. */
static inline size_t vn_fwd_heartbeat(struct vn_msg *hb, const struct vn_mac *from)
{
	uint8_t *p = hb->raw;
	uint32_t hops = vn_get_be32(p + 36);

	hops += hops != UINT32_MAX;
	vn__put_mac_pair(p, &vn_mac_broadcast, from, 0, 0);
	vn_put_be32(p + 36, hops);
	hb->to = vn_mac_broadcast;
	hb->from = *from;
	hb->hb.hops = hops;
	return VN_HEARTBEAT_LEN;
}

/* Puts an Upstream header in front of the IP packet at b->data. On success
 * b covers the whole frame and VN_UP_HLEN is returned; 0 if the headroom is
 * too small (b unchanged). */
static inline size_t vn_enc_upstream(struct vn_pbuf *b, const struct vn_mac *to,
				     const struct vn_mac *from, const struct vn_mac *origin)
{
	uint8_t *p = vn_pbuf_push(b, VN_UP_HLEN);

	if (p == NULL)
		return 0;
	vn__put_head(p, to, from, VN__TAG(1, 0));
	memcpy(p + 16, origin->b, VN_MAC_LEN);
	return VN_UP_HLEN;
}

/* Puts a Downstream header in front of the IP packet at b->data; as above,
 * returns VN_DOWN_HLEN or 0. */
static inline size_t vn_enc_downstream(struct vn_pbuf *b, const struct vn_mac *to,
				       const struct vn_mac *from, const struct vn_mac *origin,
				       const struct vn_mac *destination)
{
	uint8_t *p = vn_pbuf_push(b, VN_DOWN_HLEN);

	if (p == NULL)
		return 0;
	vn__put_head(p, to, from, VN__TAG(1, 1));
	vn__put_mac_pair(p + 16, origin, destination, 0, 0);
	return VN_DOWN_HLEN;
}

/* Forwarding any received message: rewrites to/from (12 bytes) in place and
 * nothing else. Returns VN_ETH_HLEN - 2 (the bytes written). */
static inline size_t vn_fwd_rewrite(uint8_t *frame, const struct vn_mac *to,
				    const struct vn_mac *from)
{
	vn__put_mac_pair(frame, to, from, 0, 0);
	return VN_ETH_HLEN - 2;
}

#endif
