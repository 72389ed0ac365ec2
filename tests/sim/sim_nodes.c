/* The simulator's nodes: their cores and the callbacks the cores call (the
 * ideal air: io_send), their life cycle (add, restart, remove), links, and
 * the frames handed to the cores. The events and the run loop are in
 * sim.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "wire.h"

/* --- Nodes ------------------------------------------------------------------- */

struct sim_link_cfg sim_link_default(void)
{
	struct sim_link_cfg c = {
		.latency = 1000,
		.jitter = 200,
		.loss = 0.0,
		.up = true,
	};
	return c;
}

struct sim_node *node_at(const struct sim *s, int i)
{
	if (i < 0 || (size_t)i >= s->nnodes) {
		fprintf(stderr, "sim: no node %d\n", i);
		abort();
	}
	return s->nodes[i];
}

/* --- Core callbacks ----------------------------------------------------------- */

void io_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct sim_node *n = ctx;
	struct sim *s = n->sim;
	struct sim_air *a = NULL;
	struct vn_mac to;

	if (!n->alive)
		return;
	note_sent(s, n, frame, len);
	if (n->sec != NULL && !sim_sec_tx(s, n, &frame, &len))
		return;
	if (s->opts.channel == SIM_CHAN_80211P) {
		chan_send(s, n, frame, len);
		return;
	}
	/* A runt goes out too (hostile tests): it has no `to`, so everyone
	 * linked hears it. */
	if (len >= VN_MAC_LEN)
		vn_mac_load(&to, frame);
	else
		to = vn_mac_broadcast;
	for (size_t i = 0; i < n->nlinks; i++) {
		struct sim_link *l = &n->links[i];
		struct sim_node *d = s->nodes[l->to];
		struct sim_ev e;

		if (!l->cfg.up || !d->alive)
			continue;
		if (s->opts.unicast_filter && !vn_mac_is_multicast(&to) && !vn_mac_eq(&to, &d->mac))
			continue;
		/* Draw both numbers always, so a change of one link's loss does
		 * not shift every later random draw of the run. */
		double r = rng_01(&s->rng);
		uint64_t j = rng_next(&s->rng);
		vn_usec extra = 0;

		if (r < l->cfg.loss) {
			bool got = false;

			if (vn_mac_eq(&to, &d->mac))
				for (unsigned k = 0; k < s->opts.unicast_retries && !got; k++) {
					extra += l->cfg.latency;
					got = rng_01(&s->rng) >= l->cfg.loss;
				}
			if (!got)
				continue;
		}
		if (a == NULL)
			a = air_new(frame, len);
		a->refs++;
		e.t = s->now + extra + l->cfg.latency +
		      (l->cfg.jitter ? j % (l->cfg.jitter + 1) : 0);
		e.kind = EV_FRAME;
		e.node = l->to;
		e.epoch = 0;
		e.u.air = a;
		ev_push(s, &e);
	}
}

static void io_deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	struct sim_node *n = ctx;
	struct sim *s = n->sim;
	uint32_t tag = sim_packet_tag(pkt, len);

	n->tun_total++;
	if (tag != SIM_TAG_NONE && cnt_add(&s->tun, cnt_key(n->idx, 0, tag), s->now) > 1) {
		s->dup_deliveries++; /* the same packet out of one node's tun again */
		if (getenv("SIM_DUP_DEBUG"))
			fprintf(stderr, "dup-delivery t=%.3f node=%u tag=%u first=%.3f\n",
				(double)s->now / 1e6, n->idx, tag,
				(double)sim_delivered_at(s, (int)n->idx, tag) / 1e6);
	}
	if (s->opts.tun_queue == 0)
		return;
	if (n->tunq == NULL) {
		n->tunq = calloc(s->opts.tun_queue, sizeof(*n->tunq));
		if (n->tunq == NULL)
			abort();
	}
	if (n->tun_n == s->opts.tun_queue) {
		free(n->tunq[n->tun_head].pkt);
		n->tun_head = (n->tun_head + 1) % s->opts.tun_queue;
		n->tun_n--;
	}
	struct tun_item *it = &n->tunq[(n->tun_head + n->tun_n) % s->opts.tun_queue];

	it->pkt = malloc(len ? len : 1);
	if (it->pkt == NULL)
		abort();
	memcpy(it->pkt, pkt, len);
	it->len = len;
	n->tun_n++;
}

