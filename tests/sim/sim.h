/* A deterministic network simulator for the routing cores: any number of
 * RSU and OBU cores in one process, in virtual time (microseconds), over
 * directed links with latency, jitter, Bernoulli loss and an up/down state.
 *
 * A frame a node sends is copied into simulator-owned storage (the air) and
 * reaches every node that has an up link from the transmitter, after the
 * link's latency + jitter, unless the link loses it. The receiving core gets
 * every frame it physically hears, whatever `to` says: ignoring frames for
 * others is the core's job (PROTOCOL.md §2). Everything random comes from
 * the simulator's own PRNG seeded by the caller, so a run is a pure function
 * of its seed and script.
 *
 * Instrumentation: the simulator decodes (by hand, independent of the codec)
 * every data frame a node transmits and counts, per node, message type and
 * packet tag, how often it sent it: a node sending the same data packet twice
 * in the same direction is a loop or a duplicate storm. Packets built with
 * sim_build_* carry a tag in their payload, so tests can count which packet
 * reached which node's tun, and how many times. */
#ifndef VN_SIM_H
#define VN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core_io.h"
#include "ip.h"
#include "mac.h"
#include "obu_core.h"
#include "rsu_core.h"

enum sim_role { SIM_RSU, SIM_OBU };

struct sim;

/* How frames cross the air (sim_opts.channel).
 *
 * SIM_CHAN_IDEAL: every directed link delivers after its latency + jitter,
 *   unless its loss draws a drop; any number of frames fly at once, free.
 * SIM_CHAN_80211P: one shared medium per neighbourhood, as an IEEE 802.11p
 *   (ITS-G5, 10 MHz) radio sees it (channel.c): a frame takes its OFDM
 *   airtime; a node hears and senses exactly the transmitters that have an
 *   up link to it; CSMA/CA with best-effort EDCA (AIFS, backoff, CW
 *   doubling); a receiver with two overlapping frames loses both; unicast
 *   is ACKed after SIFS and retried up to 7 times; the link's loss is the
 *   PHY error rate on top. Link latency and jitter are not used. */
enum sim_channel { SIM_CHAN_IDEAL = 0, SIM_CHAN_80211P };

/* One transmission on the 802.11p channel, as sim_opts.on_air sees it. */
struct sim_air_tx {
	int node;	  /* the transmitter */
	vn_usec start, end;
	bool ack;	  /* an ACK (frame NULL) */
	bool retry;	  /* a unicast retransmission */
	const uint8_t *frame;
	size_t len;
};

struct sim_opts {
	uint64_t seed;
	/* Deliver unicast frames only to their `to` (and broadcast to all): what
	 * a NIC does outside promiscuous mode. Off by default, so that the cores
	 * are tested against frames not meant for them; the scale run turns it
	 * on to save time. */
	bool unicast_filter;
	/* Link-layer retries of a unicast frame to its addressee, as 802.11
	 * does (ACK + retransmit): each try is lost with the link's loss and
	 * costs one more latency. 0 (the default) = raw loss, which is what the
	 * scenario tests use; broadcasts are never retried. */
	unsigned unicast_retries;
	/* Packets kept per node for sim_tun_read (oldest dropped); 0 keeps none. */
	size_t tun_queue;
	/* Print the cores' log lines on stderr with the virtual time. */
	bool verbose;
	/* The channel model (ideal by default) and, for 802.11p, the PHY rate
	 * in kbit/s (3000 ... 27000; 0 = 6000) and the frames a node's MAC
	 * queue holds (0 = 64; a frame sent into a full queue is dropped). */
	enum sim_channel channel;
	uint32_t rate_kbps;
	uint32_t mac_queue;
	/* 802.11p: the cores are told of each unicast frame the MAC gave up
	 * on after its retries (obu_core_on_tx_failed), as a daemon learns it
	 * from SO_WIFI_STATUS; true turns that off (the before figures). */
	bool no_tx_status;
	/* 802.11p: called as each transmission starts (tests, traces). */
	void (*on_air)(void *ctx, const struct sim_air_tx *tx);
	void *on_air_ctx;
};

/* Over-the-air time of a frame of `len` bytes (our Ethernet framing: the
 * 14-byte header is replaced by 802.11 header + LLC/SNAP + FCS) at the
 * given rate on a 10 MHz channel; len 0 is taken as an ACK (14 bytes). */
vn_usec sim_airtime(size_t len, uint32_t rate_kbps);

struct sim_link_cfg {
	vn_usec latency;  /* fixed part of the delay */
	vn_usec jitter;	  /* plus uniform [0, jitter] */
	double loss;	  /* probability that one frame is lost */
	bool up;
};

/* 1 ms latency, 0.2 ms jitter, no loss, up. */
struct sim_link_cfg sim_link_default(void);

struct sim *sim_new(const struct sim_opts *o);
void sim_free(struct sim *s);

vn_usec sim_now(const struct sim *s);
/* Uniform 64-bit value / double in [0,1) from the simulator's PRNG. */
uint64_t sim_rand(struct sim *s);
double sim_rand01(struct sim *s);

