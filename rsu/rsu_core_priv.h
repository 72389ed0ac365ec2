/* The RSU core's private parts, shared by its files (not an API):
 *   rsu_core.c   life cycle, heartbeats, IP table, data, timers, introspection
 *   rsu_route.c  replies -> OBU routes (next hops, dedup, choice)
 *   rsu_export.c which IPs are served here: host-route events for the shell
 *
 * Tables, created in rsu_core_new; obus and ips start small and grow on
 * demand up to their capacity (core_tab.h):
 *   sent[history]   the heartbeats we sent recently (id, uptime, send time):
 *                   a reply is only believed if it echoes one of them exactly.
 *   obus (max_obus) OBU -> up to RSU_NH_MAX next-hop observations, reply
 *                   dedup window, chosen next hop. LRU order = last sign of
 *                   life (reply, or Upstream data via the chosen next hop);
 *                   evicted from the old end when full.
 *   ips (max_ips)   inner source IP -> origin OBU, expiring after
 *                   ip_expiry_ms. LRU-evicted when full.
 */
#ifndef VN_RSU_CORE_PRIV_H
#define VN_RSU_CORE_PRIV_H

#include "rsu_core.h"

#include "core_tab.h"
#include "pkt_seen.h"
#include "wire.h"

#define RSU_NH_MAX 4		/* next hops remembered per OBU */
#define RSU_DEDUP_BITS 64	/* reply dedup window, in ids */
#define RSU_DATA_FOLLOW 2	/* packets in a row via another relay that move a route (rule 12) */
/* Upstream packets remembered (rule 12): periods, and the table's sets at
 * first and at most (4 entries each: 64 .. 16384) */
#define RSU_UP_DEDUP 2
#define RSU_UP_DEDUP_OTHER 20 /* ... through another neighbour (pkt_seen.h): ring1000 had copies 812 ms apart */
#define RSU_UP_SEEN_BITS_MIN 4
#define RSU_UP_SEEN_BITS_MAX 12
#define RSU_PEND_MAX 16		/* IPs waiting for their OBU's route (rsu_export.c) */

#define RSU_COUNTERS(X)                                                        \
	X(rx_frames)                                                           \
	X(drop_not_for_us)                                                     \
	X(drop_own_frame)                                                      \
	X(hb_sent)                                                             \
	X(hb_ignored)                                                          \
	X(replies_accepted)                                                    \
	X(drop_dup_reply)                                                      \
	X(drop_reply_future_uptime)                                            \
	X(drop_reply_unknown_id)                                               \
	X(drop_reply_bad_uptime)                                               \
	X(drop_reply_rtt)                                                      \
	X(drop_reply_bad_hops)                                                 \
	X(drop_reply_bad_sender)                                               \
	X(drop_reply_other_rsu)                                                \
	X(drop_downstream_at_rsu)                                              \
	X(drop_loop)                                                           \
	X(drop_up_dup)                                                         \
	X(drop_bad_origin)                                                     \
	X(drop_no_headroom)                                                    \
	X(drop_tun_bad_ip)                                                     \
	X(up_received)                                                         \
	X(up_refreshed)                                                        \
	X(up_delivered)                                                        \
	X(up_hairpinned)                                                       \
	X(down_unicast)                                                        \
	X(down_broadcast)                                                      \
	X(route_changes)                                                       \
	X(tx_failed)                                                           \
	X(down_salvaged)                                                       \
	X(obus_gone)                                                           \
	X(obus_evicted)                                                        \
	X(ips_learned)                                                         \
	X(ips_moved)                                                           \
	X(ips_expired)                                                         \
	X(ips_evicted)                                                         \
	X(up_announces)                                                        \
	X(ip_exports)                                                          \
	X(ip_withdraws)                                                        \
	X(alloc_failed)

enum rsu_counter {
#define X(n) RC_##n,
	RSU_COUNTERS(X)
#undef X
	RC__COUNT
};

struct rsu_sent {
	uint32_t id;
	uint64_t uptime_ms;
	vn_usec at;
	bool valid;
};

/* hops of a next hop learned from data through a relay (unknown): more
 * than any reply may say (1..255), so that a reply's route wins */
#define RSU_HOPS_DATA 256

struct rsu_nh {
	struct vn_mac mac;
	uint32_t hops;
	uint64_t rtt_us; /* smoothed (EWMA 1/4) */
	vn_usec last_seen;
	uint32_t last_id; /* newest reply id it carried */
	bool valid;
};

struct rsu_obu {
	struct rsu_nh nh[RSU_NH_MAX];
	int cur;		/* chosen next hop index, -1 none */
	uint32_t dedup_top;	/* highest reply id seen */
	uint64_t dedup_mask;	/* bit i: id dedup_top - i seen */
	bool dedup_valid;
	vn_usec last_alive; /* newest reply, or Upstream data via the chosen next hop */
	/* the neighbour that last handed us its Upstream data, whichever:
	 * where a Downstream goes when the MAC gives up on the chosen next
	 * hop (rule 12, rsu_route_tx_failed) */
	struct vn_mac data_via;
	uint8_t data_n;		/* its packets in a row through data_via */
	vn_usec data_at;	/* 0: none */
};