static void io_log(void *ctx, enum vn_log_level level, const char *msg)
{
	struct sim_node *n = ctx;
	char m[VN_MAC_STRLEN];

	fprintf(stderr, "[%10.3f ms] %s %s <%d> %s\n", (double)n->sim->now / 1000.0,
		n->role == SIM_RSU ? "rsu" : "obu", vn_mac_format(&n->mac, m), (int)level, msg);
}

/* --- Life cycle of the nodes ------------------------------------------------- */

void core_free(struct sim_node *n)
{
	if (!n->alive)
		return;
	if (n->role == SIM_RSU)
		rsu_core_free(n->core.rsu);
	else
		obu_core_free(n->core.obu);
	n->core.obu = NULL;
	n->alive = false;
}

static bool core_new(struct sim *s, struct sim_node *n)
{
	if (n->role == SIM_RSU)
		n->core.rsu = rsu_core_new(&n->rsu_p, &n->mac, &n->io, s->now);
	else
		n->core.obu = obu_core_new(&n->obu_p, &n->mac, &n->io, s->now);
	n->alive = n->core.obu != NULL || n->core.rsu != NULL;
	n->epoch++;
	n->timer_at = VN_USEC_NEVER;
	if (n->alive)
		schedule_timer(s, n);
	return n->alive;
}

static int add_node(struct sim *s, enum sim_role role, const void *params, const struct vn_mac *mac)
{
	struct sim_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		abort();
	if (s->nnodes == s->capnodes) {
		s->capnodes = s->capnodes ? s->capnodes * 2 : 16;
		s->nodes = realloc(s->nodes, s->capnodes * sizeof(*s->nodes));
		if (s->nodes == NULL)
			abort();
	}
	n->sim = s;
	n->idx = (uint32_t)s->nnodes;
	n->role = role;
	n->mac = *mac;
	n->io.ctx = n;
	n->io.send = io_send;
	n->io.deliver = io_deliver;
	/* Without verbose no log line is wanted: a NULL log spares the cores
	 * formatting them (a storm of RSU restarts logs one per heartbeat). */
	n->io.log = s->opts.verbose ? io_log : NULL;
	if (role == SIM_RSU) {
		if (params) {
			n->rsu_p = *(const struct rsu_params *)params;
		} else {
			uint64_t x = s->opts.seed ^ ((uint64_t)n->idx << 32);

			rsu_params_default(&n->rsu_p);
			/* Its heartbeat jitter differs per run seed and per RSU. */
			n->rsu_p.seed = splitmix64(&x);
		}
	} else {
		if (params)
			n->obu_p = *(const struct obu_params *)params;
		else
			obu_params_default(&n->obu_p);
	}
	if (!core_new(s, n)) {
		free(n);
		return -1;
	}
	s->nodes[s->nnodes++] = n;
	return (int)n->idx;
}

int sim_add_rsu(struct sim *s, const struct rsu_params *p, const struct vn_mac *mac)
{
	return add_node(s, SIM_RSU, p, mac);
}

int sim_add_obu(struct sim *s, const struct obu_params *p, const struct vn_mac *mac)
{
	return add_node(s, SIM_OBU, p, mac);
}

size_t sim_node_count(const struct sim *s)
{
	return s->nnodes;
}

enum sim_role sim_role(const struct sim *s, int node)
{
	return node_at(s, node)->role;
}

const struct vn_mac *sim_mac(const struct sim *s, int node)
{
	return &node_at(s, node)->mac;
}

bool sim_alive(const struct sim *s, int node)
{
	return node_at(s, node)->alive;
}

struct obu_core *sim_obu(struct sim *s, int node)
{
	struct sim_node *n = node_at(s, node);

	return n->alive && n->role == SIM_OBU ? n->core.obu : NULL;
}

struct rsu_core *sim_rsu(struct sim *s, int node)
{
	struct sim_node *n = node_at(s, node);

	return n->alive && n->role == SIM_RSU ? n->core.rsu : NULL;
}

void sim_restart(struct sim *s, int node)
{
	struct sim_node *n = node_at(s, node);

	core_free(n);
	chan_flush(s, n);
	if (!core_new(s, n)) {
		fprintf(stderr, "sim: restart of node %d failed\n", node);
		abort();
	}
	sim_sec_restarted(n);
}

