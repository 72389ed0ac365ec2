#include "rxerr.h"

const char *vn_rx_err_name(enum vn_rx_err e)
{
	/* Stable: these become counter names (rx_drop_<name>) and are read by
	 * scripts through the control socket. */
	static const char *const names[VN_RX__COUNT] = {
		[VN_RX_OK] = "ok",
		[VN_RX_TRUNCATED] = "truncated",
		[VN_RX_RUNT] = "runt",
		[VN_RX_ETHERTYPE] = "ethertype",
		[VN_RX_UNKNOWN_TYPE] = "unknown_type",
		[VN_RX_SHORT] = "short",
		[VN_RX_TRAILER] = "trailer",
		[VN_RX_IP_VERSION] = "ip_version",
		[VN_RX_IP_LENGTH] = "ip_length",
	};

	if ((unsigned)e >= VN_RX__COUNT)
		return "unknown";
	return names[e];
}
