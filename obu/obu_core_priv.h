/* The OBU core's private parts, shared by its files (not an API):
 *   obu_core.c      life cycle, frame dispatch, timers, introspection
 *   obu_nbr.c       neighbour and RSU tables, delivery statistics
 *   obu_upstream.c  upstream choice per RSU, choice of one RSU
 *   obu_hb.c        heartbeats (history, relay, reply) and replies
 *   obu_data.c      downstream routes, data forwarding
 *   obu_dedup.c     recently forwarded packets (loop cut, broadcast once)
 *   obu_duty.c      v2: learned periods, relay duty and scope, liveness (m(p))
 *   obu_batch.c     v2: our replies (at once, keep-alive), batches of replies
 *
 * Tables (obu_core_new / obu_core_set_params):
 *   rsu[max_rsus]       per RSU: a FIFO of the last `history` ids (duplicate
 *                       detection), newest id/uptime (restart detection), the
 *                       chosen upstream neighbour, the ordered candidates and
 *                       the slots of its neighbour entries (nb[], grown on
 *                       demand). Allocated in full.
 *   nbrs (max_neighbours) keyed by (neighbour MAC, RSU): hops it advertises,
 *                       which recent ids it delivered (delivery ratio), when
 *                       last heard, and whether it is below us.
 *   downs (max_downstream) downstream OBU -> neighbour leading to it.
 *   seen                hashes of recently forwarded packets (obu_dedup.c).
 * The hash tables start small and double on demand up to their capacity,
 * then are LRU-evicted (core_tab.h); the chosen upstreams are never the
 * victims.
 */
#ifndef VN_OBU_CORE_PRIV_H
#define VN_OBU_CORE_PRIV_H

#include "obu_core.h"

#include "core_tab.h"
#include "pkt_seen.h"
#include "wire.h"

#define OBU_RATIO_WINDOW 32	/* ids a delivery ratio looks at */
#define OBU_RATIO_MIN_SPAN 8	/* ids a new neighbour must prove itself over */
#define OBU_HOP_PENALTY 10	/* ratio points one more hop costs */
#define OBU_MAX_HOPS 64		/* a heartbeat claiming more is hostile or looping */
#define OBU_MAX_ADDRS 16
#define OBU_SEEN_SLOTS 1024	/* recently forwarded data packets (hashes) */
/* periods a forwarded data packet is remembered: 2, as long as a broadcast
 * (v1 1): a packet the MAC retried for up to 100 ms and then salvaged
 * (rule 12) came back to a relay that had forgotten it */
#define OBU_DATA_DEDUP 2
/* ... and, as long as the table holds it, 8 when its copy comes from
 * another neighbour: MAC queues on a loaded channel hold a frame for
 * 200-500 ms, and a detour's copy came back to a relay after 212-468 ms
 * (ring1000) */
#define OBU_DATA_DEDUP_OTHER 8
#define OBU_NONE (-1)
#define OBU_DWELL 10		/* periods after a change before a voluntary move */
#define OBU_DUTY_HOLD_HALF_KA 3 /* full duty lasts this many K_a / 2 after a dependant's sign */
#define OBU_REPAIR_PERIODS 2	/* reply again to a silent kept-dead upstream this often */
#define OBU_DEAD_ODDS 10	/* m(p): (1 - p)^m <= 1 / OBU_DEAD_ODDS (rule 6) */

