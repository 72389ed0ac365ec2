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

/* --- Encoders ----------------------------------------------------------- */

/* A Heartbeat into out (cap bytes). Returns VN_HEARTBEAT_LEN, or 0 if cap is
 * too small. */
size_t vn_enc_heartbeat(uint8_t *out, size_t cap, const struct vn_mac *to,
			const struct vn_mac *from, const struct vn_heartbeat *hb);

/* A HeartbeatReply to the received heartbeat `hb` (its uptime, id, hops as
 * received, source), made by `sender`. Returns VN_REPLY_LEN, or 0. */
size_t vn_enc_reply(uint8_t *out, size_t cap, const struct vn_mac *to,
		    const struct vn_mac *from, const struct vn_msg *hb,
		    const struct vn_mac *sender);

/* Re-broadcast of a received Heartbeat, in place: to = broadcast, from =
 * us, hops = received + 1. hb->raw must be writable. Returns VN_HEARTBEAT_LEN. */
size_t vn_fwd_heartbeat(struct vn_msg *hb, const struct vn_mac *from);

/* Puts an Upstream header in front of the IP packet at b->data. On success
 * b covers the whole frame and VN_UP_HLEN is returned; 0 if the headroom is
 * too small (b unchanged). */
size_t vn_enc_upstream(struct vn_pbuf *b, const struct vn_mac *to, const struct vn_mac *from,
		       const struct vn_mac *origin);

/* Puts a Downstream header in front of the IP packet at b->data; as above,
 * returns VN_DOWN_HLEN or 0. */
size_t vn_enc_downstream(struct vn_pbuf *b, const struct vn_mac *to, const struct vn_mac *from,
			 const struct vn_mac *origin, const struct vn_mac *destination);

/* Forwarding any received message: rewrites to/from (12 bytes) in place and
 * nothing else. Returns VN_ETH_HLEN - 2 (the bytes written). */
size_t vn_fwd_rewrite(uint8_t *frame, const struct vn_mac *to, const struct vn_mac *from);

/* Big-endian helpers shared with the cores and tests. */
static inline void vn_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t vn_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t vn_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void vn_put_be128(uint8_t *p, vn_u128 v)
{
	for (int i = 15; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline vn_u128 vn_get_be128(const uint8_t *p)
{
	vn_u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | p[i];
	return v;
}

#endif
