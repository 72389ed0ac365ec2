/* A table of hashes of recently handled data packets, shared by the two
 * cores: the OBU's cuts loops and re-broadcasts a broadcast once
 * (obu/obu_dedup.c), the RSU's delivers an Upstream packet once
 * (rsu/rsu_core.c). Pure: explicit time, no syscalls. See docs/routing.md,
 * "Loops" and "Rule 12". */
#ifndef VN_PKT_SEEN_H
#define VN_PKT_SEEN_H

#include <stdbool.h>
#include <stdint.h>

#include "core_io.h"
#include "wire.h"

#define VN_PKT_SEEN_WAYS 4 /* sets of 4: a collision must not let a loop run */

struct vn_pkt_seen_ent {
	uint32_t hash;
	uint32_t via; /* who handed it to us (vn_pkt_via), for window_other */
	vn_usec at;
};

/* 4-way set-associative, from 2^bits_min sets growing to 2^bits_max: it
 * doubles whenever a packet would push out an entry younger than the
 * `keep` of that call, so below its full size it never forgets a packet
 * within that window. */
struct vn_pkt_seen {
	struct vn_pkt_seen_ent *e; /* [VN_PKT_SEEN_WAYS << bits] */
	uint32_t bits, bits_max;
};

int vn_pkt_seen_init(struct vn_pkt_seen *t, uint32_t bits_min, uint32_t bits_max);
void vn_pkt_seen_free(struct vn_pkt_seen *t);

/* The packet's key: a hash of kind, the IP length, the origin, the
 * destination if with_dest, and the first 128 bytes of the IP packet
 * (headers, ports, sequence numbers). */
uint32_t vn_pkt_hash(uint32_t kind, const struct vn_msg *m, bool with_dest);

/* The kind an Upstream packet is hashed with, at the OBU relays and the
 * RSU alike (the OBU's other kinds are its own, obu_core_priv.h). */
#define VN_PKT_KIND_UP 1

enum vn_pkt_seen_res {
	VN_PKT_NEW,	   /* not seen within window: recorded now */
	VN_PKT_REPEAT,	   /* seen within window */
	VN_PKT_NEW_NOGROW, /* new, recorded, but the table could not grow */
};
/* A 32-bit tag of the neighbour that handed a packet to us. */
uint32_t vn_pkt_via(const struct vn_mac *from);

/* The windows of one lookup: a repeat is one recorded within `same`, or
 * within `other` if it came from another neighbour than that record (a
 * copy that took another path: a loop, a salvage detour -- not an end-to-
 * end retransmission, which follows the first one's path). `keep`: the
 * window the table grows to hold in full; beyond it an entry counts as
 * long as the table still has it. */
struct vn_pkt_win {
	vn_usec same, other, keep;
};
/* Whether hash h (from via) is a repeat; records it if not. */
enum vn_pkt_seen_res vn_pkt_seen(struct vn_pkt_seen *t, uint32_t h, uint32_t via,
				 const struct vn_pkt_win *w, vn_usec now);

/* Since when hash h has been recorded (the age of its entry), without
 * recording it; VN_USEC_NEVER if the table does not have it. */
vn_usec vn_pkt_seen_age(const struct vn_pkt_seen *t, uint32_t h, vn_usec now);

#endif
