#include "daemon_priv.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "netlink.h"
#include "rawsock.h"
#include "rxerr.h"
#include "sec_layer.h"
#include "tun.h"
#include "wire.h"

/* Frames or packets taken from one source per loop round before the others
 * get their turn: a flooded wire must not starve tun0 or the timers. */
#define DRAIN_CAP 64
/* The core handles a buffer synchronously and hands it back, so one receive
 * batch plus a couple of buffers are enough; the pool is there to keep
 * allocation out of the packet path. */
/* A round of tun reads keeps its buffers until its frames have left in one
 * sendmmsg() (txbatch.h), so the pool covers a whole round. */
#define POOL_BUFS (DRAIN_CAP + VN_RAW_BATCH + 2)

vn_usec vn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (vn_usec)ts.tv_sec * 1000000u + (vn_usec)ts.tv_nsec / 1000u;
}

/* --- Wire state ---------------------------------------------------------- */

/* Errors say the wire went down or away; netlink says which. Down: log it
 * and look again every second until it is up. Gone (deleted, or replaced by
 * another interface of the same name): the packet socket is unbound for
 * good, so exit with an error and let the service manager restart us. */
void vn_daemon_check_wire_soon(struct daemon *d)
{
	if (!ev_is_active(&d->wire_check)) {
		ev_timer_set(&d->wire_check, 0.2, 0.);
		ev_timer_start(d->loop, &d->wire_check);
	}
}

static void wire_check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	struct vn_link_info now;
	struct vn_error e;

	(void)revents;
	if (vn_nl_link_get(d->nl, d->cfg.interface, &now, &e) < 0 ||
	    now.ifindex != d->wire.ifindex) {
		vn_err("wire interface %s is gone; exiting (a restart binds to it again)",
		       d->cfg.interface);
		d->exit_code = 1;
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	if (now.up != d->wire.up)
		vn_log(now.up ? VN_LOG_NOTICE : VN_LOG_WARN, "wire interface %s is %s",
		       d->cfg.interface, now.up ? "up again" : "down");
	d->wire.up = now.up;
	d->wire.mtu = now.mtu;
	if (!now.up) {
		ev_timer_set(w, 1., 0.);
		ev_timer_start(loop, w);
	}
}

/* --- Core callbacks ------------------------------------------------------ */

/* With [security], every frame leaves with its tag (daemon_sec.c). A
 * control frame is secured in a copy, which the send batch copies again; a
 * data frame in place in its pool buffer. One sealed here (mode = encrypt:
 * our own packet, or the RSU's Downstream) is ciphertext for good, its
 * buffer ours until the flush: it joins the burst's batch like a plain
 * frame (one sendmmsg, no copy). Any other leaves at once, and the core's
 * bytes are put back before it sees them again. */
static void io_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct daemon *d = ctx;
	uint8_t *out;
	bool in_place;
	size_t n;

	if (d->sec == NULL) {
		vn_daemon_send(d, frame, len);
		return;
	}
	n = vn_dsec_wrap(d, frame, len, &out, &in_place);
	if (n > 0 && in_place && vn_sec_tx_sealed(d->sec))
		vn_daemon_send(d, out, n);
	else if (n > 0 && in_place)
		vn_daemon_send_now(d, out, n);
	else if (n > 0)
		vn_daemon_send(d, out, n);
	/* a sealed packet is ciphertext now: nothing to give back */
	if (in_place && !vn_sec_tx_sealed(d->sec))
		vn_sec_tx_restore((uint8_t *)(uintptr_t)frame);
}

static void io_deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	vn_daemon_deliver(ctx, pkt, len);
}

static void io_log(void *ctx, enum vn_log_level level, const char *msg)
{
	vn_log(level, "%s", msg);
	/* Debug lines (e.g. a non-chosen RSU's upstream) stay out of monitors. */
	if (level <= VN_LOG_INFO)
		vn_daemon_event(ctx, level, vn_daemon_event_type(msg), msg);
}

/* --- Event loop ---------------------------------------------------------- */

/* After every event: the core may have a new earliest deadline. */
void vn_daemon_rearm(struct daemon *d)
{
	vn_usec next = d->ops->next_timer(d->core);
	vn_usec now;

	ev_timer_stop(d->loop, &d->timer);
	if (next == VN_USEC_NEVER)
		return;
	/* libev measures timers from its cached loop time; refresh it so the
	 * delay is not counted from a stale instant. */
	ev_now_update(d->loop);
	now = vn_now();
	ev_timer_set(&d->timer, next > now ? (double)(next - now) / 1e6 : 0., 0.);
	ev_timer_start(d->loop, &d->timer);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	d->ops->tick(d->core, vn_now());
	vn_dsec_follow_upstream(d, vn_now());
	vn_daemon_rearm(d);
}