#define OBU_COUNTERS(X)                                                        \
	X(rx_frames)                                                           \
	X(drop_not_for_us)                                                     \
	X(drop_own_frame)                                                      \
	X(hb_received)                                                         \
	X(hb_relayed)                                                          \
	X(hb_relayed_sparse)                                                   \
	X(hb_not_relayed_duty)                                                 \
	X(hb_not_relayed_scope)                                                \
	X(drop_hb_late)                                                        \
	X(drop_dup_heartbeat)                                                  \
	X(drop_hb_bad_source)                                                  \
	X(drop_hb_bad_hops)                                                    \
	X(drop_hb_bogus_id)                                                    \
	X(drop_hb_rsu_table_full)                                              \
	X(rsu_restarts)                                                        \
	X(replies_sent)                                                        \
	X(replies_sent_change)                                                 \
	X(replies_sent_keepalive)                                              \
	X(replies_skipped_data)                                                \
	X(replies_forwarded)                                                   \
	X(reply_frames_sent)                                                   \
	X(drop_reply_bad_sender)                                               \
	X(drop_loop)                                                           \
	X(drop_no_upstream)                                                    \
	X(drop_no_route)                                                       \
	X(drop_bad_origin)                                                     \
	X(drop_no_headroom)                                                    \
	X(drop_tun_bad_ip)                                                     \
	X(up_sent)                                                             \
	X(up_forwarded)                                                        \
	X(up_origin_rsu)                                                       \
	X(down_delivered)                                                      \
	X(down_forwarded)                                                      \
	X(bcast_delivered)                                                     \
	X(bcast_relayed)                                                       \
	X(bcast_not_for_us)                                                    \
	X(drop_bcast_not_upstream)                                             \
	X(drop_bcast_dup)                                                      \
	X(drop_data_dup)                                                       \
	X(drop_down_bad_dest)                                                  \
	X(upstream_changes)                                                    \
	X(rsu_changes)                                                         \
	X(nbrs_dead)                                                           \
	X(nbrs_evicted)                                                        \
	X(rsus_gone)                                                           \
	X(rsus_evicted)                                                        \
	X(routes_learned)                                                      \
	X(routes_expired)                                                      \
	X(routes_evicted)                                                      \
	X(hb_echoes)                                                           \
	X(tx_failed)                                                           \
	X(tx_failed_upstream)                                                  \
	X(up_salvaged)                                                         \
	X(up_salvage_late)                                                     \
	X(alloc_failed)

enum obu_counter {
#define X(n) OC_##n,
	OBU_COUNTERS(X)
#undef X
	OC__COUNT
};

/* Key of the neighbour table: a neighbour as seen for one RSU. */
struct nbr_key {
	struct vn_mac mac;
	uint16_t rsu;
};

struct obu_nbr {
	vn_usec last_heard;	/* last heartbeat copy from it, 0 never */
	vn_usec below_until;	/* it sent us replies or data: it is below us */
	uint64_t mask;		/* bit i: it delivered id last_id - i */
	uint32_t last_id;	/* newest id it delivered */
	uint32_t first_id;	/* first id it delivered (ratio window) */
	uint32_t brought_id;	/* newest id whose first copy came from it */
	/* v2: from win_id on it relays 1 id in 2^klog (K_X, inferred from the
	 * ids it delivered); before win_id 1 in 2^kprev (its period before it
	 * last went denser), so that past sparse duty does not read as loss */
	uint32_t win_id;
	uint16_t ridx;		/* its place in its RSU's nb[] (< max_neighbours <= 65536) */
	uint8_t klog, kprev;
	/* log2 of the sparsest period its last two deliveries both fit: a
	 * relay that has just gone sparse shows it long before its full-duty
	 * ids leave the 64-id map (klog); for its liveness only */
	uint8_t ktail;
	/* the hops it wrote: our distance through it (1..OBU_MAX_HOPS, checked
	 * before it is stored); a byte keeps the entry in one cache line */
	uint8_t hops;
	bool have : 1;		/* last_id/mask valid */
	bool brought : 1;	/* brought_id valid */
	/* unicasts to it the MAC gave up on since we last heard it (0..3,
	 * obu_txstat.c): evidence that it is gone, cleared when it is heard */
	uint8_t txfail : 2;
};

/* With its 16-byte node and key, an entry fills one cache line. */
_Static_assert(sizeof(struct obu_nbr) <= 48, "struct obu_nbr outgrew its cache line");

/* One id of an RSU's duplicate history. */
struct obu_seen {
	uint32_t id;
	uint8_t hops;		/* hops of our re-broadcast of its first copy (<= 65) */
	bool replied;		/* our reply to it has gone out */
};

