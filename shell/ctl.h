/* The control socket (DAEMON_CONTRACT.md): a unix stream socket; a client
 * sends one line, gets the answer, and the daemon closes the connection.
 * A line is a command, optionally followed by the word "json":
 *   status | counters | neighbours | routes | metrics | monitor | help
 * Every command only reads. "monitor" keeps the connection open and streams
 * events to it (one line each) until the client goes away; a subscriber
 * that does not keep up is dropped, never waited for. */
#ifndef VN_CTL_H
#define VN_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "syserr.h"

/* A growing text buffer for answers (allocated per connection, never per
 * packet). On allocation failure it keeps what it has and sets oom. */
struct vn_strbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void vn_strbuf_printf(struct vn_strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Makes room for n more bytes at p + len; returns that pointer or NULL. */
char *vn_strbuf_reserve(struct vn_strbuf *b, size_t n);
void vn_strbuf_free(struct vn_strbuf *b);

enum vn_ctl_cmd {
	VN_CTL_STATUS,
	VN_CTL_COUNTERS,
	VN_CTL_NEIGHBOURS,
	VN_CTL_ROUTES,
	VN_CTL_METRICS,
	VN_CTL_MONITOR,
	VN_CTL_HELP,
	VN_CTL_EMPTY,
	VN_CTL_UNKNOWN,
	VN_CTL_BADARG, /* a known command with an argument it does not take */
};

struct vn_ctl_req {
	enum vn_ctl_cmd cmd;
	bool json;
};

#define VN_CTL_LINE_MAX 256
/* Monitor subscribers at once, and what one may have pending before it
 * is dropped as too slow. */
#define VN_CTL_MONITORS_MAX 8
#define VN_CTL_MONITOR_PENDING_MAX (64u * 1024u)

/* Parses one request line (len bytes, no NUL needed; surrounding blanks and
 * the line end are ignored). For VN_CTL_UNKNOWN / VN_CTL_BADARG, word gets
 * the offending word, made printable and shortened, for the error message. */
enum vn_ctl_cmd vn_ctl_parse(const char *line, size_t len, char word[64]);
/* The same, with the "json" option in req. */
enum vn_ctl_cmd vn_ctl_parse_req(const char *line, size_t len, struct vn_ctl_req *req,
				 char word[64]);

/* What the daemon says for a command (status, counters, neighbours, routes,
 * metrics); help, monitor and errors are answered here. */
typedef void (*vn_ctl_fn)(void *ctx, const struct vn_ctl_req *req, struct vn_strbuf *out);
void vn_ctl_answer(const char *line, size_t len, vn_ctl_fn fn, void *ctx, struct vn_strbuf *out);

struct ev_loop;
struct vn_ctl_client;

struct vn_ctl {
	struct ev_loop *loop;
	void *listen_w; /* ev_io, allocated (keeps ev.h out of this header) */
	int fd;
	char path[VN_CTL_PATH_MAX];
	vn_ctl_fn fn;
	void *ctx;
	struct vn_ctl_client *clients;
	unsigned n_clients;  /* answering one command */
	unsigned n_monitors; /* subscribed to events */
	uint64_t monitors_dropped;
};

/* Creates the socket (and its directory if missing); refuses if another
 * process is answering on it, removes a stale one. 0, or -1 with *e. */
int vn_ctl_open(struct vn_ctl *ctl, struct ev_loop *loop, const char *path, vn_ctl_fn fn,
		void *ctx, struct vn_error *e);
/* One event for the monitor subscribers: type is a short word ("upstream",
 * "route", "reload", ...), msg one line of text. */
void vn_ctl_event(struct vn_ctl *ctl, const char *type, const char *level, const char *msg);
/* Appends s as a JSON string (quoted, escaped). */
void vn_json_str(struct vn_strbuf *b, const char *s);
/* Drops the clients, closes the socket and removes its file. */
void vn_ctl_close(struct vn_ctl *ctl);

#endif