void sim_remove(struct sim *s, int node)
{
	struct sim_node *n = node_at(s, node);

	core_free(n);
	chan_flush(s, n);
	n->epoch++;
}

/* --- Links ------------------------------------------------------------------------ */

struct sim_link_cfg *sim_link_get(struct sim *s, int from, int to)
{
	struct sim_node *n = node_at(s, from);

	for (size_t i = 0; i < n->nlinks; i++)
		if (n->links[i].to == (uint32_t)to)
			return &n->links[i].cfg;
	return NULL;
}

void sim_link_set(struct sim *s, int from, int to, const struct sim_link_cfg *cfg)
{
	struct sim_link_cfg *c = sim_link_get(s, from, to);

	if (c != NULL) { /* it exists, so `to` is a node; sim_link_add checks a new one */
		*c = *cfg;
		return;
	}
	sim_link_add(s, from, to, cfg);
}

void sim_link_both(struct sim *s, int a, int b, const struct sim_link_cfg *cfg)
{
	sim_link_set(s, a, b, cfg);
	sim_link_set(s, b, a, cfg);
}

void sim_link_up(struct sim *s, int a, int b, bool up)
{
	struct sim_link_cfg *c;

	if ((c = sim_link_get(s, a, b)) != NULL)
		c->up = up;
	if ((c = sim_link_get(s, b, a)) != NULL)
		c->up = up;
}

void sim_link_loss(struct sim *s, int a, int b, double loss)
{
	struct sim_link_cfg *c;

	if ((c = sim_link_get(s, a, b)) != NULL)
		c->loss = loss;
	if ((c = sim_link_get(s, b, a)) != NULL)
		c->loss = loss;
}

void sim_link_add(struct sim *s, int from, int to, const struct sim_link_cfg *cfg)
{
	struct sim_node *n = node_at(s, from);

	node_at(s, to);
	if (n->nlinks == n->caplinks) {
		n->caplinks = n->caplinks ? n->caplinks * 2 : 8;
		n->links = realloc(n->links, n->caplinks * sizeof(*n->links));
		if (n->links == NULL)
			abort();
	}
	n->links[n->nlinks].to = (uint32_t)to;
	n->links[n->nlinks].cfg = *cfg;
	n->nlinks++;
}

void sim_links_clear_from(struct sim *s, int node)
{
	node_at(s, node)->nlinks = 0;
}

/* --- Frames into the cores ------------------------------------------------- */

void node_rx(struct sim *s, struct sim_node *n, const uint8_t *frame, size_t len)
{
	struct vn_pbuf *b = &s->rxbuf;

	if (len > VN_PBUF_DATA_MAX)
		return; /* the daemon's reader drops it as truncated */
	vn_pbuf_init(b, s->rxmem, sizeof(s->rxmem));
	memcpy(b->data, frame, len);
	b->len = len;
	s->delivered_frames++;
	n->frames_received++;
	if (n->sec != NULL && !sim_sec_rx(s, n, b))
		return;
	if (n->role == SIM_RSU)
		rsu_core_on_frame(n->core.rsu, b, s->now);
	else
		obu_core_on_frame(n->core.obu, b, s->now);
	sim_sec_follow(s, n);
	schedule_timer(s, n);
}

void node_tx_failed(struct sim *s, struct sim_node *n, const uint8_t *frame, size_t len)
{
	struct vn_pbuf *b = &s->rxbuf;

	if (!n->alive || s->opts.no_tx_status || len > VN_PBUF_DATA_MAX)
		return;
	if (n->sec != NULL && len > VN_MAC_LEN)
		len = VN_MAC_LEN; /* the air holds the secured frame: its `to` only */
	vn_pbuf_init(b, s->rxmem, sizeof(s->rxmem));
	memcpy(b->data, frame, len);
	b->len = len;
	s->salvaging = true; /* the MAC gave it up: sent again, it is no loop */
	if (n->role == SIM_OBU)
		obu_core_on_tx_failed(n->core.obu, b, s->now);
	else
		rsu_core_on_tx_failed(n->core.rsu, b, s->now);
	s->salvaging = false;
	schedule_timer(s, n);
}
