/* The security layer's building blocks (docs/security.md): key files, the
 * secured frame layout, the per-hop tag, replay windows, the signed
 * heartbeat with its hop-count hash chain, the verified-heartbeat cache and
 * the verification budget. Pure: libsodium's computations only, no
 * syscalls, no clock (every call that needs time takes `now`), no
 * randomness (the shell passes seeds and counter starts in). Built as its
 * own library (vanet_sec) so that vanet_proto stays dependency-free. */
#ifndef VN_SEC_H
#define VN_SEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core_io.h"
#include "mac.h"
#include "wire.h"

/* --- Keys (sec_keys.c) ---------------------------------------------------- */

#define VN_SEC_KEY_LEN 32     /* group key (keyed BLAKE2b) */
#define VN_SEC_PK_LEN 32      /* Ed25519 public key */
#define VN_SEC_SEED_LEN 32    /* Ed25519 seed: the RSU's signing key file */
#define VN_SEC_SK_LEN 64      /* libsodium's expanded Ed25519 secret key */
#define VN_SEC_MAX_NETKEYS 8  /* keys in one network key file */
#define VN_SEC_MAX_RSUKEYS 256 /* trusted RSUs in one rsu_keys file */
#define VN_SEC_ERR_LEN 160

struct vn_sec_netkey {
	uint8_t id;
	uint8_t key[VN_SEC_KEY_LEN];
};

/* A network key file: "key ID HEX [send]" lines. Exactly one key sends
 * (marked, or the only one); all of them are accepted on receive, which is
 * what lets keys rotate without a gap. */
struct vn_sec_netkeys {
	struct vn_sec_netkey k[VN_SEC_MAX_NETKEYS];
	unsigned n;
	unsigned send; /* index into k */
};

/* Trusted RSUs: "rsu HEX [comment]" lines (what vanet-keygen writes to
 * FILE.pub). */
struct vn_sec_rsukeys {
	uint8_t pk[VN_SEC_MAX_RSUKEYS][VN_SEC_PK_LEN];
	unsigned n;
};

/* An RSU's signing key file: one "signing-key HEX" line (the Ed25519 seed).
 * The public key and the hash-chain secret are derived from it. */
struct vn_sec_signkey {
	uint8_t seed[VN_SEC_SEED_LEN];
	uint8_t pk[VN_SEC_PK_LEN];
	uint8_t sk[VN_SEC_SK_LEN];
	uint8_t chain_secret[VN_SEC_KEY_LEN];
};

/* Parsers of a file's text (the shell reads the file and checks its mode).
 * Return 0, or -1 with "line N: why" in err. Lines starting with '#' and
 * blank lines are ignored. */
int vn_sec_parse_netkeys(const char *text, size_t len, struct vn_sec_netkeys *out, char *err,
			 size_t errcap);
int vn_sec_parse_rsukeys(const char *text, size_t len, struct vn_sec_rsukeys *out, char *err,
			 size_t errcap);
int vn_sec_parse_signkey(const char *text, size_t len, struct vn_sec_signkey *out, char *err,
			 size_t errcap);
/* Derives pk, sk and chain_secret from seed. */
void vn_sec_signkey_expand(struct vn_sec_signkey *k);
const struct vn_sec_netkey *vn_sec_netkey_find(const struct vn_sec_netkeys *ks, uint8_t id);
/* Index of pk in the list, or -1. */
int vn_sec_rsukey_find(const struct vn_sec_rsukeys *ks, const uint8_t pk[VN_SEC_PK_LEN]);
/* Index of the key whose first VN_SEC_HINT_LEN bytes are hint, or -1. */
int vn_sec_rsukey_by_hint(const struct vn_sec_rsukeys *ks, const uint8_t *hint);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void vn_sec_hex(const uint8_t *b, size_t n, char *out);

/* --- Secured frame layout (sec_frame.c) -----------------------------------
 *
 *  off len field
 *   0   6  to                 \ exactly as a plain frame: relays rewrite
 *   6   6  from               / these in place (and then the tag)
 *  12   2  EtherType 30 30
 *  14   1  type      02 (secured)
 *  15   1  subtype   00 authenticated, 01 data sealed end to end (below)
 *  16   1  key id    which network key made the tag
 *  17   1  flags     bits 0-1 class (0 control, 1 data); bit 7 heartbeat
 *                    extension present
 *  18   2  length L  of the inner bytes
 *  20   8  counter   the transmitter's per-hop counter for this class
 *  28   L  inner     the plain frame from its byte 14 on (type, subtype, ...)
 *  28+L 112 heartbeat extension (flag bit 7): see below
 *  ...  16 tag       keyed BLAKE2b-128 under the group key over all before it
 *  then possibly Ethernet padding, ignored (L says where things are).
 *
 * A plain frame turns into a secured one by moving its 14-byte Ethernet
 * header 14 bytes forward into the headroom and writing the 14 bytes of
 * security header where it was; the extension and the tag go into the
 * tailroom. Receiving undoes it: the IP packet never moves. */

