/* What every frame a core sends and every packet it delivers must be,
 * whatever it was fed: shared by the structured random test
 * (test_core_fuzz.c, cmocka) and the coverage-guided fuzzer
 * (tests/fuzz/fuzz_core.c, abort), so no cmocka here. Each check returns
 * NULL if the output is valid, else a static string saying what is wrong. */
#ifndef VN_CORE_CHECK_H
#define VN_CORE_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ip.h"
#include "mac.h"
#include "pbuf.h"
#include "wire.h"

/* A batch of replies to one next hop (rule 4): the most one frame holds. */
#define CC_MSGS_MAX 25

/* A frame sent by the core whose MAC is self (an RSU if rsu) must decode as
 * 1..CC_MSGS_MAX messages of PROTOCOL.md, all from self to someone else,
 * only replies after the first, within max_len bytes. An RSU sends only its
 * own heartbeats (hops 1) and Downstream data; an OBU relays heartbeats of
 * others. */
static inline const char *cc_frame(const uint8_t *f, size_t len, const struct vn_mac *self,
				   bool rsu, size_t max_len)
{
	static uint8_t copy[VN_PBUF_DATA_MAX];
	struct vn_rx_iter it;
	struct vn_msg m;
	enum vn_rx_err err;
	int n = 0;

	if (len > max_len || len > sizeof(copy))
		return "frame longer than the MTU";
	memcpy(copy, f, len); /* the iterator takes a writable frame */
	vn_rx_iter_init(&it, copy, len);
	while (vn_rx_next(&it, &m, &err)) {
		if (++n > CC_MSGS_MAX)
			return "too many messages in one frame";
		if (!vn_mac_eq(&m.from, self))
			return "message not from the core's own MAC";
		if (vn_mac_eq(&m.to, self))
			return "message addressed to the core itself";
		if (n > 1 && m.type != VN_MSG_REPLY)
			return "a message other than a reply after the first";
		if (rsu && m.type != VN_MSG_HEARTBEAT && m.type != VN_MSG_DOWNSTREAM)
			return "an RSU sent a reply or Upstream data";
		if (rsu && m.type == VN_MSG_HEARTBEAT &&
		    (!vn_mac_eq(&m.hb.source, self) || m.hb.hops != 1))
			return "an RSU heartbeat not its own or not at hops 1";
		if (!rsu && m.type == VN_MSG_HEARTBEAT && vn_mac_eq(&m.hb.source, self))
			return "an OBU heartbeat with the OBU as its source";
	}
	if (err != VN_RX_OK)
		return "frame does not decode cleanly";
	if (n == 0)
		return "frame without a message";
	return NULL;
}

/* A packet written into tun0 must be one whole valid IP packet. */
static inline const char *cc_packet(const uint8_t *p, size_t len)
{
	size_t ip_len = 0;

	if (vn_ip_check(p, len, &ip_len) != VN_RX_OK)
		return "delivered packet is not valid IP";
	if (ip_len != len)
		return "delivered packet has bytes beyond its IP length";
	return NULL;
}

#endif
