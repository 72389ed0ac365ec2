#include "ctl.h"

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* A stalled client must not hold a slot forever, nor many of them memory. */
#define CLIENT_TIMEOUT 5.0
#define MAX_CLIENTS 16

/* --- Server -------------------------------------------------------------- */

struct vn_ctl_client {
	ev_io io;
	ev_timer timeout;
	struct vn_ctl *ctl;
	int fd;
	bool monitor; /* subscribed: stays open, gets events */
	bool json;
	char in[VN_CTL_LINE_MAX];
	size_t in_len;
	struct vn_strbuf out;
	size_t out_off;
	struct vn_ctl_client *next;
};

/* Closing a socket with unread input makes the kernel reset the
 * connection, and the client may lose our answer (e.g. "line too long"):
 * read what is already there first, a bounded amount. */
static void drain_and_close(int fd)
{
	char junk[4096];

	for (int i = 0; i < 16 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
	close(fd);
}

static void client_free(struct vn_ctl_client *cl)
{
	struct vn_ctl *ctl = cl->ctl;
	struct vn_ctl_client **pp;

	ev_io_stop(ctl->loop, &cl->io);
	ev_timer_stop(ctl->loop, &cl->timeout);
	drain_and_close(cl->fd);
	for (pp = &ctl->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	if (cl->monitor)
		ctl->n_monitors--;
	else
		ctl->n_clients--;
	vn_strbuf_free(&cl->out);
	free(cl);
}

static void client_watch(struct vn_ctl_client *cl, int events)
{
	ev_io_stop(cl->ctl->loop, &cl->io);
	ev_io_set(&cl->io, cl->fd, events);
	ev_io_start(cl->ctl->loop, &cl->io);
}

/* Sends what is pending. An answered client is then closed; a monitor
 * waits for the next event (and keeps reading, to see it leave). */
static void client_write(struct vn_ctl_client *cl)
{
	while (cl->out_off < cl->out.len) {
		ssize_t n = send(cl->fd, cl->out.p + cl->out_off, cl->out.len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				client_watch(cl, cl->monitor ? EV_READ | EV_WRITE : EV_WRITE);
				return;
			}
			if (errno == EINTR)
				continue;
			client_free(cl); /* client went away */
			return;
		}
		cl->out_off += (size_t)n;
	}
	if (!cl->monitor) {
		client_free(cl);
		return;
	}
	cl->out.len = cl->out_off = 0;
	client_watch(cl, EV_READ);
}

static void reply_error(struct vn_ctl_client *cl, const char *msg)
{
	vn_strbuf_printf(&cl->out, "error: %s\n", msg);
	client_write(cl);
}

/* "monitor": from an answered client to a subscriber, within the bound. */
static void subscribe(struct vn_ctl_client *cl, bool json)
{
	struct vn_ctl *ctl = cl->ctl;

	if (ctl->n_monitors >= VN_CTL_MONITORS_MAX) {
		reply_error(cl, "too many monitors");
		return;
	}
	ev_timer_stop(ctl->loop, &cl->timeout);
	ctl->n_clients--;
	ctl->n_monitors++;
	cl->monitor = true;
	cl->json = json;
	cl->in_len = 0;
	/* The first line says the subscription stands (a script can wait for it). */
	if (json)
		vn_strbuf_printf(&cl->out, "{\"type\":\"subscribed\"}\n");
	else
		vn_strbuf_printf(&cl->out, "subscribed\n");
	client_write(cl);
}

static void client_answer(struct vn_ctl_client *cl)
{
	struct vn_ctl *ctl = cl->ctl;
	struct vn_ctl_req req;
	char word[64];

	if (vn_ctl_parse_req(cl->in, cl->in_len, &req, word) == VN_CTL_MONITOR) {
		subscribe(cl, req.json);
		return;
	}
	vn_ctl_answer(cl->in, cl->in_len, ctl->fn, ctl->ctx, &cl->out);
	client_write(cl);
}

/* A monitor sends nothing more; reading only tells when it has gone. */
static void monitor_read(struct vn_ctl_client *cl)
{
	char junk[256];
	ssize_t n = recv(cl->fd, junk, sizeof(junk), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		client_free(cl);
}

static void client_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vn_ctl_client *cl = w->data;
	ssize_t n;

	(void)loop;
	if (revents & EV_WRITE) {
		client_write(cl);
		return;
	}
	if (cl->monitor) {
		monitor_read(cl);
		return;
	}
	n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		client_free(cl);
		return;
	}
	if (n == 0 && cl->in_len == 0) {
		client_free(cl); /* connected and left */
		return;
	}
	cl->in_len += (size_t)n;
	if (n == 0 || memchr(cl->in, '\n', cl->in_len) != NULL)
		client_answer(cl);
	else if (cl->in_len == sizeof(cl->in))
		reply_error(cl, "line too long");
}

static void event_line(struct vn_strbuf *b, bool json, const char *type, const char *level,
		       const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (json) {
		vn_strbuf_printf(b, "{\"time\":%lld.%03ld,\"type\":", (long long)ts.tv_sec,
				 ts.tv_nsec / 1000000);
		vn_json_str(b, type);
		vn_strbuf_printf(b, ",\"level\":");
		vn_json_str(b, level);
		vn_strbuf_printf(b, ",\"message\":");
		vn_json_str(b, msg);
		vn_strbuf_printf(b, "}\n");
		return;
	}
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	vn_strbuf_printf(b, "%s.%03ld %s %s\n", when, ts.tv_nsec / 1000000, type, msg);
}