/* Nodes. Return the node index (0, 1, ...), or -1 if the core refused the
 * parameters. NULL params mean the defaults. */
int sim_add_rsu(struct sim *s, const struct rsu_params *p, const struct vn_mac *mac);
int sim_add_obu(struct sim *s, const struct obu_params *p, const struct vn_mac *mac);
size_t sim_node_count(const struct sim *s);
enum sim_role sim_role(const struct sim *s, int node);
const struct vn_mac *sim_mac(const struct sim *s, int node);
bool sim_alive(const struct sim *s, int node);
struct obu_core *sim_obu(struct sim *s, int node);
struct rsu_core *sim_rsu(struct sim *s, int node);

/* Frees the core and creates a new one with the same MAC and parameters
 * (an RSU's uptime and ids start over). */
void sim_restart(struct sim *s, int node);
/* Frees the core; the node hears and sends nothing any more. */
void sim_remove(struct sim *s, int node);

/* Links: directed from -> to. Setting a link creates or replaces it. */
void sim_link_set(struct sim *s, int from, int to, const struct sim_link_cfg *cfg);
/* Both directions with the same configuration. */
void sim_link_both(struct sim *s, int a, int b, const struct sim_link_cfg *cfg);
void sim_link_up(struct sim *s, int a, int b, bool up);	   /* both directions */
void sim_link_loss(struct sim *s, int a, int b, double loss); /* both directions */
/* Appends a link that is known not to exist yet (after
 * sim_links_clear_from): no search, for relinking many nodes at once. */
void sim_link_add(struct sim *s, int from, int to, const struct sim_link_cfg *cfg);
/* Removes every link from `node` (outgoing only). */
void sim_links_clear_from(struct sim *s, int node);
/* The link from -> to, or NULL. */
struct sim_link_cfg *sim_link_get(struct sim *s, int from, int to);

/* Runs every event up to and including time t; the clock then reads t. */
void sim_run_until(struct sim *s, vn_usec t);
static inline void sim_run_for(struct sim *s, vn_usec d)
{
	sim_run_until(s, sim_now(s) + d);
}

/* The scripted timeline: fn(s, arg) runs at virtual time t (in order of
 * scheduling among equal times). Helpers for the usual actions follow. */
typedef void (*sim_fn)(struct sim *s, void *arg);
void sim_at(struct sim *s, vn_usec t, sim_fn fn, void *arg);
void sim_at_link_up(struct sim *s, vn_usec t, int a, int b, bool up);
void sim_at_link_loss(struct sim *s, vn_usec t, int a, int b, double loss);
void sim_at_restart(struct sim *s, vn_usec t, int node);
void sim_at_remove(struct sim *s, vn_usec t, int node);

/* --- Security (sim_sec.c, docs/security.md) ---------------------------- */

struct vn_sec;
/* Puts the security layer `layer` (common/sec_layer.h, made by the caller
 * with the node's MAC) between the node's core and the air: frames it hears
 * are verified before its core sees them, frames its core sends are
 * secured. The simulator owns the layer from now on (freed with it; kept
 * across sim_restart, where an RSU's epoch goes up by one, as rsud's
 * persisted epoch does). sim_transmit_as bypasses it (hostile frames). */
void sim_secure(struct sim *s, int node, struct vn_sec *layer);
struct vn_sec *sim_sec(const struct sim *s, int node);
/* Called with every secured frame a node transmits, as it goes on the air:
 * what an attacker with a receiver records. NULL stops it. */
typedef void (*sim_sec_tap_fn)(void *ctx, int node, const uint8_t *frame, size_t len);
void sim_sec_tap(struct sim *s, sim_sec_tap_fn fn, void *ctx);

/* --- Test packets ------------------------------------------------------- */

/* A tag identifies one test packet: its payload starts with "VNSM" + tag. */
#define SIM_TAG_NONE 0

/* IPv4 UDP (ports 4000 -> 4001) or ICMP echo request, IPv6 UDP; total IP
 * length `len` (at least the headers + 8). Correct lengths and checksums.
 * Return the IP length written, or 0 if cap/len do not fit. */
size_t sim_build_udp4(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		      uint32_t tag, size_t len);
size_t sim_build_icmp4(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		       uint32_t tag, size_t len);
size_t sim_build_udp6(uint8_t *buf, size_t cap, const struct vn_ip *src, const struct vn_ip *dst,
		      uint32_t tag, size_t len);
/* The tag of a packet built above, or SIM_TAG_NONE. */
uint32_t sim_packet_tag(const uint8_t *pkt, size_t len);

/* A fresh tag (1, 2, ...). */
uint32_t sim_new_tag(struct sim *s);

/* Hands an IP packet to the node's core as if read from its tun0, now. */
void sim_inject_tun(struct sim *s, int node, const uint8_t *pkt, size_t len);
/* Builds a tagged IPv4 UDP packet (or IPv6 if the addresses are) of len
 * bytes, injects it at node now and returns its tag. */
