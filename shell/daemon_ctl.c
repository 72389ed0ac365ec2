/* What the daemon answers on its control socket (status, counters,
 * neighbours, routes, as text or JSON; metrics in daemon_metrics.c), and
 * the events it streams to monitor subscribers. Everything here only reads
 * the daemon's and the core's state. */
#include <stdio.h>
#include <string.h>

#include "daemon_priv.h"
#include "sec_layer.h"

/* --- Counters ------------------------------------------------------------ */

bool vn_daemon_counter_name(const char *name)
{
	static const char *const names[] = {
#define X(n) #n,
		DAEMON_COUNTERS(X)
#undef X
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

struct core_filter {
	vn_counter_fn fn;
	void *ctx;
};

static void core_counter(void *ctx, const char *name, uint64_t value)
{
	struct core_filter *f = ctx;

	/* The daemon's own count wins if a core reports the same name. */
	if (!vn_daemon_counter_name(name) && strcmp(name, "monitors_dropped") != 0)
		f->fn(f->ctx, name, value);
}

void vn_daemon_counters(const struct daemon *d, vn_counter_fn fn, void *ctx)
{
	struct core_filter f = { fn, ctx };

#define X(n) fn(ctx, #n, d->cnt.n);
	DAEMON_COUNTERS(X)
#undef X
	fn(ctx, "monitors_dropped", d->ctl.monitors_dropped);
	if (d->sec != NULL)
		vn_sec_counters(d->sec, fn, ctx);
	d->ops->counters(d->core, core_counter, &f);
}

struct counter_walk {
	struct vn_strbuf *out;
	bool json;
	unsigned n;
};

static void one_counter(void *ctx, const char *name, uint64_t value)
{
	struct counter_walk *cw = ctx;

	if (!cw->json) {
		vn_strbuf_printf(cw->out, "%s %llu\n", name, (unsigned long long)value);
		return;
	}
	vn_strbuf_printf(cw->out, "%s", cw->n++ > 0 ? ",\n  " : "{\n  ");
	vn_json_str(cw->out, name);
	vn_strbuf_printf(cw->out, ": %llu", (unsigned long long)value);
}

static void answer_counters(struct daemon *d, bool json, struct vn_strbuf *out)
{
	struct counter_walk cw = { out, json, 0 };

	vn_daemon_counters(d, one_counter, &cw);
	if (json)
		vn_strbuf_printf(out, "%s\n", cw.n > 0 ? "\n}" : "{}");
}

/* --- Tables -------------------------------------------------------------- */

struct table_walk {
	const struct daemon *d;
	struct vn_strbuf *out;
	bool json, routes;
	unsigned n;
};

static void row_text(struct table_walk *tw, const struct vn_row *r)
{
	struct vn_strbuf *o = tw->out;
	char a[VN_MAC_STRLEN];

	if (strcmp(r->kind, "default") == 0)
		vn_strbuf_printf(o, "default");
	else
		vn_strbuf_printf(o, "%s", vn_mac_format(&r->mac, a));
	if (r->has_via)
		vn_strbuf_printf(o, " via %s", vn_mac_format(&r->via, a));
	vn_strbuf_printf(o, " dev %s", tw->d->cfg.interface);
	if (r->has_rsu)
		vn_strbuf_printf(o, " rsu %s", vn_mac_format(&r->rsu, a));
	if (r->hops > 0)
		vn_strbuf_printf(o, " hops %u", r->hops);
	if (r->has_ratio)
		vn_strbuf_printf(o, " ratio %u%%", r->ratio);
	if (r->has_rtt)
		vn_strbuf_printf(o, " rtt %ums", r->rtt_ms);
	if (r->age_ms != UINT64_MAX)
		vn_strbuf_printf(o, " %s %llums", tw->routes ? "seen" : "heard",
				 (unsigned long long)r->age_ms);
	if (r->state != NULL && r->state[0] != '\0')
		vn_strbuf_printf(o, " %s", r->state);
	vn_strbuf_printf(o, "\n");
}

static void json_mac(struct vn_strbuf *o, const char *key, const struct vn_mac *m)
{
	char a[VN_MAC_STRLEN];

	vn_strbuf_printf(o, ",\"%s\":\"%s\"", key, vn_mac_format(m, a));
}

/* iproute2's -j style: "dst" for a route, "lladdr" for a neighbour. */
static void row_json(struct table_walk *tw, const struct vn_row *r)
{
	struct vn_strbuf *o = tw->out;
	char a[VN_MAC_STRLEN];

	vn_strbuf_printf(o, "%s{", tw->n++ > 0 ? ",\n " : "[\n ");
	if (tw->routes)
		vn_strbuf_printf(o, "\"dst\":\"%s\"",
				 strcmp(r->kind, "default") == 0 ? "default"
								 : vn_mac_format(&r->mac, a));
	else
		vn_strbuf_printf(o, "\"lladdr\":\"%s\"", vn_mac_format(&r->mac, a));
	if (r->has_via)
		json_mac(o, "via", &r->via);
	vn_strbuf_printf(o, ",\"dev\":");
	vn_json_str(o, tw->d->cfg.interface);
	if (r->has_rsu)
		json_mac(o, "rsu", &r->rsu);
	if (r->hops > 0)
		vn_strbuf_printf(o, ",\"hops\":%u", r->hops);
	if (r->has_ratio)
		vn_strbuf_printf(o, ",\"ratio_pct\":%u", r->ratio);
	if (r->has_rtt)
		vn_strbuf_printf(o, ",\"rtt_ms\":%u", r->rtt_ms);
	if (r->age_ms != UINT64_MAX)
		vn_strbuf_printf(o, ",\"%s\":%llu", tw->routes ? "seen_ms" : "heard_ms",
				 (unsigned long long)r->age_ms);
	vn_strbuf_printf(o, ",\"state\":");
	vn_json_str(o, r->state != NULL ? r->state : "");
	vn_strbuf_printf(o, "}");
}

static void one_row(void *ctx, const struct vn_row *r)
{
	struct table_walk *tw = ctx;

	if (tw->json)
		row_json(tw, r);
	else
		row_text(tw, r);
}

static void answer_table(struct daemon *d, bool routes, bool json, struct vn_strbuf *out)
{
	struct table_walk tw = { d, out, json, routes, 0 };

	(routes ? d->ops->routes : d->ops->neighbours)(d->core, vn_now(), one_row, &tw);
	if (json)
		vn_strbuf_printf(out, "%s\n", tw.n > 0 ? "\n]" : "[]");
}

/* --- Status -------------------------------------------------------------- */

static void describe_core(struct daemon *d, struct vn_strbuf *out)
{
	vn_usec now = vn_now();
	size_t room = 4096, need;
	char *dst;

	for (int tries = 0; tries < 3; tries++) {
		dst = vn_strbuf_reserve(out, room);
		if (dst == NULL)
			return;
		need = d->ops->describe(d->core, now, dst, room + 1);
		if (need <= room) {
			out->len += need;
			return;
		}
		room = need;
	}
}

static void status_text(struct daemon *d, struct vn_strbuf *out)
{
	char mac[VN_MAC_STRLEN], ip[VN_IP_STRLEN];

	vn_strbuf_printf(out, "role: %s\n", d->name);
	vn_strbuf_printf(out, "version: %s\n", VANET_VERSION);
	vn_strbuf_printf(out, "mac: %s\n", vn_mac_format(&d->wire.mac, mac));
	vn_strbuf_printf(out, "interface: %s mtu %u\n", d->cfg.interface, d->wire.mtu);
	vn_strbuf_printf(out, "tun: %s mtu %u\n", d->cfg.tun_name, d->cfg.tun_mtu);
	for (size_t i = 0; i < d->cfg.n_addrs; i++)
		vn_strbuf_printf(out, "address: %s/%u\n",
				 vn_ip_format(&d->cfg.addrs[i].addr, ip), d->cfg.addrs[i].len);
	vn_strbuf_printf(out, "uptime: %.3f s\n", (double)(vn_now() - d->started) / 1e6);
	describe_core(d, out);
}

/* What the tables say, in numbers (status json, metrics, STATUS=). */
static void count_row(void *ctx, const struct vn_row *r)
{
	struct vn_daemon_tally *t = ctx;

	if (strcmp(r->kind, "default") == 0) {
		t->upstream = *r;
		t->has_upstream = true;
	} else if (strcmp(r->kind, "nbr") == 0) {
		t->neighbours++;
	} else {
		t->routes++;
	}
}

void vn_daemon_tally(const struct daemon *d, struct vn_daemon_tally *t)
{
	vn_usec now = vn_now();

	memset(t, 0, sizeof(*t));
	d->ops->neighbours(d->core, now, count_row, t);
	d->ops->routes(d->core, now, count_row, t);
}

static void status_json(struct daemon *d, struct vn_strbuf *out)
{
	char a[VN_MAC_STRLEN], ip[VN_IP_STRLEN], s[VN_NOTIFY_STATUS_MAX];
	struct vn_daemon_tally t;

	vn_daemon_tally(d, &t);
	vn_strbuf_printf(out, "{\n  \"role\": \"%s\",\n  \"version\": ", d->name);
	vn_json_str(out, VANET_VERSION);
	vn_strbuf_printf(out, ",\n  \"mac\": \"%s\",\n  \"interface\": {\"name\": ",
			 vn_mac_format(&d->wire.mac, a));
	vn_json_str(out, d->cfg.interface);
	vn_strbuf_printf(out, ", \"mtu\": %u, \"up\": %s},\n  \"tun\": {\"name\": ", d->wire.mtu,
			 d->wire.up ? "true" : "false");
	vn_json_str(out, d->cfg.tun_name);
	vn_strbuf_printf(out, ", \"mtu\": %u},\n  \"addresses\": [", d->cfg.tun_mtu);
	for (size_t i = 0; i < d->cfg.n_addrs; i++)
		vn_strbuf_printf(out, "%s\"%s/%u\"", i > 0 ? ", " : "",
				 vn_ip_format(&d->cfg.addrs[i].addr, ip), d->cfg.addrs[i].len);
	vn_strbuf_printf(out, "],\n  \"uptime_s\": %.3f,\n  \"upstream\": ",
			 (double)(vn_now() - d->started) / 1e6);
	if (!t.has_upstream) {
		vn_strbuf_printf(out, "null");
	} else {
		vn_strbuf_printf(out, "{\"next_hop\": \"%s\", ", vn_mac_format(&t.upstream.via, a));
		vn_strbuf_printf(out, "\"rsu\": \"%s\", \"hops\": %u}",
				 vn_mac_format(&t.upstream.rsu, a), t.upstream.hops);
	}
	vn_strbuf_printf(out, ",\n  \"neighbours\": %u,\n  \"routes\": %u,\n  \"summary\": ",
			 t.neighbours, t.routes);
	vn_daemon_summary(d, s, sizeof(s));
	vn_json_str(out, s);
	vn_strbuf_printf(out, "\n}\n");
}

void vn_daemon_ctl_answer(void *ctx, const struct vn_ctl_req *req, struct vn_strbuf *out)
{
	struct daemon *d = ctx;

	switch (req->cmd) {
	case VN_CTL_COUNTERS:
		answer_counters(d, req->json, out);
		break;
	case VN_CTL_NEIGHBOURS:
	case VN_CTL_ROUTES:
		answer_table(d, req->cmd == VN_CTL_ROUTES, req->json, out);
		break;
	case VN_CTL_METRICS:
		vn_daemon_metrics(d, out);
		break;
	case VN_CTL_STATUS:
		if (req->json)
			status_json(d, out);
		else
			status_text(d, out);
		break;
	default: /* answered by ctl.c */
		break;
	}
}

size_t vn_daemon_summary(void *ctx, char *buf, size_t cap)
{
	struct daemon *d = ctx;

	return d->ops->summary(d->core, vn_now(), buf, cap);
}

/* --- Events -------------------------------------------------------------- */

/* The cores' log lines (core_log) that operators watch, by their start. */
const char *vn_daemon_event_type(const char *msg)
{
	static const struct {
		const char *start, *contains, *type;
	} types[] = {
		{ "upstream ", "", "upstream" },
		{ "route to obu ", "", "route" },
		{ "rsu ", " gone", "rsu_gone" },
		{ "rsu ", " restarted", "rsu_restart" },
		{ "obu ", " gone", "obu_gone" },
		{ "parameters changed", "", "params" },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strncmp(msg, types[i].start, strlen(types[i].start)) == 0 &&
		    strstr(msg, types[i].contains) != NULL)
			return types[i].type;
	return "log";
}

static void forget_rsu(struct daemon *d, const char *msg);

void vn_daemon_event(struct daemon *d, enum vn_log_level level, const char *type,
		     const char *msg)
{
	if (!d->ctl_ok || d->ctl.n_monitors == 0)
		return;
	/* Gone and back within a second must still say "found". */
	if (strcmp(type, "rsu_gone") == 0)
		forget_rsu(d, msg);
	vn_ctl_event(&d->ctl, type, vn_log_level_name(level), msg);
}

/* --- RSUs found (obud) ----------------------------------------------------- */

struct rsu_set {
	struct vn_mac mac[VN_DAEMON_RSUS_WATCHED];
	unsigned n;
};

static bool set_has(const struct vn_mac *set, unsigned n, const struct vn_mac *m)
{
	for (unsigned i = 0; i < n; i++)
		if (vn_mac_eq(&set[i], m))
			return true;
	return false;
}

/* msg is the core's "rsu <mac> gone (...)". */
static void forget_rsu(struct daemon *d, const char *msg)
{
	char text[VN_MAC_STRLEN];
	struct vn_mac m;

	if (strlen(msg) < 4 + VN_MAC_STRLEN - 1)
		return;
	memcpy(text, msg + 4, VN_MAC_STRLEN - 1);
	text[VN_MAC_STRLEN - 1] = '\0';
	if (vn_mac_parse(text, &m) < 0)
		return;
	for (unsigned i = 0; i < d->n_rsus; i++) {
		if (vn_mac_eq(&d->rsus[i], &m)) {
			d->rsus[i] = d->rsus[--d->n_rsus];
			return;
		}
	}
}

static void collect_rsu(void *ctx, const struct vn_row *r)
{
	struct rsu_set *s = ctx;

	/* Beyond the bound an RSU is simply not announced. */
	if (r->has_rsu && s->n < VN_DAEMON_RSUS_WATCHED && !set_has(s->mac, s->n, &r->rsu))
		s->mac[s->n++] = r->rsu;
}

static void rsu_watch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	struct rsu_set now = { .n = 0 };
	char a[VN_MAC_STRLEN], msg[64];

	(void)loop;
	(void)revents;
	if (!d->ctl_ok || d->ctl.n_monitors == 0) {
		d->rsus_known = false; /* nobody to tell: start afresh later */
		return;
	}
	d->ops->neighbours(d->core, vn_now(), collect_rsu, &now);
	for (unsigned i = 0; d->rsus_known && i < now.n; i++) {
		if (set_has(d->rsus, d->n_rsus, &now.mac[i]))
			continue;
		snprintf(msg, sizeof(msg), "rsu %s found", vn_mac_format(&now.mac[i], a));
		vn_daemon_event(d, VN_LOG_INFO, "rsu_found", msg);
	}
	memcpy(d->rsus, now.mac, sizeof(d->rsus));
	d->n_rsus = now.n;
	d->rsus_known = true;
}

void vn_daemon_watch_start(struct daemon *d)
{
	if (d->ops->role != VN_ROLE_OBU)
		return; /* rsud: a new OBU shows as a "route" event */
	ev_timer_init(&d->rsu_watch, rsu_watch_cb, 1., 1.);
	d->rsu_watch.data = d;
	ev_timer_start(d->loop, &d->rsu_watch);
}

void vn_daemon_watch_stop(struct daemon *d)
{
	ev_timer_stop(d->loop, &d->rsu_watch);
}
