/* The security layer between the wire and a routing core (docs/security.md).
 * Receive: a secured frame is decoded, checked (cheap checks first: layout,
 * key id, tag, replay window, then for heartbeats trust, freshness, hash
 * chain, cache, budget and signature), and only then turned back, in
 * place, into the plain frame the core knows. Transmit: the core's plain
 * frame is turned into a secured one in place (header into the headroom,
 * extension and tag into the tailroom).
 *
 * Pure like the cores: explicit `now`, no clock, no randomness (the shell
 * gives the counter start), no syscalls; the daemons and the simulator use
 * the same code. mode = encrypt adds end-to-end sealing of data between
 * OBU and RSU (sec_layer_e2e.c, docs/security.md "Sessions"). */
#ifndef VN_SEC_LAYER_H
#define VN_SEC_LAYER_H

#include "pbuf.h"
#include "sec.h"

/* Neighbours with replay state; the least recently heard goes first. */
#define VN_SEC_MAX_NBRS 256

/* Verification budget (signature checks per second / burst). */
struct vn_sec_params {
	uint8_t max_hops;     /* chain length of our own heartbeats (rsud) */
	uint32_t hb_id_window; /* ids this far behind an RSU's newest are stale */
	uint32_t nbr_rate, nbr_burst; /* per neighbour */
	uint32_t rsu_rate, rsu_burst; /* per claimed (trusted) RSU */
	uint32_t chosen_rate, chosen_burst; /* reserve for the chosen RSU */
};
void vn_sec_params_default(struct vn_sec_params *p);

/* Counters besides the drops (the drops are "sec_" + vn_sec_drop_name). */
#define VN_SEC_COUNTERS(X)                                                        \
	X(rx_ok)	   /* frames verified and handed to the core */          \
	X(sig_verified)	   /* signatures checked and good */                     \
	X(sig_cache_hits)  /* copies matched to an already verified heartbeat */ \
	X(tx_secured)	   /* frames sent with a tag */                          \
	X(tx_no_room)	   /* dropped: no head- or tailroom (a bug if not 0) */  \
	X(tx_unsigned_hb)  /* a heartbeat to relay with no verified original */  \
	X(tx_no_key)	   /* nothing sent: no network key loaded */             \
	X(rx_opened)	   /* sealed packets opened (we were their end point) */ \
	X(tx_sealed)	   /* IP packets sealed end to end */                    \
	X(tx_no_session)   /* not sent: no session with its RSU / OBU yet */     \
	X(tx_unsealed)	   /* not sent: a relayed data frame not sealed (bug) */

struct vn_sec;

/* self: our MAC; ctr_start: where our per-hop counters start (the shell
 * passes the wall clock in microseconds, so that a restart continues above
 * what neighbours have seen). NULL if out of memory. */
struct vn_sec *vn_sec_create(const struct vn_mac *self, const struct vn_sec_params *p,
			     uint64_t ctr_start, vn_usec now);
void vn_sec_destroy(struct vn_sec *s);
void vn_sec_set_params(struct vn_sec *s, const struct vn_sec_params *p);

/* Keys are copied; replacing them is atomic between two frames (SIGHUP). */
void vn_sec_set_netkeys(struct vn_sec *s, const struct vn_sec_netkeys *k);
/* obud: the RSUs it trusts. Without a list (rsud) heartbeats are not
 * checked beyond the tag: an RSU does not route by other RSUs' heartbeats. */
void vn_sec_set_rsukeys(struct vn_sec *s, const struct vn_sec_rsukeys *k);
/* rsud: its signing key and the epoch of this run (persisted by the shell). */
void vn_sec_set_signkey(struct vn_sec *s, const struct vn_sec_signkey *k, uint32_t epoch);
uint32_t vn_sec_epoch(const struct vn_sec *s);
void vn_sec_set_epoch(struct vn_sec *s, uint32_t epoch);
/* mode = encrypt: data is sealed end to end. seed: 32 random bytes of this
 * run (the shell's; the layer has no randomness): obud's key pair for the
 * sessions and everyone's broadcast salt come from it, so that every run
 * has keys of its own. Set it after the signing key (rsud). */
void vn_sec_set_encrypt(struct vn_sec *s, const uint8_t seed[32]);
bool vn_sec_encrypting(const struct vn_sec *s);
/* obud: the RSU its core chose and the upstream neighbour it routes
 * through: that RSU's heartbeats arriving from that neighbour have a
 * verification reserve of their own, so that a flood in the RSU's name
 * from anyone else cannot starve them. NULL: none chosen. */
void vn_sec_set_chosen(struct vn_sec *s, const struct vn_mac *rsu, const struct vn_mac *via);

/* A received frame in b. VN_SEC_OK: b now holds the plain frame (moved by
 * 14 bytes, the payload untouched). Otherwise the drop is counted and b is
 * to be dropped. */
enum vn_sec_drop vn_sec_rx(struct vn_sec *s, struct vn_pbuf *b, vn_usec now);

/* The plain frame at frame (len bytes), with `headroom` writable bytes in
 * front and `tailroom` behind, becomes a secured frame starting at
 * *out = frame - VN_SEC_SHIFT. Returns its length, or 0 (counted: nothing
 * to send). vn_sec_tx_restore puts the plain frame back afterwards, for a
 * core that sends the same bytes again. */
size_t vn_sec_tx(struct vn_sec *s, uint8_t *frame, size_t len, size_t headroom,
		 size_t tailroom, uint8_t **out);
void vn_sec_tx_restore(uint8_t *frame);
/* Whether the last vn_sec_tx sealed an IP packet in place: its bytes are
 * then ciphertext, the headers moved, and there is nothing to restore. */
bool vn_sec_tx_sealed(const struct vn_sec *s);

/* obud, mode = encrypt: a hello, the plain Upstream frame with no IP packet
 * (VN_UP_HLEN bytes) that the daemon sends to its upstream neighbour `to`
 * every second. Sealed like any packet, it carries this run's key to the
 * RSU, so that the RSU can reach the OBU before the OBU sent anything and
 * again soon after the RSU restarts; the RSU's layer consumes it
 * (counted as sec_hello). */
void vn_sec_hello(const struct vn_sec *s, const struct vn_mac *to, uint8_t out[VN_UP_HLEN]);

/* "sec_<name>" for every drop and counter. */
void vn_sec_counters(const struct vn_sec *s,
		     void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);
uint64_t vn_sec_drops(const struct vn_sec *s, enum vn_sec_drop d);

#endif