#define VN_TYPE_SECURED 0x02
#define VN_SEC_SUB_AUTH 0x00
#define VN_SEC_SUB_ENCRYPT 0x01 /* data sealed end to end (mode = encrypt, sec_e2e.c) */
/* The same, with the per-hop tag over every byte but the ciphertext (the
 * AEAD tag authenticates that end to end): what this version sends; 01
 * (tag over everything) is still accepted (docs/security.md). */
#define VN_SEC_SUB_ENCRYPT_HT 0x02
#define VN_SEC_HLEN 28		/* outer header, up to the inner bytes */
#define VN_SEC_SHIFT (VN_SEC_HLEN - VN_ETH_HLEN) /* headroom a plain frame needs: 14 */
#define VN_SEC_TAG_LEN 16
#define VN_SEC_FLAG_HBEXT 0x80
#define VN_SEC_CLASS_MASK 0x03

enum vn_sec_class { VN_SEC_CLASS_CONTROL, VN_SEC_CLASS_DATA, VN_SEC_CLASS__COUNT };

static inline bool vn_sec_sub_sealed(uint8_t subtype)
{
	return subtype == VN_SEC_SUB_ENCRYPT || subtype == VN_SEC_SUB_ENCRYPT_HT;
}

/* Heartbeat extension (offsets within it):
 *   0  4  epoch      the RSU's start count (persisted: a restart is fresh)
 *   4  1  max hops   length of the hash chain
 *   5  3  zero
 *   8  8  key hint   the first 8 bytes of the RSU's public key: the
 *                    receiver picks the trusted key without trial
 *  16 16  top        H^max(seed): signed
 *  32 16  value      H^hops(seed): each relay hashes it once as it adds a hop
 *  48 64  signature  Ed25519 by the RSU over "vanet-hb1", source, epoch, id,
 *                    uptime, max hops and top */
#define VN_SEC_HASH_LEN 16
#define VN_SEC_SIG_LEN 64
#define VN_SEC_HINT_LEN 8
#define VN_SEC_HBEXT_LEN 112
#define VN_SEC_MAX_HOPS 64
/* The most a secured frame adds to a plain one: a heartbeat's header
 * shift, extension and tag (142); sealed data adds less (shift, sealed-
 * packet header, AEAD tag, tag: 14 + 48 + 16 + 16 = 94, checked in
 * sec_e2e.c). The buffers' tailroom counts with it. */
#define VN_SEC_OVERHEAD (VN_SEC_SHIFT + VN_SEC_HBEXT_LEN + VN_SEC_TAG_LEN)

struct vn_sec_hbext {
	uint32_t epoch;
	uint8_t max_hops;
	const uint8_t *hint;  /* VN_SEC_HINT_LEN */
	const uint8_t *top;   /* VN_SEC_HASH_LEN bytes in the frame */
	const uint8_t *value; /* VN_SEC_HASH_LEN */
	const uint8_t *sig;   /* VN_SEC_SIG_LEN */
	const uint8_t *raw;   /* the whole extension */
};

enum vn_e2e_kind { VN_E2E_UP = 1, VN_E2E_DOWN = 2, VN_E2E_BCAST = 3 };

/* A sealed packet inside a data frame's inner bytes. */
struct vn_e2e_view {
	enum vn_e2e_kind kind;
	uint8_t *ad;	     /* data header + sealed-packet header: authenticated */
	size_t ad_len;
	uint8_t *msg;	     /* ciphertext (or, before sealing, the IP packet) */
	size_t msg_len;
	uint8_t *tag;	     /* VN_E2E_ABYTES */
	uint64_t counter;
	uint32_t epoch;	     /* UP, DOWN */
	const uint8_t *id;   /* UP: OBU public key; DOWN: RSU key hint; BCAST: salt */
	struct vn_mac origin, dest; /* dest: DOWN/BCAST only */
};

/* A validated secured frame: where everything is. Nothing is trusted yet
 * (the tag is checked by vn_sec_tag_ok). */