struct rsu_ip {
	struct vn_mac obu_mac;
	uint8_t exported;  /* enum rsu_export the shell was last told */
	vn_usec last_seen;
	vn_usec attached;  /* when it last became served here, or re-attached */
};

struct rsu_core {
	struct rsu_params p;
	struct vn_mac self;
	struct vn_core_io io;
	vn_usec created;
	vn_usec next_hb;
	uint32_t next_id;
	uint64_t rng;
	struct rsu_sent *sent; /* [history], indexed id % history */
	struct core_tab obus;
	struct core_tab ips;
	struct vn_pkt_seen up_seen; /* Upstream packets taken in recently (on_upstream) */
	rsu_export_fn export_fn; /* NULL: no host-route events */
	void *export_ctx;
	uint32_t pend[RSU_PEND_MAX]; /* IP slots learned before their OBU's route */
	uint32_t npend;		     /* written so far (ring: the last RSU_PEND_MAX) */
	uint64_t cnt[RC__COUNT];
	uint64_t rx_drop[VN_RX__COUNT];
	uint8_t scratch[64];
};

/* --- small helpers ------------------------------------------------------ */

/* An entry's data, by slot: valid until the next insert into its table,
 * which may grow it. */
static inline struct rsu_obu *obu_of(const struct rsu_core *c, uint32_t slot)
{
	return core_tab_val(&c->obus, slot);
}

static inline struct rsu_ip *ip_of(const struct rsu_core *c, uint32_t slot)
{
	return core_tab_val(&c->ips, slot);
}

static inline vn_usec period_us(const struct rsu_core *c)
{
	return (vn_usec)c->p.heartbeat_period_ms * VN_USEC_PER_MS;
}

static inline uint64_t uptime_ms(const struct rsu_core *c, vn_usec now)
{
	return now >= c->created ? (now - c->created) / VN_USEC_PER_MS : 0;
}

/* The longest round trip believed: a reply to a heartbeat older than the
 * ids we remember is not believed anyway. */
static inline vn_usec rtt_max(const struct rsu_core *c)
{
	return period_us(c) * c->p.history;
}

/* An OBU without a sign of life for this long is gone. OBUs reply only every
 * reply_keepalive ids when nothing changes, so this spans several of them
 * (v1: history periods, when OBUs replied to every heartbeat). */
static inline vn_usec obu_timeout(const struct rsu_core *c)
{
	return period_us(c) * c->p.obu_timeout_periods;
}

/* --- shared between the files of the core --------------------------------- */

/* rsu_route.c: OBU routes from replies */
struct rsu_obu *rsu_obu_find(const struct rsu_core *c, const struct vn_mac *m, uint32_t *slot);
const struct vn_mac *rsu_obu_mac(const struct rsu_core *c, uint32_t slot);
void rsu_on_reply(struct rsu_core *c, const struct vn_msg *m, vn_usec now);
/* The OBU's usable next hop, or NULL. */
const struct rsu_nh *rsu_obu_route(const struct rsu_core *c, const struct vn_mac *obu,
				   vn_usec now);
/* Upstream data from origin, handed to us by `from`: refreshes the route
 * when `from` is its chosen next hop. */
const struct vn_mac *rsu_route_tx_failed(struct rsu_core *c, const struct vn_mac *dst,
					 const struct vn_mac *failed, vn_usec now);
void rsu_route_refresh(struct rsu_core *c, const struct vn_mac *origin, const struct vn_mac *from,
		       vn_usec now);

/* rsu_export.c: host-route events (rsu_core_set_export) */
/* Tells the shell what IP slot's route should be now. */
void rsu_export_eval(struct rsu_core *c, uint32_t ip_slot, vn_usec now);
/* The IP at slot is about to leave the table: withdraw its route. */
void rsu_export_drop(struct rsu_core *c, uint32_t ip_slot);
/* The OBU owning the IP at slot has just chosen us (an attach announce). */
void rsu_export_attach(struct rsu_core *c, uint32_t ip_slot, vn_usec now);
/* The OBU at obu_slot has a route now: its addresses learned just before
 * (an attach announce comes before the reply) are served at once. */
void rsu_export_route_up(struct rsu_core *c, uint32_t obu_slot, vn_usec now);
/* Every IP, once a period: freshness ages, OBUs go. */
void rsu_export_scan(struct rsu_core *c, vn_usec now);
/* Before the tables are replaced: withdraw every route. */
void rsu_export_drop_all(struct rsu_core *c);

#endif