/* One received frame: count it, and hand it to the core if it fits. */
void vn_daemon_rx_one(struct daemon *d, struct vn_pbuf *b, enum vn_raw_rx r, size_t len)
{
	if (r == VN_RAW_OUTGOING)
		return;
	d->cnt.rx_frames++;
	if (r == VN_RAW_TRUNCATED) {
		d->cnt.rx_drop_truncated++;
		LOG_LIMITED(&d->rl_trunc, VN_LOG_DEBUG,
			    "dropped a %zu-byte frame: larger than the %zu-byte buffer", len,
			    vn_pbuf_tailroom(b));
		return;
	}
	b->len = len;
	/* Secured: nothing reaches the core before it is verified (each drop
	 * is counted by the layer, "sec_*"). */
	if (d->sec != NULL && vn_sec_rx(d->sec, b, vn_now()) != VN_SEC_OK)
		return;
	d->ops->on_frame(d->core, b, vn_now());
}

/* Transmit status entries taken per wakeup (each frame we sent has one). */
#define TXSTATUS_DRAIN 64

/* A frame of ours (our EtherType, our source MAC) that the MAC gave up on
 * goes to the core as sent -- or, secured, its Ethernet header alone (the
 * queue holds the sealed frame, not the core's). */
static void txstatus_one(struct daemon *d, struct vn_pbuf *b, size_t len)
{
	if (len < VN_MAC_LEN * 2 + 2 || len > vn_pbuf_tailroom(b) || b->data[12] != 0x30 ||
	    b->data[13] != 0x30 || memcmp(b->data + VN_MAC_LEN, d->wire.mac.b, VN_MAC_LEN) != 0)
		return;
	b->len = d->sec != NULL ? VN_MAC_LEN * 2 + 2 : len;
	d->ops->on_tx_failed(d->core, b, vn_now());
	vn_daemon_tx_flush(d); /* a re-sent frame points into b */
}

/* The error queue of an 802.11 wire: every frame's ACK status (rule 12).
 * Left undrained it would keep the socket readable for ever. */
static void txstatus_drain(struct daemon *d)
{
	for (int i = 0; i < TXSTATUS_DRAIN; i++) {
		struct vn_pbuf *b = vn_pool_get(&d->pool);
		int acked = -1, r;
		size_t len = 0;

		if (b == NULL)
			return;
		r = vn_raw_recv_txstatus(d->raw_fd, b, &acked, &len);
		if (r == 1 && acked == 0)
			txstatus_one(d, b, len);
		vn_pool_put(&d->pool, b);
		if (r != 1)
			return;
	}
}

static void raw_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	struct vn_pbuf *bufs[VN_RAW_BATCH];
	enum vn_raw_rx res[VN_RAW_BATCH];
	size_t len[VN_RAW_BATCH];
	int done = 0, got;

	(void)loop;
	(void)revents;
	if (vn_ring_on(&d->ring)) {
		vn_daemon_ring_rx(d);
		vn_dsec_follow_upstream(d, vn_now());
		vn_daemon_rearm(d);
		return;
	}
	vn_daemon_tx_begin(d);
	if (d->txstatus)
		txstatus_drain(d);
	do {
		size_t nb = 0;

		while (nb < VN_RAW_BATCH && (bufs[nb] = vn_pool_get(&d->pool)) != NULL)
			nb++;
		got = nb > 0 ? vn_raw_recv_batch(d->raw_fd, &d->rxb, bufs, nb, res, len) : 0;
		for (int i = 0; i < got; i++)
			vn_daemon_rx_one(d, bufs[i], res[i], len[i]);
		/* What the batch made (relayed frames, replies) leaves
		 * together, before its buffers go back. */
		vn_daemon_tx_flush(d);
		for (size_t i = 0; i < nb; i++)
			vn_pool_put(&d->pool, bufs[i]);
		if (got < 0) {
			if (errno == ENETDOWN) {
				vn_daemon_check_wire_soon(d);
			} else {
				d->cnt.rx_errors++;
				LOG_LIMITED(&d->rl_rx, VN_LOG_WARN, "receive on %s: %s",
					    d->cfg.interface, strerror(errno));
			}
			break;
		}
		done += got;
		/* A short batch means the socket is drained. */
	} while (got == VN_RAW_BATCH && done < DRAIN_CAP);
	vn_dsec_follow_upstream(d, vn_now());
	vn_daemon_tx_end(d);
	vn_daemon_rearm(d);
}