struct vn_sec_view {
	uint8_t *frame;
	size_t len;	   /* frame length up to the tag's end (padding excluded) */
	uint8_t subtype;
	uint8_t key_id;
	enum vn_sec_class cls;
	uint64_t counter;
	struct vn_mac to, from;
	uint8_t *inner;	   /* frame + VN_SEC_HLEN */
	size_t inner_len;
	bool has_hbext;
	struct vn_sec_hbext hbext;
	uint8_t *tag;	   /* VN_SEC_TAG_LEN */
	struct vn_e2e_view e2e; /* subtype 01: the sealed packet */
};

/* Why the security layer dropped a received frame: one counter each
 * ("sec_" + the name), cheapest check first. */
#define VN_SEC_DROPS(X)                                                           \
	X(unsecured)	 /* a plain frame while the network is secured */         \
	X(malformed)	 /* layout: lengths, flags, extension where none fits */  \
	X(unsupported)	 /* a subtype this node does not do (encrypted) */        \
	X(unknown_key)	 /* key id not in the network key file */                 \
	X(bad_tag)	 /* per-hop tag wrong: outsider, or wrong key */          \
	X(replay)	 /* counter seen or too old for this neighbour and class */ \
	X(unsigned_hb)	 /* a heartbeat without the signed extension */           \
	X(untrusted_rsu) /* signed by no key in rsu_keys */                       \
	X(stale_hb)	 /* an older epoch, or an id far behind the newest */     \
	X(chain)	 /* hop count below what the hash chain allows */         \
	X(budget)	 /* signature not checked: verification budget spent */   \
	X(bad_signature)                                                           \
	X(plain_data)	 /* mode = encrypt: a data frame not sealed end to end */ \
	X(no_session)	 /* sealed for a session (or RSU epoch) we do not have */  \
	X(bad_aead)	 /* the AEAD tag is wrong: altered, or another key */     \
	X(data_replay)	 /* AEAD counter seen or too old for this session */       \
	X(session_budget) /* a new OBU key not derived: derivation budget spent */ \
	X(session_pinned) /* a new key for an OBU whose session is in use */      \
	X(hello)	 /* not an error: an OBU's empty sealed packet, which only  \
			    sets up its session, consumed by the RSU's layer */

enum vn_sec_drop {
	VN_SEC_OK,
#define X(n) VN_SEC_DROP_##n,
	VN_SEC_DROPS(X)
#undef X
	VN_SEC_DROP__COUNT
};
const char *vn_sec_drop_name(enum vn_sec_drop d);

/* Validates the layout (type, subtype, flags, lengths; the extension only on
 * a control frame whose inner bytes are exactly one Heartbeat). Returns
 * VN_SEC_OK with *v filled, or why not. */
enum vn_sec_drop vn_sec_decode(uint8_t *frame, size_t len, struct vn_sec_view *v);

/* The 14-byte security header at frame + 14 (to, from and the EtherType at
 * frame + 0 are already there). */
void vn_sec_put_header(uint8_t *frame, uint8_t subtype, uint8_t key_id, uint8_t flags,
		       uint16_t inner_len, uint64_t counter);

/* The tag over frame[0, covered) into out; and its check in constant time
 * (over what v's subtype covers). */
void vn_sec_tag(const uint8_t key[VN_SEC_KEY_LEN], const uint8_t *frame, size_t covered,
		uint8_t out[VN_SEC_TAG_LEN]);
/* Subtype 02: the tag over frame[0, covered) but the ciphertext of the
 * sealed packet e (decoded from frame + VN_SEC_HLEN). */
void vn_sec_tag_sealed(const uint8_t key[VN_SEC_KEY_LEN], const uint8_t *frame, size_t covered,
		       const struct vn_e2e_view *e, uint8_t out[VN_SEC_TAG_LEN]);
/* The tag a decoded frame v must carry (over what its subtype covers). */
void vn_sec_tag_view(const uint8_t key[VN_SEC_KEY_LEN], const struct vn_sec_view *v,
		     uint8_t out[VN_SEC_TAG_LEN]);
bool vn_sec_tag_ok(const uint8_t key[VN_SEC_KEY_LEN], const struct vn_sec_view *v);

/* --- Replay windows and budgets (sec_replay.c) ---------------------------- */

/* RFC 6479: a ring of 64-bit blocks; counters more than VN_REPLAY_WINDOW
 * behind the newest are too old. Check first, update only once the frame is
 * verified. */
