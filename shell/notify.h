/* systemd's service notification protocol (sd_notify(3)): readiness,
 * status line, watchdog, reload and stop. Without NOTIFY_SOCKET in the
 * environment every call here does nothing and no timer is started, so a
 * daemon run by hand or by another supervisor behaves as before. */
#ifndef VN_NOTIFY_H
#define VN_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

struct ev_loop;

/* The one-line STATUS= summary, snprintf-style, from the daemon. */
typedef size_t (*vn_notify_status_fn)(void *ctx, char *buf, size_t cap);

#define VN_NOTIFY_STATUS_MAX 160

struct vn_notify {
	struct ev_loop *loop;
	bool on;		/* NOTIFY_SOCKET is set */
	void *watchdog_w;	/* ev_timer, allocated (keeps ev.h out of here) */
	void *status_w;		/* ev_timer: refreshes STATUS= when it changed */
	vn_notify_status_fn status;
	void *ctx;
	char last[VN_NOTIFY_STATUS_MAX];
};

/* Starts the watchdog timer (at half of WATCHDOG_USEC, when systemd asks
 * for one) and the status refresh. 0, or -1 when out of memory. */
int vn_notify_init(struct vn_notify *n, struct ev_loop *loop, vn_notify_status_fn status,
		   void *ctx);
/* READY=1 with the current STATUS=. */
void vn_notify_ready(struct vn_notify *n);
/* RELOADING=1 before a reload (READY=1 after it: vn_notify_ready). */
void vn_notify_reloading(struct vn_notify *n);
/* STOPPING=1, and stops the timers. */
void vn_notify_stopping(struct vn_notify *n);
void vn_notify_fini(struct vn_notify *n);

#endif