/* A neighbour as a candidate upstream. */
struct cand_view {
	int32_t slot;
	uint32_t hops;
	uint32_t ratio;
	int32_t score; /* lower bound of ratio - OBU_HOP_PENALTY * hops */
};

/* The fields every heartbeat reads for every RSU (the RSU choice, the
 * timer, the lookup by MAC) come first: one cache line per RSU. */
struct obu_rsu {
	struct vn_mac mac;
	bool used;
	bool have;		/* newest/newest_uptime valid */
	bool view_ok;		/* view/view_heard are up to date */
	uint32_t newest;
	uint32_t first_id;	/* first id since (re)start: ratio denominator */
	int32_t up;		/* chosen neighbour slot, OBU_NONE */
	vn_usec last_heard;
	vn_usec better_since;	/* clearly better than the chosen RSU since */
	vn_usec view_heard;	/* the upstream's last_heard (obu_upstream.c) */
	struct cand_view view;	/* the upstream as a candidate */
	/* -- second line on */
	uint32_t fifo_len, fifo_head;
	struct obu_seen *fifo;	/* [history]: ids, oldest at fifo_head */
	/* Its neighbour entries (slots), dense and unordered: the upstream
	 * choice reads one RSU's neighbours only, never scans the whole table,
	 * and their addresses are known up front (no pointer chasing). Grown
	 * on demand, up to max_neighbours. */
	uint32_t *nb, nnb, nb_cap;
	vn_u128 newest_uptime;
	vn_u128 first_uptime;	/* uptime of first_id: the learned period's base */
	vn_usec newest_at;	/* when the newest id arrived (rule 11) */
	vn_usec period;		/* T_r, learned (obu_duty.c), 0 = not yet */
	vn_usec dep_until;	/* full duty: someone depends on us for it until then */
	uint32_t n_live;	/* live neighbours for it, counted at each expiry */
	vn_usec n_live_at;	/* when n_live last rose or held (it falls late) */
	bool up_dead;		/* the upstream is dead but kept: no alternative (last resort) */
	bool dead_early;	/* ... only worse ones, for a second silence limit */
	bool stale_pick;	/* the upstream was taken silent (stale_alternative), not heard since */
	vn_usec up_since;	/* when the upstream last changed */
	/* the upstream we last left, when: until heard again its silence is
	 * judged at its own K_X (obu_duty.c, obu_live_klog) */
	int32_t left_up;
	vn_usec left_at;
	/* Feasibility after losing the upstream (no count-to-infinity): only a
	 * neighbour at most feas_hops away, or one that brought us an id newer
	 * than feas_id first (so it did not get it from us), may take over. */
	bool restricted;
	uint32_t feas_hops;
	uint32_t feas_id;
	uint32_t ncand;
	int32_t cand[OBU_CAND_MAX];
	/* The last evaluation (obu_upstream.c): if it changed nothing, nothing
	 * it reads has changed since (eval_clean, cleared by every such
	 * change: obu_eval_dirty) and no neighbour's eligibility has flipped
	 * with time (before eval_until), an evaluation now would give the very
	 * same result, and is skipped. */
	bool eval_clean;
	vn_usec eval_at, eval_until;
	/* When the first copy of each of the last 64 ids came (rule 11: a
	 * late copy is one of an id we had shortly before). at 0: none. */
	struct obu_late {
		uint32_t id;
		vn_usec at;
	} ring[64];
};

struct obu_down {
	struct vn_mac via;
	/* the RSU its replies through us are for: the RSU it chose, where its
	 * Upstream data must go too (obu_data.c, origin_rsu) */
	struct vn_mac rsu;
	bool has_rsu;
	vn_usec last_seen;
	vn_usec rsu_at;		/* when a reply last said rsu */
};

/* Forwarded replies waiting for one next hop (obu_batch.c). buf has room
 * for our own reply in front of them (piggyback: one frame). */
#define OBU_BATCHES 4
#define VN_REPLY_BATCH_MAX 24
struct obu_batch {
	struct vn_mac to;
	uint32_t n;		/* messages held, 0 = free */
	vn_usec first_at;	/* when the first was added */
	uint8_t buf[(VN_REPLY_BATCH_MAX + 1) * VN_REPLY_LEN];
};

