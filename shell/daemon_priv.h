/* The daemon shell's state, shared by its files (not an API):
 *   daemon.c      set-up, the event loop, reload, main
 *   daemon_ctl.c  what the control socket answers, monitor events
 *   notify.c      systemd notification (used by daemon.c)
 */
#ifndef VN_DAEMON_PRIV_H
#define VN_DAEMON_PRIV_H

#include <ev.h>
#include <stdbool.h>

#include "daemon.h"
#include "log.h"
#include "netlink.h"
#include "notify.h"
#include "rawsock.h"
#include "rawsock_ring.h"
#include "sec.h"
#include "tun_gro.h"
#include "tun_tso.h"
#include "txbatch.h"

#define VN_DAEMON_RSUS_WATCHED 64

/* Counters the daemon itself keeps. Names are part of the contract. */
#define DAEMON_COUNTERS(X)                                                        \
	X(rx_frames)                                                              \
	X(rx_drop_truncated)                                                      \
	X(rx_errors)                                                              \
	X(rx_ring_fallbacks)                                                      \
	X(tx_frames)                                                              \
	X(tx_errors)                                                              \
	X(tx_batches)                                                             \
	X(tun_rx_packets)                                                         \
	X(tun_rx_errors)                                                          \
	X(tun_tx_packets)                                                         \
	X(tun_tx_errors)                                                          \
	X(tun_tx_writes)                                                          \
	X(tun_tx_coalesced)                                                       \
	X(tun_rx_drop_offload)                                                    \
	X(tun_rx_super)                                                           \
	X(tun_rx_segments)                                                        \
	X(reloads)                                                                \
	X(reload_failures)

struct counters {
#define X(n) uint64_t n;
	DAEMON_COUNTERS(X)
#undef X
};

struct daemon {
	const struct vn_core_ops *ops;
	const char *name;
	const char *config_path;
	unsigned verbose;
	struct vn_config cfg;
	struct ev_loop *loop;
	void *core;
	struct vn_core_io io;
	struct vn_pool pool;
	bool pool_ok;
	struct nl_sock *nl;
	struct vn_link_info wire;
	int tun_fd;
	int tun_ifindex;
	int raw_fd;
	bool txstatus; /* SO_WIFI_STATUS on: drain the error queue (rule 12) */
	struct vn_ctl ctl;
	bool ctl_ok;
	struct vn_notify notify;
	/* "rsu_found" monitor events (obud): the core logs RSUs that go, not
	 * those that appear, so the shell looks for new ones once a second
	 * while a monitor is subscribed (daemon_ctl.c). */
	ev_timer rsu_watch;
	struct vn_mac rsus[VN_DAEMON_RSUS_WATCHED];
	unsigned n_rsus;
	bool rsus_known; /* rsus[] holds the current set */
	struct vn_raw_batch rxb;
	/* The packet ring ([wire] ring, daemon_ring.c); the frames of the
	 * burst being handled, in its slots. */
	struct vn_ring ring;
	struct vn_pbuf ring_bufs[VN_RAW_BATCH];
	/* Frames sent while a burst is handled go out together (txbatch.h);
	 * tx_open while raw_cb or tun_cb holds the burst's buffers. */
	struct vn_txbatch txb;
	bool tx_open;
	/* [tun] offload (tun_offload in daemon_io.c): the tun speaks
	 * virtio-net headers; what a burst delivers is coalesced. */
	bool vnet, gro_on, tso_on;
	struct vn_pool big; /* tun reads with TSO: room for a 64 KB super-packet */
	uint64_t tso_reads; /* for the look at whether TSO is still on */
	struct vn_gro gro;
	/* The super-packet being split (tun_tso.h): the core handles its first
	 * segment; the frame it sends for it (ending at split_end) is copied
	 * header-wise onto the others, which go out with it. */
	bool split;
	const uint8_t *split_end;
	size_t split_len; /* bytes of the first segment */
	struct vn_tso tso;
	size_t tso_used;
	uint8_t tso_hdr[VN_TXB_MAX][VN_MAX_HLEN + VN_TSO_HDR_MAX];
	ev_io raw_w, tun_w;
	ev_timer timer;
	ev_timer wire_check; /* looks at the wire interface after an error */
	int exit_code;
	ev_signal sig_term, sig_int, sig_hup;
	vn_usec started;
	struct counters cnt;
	struct vn_ratelimit rl_tx, rl_tun_tx, rl_rx, rl_tun_rx, rl_trunc;
	/* [security] (daemon_sec.c): NULL with mode = off */
	struct vn_sec *sec;
	uint8_t *sec_tx; /* where control frames are secured */
	unsigned sec_nkeys, sec_send_id, sec_nrsus;
	/* what the layer was last told the core chose (vn_dsec_follow_upstream) */
	struct vn_mac sec_rsu, sec_via;
	bool sec_chosen;
	vn_usec sec_hello_at;
};

/* daemon_sec.c */
struct vn_dsec_keys {
	struct vn_sec_netkeys net;
	struct vn_sec_signkey sign; /* rsud */
	struct vn_sec_rsukeys rsus; /* obud */
};
/* Reads and checks the key files c names (for c->role). */
int vn_dsec_load_keys(const struct vn_config *c, struct vn_dsec_keys *k, struct vn_error *e);
/* The RSU's epoch for this run: one more than the last one in
 * dir/rsud.epoch (1 without the file), written and synced before it is
 * returned. */
int vn_dsec_next_epoch(const char *dir, uint32_t *epoch, struct vn_error *e);
/* mode != off: loads the keys, the RSU's next epoch, creates the layer;
 * mode = off: the one notice that the network is unauthenticated. */
