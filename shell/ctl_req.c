/* The control protocol without the server (ctl.c): answer buffers, JSON
 * strings, request parsing and the answers ctl.c gives itself. Pure (no
 * libev, no sockets), so that the parser can be fuzzed on its own
 * (tests/fuzz/fuzz_ctl.c). */
#include "ctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Text buffer --------------------------------------------------------- */

char *vn_strbuf_reserve(struct vn_strbuf *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap - b->len < n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	return b->p + b->len;
}

void vn_strbuf_printf(struct vn_strbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *dst;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (dst = vn_strbuf_reserve(b, (size_t)n)) == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void vn_strbuf_free(struct vn_strbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* --- JSON ------------------------------------------------------------------ */

void vn_json_str(struct vn_strbuf *b, const char *s)
{
	vn_strbuf_printf(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			vn_strbuf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			vn_strbuf_printf(b, "\\u%04x", *p);
		else
			vn_strbuf_printf(b, "%c", *p);
	}
	vn_strbuf_printf(b, "\"");
}

/* --- Commands ------------------------------------------------------------ */

static const struct {
	const char *name;
	enum vn_ctl_cmd cmd;
	const char *help;
} commands[] = {
	{ "status", VN_CTL_STATUS, "role, MAC, interfaces, upstream and routes" },
	{ "counters", VN_CTL_COUNTERS, "one \"name value\" line per counter" },
	{ "neighbours", VN_CTL_NEIGHBOURS, "the neighbours heard on the wire" },
	{ "routes", VN_CTL_ROUTES, "the routes: upstream (obud), to each OBU" },
	{ "metrics", VN_CTL_METRICS, "counters and gauges, Prometheus text format" },
	{ "monitor", VN_CTL_MONITOR, "stream events until the client leaves" },
	{ "help", VN_CTL_HELP, "this list (add \"json\" after a command for JSON)" },
};

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static void printable_word(const char *s, size_t len, char word[64])
{
	size_t n = len < 63 ? len : 63;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		word[i] = (ch >= 0x20 && ch < 0x7f && ch != '\'') ? ch : '?';
	}
	word[n] = '\0';
}

static enum vn_ctl_cmd lookup(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strlen(commands[i].name) == n && memcmp(commands[i].name, w, n) == 0)
			return commands[i].cmd;
	}
	return VN_CTL_UNKNOWN;
}

enum vn_ctl_cmd vn_ctl_parse_req(const char *line, size_t len, struct vn_ctl_req *req,
				 char word[64])
{
	size_t a = 0, b = len, w;

	word[0] = '\0';
	req->json = false;
	/* Stop at the first line end: one command per connection. */
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\n' || line[i] == '\0') {
			b = i;
			break;
		}
	}
	while (a < b && is_blank(line[a]))
		a++;
	while (b > a && is_blank(line[b - 1]))
		b--;
	if (a == b)
		return req->cmd = VN_CTL_EMPTY;
	for (w = a; w < b && !is_blank(line[w]);)
		w++;
	req->cmd = lookup(line + a, w - a);
	if (req->cmd == VN_CTL_UNKNOWN) {
		printable_word(line + a, b - a, word);
		return req->cmd;
	}
	while (w < b && is_blank(line[w]))
		w++;
	if (w == b)
		return req->cmd;
	/* The only argument any command takes; help and metrics (Prometheus'
	 * own format) have no JSON form. */
	if (b - w == 4 && memcmp(line + w, "json", 4) == 0 && req->cmd != VN_CTL_HELP &&
	    req->cmd != VN_CTL_METRICS) {
		req->json = true;
		return req->cmd;
	}
	printable_word(line + w, b - w, word);
	return req->cmd = VN_CTL_BADARG;
}

enum vn_ctl_cmd vn_ctl_parse(const char *line, size_t len, char word[64])
{
	struct vn_ctl_req req;

	return vn_ctl_parse_req(line, len, &req, word);
}

void vn_ctl_answer(const char *line, size_t len, vn_ctl_fn fn, void *ctx, struct vn_strbuf *out)
{
	char word[64];
	struct vn_ctl_req req;

	switch (vn_ctl_parse_req(line, len, &req, word)) {
	case VN_CTL_STATUS:
	case VN_CTL_COUNTERS:
	case VN_CTL_NEIGHBOURS:
	case VN_CTL_ROUTES:
	case VN_CTL_METRICS:
		fn(ctx, &req, out);
		break;
	case VN_CTL_MONITOR: /* the server subscribes it; nothing to say here */
		break;
	case VN_CTL_HELP:
		for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			vn_strbuf_printf(out, "%-10s %s\n", commands[i].name, commands[i].help);
		break;
	case VN_CTL_EMPTY:
		vn_strbuf_printf(out, "error: empty command (try 'help')\n");
		break;
	case VN_CTL_UNKNOWN:
		vn_strbuf_printf(out, "error: unknown command '%s'\n", word);
		break;
	case VN_CTL_BADARG:
		vn_strbuf_printf(out,
				 "error: unknown argument '%s' (only 'json', and not after help "
				 "or metrics)\n",
				 word);
		break;
	}
	if (out->oom) {
		/* Say so rather than send a silently cut answer. */
		out->oom = false;
		out->len = 0;
		if (out->cap > 32)
			out->len = (size_t)snprintf(out->p, out->cap, "error: out of memory\n");
	}
}

