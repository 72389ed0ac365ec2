/* fuzz_core's input: a reader of the fuzzer's bytes, and what
 * fuzz_core_gen.c builds from them. */
#ifndef VN_FUZZ_CORE_IN_H
#define VN_FUZZ_CORE_IN_H

#include <stddef.h>
#include <stdint.h>

#include "core_io.h"
#include "mac.h"
#include "obu_params.h"
#include "rsu_params.h"
#include "wire.h"

#define WIRE_MTU 1500
#define FRAME_MAX (VN_ETH_HLEN + WIRE_MTU)
/* The tun MTU at most wire MTU - 14 (docs/configuration.md), so that a
 * Downstream (28 bytes of header) fits: no node sends a larger IP packet. */
#define TUN_MTU (WIRE_MTU - VN_ETH_HLEN)

/* The MACs frames are built with: 0 the OBU core, 3 the RSU core. */
extern const struct vn_mac macs[16];

/* The bytes not read yet; reads past the end give zeros. */
struct in {
	const uint8_t *p;
	size_t n;
	uint32_t id; /* the last heartbeat id built */
};

static inline uint8_t u8(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint64_t un(struct in *in, int bytes)
{
	uint64_t v = 0;

	while (bytes-- > 0)
		v = v << 8 | u8(in);
	return v;
}

static inline const struct vn_mac *mac(struct in *in)
{
	return &macs[u8(in) & 15];
}

/* Parameters with small tables (so that the caps are reached), from the
 * input; some are refused by the params checks. */
void obu_params_from(struct in *in, struct obu_params *p);
void rsu_params_from(struct in *in, struct rsu_params *p);
/* An IP packet of at most max (>= 40) bytes at p; returns its length. */
size_t build_ip(struct in *in, uint8_t *p, size_t max);
/* A frame of 1-4 messages (control ones, data last) at f (FRAME_MAX
 * bytes), uptimes about now or not; returns its length. */
size_t build_frame(struct in *in, uint8_t *f, vn_usec now);

#endif