static void put_all(struct vn_pool *p, struct vn_pbuf **held, int n)
{
	for (int i = 0; i < n; i++)
		vn_pool_put(p, held[i]);
}

/* A round of reads keeps its buffers (the frames made from them are only
 * queued) until the round's frames have left together. */
static void tun_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	struct vn_pbuf *held[DRAIN_CAP];
	/* one pool for the whole round: TSO may be found off during it */
	struct vn_pool *tp = vn_daemon_tun_pool(d);
	int nh = 0;

	(void)loop;
	(void)revents;
	vn_daemon_tx_begin(d);
	vn_dsec_follow_upstream(d, vn_now());
	for (int i = 0; i < DRAIN_CAP; i++) {
		struct vn_pbuf *b = vn_pool_get(tp);
		ssize_t n;

		if (b == NULL)
			break;
		held[nh++] = b;
		n = vn_daemon_tun_read(d, b);
		if (n == VN_TUN_DROPPED)
			continue;
		if (n > 0) {
			d->cnt.tun_rx_packets++;
			b->len = (size_t)n;
			d->ops->on_tun(d->core, b, vn_now());
		} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			d->cnt.tun_rx_errors++;
			LOG_LIMITED(&d->rl_tun_rx, VN_LOG_WARN, "read from %s: %s",
				    d->cfg.tun_name, strerror(errno));
		}
		if (n <= 0)
			break;
	}
	vn_daemon_tx_end(d);
	put_all(tp, held, nh);
	vn_daemon_rearm(d);
}

/* --- Set-up -------------------------------------------------------------- */

