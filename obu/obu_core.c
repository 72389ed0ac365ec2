/* The OBU routing core (PROTOCOL.md §5): life cycle, frame dispatch,
 * timers and introspection. See obu_core_priv.h for the files and tables,
 * docs/routing.md for the why. */
#include "obu_core_priv.h"

#include <stdlib.h>
#include <string.h>

#include "core_text.h"
#include "core_util.h"

static const char *const obu_counter_names[OC__COUNT] = {
#define X(n) #n,
	OBU_COUNTERS(X)
#undef X
};

/* --- tables ----------------------------------------------------------------- */

static int tables_alloc(struct obu_core *c, uint32_t seed)
{
	c->rsu = calloc(c->p.max_rsus, sizeof(*c->rsu));
	c->fifo_mem = calloc((size_t)c->p.max_rsus * c->p.history, sizeof(*c->fifo_mem));
	if (c->rsu == NULL || c->fifo_mem == NULL)
		return -1;
	for (uint32_t i = 0; i < c->p.max_rsus; i++) {
		c->rsu[i].fifo = c->fifo_mem + (size_t)i * c->p.history;
		c->rsu[i].up = OBU_NONE;
		c->rsu[i].left_up = OBU_NONE;
	}
	if (core_tab_init_v(&c->nbrs, c->p.max_neighbours, sizeof(struct nbr_key),
			    sizeof(struct obu_nbr), seed) != 0)
		return -1;
	if (core_tab_init_v(&c->downs, c->p.max_downstream, sizeof(struct vn_mac),
			    sizeof(struct obu_down), seed ^ 0x5bd1e995u) != 0)
		return -1;
	c->chosen = OBU_NONE;
	c->rsu_hi = 0;
	return 0;
}

static void tables_free(struct obu_core *c)
{
	for (uint32_t i = 0; c->rsu != NULL && i < c->p.max_rsus; i++)
		free(c->rsu[i].nb);
	free(c->rsu);
	free(c->fifo_mem);
	c->rsu = NULL;
	c->fifo_mem = NULL;
	core_tab_fini(&c->nbrs);
	core_tab_fini(&c->downs);
}

static uint32_t mac_seed(const struct vn_mac *m)
{
	uint32_t h = 0x811c9dc5u;

	for (int i = 0; i < VN_MAC_LEN; i++)
		h = (h ^ m->b[i]) * 16777619u;
	return h;
}