struct obu_core {
	struct obu_params p;
	uint32_t stagger;	/* stagger(self) */
	/* our last reply (to the chosen RSU): to whom, for which RSU, its id */
	struct vn_mac replied_to;
	int32_t replied_rsu;	/* OBU_NONE: none yet, or the RSU restarted */
	uint32_t replied_id;
	bool own_pending;	/* our reply is built in scratch, not yet sent */
	vn_usec repair_at;	/* next reply to a silent upstream kept dead (obu_reply_check) */
	bool txstat_seen;	/* the MAC reported a give-up once: our own data is remembered too */
	vn_usec own_up_at;	/* our last own Upstream data handed to the chosen RSU itself */
	uint8_t m_tab[101];	/* m(p) by ratio percent, before the dead_periods bound */
	struct obu_batch batch[OBU_BATCHES];
	struct vn_mac self;
	struct vn_core_io io;
	vn_usec next_tick;
	struct obu_rsu *rsu;	/* [max_rsus] */
	uint32_t rsu_hi;	/* rsu[rsu_hi..] were never used: loops stop there */
	struct obu_seen *fifo_mem; /* [max_rsus * history] */
	int32_t chosen;		/* chosen RSU index, OBU_NONE */
	vn_usec chosen_at;	/* when it was chosen */
	bool settling;		/* chosen first or after the last was gone: ties settle by MAC */
	struct core_tab nbrs;
	struct core_tab downs;
	struct vn_ip_prefix addr[OBU_MAX_ADDRS];
	size_t naddr;
	struct vn_pkt_seen seen; /* recently forwarded packets, obu_dedup.c */
	uint64_t cnt[OC__COUNT];
	uint64_t rx_drop[VN_RX__COUNT];
	uint8_t scratch[64];
};

/* --- helpers --------------------------------------------------------------- */

/* now - then, never wrapping if a caller's clock went backwards. */
static inline vn_usec age(vn_usec now, vn_usec then)
{
	return now >= then ? now - then : 0;
}

/* Neighbour n heard at all, and within w before now. */
static inline bool nbr_heard_within(const struct obu_nbr *n, vn_usec now, vn_usec w)
{
	return n->last_heard != 0 && age(now, n->last_heard) <= w;
}

/* An entry's data, by slot (int32_t or uint32_t): valid until the next
 * insert into its table, which may grow it. */
static inline struct obu_nbr *nbr_of(const struct obu_core *c, int64_t slot)
{
	return core_tab_val(&c->nbrs, (uint32_t)slot);
}

static inline struct obu_down *down_of(const struct obu_core *c, int64_t slot)
{
	return core_tab_val(&c->downs, (uint32_t)slot);
}

static inline const struct nbr_key *nbr_key(const struct obu_core *c, uint32_t slot)
{
	return (const struct nbr_key *)(const void *)core_tab_key(&c->nbrs, slot);
}

static inline const struct vn_mac *nbr_mac(const struct obu_core *c, int32_t slot)
{
	return &nbr_key(c, (uint32_t)slot)->mac;
}

static inline const struct vn_mac *down_mac(const struct obu_core *c, uint32_t slot)
{
	return (const struct vn_mac *)(const void *)core_tab_key(&c->downs, slot);
}

/* --- v2 timings (obu_duty.c) ------------------------------------------------ */

/* T_r of RSU ri: learned, else the configured value, else 100 ms. */
vn_usec obu_period(const struct obu_core *c, uint32_t ri);
/* The period for timings of no one RSU: the chosen RSU's. */
vn_usec obu_period_global(const struct obu_core *c);
/* Neighbour slot s (of RSU key.rsu) is dead: silent beyond its limit. */
vn_usec obu_nbr_limit(const struct obu_core *c, int32_t s);
bool nbr_dead(const struct obu_core *c, int32_t s, vn_usec now);
bool obu_nbr_heard_due(const struct obu_core *c, int32_t s, vn_usec now);
/* log2 of the period neighbour s's silence is judged at (K_X, or more) */
uint32_t obu_live_klog(const struct obu_core *c, const struct obu_rsu *r, int32_t s);
/* 2 K_r (at most 64): the sparsest period of a relay (rule 1b), inferred up to */
uint32_t obu_k_max(const struct obu_core *c);
/* The silence after which a dead upstream kept for want of an as good
 * candidate gives way to a worse one: its limit plus two periods. */
