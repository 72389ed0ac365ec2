/* The security layer's state, shared by its files (sec_layer.c: per-hop
 * checks and heartbeats; sec_layer_e2e.c: sealed data). Not for callers. */
#ifndef VN_SEC_LAYER_PRIV_H
#define VN_SEC_LAYER_PRIV_H

#include "sec_layer.h"

/* A session with one peer: rsud keeps one per OBU (by MAC, with the OBU's
 * key of this run), obud one per trusted RSU (by key index, for the RSU's
 * current epoch). */
struct e2e_sess {
	bool used;
	struct vn_mac peer;
	uint8_t pk[VN_E2E_PK_LEN]; /* rsud: the OBU's key of this run */
	uint32_t epoch;
	struct vn_e2e_keys k;
	struct vn_replay win;	   /* AEAD counters received, after opening */
	vn_usec last;
};

/* Broadcast senders: the salt of their run and its counters seen. */
struct e2e_bc {
	bool used;
	struct vn_mac from;
	uint8_t salt[VN_E2E_SALT_LEN];
	struct vn_replay win;
};

#define VN_E2E_MAX_SESS 256
#define VN_E2E_MAX_BC 64

struct vn_sec_e2e {
	bool on;
	uint8_t pk[VN_E2E_PK_LEN], sk[VN_E2E_PK_LEN]; /* obud: this run's kx pair */
	uint8_t salt[VN_E2E_SALT_LEN];		      /* this run's broadcast salt */
	/* One counter for all of this run's sessions (a session re-derived
	 * after eviction gets the same key: its nonces must still be new),
	 * one for broadcasts. */
	uint64_t ctr, bc_ctr;
	struct vn_bucket budget; /* rsud: key derivations for new OBU keys */
	struct e2e_sess sess[VN_E2E_MAX_SESS]; /* rsud: by OBU; obud: by RSU key index */
	struct e2e_bc bc[VN_E2E_MAX_BC];
	unsigned bc_next;
	bool last_sealed;
};

struct sec_nbr {
	bool used;
	struct vn_mac mac;
	struct vn_replay win[VN_SEC_CLASS__COUNT];
	struct vn_bucket budget;
	vn_usec last;
};

/* What an OBU knows of a trusted RSU: the newest epoch and id verified. */
struct sec_rsu {
	bool seen;
	struct vn_mac mac; /* the heartbeats' source, once verified */
	uint32_t epoch, max_id;
	struct vn_bucket budget;
};

enum sec_cnt {
#define X(n) SC_##n,
	VN_SEC_COUNTERS(X)
#undef X
	SC__COUNT
};

struct vn_sec {
	struct vn_mac self;
	struct vn_sec_params p;
	struct vn_sec_netkeys net;
	bool have_rsukeys, have_signkey;
	struct vn_sec_rsukeys rsukeys;
	struct sec_rsu rsu[VN_SEC_MAX_RSUKEYS];
	struct vn_sec_signkey sign;
	uint32_t epoch;
	struct vn_mac chosen, chosen_via;
	struct vn_bucket chosen_budget;
	uint64_t ctr[VN_SEC_CLASS__COUNT];
	struct vn_hbcache cache;
	struct sec_nbr nbr[VN_SEC_MAX_NBRS];
	vn_usec now; /* the latest receive's, for the buckets set up on tx */
	struct vn_sec_e2e e2e;
	uint64_t drops[VN_SEC_DROP__COUNT];
	uint64_t cnt[SC__COUNT];
};

/* sec_layer_e2e.c: the receive side of a subtype-01 frame after its per-hop
 * checks (opens it if we are its end point; *shift grows by the header
 * removed, *inner_len is the plain inner length), and the transmit side of
 * a data frame (seals it, or checks that a relayed one is sealed). */
enum vn_sec_drop vn_sec_e2e_rx(struct vn_sec *s, const struct vn_sec_view *v, size_t *shift,
			       size_t *inner_len, vn_usec now);
uint8_t *vn_sec_e2e_tx(struct vn_sec *s, uint8_t *frame, size_t *len, size_t headroom,
		       size_t tailroom);
void vn_sec_e2e_rsukeys(struct vn_sec *s, const struct vn_sec_rsukeys *k);

#endif
