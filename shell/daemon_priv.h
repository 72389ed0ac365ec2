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
#include "sec.h"

#define VN_DAEMON_RSUS_WATCHED 64

/* Counters the daemon itself keeps. Names are part of the contract. */
#define DAEMON_COUNTERS(X)                                                        \
	X(rx_frames)                                                              \
	X(rx_drop_truncated)                                                      \
	X(rx_errors)                                                              \
	X(tx_frames)                                                              \
	X(tx_errors)                                                              \
	X(tun_rx_packets)                                                         \
	X(tun_rx_errors)                                                          \
	X(tun_tx_packets)                                                         \
	X(tun_tx_errors)                                                          \
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
	vn_usec sec_chosen_at;
	bool sec_chosen; /* the layer has a chosen RSU (else it is asked 10x as often) */
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