#define VN_REPLAY_BLOCKS 16
#define VN_REPLAY_WINDOW ((VN_REPLAY_BLOCKS - 1) * 64)
struct vn_replay {
	uint64_t top; /* highest counter accepted; 0 with !used: none yet */
	bool used;
	uint64_t bitmap[VN_REPLAY_BLOCKS];
};
void vn_replay_init(struct vn_replay *r);
bool vn_replay_check(const struct vn_replay *r, uint64_t ctr);
void vn_replay_update(struct vn_replay *r, uint64_t ctr);

/* A token bucket: `rate` tokens per second, at most `burst`. */
struct vn_bucket {
	uint32_t rate, burst;
	uint64_t tokens_micro; /* millionths of a token */
	vn_usec last;
};
void vn_bucket_init(struct vn_bucket *b, uint32_t rate, uint32_t burst, vn_usec now);
bool vn_bucket_take(struct vn_bucket *b, vn_usec now);

/* --- Signed heartbeats and the hash chain (sec_hb.c) ---------------------- */

/* H: unkeyed BLAKE2b-128. */
void vn_sec_hash(const uint8_t in[VN_SEC_HASH_LEN], uint8_t out[VN_SEC_HASH_LEN]);
/* out = H^n(in). */
void vn_sec_hash_n(const uint8_t in[VN_SEC_HASH_LEN], unsigned n, uint8_t out[VN_SEC_HASH_LEN]);
/* SAODV: H^(max - hops)(value) == top; false too if hops is 0 or > max. */
bool vn_sec_chain_ok(const uint8_t *value, uint32_t hops, uint8_t max_hops, const uint8_t *top);
/* The RSU's per-heartbeat seed: keyed BLAKE2b of (epoch, id) under its
 * chain secret, so nobody can compute a lower hop's value. */
void vn_sec_chain_seed(const uint8_t secret[VN_SEC_KEY_LEN], uint32_t epoch, uint32_t id,
		       uint8_t seed[VN_SEC_HASH_LEN]);

/* The signed bytes: "vanet-hb1" source epoch id uptime max top. */
#define VN_SEC_SIGNED_LEN (9 + 6 + 4 + 4 + 16 + 1 + VN_SEC_HASH_LEN)
void vn_sec_signed_bytes(const struct vn_heartbeat *hb, uint32_t epoch, uint8_t max_hops,
			 const uint8_t *top, uint8_t out[VN_SEC_SIGNED_LEN]);
/* Writes the extension of the RSU's own heartbeat hb (hops as sent) at out. */
void vn_sec_hbext_make(const struct vn_sec_signkey *k, const struct vn_heartbeat *hb,
		       uint32_t epoch, uint8_t max_hops, uint8_t out[VN_SEC_HBEXT_LEN]);
bool vn_sec_hbext_sig_ok(const uint8_t pk[VN_SEC_PK_LEN], const struct vn_heartbeat *hb,
			 const struct vn_sec_hbext *x);

/* Verified heartbeats: a copy of the same (source, epoch, id) whose signed
 * bytes (uptime, max hops, top, signature) equal the verified ones needs no
 * second signature check. Also what a relay takes the extension from when
 * the core forwards the heartbeat. */
#define VN_HBCACHE_SIZE 64
struct vn_hbcache_ent {
	bool used;
	struct vn_mac source;
	uint32_t epoch, id;
	uint8_t uptime[16];
	uint8_t ext[VN_SEC_HBEXT_LEN]; /* value: at `hops` */
	uint32_t hops;		       /* lowest verified hop count */
	vn_usec at;
};
struct vn_hbcache {
	struct vn_hbcache_ent e[VN_HBCACHE_SIZE];
	unsigned next; /* round-robin victim */
};
void vn_hbcache_init(struct vn_hbcache *c);
/* The entry for (source, epoch, id) if its signed bytes equal those of
 * (uptime, x); NULL otherwise. */
struct vn_hbcache_ent *vn_hbcache_match(struct vn_hbcache *c, const struct vn_heartbeat *hb,
					const struct vn_sec_hbext *x);
/* The newest entry for (source, id), whatever its epoch (a relay's view). */
struct vn_hbcache_ent *vn_hbcache_find(struct vn_hbcache *c, const struct vn_mac *source,
				       uint32_t id);
void vn_hbcache_put(struct vn_hbcache *c, const struct vn_heartbeat *hb,
		    const struct vn_sec_hbext *x, vn_usec now);