static void print_config_error(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

/* A frame is our header plus one tun packet (plus, secured, the 14-byte
 * security header and the tag); it must fit the wire. */
int vn_daemon_check_mtu(const struct daemon *d, uint32_t tun_mtu, struct vn_error *e)
{
	uint32_t hlen = VN_MAX_HLEN;

	if (d->cfg.sec.mode != VN_SEC_OFF)
		hlen += VN_SEC_SHIFT + VN_SEC_TAG_LEN;
	if (d->cfg.sec.mode == VN_SEC_ENCRYPT)
		hlen += VN_E2E_OVERHEAD;

	if ((uint64_t)tun_mtu + hlen <= (uint64_t)d->wire.mtu + VN_ETH_HLEN)
		return 0;
	vn_error_set(e,
		     "[tun] mtu %u does not fit %s (mtu %u): frames would be %u bytes; "
		     "set [tun] mtu to at most %u or raise the wire MTU",
		     tun_mtu, d->cfg.interface, d->wire.mtu, tun_mtu + hlen,
		     d->wire.mtu > hlen - VN_ETH_HLEN ? d->wire.mtu - (hlen - VN_ETH_HLEN) : 0);
	return -1;
}

static int set_addresses(struct daemon *d, struct vn_error *e)
{
	for (size_t i = 0; i < d->cfg.n_addrs; i++)
		if (vn_nl_addr(d->nl, d->tun_ifindex, &d->cfg.addrs[i], true, e) < 0)
			return -1;
	if (d->ops->set_addresses != NULL &&
	    d->ops->set_addresses(d->core, d->cfg.addrs, d->cfg.n_addrs) < 0) {
		vn_error_set(e, "the core refused the tun addresses");
		return -1;
	}
	return 0;
}

static int setup_links(struct daemon *d, struct vn_error *e)
{
	struct vn_link_info tun;
	char mac[VN_MAC_STRLEN];

	d->nl = vn_nl_open(e);
	if (d->nl == NULL || vn_nl_link_get(d->nl, d->cfg.interface, &d->wire, e) < 0)
		return -1;
	if (!d->wire.ether || vn_mac_is_zero(&d->wire.mac)) {
		vn_error_set(e, "interface %s is not an Ethernet interface", d->cfg.interface);
		return -1;
	}
	if (!d->wire.up)
		vn_warn("interface %s is down: nothing will be received until it is up",
			d->cfg.interface);
	if (vn_daemon_check_mtu(d, d->cfg.tun_mtu, e) < 0)
		return -1;
	d->raw_fd = vn_raw_open(d->wire.ifindex, d->cfg.interface, e);
	if (d->raw_fd < 0)
		return -1;
	/* 802.11: the MAC's give-ups reach the core (rule 12). On Ethernet
	 * nothing would come: not asked for, nothing changes. */
	d->txstatus = d->ops->on_tx_failed != NULL && vn_raw_wireless(d->cfg.interface) &&
		      vn_raw_want_tx_status(d->raw_fd) == 0;
	if (d->txstatus)
		vn_info("wire %s is 802.11: per-frame ACK status on", d->cfg.interface);
	if (vn_daemon_tun_open(d, e) < 0)
		return -1;
	vn_daemon_ring_setup(d); /* after the tun's pools: regions of the send batch */
	if (vn_nl_link_get(d->nl, d->cfg.tun_name, &tun, e) < 0)
		return -1;
	d->tun_ifindex = tun.ifindex;
	if (vn_nl_link_set(d->nl, d->tun_ifindex, d->cfg.tun_mtu, e) < 0)
		return -1;
	vn_info("wire %s mac %s mtu %u; tun %s mtu %u", d->cfg.interface,
		vn_mac_format(&d->wire.mac, mac), d->wire.mtu, d->cfg.tun_name, d->cfg.tun_mtu);
	return 0;
}

static int setup(struct daemon *d, struct vn_error *e)
{
	const char *msg = d->ops->check(&d->cfg);

	if (msg != NULL) {
		vn_error_set(e, "%s: routing parameters: %s", d->config_path, msg);
		return -1;
	}
	if (vn_pool_init(&d->pool, POOL_BUFS) < 0) {
		vn_error_set(e, "out of memory");
		return -1;
	}
	d->pool_ok = true;
	vn_txb_init(&d->txb, d->pool.bufs[0].start,
		    (size_t)(d->pool.bufs[d->pool.count - 1].start - d->pool.bufs[0].start) +
			    d->pool.bufs[d->pool.count - 1].size,
		    d->pool.count > 1 ? (size_t)(d->pool.bufs[1].start - d->pool.bufs[0].start)
				      : d->pool.bufs[0].size);
	if (setup_links(d, e) < 0 || vn_dsec_setup(d, e) < 0)
		return -1;
	d->io = (struct vn_core_io){ .ctx = d, .send = io_send, .deliver = io_deliver,
				     .log = io_log };
	d->started = vn_now();
	d->core = d->ops->create(&d->cfg, &d->wire.mac, &d->io, d->started);
	if (d->core == NULL) {
		vn_error_set(e, "cannot create the routing core (bad parameters or no memory)");
		return -1;
	}
	if (set_addresses(d, e) < 0)
		return -1;
	if (vn_ctl_open(&d->ctl, d->loop, d->cfg.ctl_path, vn_daemon_ctl_answer, d, e) < 0)
		return -1;
	d->ctl_ok = true;
	if (vn_notify_init(&d->notify, d->loop, vn_daemon_summary, d) < 0) {
		vn_error_set(e, "out of memory");
		return -1;
	}
	return 0;
}

static void teardown(struct daemon *d)
{
	if (d->loop != NULL) {
		ev_io_stop(d->loop, &d->raw_w);
		ev_io_stop(d->loop, &d->tun_w);
		ev_timer_stop(d->loop, &d->timer);
		ev_timer_stop(d->loop, &d->wire_check);
		vn_daemon_watch_stop(d);
		ev_signal_stop(d->loop, &d->sig_term);
		ev_signal_stop(d->loop, &d->sig_int);
		ev_signal_stop(d->loop, &d->sig_hup);
	}
	vn_notify_fini(&d->notify);
	if (d->ctl_ok)
		vn_ctl_close(&d->ctl);
	if (d->core != NULL)
		d->ops->destroy(d->core);
	vn_dsec_teardown(d);
	/* Closing the only fd of a non-persistent tun removes the interface
	 * (and its addresses and routes with it). */
	if (d->tun_fd >= 0)
		close(d->tun_fd);
	vn_daemon_tun_fini(d);
	vn_ring_close(&d->ring);
	if (d->raw_fd >= 0)
		close(d->raw_fd);
	vn_nl_close(d->nl);
	if (d->pool_ok)
		vn_pool_fini(&d->pool);
	if (d->loop != NULL)
		ev_loop_destroy(d->loop);
}

/* --- Configuration, shared with the reload (daemon_reload.c) ------------- */

int vn_daemon_load_config(const struct daemon *d, struct vn_config *c, vn_config_err_fn err)
{
	return vn_config_load(c, d->ops->role, d->config_path, err, NULL);
}

enum vn_log_level vn_daemon_effective_level(const struct daemon *d, enum vn_log_level lv)
{
	unsigned v = (unsigned)lv + d->verbose;

	return v > VN_LOG_DEBUG ? VN_LOG_DEBUG : (enum vn_log_level)v;
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)revents;
	if (w->signum == SIGHUP) {
		vn_daemon_reload(d);
		return;
	}
	vn_notice("%s: shutting down", strsignal(w->signum));
	ev_break(loop, EVBREAK_ALL);
}

