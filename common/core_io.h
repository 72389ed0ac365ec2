/* How a routing core talks to the world. A core is pure: it takes events
 * with an explicit `now` and emits actions through these callbacks, which it
 * calls synchronously while handling the event. It makes no syscalls and
 * reads no clock; the daemons (libev, sockets, TUN) and the simulator
 * (virtual time, in-memory links) implement the callbacks. */
#ifndef VN_CORE_IO_H
#define VN_CORE_IO_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic time in microseconds. Cores compare times, never read a clock. */
typedef uint64_t vn_usec;
#define VN_USEC_PER_MS 1000ull
#define VN_USEC_NEVER UINT64_MAX

enum vn_log_level { VN_LOG_ERR, VN_LOG_WARN, VN_LOG_NOTICE, VN_LOG_INFO, VN_LOG_DEBUG };

struct vn_core_io {
	void *ctx;
	/* Transmit one frame, Ethernet header included (the destination is its
	 * `to`). The bytes are only valid during the call: copy them if the
	 * frame must outlive it (the simulator does; a daemon just sendto()s). */
	void (*send)(void *ctx, const uint8_t *frame, size_t len);
	/* Write one IP packet into tun0; same lifetime rule. */
	void (*deliver)(void *ctx, const uint8_t *pkt, size_t len);
	/* Optional (may be NULL): a line worth an operator's attention, such as
	 * a route change. Never called per frame. */
	void (*log)(void *ctx, enum vn_log_level level, const char *msg);
};

#endif