struct obu_core *obu_core_new(const struct obu_params *p, const struct vn_mac *self,
			      const struct vn_core_io *io, vn_usec now)
{
	struct obu_core *c;

	if (p == NULL || self == NULL || io == NULL || io->send == NULL ||
	    io->deliver == NULL || obu_params_check(p) != NULL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->p = *p;
	c->self = *self;
	c->io = *io;
	c->chosen = OBU_NONE;
	c->next_tick = now + obu_period_global(c);
	obu_duty_init(c);
	if (obu_seen_init(c) != 0 || tables_alloc(c, mac_seed(self)) != 0) {
		obu_core_free(c);
		return NULL;
	}
	return c;
}

void obu_core_free(struct obu_core *c)
{
	if (c == NULL)
		return;
	tables_free(c);
	vn_pkt_seen_free(&c->seen);
	free(c);
}

int obu_core_set_params(struct obu_core *c, const struct obu_params *p, vn_usec now)
{
	struct obu_core tmp;

	if (p == NULL || obu_params_check(p) != NULL)
		return -1;
	if (p->history == c->p.history && p->max_neighbours == c->p.max_neighbours &&
	    p->max_rsus == c->p.max_rsus && p->max_downstream == c->p.max_downstream) {
		c->p = *p;
		for (uint32_t i = 0; i < c->p.max_rsus; i++) {
			if (c->rsu[i].ncand > c->p.candidates)
				c->rsu[i].ncand = c->p.candidates;
			c->rsu[i].view_ok = false; /* the silence limit may change */
			c->rsu[i].eval_clean = false; /* and the margins */
		}
		if (c->next_tick > now + obu_period_global(c))
			c->next_tick = now + obu_period_global(c);
		return 0;
	}
	/* A capacity changed: fresh tables, allocated before anything is
	 * dropped so that a failure changes nothing. Routes come back with
	 * the next heartbeats. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.p = *p;
	if (tables_alloc(&tmp, mac_seed(&c->self)) != 0) {
		tables_free(&tmp);
		return -1;
	}
	tables_free(c);
	c->p = *p;
	c->rsu = tmp.rsu;
	c->rsu_hi = tmp.rsu_hi;
	c->fifo_mem = tmp.fifo_mem;
	c->nbrs = tmp.nbrs;
	c->downs = tmp.downs;
	c->chosen = OBU_NONE;
	c->replied_rsu = OBU_NONE; /* an index into the old RSU table */
	c->next_tick = now + obu_period_global(c);
	core_log(&c->io, VN_LOG_NOTICE, "parameters changed: route tables cleared, upstream none");
	return 0;
}

int obu_core_set_addresses(struct obu_core *c, const struct vn_ip_prefix *a, size_t n)
{
	if (n > OBU_MAX_ADDRS || (n > 0 && a == NULL))
		return -1;
	for (size_t i = 0; i < n; i++)
		c->addr[i] = a[i];
	c->naddr = n;
	return 0;
}

static void on_message(struct obu_core *c, struct vn_msg *m, vn_usec now)
{
	switch (core_addr_check(m, &c->self)) {
	case CORE_ADDR_OWN_FRAME:
		c->cnt[OC_drop_own_frame]++;
		return;
	case CORE_ADDR_NOT_FOR_US:
		c->cnt[OC_drop_not_for_us]++; /* overheard: §6 fault 1 */
		return;
	case CORE_ADDR_OK:
		break;
	}
	switch (m->type) {
	case VN_MSG_HEARTBEAT:
		obu_on_heartbeat(c, m, now);
		break;
	case VN_MSG_REPLY:
		obu_on_reply(c, m, now);
		break;
	case VN_MSG_UPSTREAM:
		obu_on_upstream(c, m, now);
		break;
	case VN_MSG_DOWNSTREAM:
	default:
		obu_on_downstream(c, m, now);
		break;
	}
}

void obu_core_on_frame(struct obu_core *c, struct vn_pbuf *b, vn_usec now)
{
	struct vn_rx_iter it;
	struct vn_msg m;

	c->cnt[OC_rx_frames]++;
	vn_rx_iter_init(&it, b->data, b->len);
	while (core_rx_next(&it, &m, c->rx_drop))
		on_message(c, &m, now);
	obu_reply_check(c, now); /* the upstream may have changed */
	obu_reply_flush(c);
}

void obu_core_on_tun(struct obu_core *c, struct vn_pbuf *b, vn_usec now)
{
	const struct vn_mac *up;
	size_t ip_len;

	if (vn_ip_check(b->data, b->len, &ip_len) != VN_RX_OK) {
		c->cnt[OC_drop_tun_bad_ip]++;
		return;
	}
	up = obu_data_next_hop(c, now);
	if (up == NULL) {
		c->cnt[OC_drop_no_upstream]++;
		return;
	}
	b->len = ip_len;
	if (vn_enc_upstream(b, up, &c->self, &c->self) == 0) {
		c->cnt[OC_drop_no_headroom]++;
		return;
	}
	if (c->txstat_seen) {
		/* remembered (a hash), so that a late give-up of it is not
		 * salvaged (obu_txfail_salvage); only on a medium that
		 * reports give-ups: elsewhere it would cost for nothing */
		struct vn_msg m = {.origin = c->self, .payload = b->data + VN_UP_HLEN,
				   .payload_len = ip_len};

		obu_pkt_seen(c, OBU_PK_UP, &m, 0, now);
	}
	core_send(&c->io, b->data, b->len);
	c->cnt[OC_up_sent]++;
	if (vn_mac_eq(up, &c->rsu[c->chosen].mac))
		c->own_up_at = now; /* straight to the RSU: our route is fresh there */
}

/* --- timers -------------------------------------------------------------------------- */

/* A chosen upstream that just went silent for too long: the next feasible
 * candidate at once (§6 fault 4). */
static void check_upstreams(struct obu_core *c, vn_usec now)
{
	bool changed = false;

	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		struct obu_rsu *r = &c->rsu[i];

		vn_usec heard;

		if (!r->used || r->up == OBU_NONE || (r->up_dead && !r->dead_early))
			continue;
		heard = rsu_up_heard(c, r); /* nbr_dead, from the RSU's line */
		if (heard == 0 || age(now, heard) > (r->up_dead ? obu_dead_late(c, r->up) : obu_nbr_limit(c, r->up))) {
			if (!r->up_dead)
				c->cnt[OC_nbrs_dead]++;
			obu_evaluate(c, i, now);
			changed = true;
		}
	}
	if (changed)
		obu_choose_rsu(c, now);
}