static void start_watchers(struct daemon *d)
{
	ev_io_init(&d->raw_w, raw_cb, d->raw_fd, EV_READ);
	ev_io_init(&d->tun_w, tun_cb, d->tun_fd, EV_READ);
	ev_init(&d->timer, timer_cb);
	ev_init(&d->wire_check, wire_check_cb);
	ev_signal_init(&d->sig_term, signal_cb, SIGTERM);
	ev_signal_init(&d->sig_int, signal_cb, SIGINT);
	ev_signal_init(&d->sig_hup, signal_cb, SIGHUP);
	d->raw_w.data = d->tun_w.data = d->timer.data = d->wire_check.data = d;
	d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
	ev_io_start(d->loop, &d->raw_w);
	ev_io_start(d->loop, &d->tun_w);
	ev_signal_start(d->loop, &d->sig_term);
	ev_signal_start(d->loop, &d->sig_int);
	ev_signal_start(d->loop, &d->sig_hup);
	vn_daemon_watch_start(d);
	vn_daemon_rearm(d);
}

/* --- main ---------------------------------------------------------------- */

static int run(struct daemon *d)
{
	struct vn_error e = { "" };
	int rc = 1;

	/* Signals are handled inside the loop; an early SIGTERM during set-up
	 * still ends the process the default way, which leaves nothing behind
	 * that closing the fds would not remove. */
	d->loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_SIGNALFD);
	if (d->loop == NULL) {
		vn_err("cannot initialise the event loop");
		return 1;
	}
	if (setup(d, &e) < 0) {
		vn_err("%s", e.msg);
	} else {
		start_watchers(d);
		vn_notice("%s %s running on %s", d->name, VANET_VERSION, d->cfg.interface);
		/* tun0, the raw socket and the control socket are up. */
		vn_notify_ready(&d->notify);
		ev_run(d->loop, 0);
		vn_notify_stopping(&d->notify);
		rc = d->exit_code;
	}
	teardown(d);
	return rc;
}

int vn_daemon_main(const struct vn_core_ops *ops, int argc, char *argv[])
{
	const char *name = vn_role_name(ops->role);
	const char *def = vn_role_default_config(ops->role);
	struct daemon *d;
	struct vn_cli cli;
	int rc;

	vn_cli_parse(&cli, argc, argv, def);
	switch (cli.action) {
	case VN_CLI_HELP:
		vn_cli_usage(stdout, name, def);
		return 0;
	case VN_CLI_VERSION:
		printf("%s %s\n", name, VANET_VERSION);
		return 0;
	case VN_CLI_USAGE:
		fprintf(stderr, "%s: %s\n", name, cli.bad);
		vn_cli_usage(stderr, name, def);
		return 2;
	case VN_CLI_RUN:
	case VN_CLI_CHECK:
		break;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fprintf(stderr, "%s: out of memory\n", name);
		return 1;
	}
	d->ops = ops;
	d->name = name;
	d->config_path = cli.config;
	d->verbose = cli.verbose;
	d->tun_fd = d->raw_fd = -1;
	vn_log_init(name, VN_LOG_INFO);
	if (vn_daemon_load_config(d, &d->cfg, print_config_error) > 0) {
		rc = 1;
	} else if (ops->check(&d->cfg) != NULL) {
		fprintf(stderr, "%s: [routing]: %s\n", cli.config, ops->check(&d->cfg));
		rc = 1;
	} else if (cli.action == VN_CLI_CHECK) {
		rc = vn_dsec_check_files(&d->cfg, cli.config);
		if (rc == 0)
			printf("%s: configuration OK\n", cli.config);
	} else {
		signal(SIGPIPE, SIG_IGN);
		/* A reload requested while we are still setting up must not kill
		 * us (SIGHUP's default); the loop takes it over once it runs. */
		signal(SIGHUP, SIG_IGN);
		vn_log_set_level(vn_daemon_effective_level(d, d->cfg.log_level));
		vn_ratelimit_init(&d->rl_tx, 5000000, 5);
		vn_ratelimit_init(&d->rl_tun_tx, 5000000, 5);
		vn_ratelimit_init(&d->rl_rx, 5000000, 5);
		vn_ratelimit_init(&d->rl_tun_rx, 5000000, 5);
		vn_ratelimit_init(&d->rl_trunc, 5000000, 5);
		rc = run(d);
	}
	free(d);
	return rc;
}
