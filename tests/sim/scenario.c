#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim *scen_new(uint64_t seed)
{
	const char *v = getenv("SIM_VERBOSE");
	struct sim_opts o = {
		.seed = seed,
		.unicast_filter = false,
		.tun_queue = 64,
		.verbose = v != NULL && v[0] == '1',
	};

	return sim_new(&o);
}

void scen_chain(struct sim *s, int *nodes, size_t n, const struct sim_link_cfg *cfg)
{
	struct vn_mac m = sim_mac_n(0x100);

	nodes[0] = sim_add_rsu(s, NULL, &m);
	for (size_t i = 1; i <= n; i++) {
		m = sim_mac_n((uint32_t)i);
		nodes[i] = sim_add_obu(s, NULL, &m);
		sim_link_both(s, nodes[i - 1], nodes[i], cfg);
	}
}

vn_usec scen_run_until_pred(struct sim *s, scen_pred pred, void *arg, vn_usec step, vn_usec limit)
{
	while (!pred(s, arg)) {
		if (sim_now(s) >= limit)
			return VN_USEC_NEVER;
		sim_run_until(s, sim_now(s) + step > limit ? limit : sim_now(s) + step);
	}
	return sim_now(s);
}

bool scen_all_attached(struct sim *s, void *arg)
{
	const struct scen_attach *a = arg;
	struct obu_route_info r;

	for (size_t i = 0; i < a->n; i++) {
		if (!sim_upstream(s, a->obus[i], &r))
			return false;
		if (a->rsu >= 0 && !vn_mac_eq(&r.rsu, sim_mac(s, a->rsu)))
			return false;
	}
	return true;
}

static void flow_tick(struct sim *s, void *arg)
{
	struct scen_flow *f = arg;

	if (sim_now(s) >= f->stop)
		return;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 256;
		f->tags = realloc(f->tags, f->cap * sizeof(*f->tags));
		f->sent_at = realloc(f->sent_at, f->cap * sizeof(*f->sent_at));
		if (f->tags == NULL || f->sent_at == NULL)
			abort();
	}
	f->sent_at[f->n] = sim_now(s);
	f->tags[f->n] = sim_send_ip(s, f->node, &f->src, &f->dst, f->len);
	f->n++;
	sim_at(s, sim_now(s) + f->period, flow_tick, f);
}

void scen_flow_start(struct sim *s, struct scen_flow *f, int node, const struct vn_ip *src,
		     const struct vn_ip *dst, vn_usec start, vn_usec period, vn_usec stop)
{
	memset(f, 0, sizeof(*f));
	f->node = node;
	f->src = *src;
	f->dst = *dst;
	f->len = 100;
	f->period = period;
	f->stop = stop;
	sim_at(s, start, flow_tick, f);
}

void scen_flow_free(struct scen_flow *f)
{
	free(f->tags);
	free(f->sent_at);
	f->tags = NULL;
	f->sent_at = NULL;
}

size_t scen_flow_delivered(const struct sim *s, const struct scen_flow *f, int at)
{
	size_t k = 0;

	for (size_t i = 0; i < f->n; i++)
		if (sim_delivered(s, at, f->tags[i]) > 0)
			k++;
	return k;
}

struct scen_outage scen_flow_outage(const struct sim *s, const struct scen_flow *f, int at,
				    vn_usec cut)
{
	struct scen_outage o = { 0, 0, 0, false };

	for (size_t i = 0; i < f->n; i++) {
		if (f->sent_at[i] < cut)
			continue;
		if (sim_delivered(s, at, f->tags[i]) == 0) {
			o.lost++;
			if (!o.recovered)
				o.lost_gap++;
		} else if (!o.recovered) {
			o.recovered = true;
			o.recovery = f->sent_at[i] - cut;
		}
	}
	return o;
}

void scen_dump(struct sim *s, int node)
{
	char buf[8192];
	char m[VN_MAC_STRLEN];

	sim_describe(s, node, buf, sizeof(buf));
	fprintf(stderr, "--- node %d %s %s (%s) at %.3f ms\n%s\n", node,
		sim_role(s, node) == SIM_RSU ? "RSU" : "OBU", vn_mac_format(sim_mac(s, node), m),
		sim_alive(s, node) ? "alive" : "removed", (double)sim_now(s) / 1000.0, buf);
}

void scen_dump_all(struct sim *s)
{
	for (size_t i = 0; i < sim_node_count(s); i++)
		scen_dump(s, (int)i);
	sim_dup_report(s, 10);
}

size_t scen_seeds(uint64_t *out, size_t max, const uint64_t *dflt, size_t ndflt)
{
	const char *e = getenv("SIM_SEEDS");
	size_t n = 0;

	if (e == NULL || *e == 0) {
		for (; n < ndflt && n < max; n++)
			out[n] = dflt[n];
		return n;
	}
	while (*e && n < max) {
		char *end;

		out[n++] = strtoull(e, &end, 0);
		if (end == e)
			break;
		e = *end == ',' ? end + 1 : end;
	}
	return n;
}

int scen_set_addr(struct sim *s, int node, uint32_t n)
{
	struct vn_ip_prefix p;

	p.addr = sim_ip4(n);
	p.len = 24;
	return obu_core_set_addresses(sim_obu(s, node), &p, 1);
}

struct vn_ip scen_inet(uint8_t n)
{
	struct vn_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = 4;
	ip.a[0] = 192;
	ip.a[1] = 0;
	ip.a[2] = 2;
	ip.a[3] = n;
	return ip;
}

void scen_each_seed(const uint64_t *dflt, size_t n_dflt, void (*one)(uint64_t seed))
{
	uint64_t seeds[16];
	size_t n = scen_seeds(seeds, 16, dflt, n_dflt);

	for (size_t k = 0; k < n; k++)
		one(seeds[k]);
}