/* --- End to end: sealed data (mode = encrypt, sec_e2e.c) -----------------
 *
 * The inner bytes of a subtype-01 data frame are the plain data header
 * (type, subtype, origin[, destination]) followed by a sealed packet:
 *
 *  off len field
 *   0   1  0x40 | hlen/4  an IPv4 version/IHL: relays' cores take the sealed
 *                         packet for an IPv4 packet of `total` bytes and
 *                         forward it unchanged, without any key
 *   1   1  kind           1 Upstream (OBU -> RSU), 2 Downstream to one OBU
 *                         (RSU -> OBU), 3 broadcast Downstream (group key)
 *   2   2  total          hlen + ciphertext + 16
 *   4   8  counter        the AEAD nonce's counter (never repeats per key)
 *  12      kind 1: epoch(4) the RSU's, OBU public key(32)      hlen 48
 *          kind 2: epoch(4) the RSU's, RSU key hint(8)         hlen 24
 *          kind 3: salt(16) the sender's, fresh each start     hlen 28
 *  hlen n  ciphertext     the IP packet, encrypted in place
 *  ...  16 AEAD tag       ChaCha20-Poly1305 (IETF); associated data: the data
 *                         header and this header
 */
#define VN_E2E_KEY_LEN 32
#define VN_E2E_PK_LEN 32
#define VN_E2E_SALT_LEN 16
#define VN_E2E_ABYTES 16
#define VN_E2E_UP_HLEN 48
#define VN_E2E_DOWN_HLEN 24
#define VN_E2E_BCAST_HLEN 28
#define VN_E2E_MAX_HLEN VN_E2E_UP_HLEN
/* The most sealing adds to a data frame's IP packet. */
#define VN_E2E_OVERHEAD (VN_E2E_MAX_HLEN + VN_E2E_ABYTES)

/* Validates the sealed packet in a data frame's inner bytes (inner[0] is
 * the type 01). VN_SEC_OK with *e filled, or VN_SEC_DROP_malformed. */
enum vn_sec_drop vn_e2e_decode(uint8_t *inner, size_t inner_len, struct vn_e2e_view *e);

/* Seals in place, before sending: the plain data frame (Ethernet and data
 * header, then the IP packet) at `frame`, `len` bytes, moves its headers
 * VN_E2E_HLEN(kind) bytes down into the headroom and the sealed-packet
 * header goes into the gap; the IP packet is encrypted where it is and the
 * tag appended in the tailroom. `id` is what the kind carries (see above).
 * Returns the new start; the new length is len + hlen + 16. */
size_t vn_e2e_hlen(enum vn_e2e_kind kind);
uint8_t *vn_e2e_seal(const uint8_t key[VN_E2E_KEY_LEN], uint8_t *frame, size_t len,
		     enum vn_e2e_kind kind, uint64_t counter, uint32_t epoch, const uint8_t *id);
/* Opens in place; false if the tag is wrong (libsodium then zeroes the
 * bytes: a packet that fails is only good for dropping). */
bool vn_e2e_open(const uint8_t key[VN_E2E_KEY_LEN], const struct vn_e2e_view *e);

/* Per-direction session keys, each mixed with the RSU's epoch (so an RSU
 * restart never meets a (key, nonce) of its previous run). OBU: client of
 * crypto_kx with its per-start key pair, the RSU's X25519 key converted
 * from its trusted Ed25519 key; RSU: server with its signing key converted.
 * Return -1 on a key libsodium refuses (low order). */
struct vn_e2e_keys {
	uint8_t rx[VN_E2E_KEY_LEN], tx[VN_E2E_KEY_LEN];
};
int vn_e2e_obu_keys(const uint8_t obu_pk[VN_E2E_PK_LEN], const uint8_t obu_sk[VN_E2E_PK_LEN],
		    const uint8_t rsu_ed_pk[VN_SEC_PK_LEN], uint32_t epoch, struct vn_e2e_keys *k);
int vn_e2e_rsu_keys(const struct vn_sec_signkey *sign, const uint8_t obu_pk[VN_E2E_PK_LEN],
		    uint32_t epoch, struct vn_e2e_keys *k);
/* The broadcast key of one sender's run: keyed BLAKE2b under the network
 * key of "vanet-bc1", the sender's salt and MAC. */
void vn_e2e_bcast_key(const uint8_t netkey[VN_SEC_KEY_LEN], const uint8_t salt[VN_E2E_SALT_LEN],
		      const struct vn_mac *sender, uint8_t out[VN_E2E_KEY_LEN]);

#endif