uint32_t sim_send_ip(struct sim *s, int node, const struct vn_ip *src, const struct vn_ip *dst,
		     size_t len);
/* Hands a raw frame to a node's core as if heard now (hostile tests). */
void sim_inject_frame(struct sim *s, int node, const uint8_t *frame, size_t len);
/* Transmits a raw frame as if `node` had sent it (goes over its links). */
void sim_transmit_as(struct sim *s, int node, const uint8_t *frame, size_t len);

/* --- Observation -------------------------------------------------------- */

/* Times packet `tag` reached node's tun (0 if never). */
uint32_t sim_delivered(const struct sim *s, int node, uint32_t tag);
/* Time of the first delivery of `tag` at node, or VN_USEC_NEVER. */
vn_usec sim_delivered_at(const struct sim *s, int node, uint32_t tag);
/* Packets delivered into node's tun, in total. */
uint64_t sim_tun_total(const struct sim *s, int node);
/* Pops the oldest queued packet of node's tun into buf; returns its length,
 * 0 if none (or it did not fit: then it is dropped). */
size_t sim_tun_read(struct sim *s, int node, uint8_t *buf, size_t cap);

/* Same data packet transmitted more than once by the same node in the same
 * direction (Upstream / Downstream): the sum of the extra transmissions,
 * over all nodes. Must stay 0. */
uint64_t sim_dup_forwards(const struct sim *s);
/* Tagged packets that came out of some node's tun more than once (an RSU
 * delivering an Upstream packet twice, say). */
uint64_t sim_dup_deliveries(const struct sim *s);
/* How many times node transmitted data packet tag (Upstream or Downstream). */
uint32_t sim_forwarded(const struct sim *s, int node, bool down, uint32_t tag);
/* Prints the first few duplicates found (node, type, tag, count) to stderr. */
void sim_dup_report(const struct sim *s, size_t max);
/* Data frames (with a tag) that node transmitted. */
uint64_t sim_data_sent(const struct sim *s, int node);
/* Frames transmitted by node, and frames the air delivered, in total. */
uint64_t sim_frames_sent(const struct sim *s, int node);
uint64_t sim_frames_delivered(const struct sim *s);
/* Frames the air handed to node's core. */
uint64_t sim_frames_received(const struct sim *s, int node);
/* Frames transmitted by node, by the type of their first message. */
enum sim_frame_type {
	SIM_F_HEARTBEAT,
	SIM_F_REPLY,
	SIM_F_UPSTREAM,
	SIM_F_DOWNSTREAM,
	SIM_F_OTHER,
	SIM_F__COUNT
};
uint64_t sim_frames_sent_type(const struct sim *s, int node, enum sim_frame_type t);
/* ... and their bytes (a frame may hold several control messages). */
uint64_t sim_bytes_sent_type(const struct sim *s, int node, enum sim_frame_type t);
uint64_t sim_events(const struct sim *s);

/* What the 802.11p channel saw at one node (all zero with the ideal
 * channel, except tx, which then counts the frames sent). */
struct sim_radio_stats {
	vn_usec busy;		     /* medium sensed busy (own transmissions and ACKs too), up to now */
	uint64_t tx[SIM_F__COUNT];   /* transmissions on the air by kind, retries included */
	uint64_t retries;	     /* of those, unicast retransmissions */
	uint64_t acks;		     /* ACKs transmitted */
	uint64_t collisions;	     /* receptions lost because another frame overlapped here */
	uint64_t phy_errors;	     /* receptions lost to the link's loss */
	uint64_t mac_drops;	     /* unicast frames given up after the retry limit */
	uint64_t queue_drops;	     /* frames dropped: MAC queue full */
};
void sim_radio_stats(const struct sim *s, int node, struct sim_radio_stats *out);

/* A core counter by name (0 if absent). */
uint64_t sim_counter(const struct sim *s, int node, const char *name);
/* Prints every counter of node to stderr. */
void sim_counters_print(const struct sim *s, int node);
/* The core's describe() text into buf; returns the length it needed. */
size_t sim_describe(const struct sim *s, int node, char *buf, size_t cap);
/* The OBU's chosen upstream; false if none (or node not an OBU / removed). */
bool sim_upstream(const struct sim *s, int node, struct obu_route_info *out);
/* Whether OBU node has an upstream whose RSU is node `rsu`. */
bool sim_attached_to(const struct sim *s, int node, int rsu);
/* The RSU's route to OBU node `obu`. */
bool sim_route(const struct sim *s, int rsu, int obu, struct rsu_route_info *out);
/* The node with this MAC, or -1. */
int sim_find(const struct sim *s, const struct vn_mac *mac);

/* A MAC derived from a number: 02:00:00:xx:xx:xx (locally administered). */
struct vn_mac sim_mac_n(uint32_t n);
/* 10.x.y.z from a number (10.0.0.n for small n). */
struct vn_ip sim_ip4(uint32_t n);

#endif
