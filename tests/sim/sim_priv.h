/* The simulator's insides, shared by its files: sim.c (events, running),
 * sim_nodes.c (nodes, their cores, links), channel.c (the 802.11p medium),
 * sim_packets.c (test packets, injection) and sim_observe.c
 * (instrumentation, observation). Not for tests: they use sim.h. */
#ifndef VN_SIM_PRIV_H
#define VN_SIM_PRIV_H

#include "pbuf.h"
#include "sec.h"
#include "sim.h"

/* --- PRNG: xoshiro256** seeded by splitmix64 ------------------------------ */

struct sim_rng {
	uint64_t s[4];
};

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

static inline double rng_01(struct sim_rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* --- The air: a transmitted frame, shared by its receivers ---------------- */

struct sim_air {
	uint32_t refs;
	uint32_t len;
	bool dst_got; /* 802.11p: the unicast addressee has it (retries are dropped) */
	uint8_t data[];
};

/* A copy of the frame with no reference yet; air_put frees at the last. */
struct sim_air *air_new(const uint8_t *frame, size_t len);
void air_put(struct sim_air *a);

/* --- Events ---------------------------------------------------------------- */

enum ev_kind {
	EV_FRAME, /* ideal channel: a frame arrives at node */
	EV_TIMER, /* a core's timer */
	EV_CALL,  /* a scripted action */
	EV_CHAN,  /* 802.11p channel: see channel.c */
};

struct chan_tx;

struct sim_ev {
	vn_usec t;
	uint64_t seq; /* scheduling order: ties resolve deterministically */
	enum ev_kind kind;
	uint32_t node;
	uint32_t epoch; /* timers: the node's epoch; channel: its generation */
	union {
		struct sim_air *air;
		struct {
			sim_fn fn;
			void *arg;
		} call;
		struct {
			uint32_t what; /* enum chan_ev in channel.c */
			uint32_t peer; /* an ACK's addressee */
			struct chan_tx *tx;
		} chan;
	} u;
};

struct sim_heap {
	struct sim_ev *v;
	size_t n, cap;
};

/* --- Counting table: 64-bit key -> count and first time --------------------- */

struct cnt_slot {
	uint64_t key; /* 0 = empty; keys are stored + 1 */
	uint32_t count;
	vn_usec first;
};

struct cnt_tab {
	struct cnt_slot *v;
	size_t n, cap; /* cap a power of two */
};

/* --- The 802.11p MAC of one node (channel.c) ------------------------------ */

enum chan_state {
	CHAN_IDLE,     /* nothing to send */
	CHAN_CONTEND,  /* head of queue waiting: AIFS + backoff while idle */
	CHAN_TX,       /* transmitting the head of the queue */
	CHAN_WAIT_ACK, /* unicast sent: ACK expected */
};

struct chan_node {
	struct sim_air **q; /* MAC queue, a ring of mac_queue frames */
	uint32_t q_head, q_n;
	enum chan_state state;
	uint32_t gen;	      /* bumped to cancel the pending backoff/ACK event */
	vn_usec bo_at;	      /* time of the pending backoff event, or NEVER */
	bool counting;	      /* the countdown runs (idle medium), from count_from */
	uint32_t cw;	      /* contention window, CWmin .. CWmax */
	uint32_t slots;	      /* backoff slots still to count down */
	uint32_t retries;     /* of the head frame */
	vn_usec count_from;   /* the countdown runs from here while idle */
	bool acked;	      /* the ACK for the head frame arrived */
	bool txing;	      /* our own transmitter is on (frame or ACK) */
	uint32_t nsensed;     /* others' frames on the air here now */
	struct chan_tx *lock; /* the frame the receiver is locked on, if any */
	bool lock_bad;	      /* ... and it was overlapped */
	vn_usec idle_since;   /* medium idle here since */
	vn_usec busy_since;   /* medium busy here since (when busy) */
	struct sim_radio_stats st; /* busy: closed busy periods only */
};

/* --- Nodes ------------------------------------------------------------------- */

struct sim_link {
	uint32_t to;
	struct sim_link_cfg cfg;
};

struct tun_item {
	uint8_t *pkt;
	size_t len;
};

struct sim_node {
	struct sim *sim;
	uint32_t idx;
	enum sim_role role;
	struct vn_mac mac;
	bool alive;
	uint32_t epoch;	  /* bumped at restart/removal: stale timers are ignored */
	vn_usec timer_at; /* time of the pending timer event, or NEVER */
	union {
		struct obu_core *obu;
		struct rsu_core *rsu;
	} core;
	struct obu_params obu_p;
	struct rsu_params rsu_p;
	struct vn_core_io io;
	struct sim_link *links;
	size_t nlinks, caplinks;
	uint64_t frames_sent, data_sent, tun_total, frames_received;
	uint64_t sent_type[SIM_F__COUNT];
	uint64_t sent_bytes[SIM_F__COUNT];
	struct tun_item *tunq;
	size_t tun_head, tun_n;
	struct chan_node ch;
	struct vn_sec *sec; /* the node's security layer (sim_secure), or NULL */
	/* what the layer was last told (sim_sec_follow) */
	struct vn_mac sec_rsu, sec_via;
	bool sec_chosen;
	vn_usec sec_hello_at;
};

struct sim {
	struct sim_opts opts;
	struct sim_rng rng;
	vn_usec now;
	uint64_t seq;
	uint64_t events;
	uint64_t delivered_frames;
	uint32_t next_tag;
	struct sim_heap heap;
	struct sim_node **nodes;
	size_t nnodes, capnodes;
	struct cnt_tab fwd; /* (node, message type, tag) -> transmissions */
	struct cnt_tab tun; /* (node, 0, tag) -> deliveries into tun */
	uint64_t dups;
	uint64_t dup_deliveries; /* a tagged packet out of a tun more than once */
	bool salvaging; /* in a core's on_tx_failed: a re-send of a given-up frame is no loop */
	struct vn_pbuf rxbuf; /* a receiving core's buffer: calls are sequential */
	uint8_t rxmem[VN_PBUF_SIZE];
	/* where a secured node's frames are secured (sim_sec.c) */
	uint8_t sec_txmem[VN_PBUF_SIZE + VN_SEC_OVERHEAD];
	sim_sec_tap_fn sec_tap;
	void *sec_tap_ctx;
};

/* sim.c and sim_nodes.c */
struct sim_node *node_at(const struct sim *s, int i);
/* Frees a live node's core; the node is dead until its core is made anew. */
void core_free(struct sim_node *n);
/* Schedules e (its seq is set here: ties run in scheduling order). */
void ev_push(struct sim *s, struct sim_ev *e);
/* After any call into a core: an event waits for its next timer. */
void schedule_timer(struct sim *s, struct sim_node *n);
/* The cores' send callback (ctx: the node): onto the channel. */
void io_send(void *ctx, const uint8_t *frame, size_t len);
/* Hands a frame the air delivered to node's core (copied into rxbuf). */
void node_rx(struct sim *s, struct sim_node *n, const uint8_t *frame, size_t len);
/* n's MAC gave up the unicast frame (802.11p channel): tells its core. */
void node_tx_failed(struct sim *s, struct sim_node *n, const uint8_t *frame, size_t len);

/* Key: node (24 bits), kind (8 bits), tag (32 bits). */
static inline uint64_t cnt_key(uint32_t node, uint32_t kind, uint32_t tag)
{
	return (uint64_t)(node & 0xffffff) << 40 | (uint64_t)(kind & 0xff) << 32 | tag;
}

/* sim_observe.c */
uint32_t cnt_add(struct cnt_tab *t, uint64_t key, vn_usec now);
/* Counts a frame a core handed to the air (types, data tags, duplicates). */
void note_sent(struct sim *s, struct sim_node *n, const uint8_t *f, size_t len);
/* The sim_frame_type of a frame by its first message. */
enum sim_frame_type frame_type(const uint8_t *f, size_t len);

/* channel.c */
void chan_send(struct sim *s, struct sim_node *n, const uint8_t *frame, size_t len);
void chan_event(struct sim *s, const struct sim_ev *e);
/* A node is removed or restarted: its queue goes, its radio state stays
 * consistent with the frames still on the air. */
void chan_flush(struct sim *s, struct sim_node *n);
void chan_node_free(struct sim_node *n);
/* Frees what a pending channel event holds (sim_free). */
void chan_event_free(const struct sim_ev *e);

/* sim_sec.c: a secured node's frames through its layer. sim_sec_tx
 * replaces *frame, *len with the secured frame (false: nothing to send);
 * sim_sec_rx is false for a frame the layer drops. */
bool sim_sec_tx(struct sim *s, struct sim_node *n, const uint8_t **frame, size_t *len);
bool sim_sec_rx(struct sim *s, struct sim_node *n, struct vn_pbuf *b);
void sim_sec_free(struct sim_node *n);
/* After each of the core's events, as obud does: the layer follows the
 * core's choice of RSU at once (a hello at once when it changes), and
 * the hello goes once a second. */
void sim_sec_follow(struct sim *s, struct sim_node *n);
/* A restarted node's layer: an RSU's next epoch, as rsud's state_dir gives. */
void sim_sec_restarted(struct sim_node *n);

#endif