void obu_core_on_tx_failed(struct obu_core *c, struct vn_pbuf *b, vn_usec now)
{
	struct vn_mac to;

	c->cnt[OC_tx_failed]++;
	c->txstat_seen = true;
	if (b->len < VN_MAC_LEN)
		return;
	vn_mac_load(&to, b->data);
	if (vn_mac_is_multicast(&to) || vn_mac_is_zero(&to) || vn_mac_eq(&to, &c->self))
		return;
	if (obu_txfail_note(c, &to))
		c->cnt[OC_tx_failed_upstream]++;
	obu_txfail_salvage(c, b, &to, now);
	obu_reply_check(c, now); /* the upstream may have changed */
	obu_reply_flush(c);
}

static void expire(struct obu_core *c, vn_usec now)
{
	uint32_t s, next;

	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		struct obu_rsu *r = &c->rsu[i];

		if (!r->used)
			continue;
		if (age(now, r->last_heard) > obu_rsu_gone_after(c, i)) {
			char a[VN_MAC_STRLEN];

			core_log(&c->io, c->chosen == (int32_t)i ? VN_LOG_NOTICE : VN_LOG_INFO,
				"rsu %s gone (silent for %u periods)", vn_mac_format(&r->mac, a),
				c->p.history);
			obu_rsu_forget(c, i);
			c->cnt[OC_rsus_gone]++;
			continue;
		}
	}
	check_upstreams(c, now);
	obu_count_live(c, now);
	/* neighbours silent for max(history, 3 K_r) periods (and not marked
	 * below us) are forgotten: a full scan, the table is small */
	for (s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE; s = next) {
		next = core_tab_newer(&c->nbrs, s);
		if (age(now, nbr_of(c, s)->last_heard) <= obu_nbr_forget_after(c, nbr_key(c, s)->rsu) ||
		    nbr_of(c, s)->below_until > now)
			continue;
		obu_rsu_drop_nbr_refs(c, s);
		obu_nbr_remove(c, s);
	}
	for (s = core_tab_oldest(&c->downs); s != CORE_TAB_NONE; s = next) {
		next = core_tab_newer(&c->downs, s);
		if (age(now, down_of(c, s)->last_seen) <= obu_route_life(c))
			break;
		core_tab_remove(&c->downs, s);
		c->cnt[OC_routes_expired]++;
	}
	obu_choose_rsu(c, now);
}

void obu_core_tick(struct obu_core *c, vn_usec now)
{
	obu_batch_flush_due(c, now);
	check_upstreams(c, now);
	obu_reply_check(c, now);
	obu_reply_flush(c);
	if (now < c->next_tick)
		return;
	expire(c, now);
	c->next_tick += obu_period_global(c);
	if (c->next_tick <= now)
		c->next_tick = now + obu_period_global(c);
}

/* The periodic expiry, or earlier the moment a chosen upstream's silence
 * limit runs out. */