void vn_ctl_event(struct vn_ctl *ctl, const char *type, const char *level, const char *msg)
{
	struct vn_ctl_client *cl = ctl->clients, *next;

	for (; cl != NULL; cl = next) {
		next = cl->next; /* cl may be freed below */
		if (!cl->monitor)
			continue;
		event_line(&cl->out, cl->json, type, level, msg);
		/* Too far behind (or out of memory): drop it, never wait. */
		if (cl->out.oom || cl->out.len - cl->out_off > VN_CTL_MONITOR_PENDING_MAX) {
			ctl->monitors_dropped++;
			vn_warn("control socket: dropped a monitor that does not keep up");
			client_free(cl);
			continue;
		}
		if (!(ev_is_active(&cl->io) && (cl->io.events & EV_WRITE)))
			client_write(cl);
	}
}

static void client_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	client_free(w->data);
}

static struct vn_ctl_client *oldest_answering(struct vn_ctl *ctl)
{
	struct vn_ctl_client *old = NULL;

	/* Monitors have their own bound: they do not make room. */
	for (struct vn_ctl_client *cl = ctl->clients; cl != NULL; cl = cl->next)
		if (!cl->monitor)
			old = cl;
	return old;
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct vn_ctl *ctl = w->data;

	(void)revents;
	/* A few per round: the control socket must not starve the data path. */
	for (int i = 0; i < 8; i++) {
		struct vn_ctl_client *cl;
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				vn_warn("control socket: accept: %s", strerror(errno));
			return;
		}
		/* Full: the oldest client (last in the list) makes room, so that
		 * idle connections cannot lock the operator out. */
		if (ctl->n_clients >= MAX_CLIENTS)
			client_free(oldest_answering(ctl));
		if ((cl = calloc(1, sizeof(*cl))) == NULL) {
			close(fd);
			continue;
		}
		cl->ctl = ctl;
		cl->fd = fd;
		ev_io_init(&cl->io, client_cb, fd, EV_READ);
		cl->io.data = cl;
		ev_timer_init(&cl->timeout, client_timeout_cb, CLIENT_TIMEOUT, 0.);
		cl->timeout.data = cl;
		ev_io_start(loop, &cl->io);
		ev_timer_start(loop, &cl->timeout);
		cl->next = ctl->clients;
		ctl->clients = cl;
		ctl->n_clients++;
	}
}

/* mkdir -p for the socket's directory (usually /run/vanet). */
static int make_parent(const char *path, struct vn_error *e)
{
	char dir[VN_CTL_PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		goto fail;
	return 0;
fail:
	vn_error_set(e, "cannot create directory %s: %s", dir, strerror(errno));
	return -1;
}

/* A socket file nobody answers on is left from a crash: remove it. One that
 * answers belongs to a running daemon: leave it alone. */
static int clear_stale(const struct sockaddr_un *sa, struct vn_error *e)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0) {
		vn_error_set(e, "control socket %s is in use: is another daemon running?",
			     sa->sun_path);
		return -1;
	}
	if (errno == ECONNREFUSED)
		unlink(sa->sun_path);
	return 0;
}

int vn_ctl_open(struct vn_ctl *ctl, struct ev_loop *loop, const char *path, vn_ctl_fn fn,
		void *ctx, struct vn_error *e)
{
	struct sockaddr_un sa;
	ev_io *w;

	memset(ctl, 0, sizeof(*ctl));
	ctl->fd = -1;
	ctl->loop = loop;
	ctl->fn = fn;
	ctl->ctx = ctx;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		vn_error_set(e, "control socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (make_parent(path, e) < 0 || clear_stale(&sa, e) < 0)
		return -1;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		vn_error_set(e, "control socket: %s", strerror(errno));
		return -1;
	}
	if (bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		vn_error_set(e, "cannot bind control socket %s: %s", path, strerror(errno));
		goto fail;
	}
	/* Bound: from here on the file is ours to remove. */
	strcpy(ctl->path, path);
	/* Read-only commands, but the state is the operator's business. */
	if (chmod(path, 0660) < 0 || listen(ctl->fd, 16) < 0) {
		vn_error_set(e, "control socket %s: %s", path, strerror(errno));
		goto fail;
	}
	w = malloc(sizeof(*w));
	if (w == NULL) {
		vn_error_set(e, "out of memory");
		goto fail;
	}
	ev_io_init(w, accept_cb, ctl->fd, EV_READ);
	w->data = ctl;
	ev_io_start(loop, w);
	ctl->listen_w = w;
	return 0;
fail:
	vn_ctl_close(ctl);
	return -1;
}

void vn_ctl_close(struct vn_ctl *ctl)
{
	while (ctl->clients != NULL)
		client_free(ctl->clients);
	if (ctl->listen_w != NULL) {
		ev_io_stop(ctl->loop, ctl->listen_w);
		free(ctl->listen_w);
		ctl->listen_w = NULL;
	}
	if (ctl->fd >= 0) {
		close(ctl->fd);
		ctl->fd = -1;
	}
	if (ctl->path[0] != '\0') {
		unlink(ctl->path);
		ctl->path[0] = '\0';
	}
}