vn_usec obu_dead_late(const struct obu_core *c, int32_t s);
/* RSU ri is gone after this silence (chosen: history periods). */
vn_usec obu_rsu_gone_after(const struct obu_core *c, uint32_t ri);
/* the chosen RSU ri, silent this long with its upstream dead, is left
 * for another RSU with a live upstream */
vn_usec obu_rsu_leave_after(const struct obu_core *c, uint32_t ri);
/* neighbours of RSU ri are forgotten after this silence */
vn_usec obu_nbr_forget_after(const struct obu_core *c, uint32_t ri);
/* below-us marks: 3 K_a periods (+ 1/4); full duty lasts OBU_DUTY_HOLD_HALF_KA K_a / 2 (obu_dependant) */
vn_usec obu_dep_hold(const struct obu_core *c, uint32_t ri);
/* downstream routes from replies: 3 K_a + 2 periods of the chosen RSU */
vn_usec obu_route_life(const struct obu_core *c);
uint32_t obu_stagger(const struct vn_mac *m);
void obu_duty_init(struct obu_core *c);
void obu_learn_period(struct obu_core *c, uint32_t ri);
void obu_count_live(struct obu_core *c, vn_usec now);
/* Whether to re-broadcast the first copy of hb; counts the reason if not. */
bool obu_relay_due(struct obu_core *c, uint32_t ri, const struct vn_heartbeat *hb, vn_usec now);
/* Someone depends on us for RSU ri (its reply or data came to us). */
void obu_dependant(struct obu_core *c, int32_t ri, vn_usec now);
/* K_X of slot s after it delivered id (obu_nbr.c). */
void obu_nbr_infer(struct obu_core *c, int32_t s);

/* obu_txstat.c: the MAC's transmit status (rule 12) */
bool obu_txfail_note(struct obu_core *c, const struct vn_mac *to);
const struct vn_mac *obu_data_next_hop(const struct obu_core *c, vn_usec now);
/* The same for data towards RSU ri (a relayed origin's, obu_origin_rsu). */
const struct vn_mac *obu_data_next_hop_for(const struct obu_core *c, int32_t ri, vn_usec now);
void obu_txfail_salvage(struct obu_core *c, struct vn_pbuf *b, const struct vn_mac *failed,
			vn_usec now);

/* obu_batch.c: replies */
struct obu_seen;
void obu_reply_on_hb(struct obu_core *c, uint32_t ri, const struct vn_msg *m,
		     struct obu_seen *seen, vn_usec now);
void obu_reply_check(struct obu_core *c, vn_usec now);
/* Sends the reply obu_reply_on_hb / obu_reply_check built, if any. */
void obu_reply_flush(struct obu_core *c);
void obu_batch_add(struct obu_core *c, const struct vn_mac *to, const uint8_t *msg, vn_usec now);
void obu_batch_flush_due(struct obu_core *c, vn_usec now);
vn_usec obu_batch_deadline(const struct obu_core *c);

/* When RSU r's upstream (not OBU_NONE) was last heard: the RSU choice's
 * copy if it is fresh, which saves reading the entry. */
static inline vn_usec rsu_up_heard(const struct obu_core *c, const struct obu_rsu *r)
{
	return r->view_ok ? r->view_heard : nbr_of(c, r->up)->last_heard;
}

/* Something obu_evaluate(c, ri) reads changed: the next one runs in full. */
static inline void obu_eval_dirty(struct obu_core *c, uint32_t ri)
{
	c->rsu[ri].eval_clean = false;
}

/* --- shared between the files of the core --------------------------------- */

