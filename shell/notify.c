#include "notify.h"

#include <ev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"

/* sd_notify sends on a blocking datagram socket: it waits only if PID 1's
 * queue is full, i.e. systemd stopped reading -- then nobody would act on
 * our watchdog anyway. Few messages are sent (pings every WATCHDOG_USEC/2,
 * STATUS= at most once a second), so a reading systemd never fills it. */

/* STATUS= is refreshed at most this often: a flapping route must not turn
 * into a stream of datagrams to PID 1. */
#define STATUS_PERIOD 1.0

static void send_status(struct vn_notify *n, bool force)
{
	char now[VN_NOTIFY_STATUS_MAX];

	now[0] = '\0';
	n->status(n->ctx, now, sizeof(now));
	if (!force && strcmp(now, n->last) == 0)
		return;
	memcpy(n->last, now, sizeof(now));
	sd_notifyf(0, "STATUS=%s", now);
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	/* Sent from inside the loop: if the loop hangs, the pings stop and
	 * systemd kills and restarts us. */
	sd_notify(0, "WATCHDOG=1");
}

static void status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	send_status(w->data, false);
}

static ev_timer *timer_new(struct ev_loop *loop, void (*cb)(struct ev_loop *, ev_timer *, int),
			   double period, void *data)
{
	ev_timer *w = malloc(sizeof(*w));

	if (w == NULL)
		return NULL;
	ev_timer_init(w, cb, period, period);
	w->data = data;
	ev_timer_start(loop, w);
	return w;
}

int vn_notify_init(struct vn_notify *n, struct ev_loop *loop, vn_notify_status_fn status,
		   void *ctx)
{
	uint64_t usec = 0;

	memset(n, 0, sizeof(*n));
	n->loop = loop;
	n->status = status;
	n->ctx = ctx;
	n->on = getenv("NOTIFY_SOCKET") != NULL;
	if (!n->on)
		return 0;
	n->status_w = timer_new(loop, status_cb, STATUS_PERIOD, n);
	if (n->status_w == NULL)
		return -1;
	/* > 0 only when systemd set WATCHDOG_USEC (and WATCHDOG_PID is us). */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		n->watchdog_w = timer_new(loop, watchdog_cb, (double)usec / 2e6, n);
		if (n->watchdog_w == NULL)
			return -1;
		vn_info("systemd watchdog: %.3f s, pinging every %.3f s", (double)usec / 1e6,
			(double)usec / 2e6);
	}
	return 0;
}

void vn_notify_ready(struct vn_notify *n)
{
	if (!n->on)
		return;
	sd_notify(0, "READY=1");
	send_status(n, true);
}

void vn_notify_reloading(struct vn_notify *n)
{
	struct timespec ts;

	if (!n->on)
		return;
	/* MONOTONIC_USEC: newer systemd (Type=notify-reload) wants it with
	 * RELOADING=1; older ones ignore it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ull +
			   (unsigned long long)ts.tv_nsec / 1000ull);
}

static void timer_free(struct vn_notify *n, void **w)
{
	if (*w == NULL)
		return;
	ev_timer_stop(n->loop, *w);
	free(*w);
	*w = NULL;
}

void vn_notify_stopping(struct vn_notify *n)
{
	if (!n->on)
		return;
	sd_notify(0, "STOPPING=1");
	timer_free(n, &n->watchdog_w);
	timer_free(n, &n->status_w);
}

void vn_notify_fini(struct vn_notify *n)
{
	timer_free(n, &n->watchdog_w);
	timer_free(n, &n->status_w);
}