int vn_dsec_setup(struct daemon *d, struct vn_error *e);
void vn_dsec_apply_keys(struct daemon *d, const struct vn_dsec_keys *k);
void vn_dsec_teardown(struct daemon *d);
/* The secured form of a frame the core sends; 0: nothing to send.
 * *in_place: the core's bytes were used, vn_sec_tx_restore them after. */
size_t vn_dsec_wrap(struct daemon *d, const uint8_t *frame, size_t len, uint8_t **out,
		    bool *in_place);
void vn_dsec_follow_upstream(struct daemon *d, vn_usec now);
/* -n: checks the key files too; the exit code. */
int vn_dsec_check_files(const struct vn_config *c, const char *path);
/* SIGHUP: read and check the key files n names (prepare), apply them once
 * the whole reload is accepted (commit). No-ops with mode = off. */
int vn_dsec_reload_prepare(struct daemon *d, const struct vn_config *n, struct vn_error *e);
void vn_dsec_reload_commit(struct daemon *d);


/* daemon_ring.c: the packet ring if it can be had (else recvmmsg, counted
 * in rx_ring_fallbacks); one burst from it. */
void vn_daemon_ring_setup(struct daemon *d);
void vn_daemon_ring_rx(struct daemon *d);
/* daemon.c: one received frame, counted and handed to the core. */
void vn_daemon_rx_one(struct daemon *d, struct vn_pbuf *b, enum vn_raw_rx r, size_t len);

/* daemon.c: after a send or receive error, look at the wire soon. */
void vn_daemon_check_wire_soon(struct daemon *d);
/* The configuration file read (errors to err), the log level with -v, the
 * MTU check: at start (daemon.c) and on reload (daemon_reload.c). */
int vn_daemon_load_config(const struct daemon *d, struct vn_config *c, vn_config_err_fn err);
enum vn_log_level vn_daemon_effective_level(const struct daemon *d, enum vn_log_level lv);
int vn_daemon_check_mtu(const struct daemon *d, uint32_t tun_mtu, struct vn_error *e);
void vn_daemon_reload(struct daemon *d);
/* The core's timer set again from its next_timer (after anything that may
 * have moved it). */
void vn_daemon_rearm(struct daemon *d);

/* Per-frame trouble is logged through a rate limiter: a dead link must not
 * turn into a flood of identical lines. */
#define LOG_LIMITED(rl, level, ...)                                               \
	do {                                                                      \
		uint64_t supp_;                                                   \
		if (vn_log_enabled(level) && vn_ratelimit_ok(rl, vn_now(), &supp_)) { \
			vn_log(level, __VA_ARGS__);                               \
			if (supp_ > 0)                                            \
				vn_log(level, "(%llu similar messages suppressed)",  \
				       (unsigned long long)supp_);                \
		}                                                                 \
	} while (0)

/* daemon_io.c: the burst around the core's send callback. */
void vn_daemon_tx_begin(struct daemon *d);
/* Sends what the burst queued; call before its buffers go back. */
void vn_daemon_tx_flush(struct daemon *d);
void vn_daemon_tx_end(struct daemon *d);
/* Sends one frame now, or queues it while a burst is open. */
void vn_daemon_send(struct daemon *d, const uint8_t *frame, size_t len);
/* Sends one frame at once (after what a burst queued): for a frame whose
 * bytes change right after the call (secured in place). */
void vn_daemon_send_now(struct daemon *d, const uint8_t *frame, size_t len);
/* Writes one IP packet into the tun now, or queues it for coalescing. */
void vn_daemon_deliver(struct daemon *d, const uint8_t *pkt, size_t len);
/* Creates the tun, with virtio-net headers if [tun] offload allows and the
 * kernel has them (falls back to a plain tun, logged once). */
int vn_daemon_tun_open(struct daemon *d, struct vn_error *e);
/* Reads one packet into b->data: its length, 0 if none is there, -1 on an
 * error (errno), VN_TUN_DROPPED for a packet dropped and counted. */
#define VN_TUN_DROPPED (-2)
/* The pool tun reads take their buffers from; frees what the tun needed. */
struct vn_pool *vn_daemon_tun_pool(struct daemon *d);
void vn_daemon_tun_fini(struct daemon *d);
ssize_t vn_daemon_tun_read(struct daemon *d, struct vn_pbuf *b);

/* daemon_ctl.c */
typedef void (*vn_counter_fn)(void *ctx, const char *name, uint64_t value);
/* The daemon's counters, the control socket's, then the core's. */
void vn_daemon_counters(const struct daemon *d, vn_counter_fn fn, void *ctx);
bool vn_daemon_counter_name(const char *name);
/* The tables, counted. */
struct vn_daemon_tally {
	unsigned neighbours, routes;
	bool has_upstream;
	struct vn_row upstream;
};
void vn_daemon_tally(const struct daemon *d, struct vn_daemon_tally *t);
void vn_daemon_ctl_answer(void *ctx, const struct vn_ctl_req *req, struct vn_strbuf *out);
/* systemd's STATUS= line (a vn_notify_status_fn). */
size_t vn_daemon_summary(void *ctx, char *buf, size_t cap);
/* daemon_metrics.c: "metrics", the Prometheus text exposition format. */
void vn_daemon_metrics(const struct daemon *d, struct vn_strbuf *out);
/* A line from the core (or the shell) worth a monitor event. */
void vn_daemon_event(struct daemon *d, enum vn_log_level level, const char *type,
		     const char *msg);
/* Starts / stops the once-a-second look for new RSUs (obud only). */
void vn_daemon_watch_start(struct daemon *d);
void vn_daemon_watch_stop(struct daemon *d);
/* The event type of one of the cores' log lines ("upstream", "route", ...). */
const char *vn_daemon_event_type(const char *msg);

#endif