/* obu_nbr.c: the neighbour and RSU tables */
uint32_t obu_nbr_ratio(const struct obu_core *c, const struct obu_rsu *r, int32_t s);
/* Its lower confidence bound, percent (the upstream choice's score). */
uint32_t obu_nbr_lcb(const struct obu_core *c, const struct obu_rsu *r, int32_t s);
uint32_t obu_nbr_ratio_at(const struct obu_core *c, const struct obu_rsu *r, int32_t s, uint32_t w,
			  uint32_t newest);
void obu_nbr_record(struct obu_nbr *n, uint32_t id);
int32_t obu_nbr_get(struct obu_core *c, const struct vn_mac *m, uint32_t ri);
/* The entry of (m, ri), or OBU_NONE: never inserts. */
int32_t obu_nbr_find(const struct obu_core *c, const struct vn_mac *m, uint32_t ri);
void obu_nbr_remove(struct obu_core *c, uint32_t s);
/* Starts fetching what obu_nbr_get(c, m, ri) will read first. */
void obu_nbr_prefetch(const struct obu_core *c, const struct vn_mac *m, uint32_t ri);
void obu_restrict_successors(struct obu_core *c, struct obu_rsu *r, uint32_t s);
void obu_rsu_drop_nbr_refs(struct obu_core *c, uint32_t s);
void obu_rsu_history_reset(struct obu_core *c, uint32_t ri);
void obu_rsu_forget(struct obu_core *c, uint32_t ri);
int32_t obu_rsu_find(const struct obu_core *c, const struct vn_mac *m);
int32_t obu_rsu_get(struct obu_core *c, const struct vn_mac *m, vn_usec now);

/* obu_upstream.c: upstream and RSU choice */
void obu_evaluate(struct obu_core *c, uint32_t ri, vn_usec now);
void obu_choose_rsu(struct obu_core *c, vn_usec now);
const struct vn_mac *obu_upstream_mac(const struct obu_core *c, vn_usec now);
const struct vn_mac *obu_upstream_mac_for(const struct obu_core *c, int32_t ri, vn_usec now);
void obu_mark_below(struct obu_core *c, const struct vn_mac *m, int32_t ri, vn_usec now);

/* obu_hb.c: heartbeats and replies */
void obu_on_heartbeat(struct obu_core *c, struct vn_msg *m, vn_usec now);
void obu_on_reply(struct obu_core *c, const struct vn_msg *m, vn_usec now);

/* obu_dedup.c: recently forwarded packets. The kind and the destination
 * (Downstream) are in the key, so that an OBU-to-OBU packet crossing a relay
 * up and then down is not a repeat. */
enum obu_pkt_kind {
	OBU_PK_UP = VN_PKT_KIND_UP, /* the RSU hashes Upstream the same way */
	OBU_PK_DOWN = 2,
	OBU_PK_BCAST = 3,
	OBU_PK_SALVAGE = 4
};
int obu_seen_init(struct obu_core *c);
/* Since when the packet has been in the table, VN_USEC_NEVER if not. */
vn_usec obu_pkt_age(const struct obu_core *c, enum obu_pkt_kind kind, const struct vn_msg *m,
		    vn_usec now);
/* Whether the packet was forwarded within window; records it if not. */
bool obu_pkt_seen(struct obu_core *c, enum obu_pkt_kind kind, const struct vn_msg *m,
		  vn_usec window, vn_usec now);

/* obu_data.c: downstream routes, data forwarding */
/* rsu: the RSU a reply of obu through us is for (its choice), NULL for
 * data (which leaves the RSU a reply said as it is) */
void obu_route_learn(struct obu_core *c, const struct vn_mac *obu, const struct vn_mac *via,
		     const struct vn_mac *rsu, vn_usec now);
/* The RSU an Upstream packet of origin goes to: its own choice, as its
 * replies through us said; else ours. */
int32_t obu_origin_rsu(const struct obu_core *c, const struct vn_mac *origin, vn_usec now);
void obu_on_upstream(struct obu_core *c, const struct vn_msg *m, vn_usec now);
void obu_on_downstream(struct obu_core *c, const struct vn_msg *m, vn_usec now);

#endif
