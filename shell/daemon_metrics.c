/* "metrics": the counters and a few gauges in the Prometheus text
 * exposition format (version 0.0.4), for node-exporter's textfile
 * collector (systemd/vanet-metrics.*) or any scraper. Every metric has its
 * # HELP and # TYPE lines right before its one sample; names are
 * vanet_<obu|rsu>_<counter>_total and vanet_<obu|rsu>_<gauge>, labelled
 * with the wire interface. */
#include <stdio.h>
#include <string.h>

#include "daemon_priv.h"

struct metrics_walk {
	const struct daemon *d;
	struct vn_strbuf *out;
	const char *prefix; /* "vanet_obu_" / "vanet_rsu_" */
};

/* The daemon's own counters say what they count; the cores' are described
 * in docs/operations.md by name. */
static const char *counter_help(const char *name)
{
	static const struct {
		const char *name, *help;
	} helps[] = {
		{ "rx_frames", "Frames received on the wire with the vanet EtherType." },
		{ "rx_drop_truncated", "Frames larger than the receive buffer, dropped." },
		{ "rx_errors", "Receive errors on the wire socket." },
		{ "rx_ring_fallbacks", "1 if the packet ring could not be set up and the wire is read with recvmmsg ([wire] ring = auto)." },
		{ "tx_frames", "Frames sent on the wire." },
		{ "tx_errors", "Send errors on the wire socket." },
		{ "tx_batches", "sendmmsg() calls that sent the frames of one burst." },
		{ "tun_rx_packets", "IP packets read from the tun device." },
		{ "tun_rx_errors", "Read errors on the tun device." },
		{ "tun_tx_packets", "IP packets written into the tun device." },
		{ "tun_tx_errors", "Write errors on the tun device." },
		{ "tun_tx_writes", "Writes into the tun device (a super-packet is one)." },
		{ "tun_tx_coalesced", "IP packets written into the tun inside super-packets." },
		{ "tun_rx_super", "TCP super-packets read from the tun (segmentation offload)." },
		{ "tun_rx_segments", "Wire frames made from those super-packets." },
		{ "tun_rx_drop_offload", "Packets from the tun with a bad virtio-net header, dropped." },
		{ "reloads", "Configuration reloads (SIGHUP) applied." },
		{ "reload_failures", "Configuration reloads refused." },
		{ "monitors_dropped", "Monitor subscribers dropped for not keeping up." },
	};

	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(helps[i].name, name) == 0)
			return helps[i].help;
	return NULL;
}

/* Metric names allow [a-zA-Z0-9_:]; the counters' names are already so,
 * anything else would become '_' rather than break the format. */
static void metric_name(char *dst, size_t cap, const char *prefix, const char *name,
			const char *suffix)
{
	size_t n = (size_t)snprintf(dst, cap, "%s%s%s", prefix, name, suffix);

	for (size_t i = 0; i < n && i < cap; i++) {
		char ch = dst[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == ':'))
			dst[i] = '_';
	}
}

/* A label value: the kernel allows '"' and '\\' in interface names. */
static void label_value(struct vn_strbuf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			vn_strbuf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			vn_strbuf_printf(out, "\\n");
		else
			vn_strbuf_printf(out, "%c", *s);
	}
}

static void labels(const struct metrics_walk *mw)
{
	vn_strbuf_printf(mw->out, "{interface=\"");
	label_value(mw->out, mw->d->cfg.interface);
	vn_strbuf_printf(mw->out, "\"}");
}

static void one_counter(void *ctx, const char *name, uint64_t value)
{
	struct metrics_walk *mw = ctx;
	const char *help = counter_help(name);
	char m[128];

	metric_name(m, sizeof(m), mw->prefix, name, "_total");
	if (help != NULL)
		vn_strbuf_printf(mw->out, "# HELP %s %s\n", m, help);
	else
		vn_strbuf_printf(mw->out, "# HELP %s Core counter %s (see docs/operations.md).\n",
				 m, name);
	vn_strbuf_printf(mw->out, "# TYPE %s counter\n%s", m, m);
	labels(mw);
	vn_strbuf_printf(mw->out, " %llu\n", (unsigned long long)value);
}

static void gauge(struct metrics_walk *mw, const char *name, const char *help, double value)
{
	char m[128];

	metric_name(m, sizeof(m), mw->prefix, name, "");
	vn_strbuf_printf(mw->out, "# HELP %s %s\n# TYPE %s gauge\n%s", m, help, m, m);
	labels(mw);
	vn_strbuf_printf(mw->out, " %.17g\n", value);
}

static void info(struct metrics_walk *mw)
{
	char m[128], mac[VN_MAC_STRLEN];

	metric_name(m, sizeof(m), mw->prefix, "info", "");
	vn_strbuf_printf(mw->out, "# HELP %s The daemon's version and MAC (always 1).\n", m);
	vn_strbuf_printf(mw->out, "# TYPE %s gauge\n", m);
	vn_strbuf_printf(mw->out, "%s{interface=\"", m);
	label_value(mw->out, mw->d->cfg.interface);
	vn_strbuf_printf(mw->out, "\",version=\"%s\",mac=\"%s\"} 1\n", VANET_VERSION,
			 vn_mac_format(&mw->d->wire.mac, mac));
}

void vn_daemon_metrics(const struct daemon *d, struct vn_strbuf *out)
{
	struct metrics_walk mw = { d, out,
				   d->ops->role == VN_ROLE_OBU ? "vanet_obu_" : "vanet_rsu_" };
	struct vn_daemon_tally t;

	vn_daemon_tally(d, &t);
	info(&mw);
	gauge(&mw, "uptime_seconds", "Seconds since the daemon started.",
	      (double)(vn_now() - d->started) / 1e6);
	gauge(&mw, "neighbours", "Neighbours in the neighbour table.", t.neighbours);
	gauge(&mw, "routes", "Routes to OBUs (downstream routes on an OBU).", t.routes);
	if (d->ops->role == VN_ROLE_OBU) {
		gauge(&mw, "upstream", "1 if an upstream is chosen, else 0.", t.has_upstream);
		gauge(&mw, "upstream_hops", "Our distance from the chosen RSU (0: none).",
		      t.has_upstream ? t.upstream.hops : 0);
	}
	gauge(&mw, "monitors", "Monitor subscribers on the control socket.", d->ctl.n_monitors);
	vn_daemon_counters(d, one_counter, &mw);
}