vn_usec obu_core_next_timer(const struct obu_core *c)
{
	vn_usec t = c->next_tick, b = obu_batch_deadline(c);

	if (b < t)
		t = b;
	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		const struct obu_rsu *r = &c->rsu[i];
		vn_usec d, heard;

		if (!r->used || r->up == OBU_NONE || (r->up_dead && !r->dead_early))
			continue;
		heard = rsu_up_heard(c, r);
		if (heard == 0)
			continue;
		d = heard + (r->up_dead ? obu_dead_late(c, r->up) : obu_nbr_limit(c, r->up)) + 1;
		if (d < t)
			t = d;
	}
	return t;
}

/* --- introspection ----------------------------------------------------------------- */

bool obu_core_upstream(const struct obu_core *c, struct obu_route_info *out)
{
	const struct obu_rsu *r;

	if (c->chosen == OBU_NONE || c->rsu[c->chosen].up == OBU_NONE)
		return false;
	r = &c->rsu[c->chosen];
	out->rsu = r->mac;
	out->next_hop = *nbr_mac(c, r->up);
	out->hops = nbr_of(c, r->up)->hops;
	return true;
}

size_t obu_core_describe(const struct obu_core *c, vn_usec now, char *buf, size_t cap)
{
	struct core_text t;
	struct obu_route_info ri;
	char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN], ipb[VN_IP_STRLEN];

	core_text_init(&t, buf, cap);
	if (obu_core_upstream(c, &ri))
		core_text_add(&t, "upstream: %s rsu %s hops %u\n", vn_mac_format(&ri.next_hop, a),
			      vn_mac_format(&ri.rsu, b), ri.hops);
	else
		core_text_add(&t, "upstream: none\n");
	core_text_add(&t, "self: %s\n", vn_mac_format(&c->self, a));
	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		const struct obu_rsu *r = &c->rsu[i];

		if (!r->used)
			continue;
		core_text_add(&t, "rsu %s%s newest id %u heard %llums ago upstream %s\n",
			      vn_mac_format(&r->mac, a), c->chosen == (int32_t)i ? " (chosen)" : "",
			      r->newest, (unsigned long long)(age(now, r->last_heard) / VN_USEC_PER_MS),
			      r->up == OBU_NONE ? "none" : vn_mac_format(nbr_mac(c, r->up), b));
		for (uint32_t j = 0; j < r->ncand; j++) {
			int32_t s = r->cand[j];

			core_text_add(&t, "  candidate %u %s hops %u ratio %u%% heard %llums ago%s%s\n",
				      j + 1, vn_mac_format(nbr_mac(c, s), a), nbr_of(c, s)->hops,
				      obu_nbr_ratio(c, r, s),
				      (unsigned long long)(age(now, nbr_of(c, s)->last_heard) / VN_USEC_PER_MS),
				      s == r->up ? " (upstream)" : "",
				      nbr_dead(c, s, now) ? " dead" : "");
		}
	}
	core_text_add(&t, "downstream routes: %u (capacity %u)\n", c->downs.count,
		      c->p.max_downstream);
	for (uint32_t s = core_tab_oldest(&c->downs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->downs, s))
		core_text_add(&t, "  obu %s via %s seen %llums ago\n", vn_mac_format(down_mac(c, s), a),
			      vn_mac_format(&down_of(c, s)->via, b),
			      (unsigned long long)(age(now, down_of(c, s)->last_seen) / VN_USEC_PER_MS));
	for (size_t i = 0; i < c->naddr; i++)
		core_text_add(&t, "address %s/%u\n", vn_ip_format(&c->addr[i].addr, ipb),
			      c->addr[i].len);
	return t.len;
}

void obu_core_counters(const struct obu_core *c,
		       void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	uint64_t cnt[OC__COUNT];

	/* the tables count their own failed growths */
	memcpy(cnt, c->cnt, sizeof(cnt));
	cnt[OC_alloc_failed] += c->nbrs.grow_failures + c->downs.grow_failures;
	core_counters(obu_counter_names, cnt, OC__COUNT, c->rx_drop, fn, ctx);
}
