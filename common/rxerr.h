/* Why a received frame or packet was dropped: one counter per reason. */
#ifndef VN_RXERR_H
#define VN_RXERR_H

enum vn_rx_err {
	VN_RX_OK = 0,
	VN_RX_TRUNCATED,    /* larger than the receive buffer (MSG_TRUNC) */
	VN_RX_RUNT,	    /* shorter than Ethernet header + type + subtype */
	VN_RX_ETHERTYPE,    /* EtherType is not 0x3030 */
	VN_RX_UNKNOWN_TYPE, /* type/subtype not one of the four messages */
	VN_RX_SHORT,	    /* shorter than its message's size */
	VN_RX_TRAILER,	    /* bytes after the control messages: neither a message nor padding */
	VN_RX_IP_VERSION,   /* payload is not IPv4 or IPv6 (an empty payload included) */
	VN_RX_IP_LENGTH,    /* IP header or length fields disagree with the frame */
	VN_RX__COUNT
};

/* A short stable name ("ip_length"), for logs, counters and the control socket. */
const char *vn_rx_err_name(enum vn_rx_err e);

#endif
