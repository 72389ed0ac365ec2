/* The OBU routing core (PROTOCOL.md §5). See docs/routing.md for the why.
 *
 * Tables, all allocated in obu_core_new and never grown:
 *   rsu[max_rsus]       per RSU: a FIFO of the last `history` ids (duplicate
 *                       detection), newest id/uptime (restart detection), the
 *                       chosen upstream neighbour and the ordered candidates.
 *   nbrs (max_neighbours) keyed by (neighbour MAC, RSU): hops it advertises,
 *                       which recent ids it delivered (delivery ratio), when
 *                       last heard, and whether it is below us.
 *   downs (max_downstream) downstream OBU -> neighbour leading to it.
 * Hash tables are LRU-evicted when full (core_tab.h); the chosen upstreams
 * are never the victims.
 */
#include "obu_core.h"

#include <stdlib.h>
#include <string.h>

#include "core_tab.h"
#include "core_text.h"
#include "core_util.h"
#include "wire.h"

#define OBU_RATIO_WINDOW 32	/* ids a delivery ratio looks at */
#define OBU_RATIO_MIN_SPAN 8	/* ids a new neighbour must prove itself over */
#define OBU_HOP_PENALTY 10	/* ratio points one more hop costs */
#define OBU_MAX_HOPS 64		/* a heartbeat claiming more is hostile or looping */
#define OBU_MAX_ADDRS 16
#define OBU_SEEN_SLOTS 1024	/* recently forwarded data packets (hashes) */
#define OBU_SEEN_WAYS 4		/* ... in sets of 4 (a collision must not let a loop run) */
#define OBU_NONE (-1)

#define OBU_COUNTERS(X)                                                        \
	X(rx_frames)                                                           \
	X(drop_not_for_us)                                                     \
	X(drop_own_frame)                                                      \
	X(hb_received)                                                         \
	X(hb_relayed)                                                          \
	X(drop_dup_heartbeat)                                                  \
	X(drop_hb_bad_source)                                                  \
	X(drop_hb_bad_hops)                                                    \
	X(drop_hb_bogus_id)                                                    \
	X(drop_hb_rsu_table_full)                                              \
	X(rsu_restarts)                                                        \
	X(replies_sent)                                                        \
	X(replies_forwarded)                                                   \
	X(drop_reply_bad_sender)                                               \
	X(drop_loop)                                                           \
	X(drop_no_upstream)                                                    \
	X(drop_no_route)                                                       \
	X(drop_bad_origin)                                                     \
	X(drop_no_headroom)                                                    \
	X(drop_tun_bad_ip)                                                     \
	X(up_sent)                                                             \
	X(up_forwarded)                                                        \
	X(down_delivered)                                                      \
	X(down_forwarded)                                                      \
	X(bcast_delivered)                                                     \
	X(bcast_relayed)                                                       \
	X(bcast_not_for_us)                                                    \
	X(drop_bcast_not_upstream)                                             \
	X(drop_bcast_dup)                                                      \
	X(drop_data_dup)                                                       \
	X(drop_down_bad_dest)                                                  \
	X(upstream_changes)                                                    \
	X(rsu_changes)                                                         \
	X(nbrs_dead)                                                           \
	X(nbrs_evicted)                                                        \
	X(rsus_gone)                                                           \
	X(rsus_evicted)                                                        \
	X(routes_learned)                                                      \
	X(routes_expired)                                                      \
	X(routes_evicted)                                                      \
	X(hb_echoes)

enum obu_counter {
#define X(n) OC_##n,
	OBU_COUNTERS(X)
#undef X
	OC__COUNT
};

static const char *const obu_counter_names[OC__COUNT] = {
#define X(n) #n,
	OBU_COUNTERS(X)
#undef X
};

/* Key of the neighbour table: a neighbour as seen for one RSU. */
struct nbr_key {
	struct vn_mac mac;
	uint16_t rsu;
};

struct obu_nbr {
	uint32_t hops;		/* the hops it wrote: our distance through it */
	vn_usec last_heard;	/* last heartbeat copy from it, 0 never */
	uint32_t last_id;	/* newest id it delivered */
	uint64_t mask;		/* bit i: it delivered id last_id - i */
	uint32_t first_id;	/* first id it delivered (ratio window) */
	bool have;		/* last_id/mask valid */
	vn_usec below_until;	/* it sent us replies or data: it is below us */
	uint32_t brought_id;	/* newest id whose first copy came from it */
	bool brought;		/* brought_id valid */
};

/* One id of an RSU's duplicate history. */
struct obu_seen {
	uint32_t id;
	uint8_t hops;		/* hops of our re-broadcast of its first copy (<= 65) */
	bool replied;		/* our reply to it has gone out */
};

struct obu_rsu {
	struct vn_mac mac;
	bool used;
	bool have;		/* newest/newest_uptime valid */
	uint32_t newest;
	vn_u128 newest_uptime;
	uint32_t first_id;	/* first id since (re)start: ratio denominator */
	struct obu_seen *fifo;	/* [history]: ids, oldest at fifo_head */
	uint32_t fifo_len, fifo_head;
	vn_usec last_heard;
	int32_t up;		/* chosen neighbour slot, OBU_NONE */
	int32_t cand[OBU_CAND_MAX];
	uint32_t ncand;
	vn_usec better_since;	/* clearly better than the chosen RSU since */
	/* Feasibility after losing the upstream (no count-to-infinity): only a
	 * neighbour at most feas_hops away, or one that brought us an id newer
	 * than feas_id first (so it did not get it from us), may take over. */
	bool restricted;
	uint32_t feas_hops;
	uint32_t feas_id;
};

struct obu_down {
	struct vn_mac via;
	vn_usec last_seen;
};

struct obu_pkt_seen {
	uint32_t hash;
	vn_usec at;
};

struct obu_core {
	struct obu_params p;
	struct vn_mac self;
	struct vn_core_io io;
	vn_usec next_tick;
	struct obu_rsu *rsu;	/* [max_rsus] */
	struct obu_seen *fifo_mem; /* [max_rsus * history] */
	int32_t chosen;		/* chosen RSU index, OBU_NONE */
	vn_usec chosen_at;	/* when it was chosen */
	struct core_tab nbrs;
	struct obu_nbr *nbr;	/* [max_neighbours] */
	struct core_tab downs;
	struct obu_down *down;	/* [max_downstream] */
	struct vn_ip_prefix addr[OBU_MAX_ADDRS];
	size_t naddr;
	struct obu_pkt_seen seen[OBU_SEEN_SLOTS];
	uint64_t cnt[OC__COUNT];
	uint64_t rx_drop[VN_RX__COUNT];
	uint8_t scratch[64];
};

/* --- helpers --------------------------------------------------------------- */

/* heartbeat_period_ms 0 (the default) means "learn each RSU's period"; until
 * that is implemented every RSU is assumed at the fallback, 100 ms. */
static vn_usec period_us(const struct obu_core *c)
{
	return (vn_usec)obu_params_period_ms(&c->p) * VN_USEC_PER_MS;
}

/* dead_periods is now the upper bound of the loss-aware silence limit m
 * (docs/routing.md, rule 6). Until m is derived from the delivery ratio it
 * stays v1's fixed 3 periods (the m of an 80 % link), never above the bound. */
#define OBU_DEAD_FIXED 3u

static vn_usec dead_after(const struct obu_core *c)
{
	uint32_t m = c->p.dead_periods < OBU_DEAD_FIXED ? c->p.dead_periods : OBU_DEAD_FIXED;

	return period_us(c) * m;
}

static vn_usec gone_after(const struct obu_core *c)
{
	return period_us(c) * c->p.history;
}

/* now - then, never wrapping if a caller's clock went backwards. */
static vn_usec age(vn_usec now, vn_usec then)
{
	return now >= then ? now - then : 0;
}

static const struct nbr_key *nbr_key(const struct obu_core *c, uint32_t slot)
{
	return (const struct nbr_key *)(const void *)core_tab_key(&c->nbrs, slot);
}

static const struct vn_mac *nbr_mac(const struct obu_core *c, int32_t slot)
{
	return &nbr_key(c, (uint32_t)slot)->mac;
}

static const struct vn_mac *down_mac(const struct obu_core *c, uint32_t slot)
{
	return (const struct vn_mac *)(const void *)core_tab_key(&c->downs, slot);
}

/* --- tables ----------------------------------------------------------------- */

static int tables_alloc(struct obu_core *c, uint32_t seed)
{
	c->rsu = calloc(c->p.max_rsus, sizeof(*c->rsu));
	c->fifo_mem = calloc((size_t)c->p.max_rsus * c->p.history, sizeof(*c->fifo_mem));
	c->nbr = calloc(c->p.max_neighbours, sizeof(*c->nbr));
	c->down = calloc(c->p.max_downstream, sizeof(*c->down));
	if (c->rsu == NULL || c->fifo_mem == NULL || c->nbr == NULL || c->down == NULL)
		return -1;
	for (uint32_t i = 0; i < c->p.max_rsus; i++) {
		c->rsu[i].fifo = c->fifo_mem + (size_t)i * c->p.history;
		c->rsu[i].up = OBU_NONE;
	}
	if (core_tab_init(&c->nbrs, c->p.max_neighbours, sizeof(struct nbr_key), seed) != 0)
		return -1;
	if (core_tab_init(&c->downs, c->p.max_downstream, sizeof(struct vn_mac), seed ^ 0x5bd1e995u) != 0)
		return -1;
	c->chosen = OBU_NONE;
	return 0;
}

static void tables_free(struct obu_core *c)
{
	free(c->rsu);
	free(c->fifo_mem);
	free(c->nbr);
	free(c->down);
	c->rsu = NULL;
	c->fifo_mem = NULL;
	c->nbr = NULL;
	c->down = NULL;
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
	c->next_tick = now + period_us(c);
	if (tables_alloc(c, mac_seed(self)) != 0) {
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
		for (uint32_t i = 0; i < c->p.max_rsus; i++)
			if (c->rsu[i].ncand > c->p.candidates)
				c->rsu[i].ncand = c->p.candidates;
		if (c->next_tick > now + period_us(c))
			c->next_tick = now + period_us(c);
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
	c->fifo_mem = tmp.fifo_mem;
	c->nbr = tmp.nbr;
	c->down = tmp.down;
	c->nbrs = tmp.nbrs;
	c->downs = tmp.downs;
	c->chosen = OBU_NONE;
	c->next_tick = now + period_us(c);
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

/* --- neighbours --------------------------------------------------------------- */

/* How long a neighbour may stay silent: dead_periods periods plus a quarter
 * period of slack -- the RSU's period jitters (5 %) and copies take a few ms
 * to cross the hops, so without it two losses would already look like three.
 * The timer fires exactly at this deadline for every chosen upstream (see
 * obu_core_next_timer), so failover does not wait for a periodic tick. */
static vn_usec silence_limit(const struct obu_core *c)
{
	return dead_after(c) + period_us(c) / 4;
}

static bool nbr_dead(const struct obu_core *c, int32_t s, vn_usec now)
{
	return c->nbr[s].last_heard == 0 || age(now, c->nbr[s].last_heard) > silence_limit(c);
}

/* Share (percent) of the RSU's recent ids that this neighbour delivered.
 * Only settled ids count -- those before the newest: when the first copy of
 * id n arrives the other neighbours' copies of n are still on their way, and
 * counting n would punish them for being a few milliseconds behind. The
 * window is the last OBU_RATIO_WINDOW settled ids, shortened to the time we
 * have known the neighbour but not below OBU_RATIO_MIN_SPAN (once the RSU has
 * sent that many): a neighbour that just appeared must prove itself over
 * several periods before it can displace an established one (no flapping). */
static uint32_t nbr_ratio(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	const struct obu_nbr *n = &c->nbr[s];
	uint32_t w = OBU_RATIO_WINDOW;
	uint32_t rsu_span, nbr_span, span, floor_span, got = 0;

	if (!n->have || !r->have)
		return 0;
	rsu_span = r->newest - r->first_id;
	if (rsu_span == 0)
		return n->last_id == r->newest ? 100 : 0; /* nothing settled yet */
	nbr_span = r->newest - n->first_id;
	if (rsu_span > w)
		rsu_span = w;
	if (nbr_span > w) /* also a first_id "after" newest: a late old copy */
		nbr_span = w;
	floor_span = OBU_RATIO_MIN_SPAN < rsu_span ? OBU_RATIO_MIN_SPAN : rsu_span;
	span = nbr_span > floor_span ? nbr_span : floor_span;
	for (uint32_t k = 1; k <= span; k++) {
		int32_t d = (int32_t)(n->last_id - (r->newest - k));

		if (d >= 0 && d < 64)
			got += (uint32_t)(n->mask >> d & 1);
	}
	(void)c;
	return got * 100 / span;
}

static void nbr_record(struct obu_nbr *n, uint32_t id)
{
	int32_t d;

	if (!n->have) {
		n->have = true;
		n->last_id = id;
		n->first_id = id;
		n->mask = 1;
		return;
	}
	d = (int32_t)(n->last_id - id);
	if (d < 0) {
		uint32_t shift = (uint32_t)(-(int64_t)d);

		n->mask = shift >= 64 ? 0 : n->mask << shift;
		n->mask |= 1;
		n->last_id = id;
	} else if (d < 64) {
		n->mask |= 1ull << d;
	}
}

static bool nbr_is_up(const struct obu_core *c, uint32_t s)
{
	for (uint32_t i = 0; i < c->p.max_rsus; i++)
		if (c->rsu[i].used && c->rsu[i].up == (int32_t)s)
			return true;
	return false;
}

static void rsu_drop_nbr_refs(struct obu_core *c, uint32_t s);

/* Frees one slot of a full neighbour table: the least recently heard entry
 * that is nobody's chosen upstream. */
static void nbr_make_room(struct obu_core *c)
{
	for (uint32_t s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->nbrs, s)) {
		if (nbr_is_up(c, s))
			continue;
		rsu_drop_nbr_refs(c, s);
		core_tab_remove(&c->nbrs, s);
		c->cnt[OC_nbrs_evicted]++;
		return;
	}
}

static int32_t nbr_find(const struct obu_core *c, const struct vn_mac *m, uint32_t ri)
{
	struct nbr_key k;
	uint32_t s;

	memset(&k, 0, sizeof(k));
	k.mac = *m;
	k.rsu = (uint16_t)ri;
	s = core_tab_find(&c->nbrs, &k);
	return s == CORE_TAB_NONE ? OBU_NONE : (int32_t)s;
}

static int32_t nbr_get(struct obu_core *c, const struct vn_mac *m, uint32_t ri)
{
	struct nbr_key k;
	int32_t s = nbr_find(c, m, ri);

	if (s != OBU_NONE)
		return s;
	if (c->nbrs.count >= c->nbrs.cap) {
		nbr_make_room(c);
		if (c->nbrs.count >= c->nbrs.cap)
			return OBU_NONE; /* every entry is some RSU's upstream */
	}
	memset(&k, 0, sizeof(k));
	k.mac = *m;
	k.rsu = (uint16_t)ri;
	s = (int32_t)core_tab_insert(&c->nbrs, &k, NULL);
	memset(&c->nbr[s], 0, sizeof(c->nbr[s]));
	return s;
}

/* --- RSUs -------------------------------------------------------------------- */

/* Our upstream s is being lost: until a successor is chosen, only a
 * neighbour no farther than s was, or one that brought us first a heartbeat
 * newer than the last s delivered (it cannot have had that one from us), may
 * take over. Anything else may be in our own subtree, advertising distances
 * it learnt through us: choosing it would make a loop (count to infinity). */
static void restrict_successors(struct obu_core *c, struct obu_rsu *r, uint32_t s)
{
	const struct obu_nbr *n = &c->nbr[s];

	r->restricted = true;
	r->feas_hops = n->hops;
	r->feas_id = n->have ? n->last_id : r->newest;
}

static void rsu_drop_nbr_refs(struct obu_core *c, uint32_t s)
{
	for (uint32_t i = 0; i < c->p.max_rsus; i++) {
		struct obu_rsu *r = &c->rsu[i];
		uint32_t k = 0;

		if (!r->used)
			continue;
		if (r->up == (int32_t)s) {
			restrict_successors(c, r, s);
			r->up = OBU_NONE;
		}
		for (uint32_t j = 0; j < r->ncand; j++)
			if (r->cand[j] != (int32_t)s)
				r->cand[k++] = r->cand[j];
		r->ncand = k;
	}
}

static void rsu_history_reset(struct obu_core *c, uint32_t ri)
{
	struct obu_rsu *r = &c->rsu[ri];

	r->have = false;
	r->fifo_len = 0;
	r->fifo_head = 0;
	r->restricted = false;
	/* delivery statistics are per incarnation of the RSU */
	for (uint32_t s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->nbrs, s)) {
		if (nbr_key(c, s)->rsu == ri) {
			c->nbr[s].have = false;
			c->nbr[s].brought = false;
		}
	}
}

static void rsu_forget(struct obu_core *c, uint32_t ri)
{
	uint32_t s, next;

	for (s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE; s = next) {
		next = core_tab_newer(&c->nbrs, s);
		if (nbr_key(c, s)->rsu == ri)
			core_tab_remove(&c->nbrs, s);
	}
	c->rsu[ri].used = false;
	c->rsu[ri].up = OBU_NONE;
	c->rsu[ri].ncand = 0;
	c->rsu[ri].have = false;
	c->rsu[ri].fifo_len = 0;
	if (c->chosen == (int32_t)ri)
		c->chosen = OBU_NONE;
}

static int32_t rsu_find(const struct obu_core *c, const struct vn_mac *m)
{
	for (uint32_t i = 0; i < c->p.max_rsus; i++)
		if (c->rsu[i].used && vn_mac_eq(&c->rsu[i].mac, m))
			return (int32_t)i;
	return OBU_NONE;
}

/* The RSU's slot, a new one, or OBU_NONE when the table is full of RSUs
 * heard within `history` periods. Live RSUs are never evicted: a forgotten
 * RSU's copies would look new again and bounce between OBUs (a storm that
 * fake RSU MACs could trigger at will). */
static int32_t rsu_get(struct obu_core *c, const struct vn_mac *m, vn_usec now)
{
	int32_t i = rsu_find(c, m), victim = OBU_NONE;

	if (i != OBU_NONE)
		return i;
	for (uint32_t j = 0; j < c->p.max_rsus; j++) {
		if (!c->rsu[j].used) {
			victim = (int32_t)j;
			break;
		}
		if ((int32_t)j == c->chosen || age(now, c->rsu[j].last_heard) <= gone_after(c))
			continue;
		if (victim == OBU_NONE || c->rsu[j].last_heard < c->rsu[victim].last_heard)
			victim = (int32_t)j;
	}
	if (victim == OBU_NONE)
		return OBU_NONE;
	if (c->rsu[victim].used) {
		rsu_forget(c, (uint32_t)victim);
		c->cnt[OC_rsus_evicted]++;
	}
	c->rsu[victim].used = true;
	c->rsu[victim].mac = *m;
	c->rsu[victim].up = OBU_NONE;
	c->rsu[victim].ncand = 0;
	c->rsu[victim].better_since = 0;
	c->rsu[victim].last_heard = now;
	rsu_history_reset(c, (uint32_t)victim);
	return victim;
}

static struct obu_seen *fifo_find(const struct obu_rsu *r, uint32_t hist, uint32_t id)
{
	for (uint32_t i = 0; i < r->fifo_len; i++) {
		struct obu_seen *e = &r->fifo[(r->fifo_head + i) % hist];

		if (e->id == id)
			return e;
	}
	return NULL;
}

/* True FIFO: the oldest id received leaves when a new one comes (§6 fault 3). */
static struct obu_seen *fifo_push(struct obu_rsu *r, uint32_t hist, uint32_t id,
				  uint32_t hops)
{
	struct obu_seen *e;

	if (r->fifo_len < hist) {
		e = &r->fifo[(r->fifo_head + r->fifo_len) % hist];
		r->fifo_len++;
	} else {
		e = &r->fifo[r->fifo_head];
		r->fifo_head = (r->fifo_head + 1) % hist;
	}
	e->id = id;
	e->hops = (uint8_t)hops;
	e->replied = false;
	return e;
}

/* --- upstream choice ---------------------------------------------------------- */

struct cand_view {
	int32_t slot;
	uint32_t hops;
	uint32_t ratio;
	int32_t score; /* ratio - OBU_HOP_PENALTY * hops */
};

static struct cand_view cand_view_of(const struct obu_core *c, const struct obu_rsu *r,
				     int32_t s)
{
	struct cand_view v;

	v.slot = s;
	v.hops = c->nbr[s].hops;
	v.ratio = nbr_ratio(c, r, s);
	v.score = (int32_t)v.ratio - OBU_HOP_PENALTY * (int32_t)v.hops;
	return v;
}

static bool nbr_eligible(const struct obu_core *c, int32_t s, vn_usec now)
{
	const struct obu_nbr *n = &c->nbr[s];

	return !nbr_dead(c, s, now) && n->below_until <= now && n->hops >= 1 &&
	       n->hops <= OBU_MAX_HOPS;
}

/* Preference order: one score weighing delivery against distance (a hop
 * costs OBU_HOP_PENALTY points of delivery ratio), so that a clean two-hop
 * path beats a direct link losing 40 %, while between equally good links
 * the shorter wins. Ties: fewer hops, then the MAC (deterministic). */
static bool cand_before(const struct obu_core *c, const struct cand_view *a,
			const struct cand_view *b)
{
	if (a->score != b->score)
		return a->score > b->score;
	if (a->hops != b->hops)
		return a->hops < b->hops;
	return vn_mac_cmp(nbr_mac(c, a->slot), nbr_mac(c, b->slot)) < 0;
}

/* Whether a is enough better than the current b to move (the hysteresis):
 * towards fewer hops a score at least as good suffices; otherwise a must win
 * by hysteresis_pct points. Moving back therefore needs the shorter link to
 * lose hysteresis_pct + OBU_HOP_PENALTY points: no flapping at a boundary. */
static bool cand_clearly_better(const struct obu_core *c, const struct cand_view *a,
				const struct cand_view *b)
{
	if (a->hops < b->hops)
		return a->score >= b->score;
	return a->score >= b->score + (int32_t)c->p.hysteresis_pct;
}

static void log_upstream(struct obu_core *c, uint32_t ri, int32_t old, int32_t now_up,
			 const char *why)
{
	char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN], d[VN_MAC_STRLEN];
	const struct obu_rsu *r = &c->rsu[ri];
	bool chosen = c->chosen == (int32_t)ri;

	if (now_up == OBU_NONE) {
		core_log(&c->io, chosen ? VN_LOG_NOTICE : VN_LOG_DEBUG,
			"upstream for rsu %s now none (was %s, %s)", vn_mac_format(&r->mac, a),
			old == OBU_NONE ? "none" : vn_mac_format(nbr_mac(c, old), d), why);
		return;
	}
	core_log(&c->io, chosen ? VN_LOG_INFO : VN_LOG_DEBUG,
		"upstream now rsu %s via %s hops %u (was %s, %s)", vn_mac_format(&r->mac, a),
		vn_mac_format(nbr_mac(c, now_up), b), c->nbr[now_up].hops,
		old == OBU_NONE ? "none" : vn_mac_format(nbr_mac(c, old), d), why);
}

static bool nbr_feasible(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	const struct obu_nbr *n = &c->nbr[s];

	return !r->restricted || n->hops <= r->feas_hops ||
	       (n->brought && (int32_t)(n->brought_id - r->feas_id) > 0);
}

/* Re-evaluates the upstream towards RSU ri (§5: on every heartbeat). */
static void evaluate(struct obu_core *c, uint32_t ri, vn_usec now)
{
	struct obu_rsu *r = &c->rsu[ri];
	struct cand_view top[OBU_CAND_MAX], cur = {OBU_NONE, 0, 0, 0};
	uint32_t k = c->p.candidates, n = 0;
	int32_t old = r->up, pick = OBU_NONE;
	const char *why = NULL;

	if (old != OBU_NONE && !nbr_eligible(c, old, now))
		restrict_successors(c, r, (uint32_t)old);
	for (uint32_t s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->nbrs, s)) {
		struct cand_view v;
		uint32_t j;

		if (nbr_key(c, s)->rsu != ri || !nbr_eligible(c, (int32_t)s, now) ||
		    !nbr_feasible(c, r, (int32_t)s))
			continue;
		v = cand_view_of(c, r, (int32_t)s);
		if ((int32_t)s == old)
			cur = v;
		/* insertion into the sorted top-k */
		if (n == k && !cand_before(c, &v, &top[n - 1]))
			continue;
		j = n < k ? n++ : n - 1;
		while (j > 0 && cand_before(c, &v, &top[j - 1])) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = v;
	}
	r->ncand = n;
	for (uint32_t i = 0; i < n; i++)
		r->cand[i] = top[i].slot;
	if (cur.slot == OBU_NONE) {
		/* no upstream, or it died / turned out to be below us: the
		 * next candidate at once (§6 fault 4) */
		pick = n > 0 ? top[0].slot : OBU_NONE;
		why = old == OBU_NONE ? "new" : "lost";
	} else {
		/* the first candidate, in preference order, that beats the
		 * current one by the margin */
		for (uint32_t i = 0; i < n && top[i].slot != old; i++) {
			if (cand_clearly_better(c, &top[i], &cur)) {
				pick = top[i].slot;
				why = "better";
				break;
			}
		}
		if (pick == OBU_NONE)
			return;
	}
	if (pick == old)
		return;
	r->up = pick;
	if (pick != OBU_NONE)
		r->restricted = false;
	c->cnt[OC_upstream_changes]++;
	log_upstream(c, ri, old, pick, why);
}

static bool rsu_usable(const struct obu_core *c, int32_t ri, vn_usec now)
{
	return ri != OBU_NONE && c->rsu[ri].used && c->rsu[ri].up != OBU_NONE &&
	       !nbr_dead(c, c->rsu[ri].up, now);
}

/* An RSU's worth: its upstream's; an RSU without a live upstream is worth
 * less than any with one. */
static struct cand_view rsu_view(const struct obu_core *c, int32_t ri, vn_usec now)
{
	struct cand_view v = {OBU_NONE, UINT32_MAX, 0, INT32_MIN / 2};

	if (rsu_usable(c, ri, now))
		v = cand_view_of(c, &c->rsu[ri], c->rsu[ri].up);
	return v;
}

static void log_rsu_change(struct obu_core *c, int32_t old)
{
	char a[VN_MAC_STRLEN], b[VN_MAC_STRLEN], d[VN_MAC_STRLEN];
	const char *was = old == OBU_NONE ? "none" : vn_mac_format(&c->rsu[old].mac, d);

	if (c->chosen == OBU_NONE) {
		core_log(&c->io, VN_LOG_NOTICE, "upstream now none (was rsu %s)", was);
	} else {
		const struct obu_rsu *r = &c->rsu[c->chosen];

		if (r->up == OBU_NONE)
			core_log(&c->io, VN_LOG_INFO, "upstream now rsu %s, no neighbour yet (was rsu %s)",
				vn_mac_format(&r->mac, a), was);
		else
			core_log(&c->io, VN_LOG_INFO, "upstream now rsu %s via %s hops %u (was rsu %s)",
				vn_mac_format(&r->mac, a), vn_mac_format(nbr_mac(c, r->up), b),
				c->nbr[r->up].hops, was);
	}
}

/* One RSU for our data (§6 fault 5). It changes only when it is gone (no
 * heartbeat for `history` periods: expire() forgets it), or when another has
 * been clearly better -- two hops shorter, or shorter and hysteresis_pct
 * points of score ahead, or 2 x hysteresis_pct points ahead -- for `history`
 * periods without a break. While the chosen RSU
 * has no live upstream (losses) we keep it: its heartbeats bring one back
 * within a period or two, far sooner than flapping would settle. */
static void choose_rsu(struct obu_core *c, vn_usec now)
{
	int32_t old = c->chosen, best = OBU_NONE;
	struct cand_view bv = {OBU_NONE, 0, 0, 0}, cv;
	int32_t h = (int32_t)c->p.hysteresis_pct;
	struct obu_rsu *b;

	/* the best other RSU: score, then hops, then the RSU's MAC (the same
	 * tie-break on every node) */
	for (uint32_t i = 0; i < c->p.max_rsus; i++) {
		struct cand_view v;

		if ((int32_t)i == old || !rsu_usable(c, (int32_t)i, now))
			continue;
		v = rsu_view(c, (int32_t)i, now);
		if (best == OBU_NONE || v.score > bv.score ||
		    (v.score == bv.score && (v.hops < bv.hops ||
		     (v.hops == bv.hops && vn_mac_cmp(&c->rsu[i].mac, &c->rsu[best].mac) < 0)))) {
			best = (int32_t)i;
			bv = v;
		}
	}
	for (uint32_t i = 0; i < c->p.max_rsus; i++)
		if ((int32_t)i != best)
			c->rsu[i].better_since = 0;
	if (old == OBU_NONE || !c->rsu[old].used) {
		c->chosen = best;
	} else if (best != OBU_NONE) {
		b = &c->rsu[best];
		cv = rsu_view(c, old, now);
		if (age(now, c->chosen_at) < gone_after(c) && bv.hops <= cv.hops &&
		    bv.score >= cv.score && vn_mac_cmp(&b->mac, &c->rsu[old].mac) < 0) {
			/* Settling: the first choice is whichever RSU was heard
			 * first. For `history` periods a tie (as good, lower
			 * MAC) moves us, so that neighbours facing the same tie
			 * agree on one RSU -- the one our data really reaches
			 * through them. Monotone in the MAC: it cannot cycle. */
			c->chosen = best;
		} else if (bv.hops + 2 <= cv.hops || (bv.hops < cv.hops && bv.score >= cv.score + h) ||
			   bv.score >= cv.score + 2 * h) {
			if (b->better_since == 0)
				b->better_since = now ? now : 1;
			if (age(now, b->better_since) >= gone_after(c))
				c->chosen = best;
		} else {
			b->better_since = 0;
		}
	}
	if (c->chosen != old) {
		c->chosen_at = now;
		for (uint32_t i = 0; i < c->p.max_rsus; i++)
			c->rsu[i].better_since = 0;
		c->cnt[OC_rsu_changes]++;
		log_rsu_change(c, old);
	}
}

/* The neighbour our data goes to, or NULL. */
static const struct vn_mac *upstream_mac(const struct obu_core *c, vn_usec now)
{
	if (!rsu_usable(c, c->chosen, now))
		return NULL;
	return nbr_mac(c, c->rsu[c->chosen].up);
}

/* A neighbour showed it is below us (its replies or data come to us): never
 * our upstream while this lasts. */
static void mark_below(struct obu_core *c, const struct vn_mac *m, int32_t ri, vn_usec now)
{
	int32_t s;

	if (ri == OBU_NONE)
		return;
	s = nbr_get(c, m, (uint32_t)ri);
	if (s == OBU_NONE)
		return;
	c->nbr[s].below_until = now + dead_after(c);
	if (c->rsu[ri].up == s) {
		evaluate(c, (uint32_t)ri, now);
		choose_rsu(c, now);
	}
}

/* --- downstream routes ---------------------------------------------------------- */

static void route_learn(struct obu_core *c, const struct vn_mac *obu, const struct vn_mac *via,
			vn_usec now)
{
	uint32_t s = core_tab_find(&c->downs, obu);
	bool evicted;

	if (s == CORE_TAB_NONE) {
		s = core_tab_insert(&c->downs, obu, &evicted);
		if (evicted)
			c->cnt[OC_routes_evicted]++;
		c->cnt[OC_routes_learned]++;
	} else {
		core_tab_touch(&c->downs, s);
	}
	c->down[s].via = *via;
	c->down[s].last_seen = now;
}

static const struct vn_mac *route_via(const struct obu_core *c, const struct vn_mac *obu,
				      vn_usec now)
{
	uint32_t s = core_tab_find(&c->downs, obu);

	if (s == CORE_TAB_NONE || age(now, c->down[s].last_seen) > gone_after(c))
		return NULL;
	return &c->down[s].via;
}

/* Whether some OBU may depend on our re-broadcast: a live downstream route,
 * or a live neighbour farther from our RSU than us. */
static bool have_below(const struct obu_core *c, vn_usec now)
{
	uint32_t t = c->downs.tail;
	int32_t ri = c->chosen;
	uint32_t hops;

	if (t != CORE_TAB_NONE && age(now, c->down[t].last_seen) <= gone_after(c))
		return true;
	if (ri == OBU_NONE || c->rsu[ri].up == OBU_NONE)
		return false;
	hops = c->nbr[c->rsu[ri].up].hops;
	for (uint32_t s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->nbrs, s))
		if (nbr_key(c, s)->rsu == (uint32_t)ri && !nbr_dead(c, (int32_t)s, now) &&
		    c->nbr[s].hops > hops)
			return true;
	return false;
}

/* --- message handlers -------------------------------------------------------------- */

enum hb_class { HB_NEW, HB_DUP, HB_BOGUS };

/* Duplicate and restart detection; *seen gets the id's history entry. */
static enum hb_class hb_classify(struct obu_core *c, uint32_t ri, const struct vn_heartbeat *hb,
				 struct obu_seen **seen)
{
	struct obu_rsu *r = &c->rsu[ri];
	uint32_t hist = c->p.history;
	int32_t d;
	bool restart = false;

	if (r->have) {
		d = (int32_t)(r->newest - hb->id);
		if (d < 0)
			restart = hb->uptime < r->newest_uptime; /* newer id, older clock */
		else if ((uint32_t)d >= hist) {
			if (hb->uptime > r->newest_uptime)
				return HB_BOGUS; /* old id, newer clock: forged */
			restart = true;	  /* id far below the newest */
		} else if ((*seen = fifo_find(r, hist, hb->id)) != NULL) {
			return HB_DUP;
		}
	}
	if (restart) {
		char a[VN_MAC_STRLEN];

		c->cnt[OC_rsu_restarts]++;
		core_log(&c->io, VN_LOG_INFO, "rsu %s restarted (id %u after %u): history reset",
			vn_mac_format(&r->mac, a), hb->id, r->newest);
		rsu_history_reset(c, ri);
	}
	*seen = fifo_push(r, hist, hb->id, hb->hops + 1);
	if (!r->have) {
		r->have = true;
		r->newest = hb->id;
		r->newest_uptime = hb->uptime;
		r->first_id = hb->id;
	} else if ((int32_t)(hb->id - r->newest) > 0) {
		r->newest = hb->id;
		r->newest_uptime = hb->uptime;
	}
	return HB_NEW;
}

/* Which copy of a heartbeat we answer: the one from our live upstream
 * towards its RSU (or the first copy while we have none), once per id, to
 * the neighbour that brought it (§5). Answering our upstream's copy -- not
 * always the first copy -- sends the reply up the path our data takes, with
 * the hops of that very path, so the RSU's route down to us follows our own
 * ratio-aware choice (both directions agree, nothing flaps at the RSU), and a
 * reply arriving at a neighbour means exactly "you are my upstream", which
 * the loop rule relies on. */
static bool reply_due(const struct obu_core *c, int32_t ri, const struct vn_msg *m,
		      enum hb_class cls, const struct obu_seen *seen, vn_usec now)
{
	int32_t up = c->rsu[ri].up;

	if (seen == NULL || seen->replied)
		return false;
	if (up == OBU_NONE || nbr_dead(c, up, now))
		return cls == HB_NEW;
	return vn_mac_eq(&m->from, nbr_mac(c, up));
}

static void on_heartbeat(struct obu_core *c, struct vn_msg *m, vn_usec now)
{
	const struct vn_heartbeat *hb = &m->hb;
	struct obu_seen *seen = NULL;
	enum hb_class cls;
	int32_t ri, s;
	size_t n = 0;
	bool reply;

	c->cnt[OC_hb_received]++;
	if (vn_mac_eq(&hb->source, &c->self) || vn_mac_is_multicast(&hb->source) ||
	    vn_mac_is_zero(&hb->source) || vn_mac_is_multicast(&m->from)) {
		c->cnt[OC_drop_hb_bad_source]++;
		return;
	}
	if (hb->hops == 0 || hb->hops > OBU_MAX_HOPS) {
		c->cnt[OC_drop_hb_bad_hops]++;
		return;
	}
	ri = rsu_get(c, &hb->source, now);
	if (ri == OBU_NONE) {
		/* neither relayed nor answered: see rsu_get */
		c->cnt[OC_drop_hb_rsu_table_full]++;
		return;
	}
	cls = hb_classify(c, (uint32_t)ri, hb, &seen);
	if (cls == HB_BOGUS) {
		c->cnt[OC_drop_hb_bogus_id]++;
		return;
	}
	c->rsu[ri].last_heard = now;
	/* An echo: a copy with more hops than our own re-broadcast of that id
	 * had. Any copy derived from ours carries at least one hop more, and a
	 * neighbour that had the id by another path no longer than ours would
	 * write at most as many: so this one came back through us (or along a
	 * path longer than ours): no evidence for the neighbour's own path to
	 * the RSU. It is not a delivery, and its hops are not the
	 * neighbour's distance: it leaves the neighbour's entry untouched
	 * (ratio, hops, last heard), else a relay that missed the RSU's copy
	 * and took ours would read as delivering it, and its hops would flicker. */
	if (cls == HB_DUP && hb->hops > seen->hops) {
		c->cnt[OC_hb_echoes]++;
		s = OBU_NONE;
	} else {
		/* Every other copy counts for the neighbour's delivery ratio,
		 * duplicates included: they show the neighbour is there and
		 * delivering. */
		s = nbr_get(c, &m->from, (uint32_t)ri);
	}
	if (s != OBU_NONE) {
		struct obu_nbr *nb = &c->nbr[s];

		core_tab_touch(&c->nbrs, (uint32_t)s);
		nb->last_heard = now;
		nb->hops = hb->hops;
		nbr_record(nb, hb->id);
		if (cls == HB_NEW && (!nb->brought || (int32_t)(hb->id - nb->brought_id) > 0)) {
			nb->brought = true;
			nb->brought_id = hb->id;
		}
	}
	/* §5: re-evaluated on every heartbeat (§6 fault 4) */
	evaluate(c, (uint32_t)ri, now);
	choose_rsu(c, now);
	/* The reply is built first (it echoes hops as received), then the
	 * in-place re-broadcast; each goes in a frame of its own (§6 fault 2). */
	reply = reply_due(c, ri, m, cls, seen, now);
	if (reply) {
		n = vn_enc_reply(c->scratch, sizeof(c->scratch), &m->from, &c->self, m, &c->self);
		seen->replied = true;
	}
	if (cls == HB_NEW) {
		vn_fwd_heartbeat(m, &c->self);
		core_send(&c->io, m->raw, VN_HEARTBEAT_LEN);
		c->cnt[OC_hb_relayed]++;
	} else {
		c->cnt[OC_drop_dup_heartbeat]++;
	}
	if (reply) {
		core_send(&c->io, c->scratch, n);
		c->cnt[OC_replies_sent]++;
	}
}

static void on_reply(struct obu_core *c, const struct vn_msg *m, vn_usec now)
{
	int32_t ri, up;

	if (vn_mac_is_multicast(&m->sender) || vn_mac_is_zero(&m->sender)) {
		c->cnt[OC_drop_reply_bad_sender]++;
		return;
	}
	if (vn_mac_eq(&m->sender, &c->self)) {
		/* Our own reply came back. A loop above us, or a forgery: only
		 * counted, since acting on it would let anyone cut our upstream
		 * with one frame; the hop metric and the two-node rule below
		 * break real loops. */
		c->cnt[OC_drop_loop]++;
		return;
	}
	ri = rsu_find(c, &m->hb.source);
	up = ri == OBU_NONE ? OBU_NONE : c->rsu[ri].up;
	if (up != OBU_NONE && vn_mac_eq(&m->from, nbr_mac(c, up))) {
		/* Our upstream sends us its (or its children's) replies: it
		 * has chosen us as its upstream. A two-node loop, broken by
		 * no longer using it (mark_below re-chooses). */
		c->cnt[OC_drop_loop]++;
		mark_below(c, &m->from, ri, now);
		return;
	}
	/* A reply from below: learn the way down to its sender. */
	mark_below(c, &m->from, ri, now);
	route_learn(c, &m->sender, &m->from, now);
	up = ri == OBU_NONE ? OBU_NONE : c->rsu[ri].up;
	if (up == OBU_NONE || nbr_dead(c, up, now)) {
		c->cnt[OC_drop_no_upstream]++;
		return;
	}
	vn_fwd_rewrite(m->raw, nbr_mac(c, up), &c->self);
	core_send(&c->io, m->raw, VN_REPLY_LEN);
	c->cnt[OC_replies_forwarded]++;
}

/* Recently forwarded packets, to cut any loop after one turn and to
 * re-broadcast a broadcast only once. Key: a hash of the message kind, the
 * destination (Downstream), the origin, the IP length and the first 128
 * bytes of the IP packet (headers, ports, sequence numbers). The kind and
 * destination keep an OBU-to-OBU packet, which crosses a relay once going up
 * and once coming down, from looking like a repeat. */
enum pkt_kind { PK_UP = 1, PK_DOWN = 2, PK_BCAST = 3 };

static uint64_t mix64(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ h >> 29;
}

/* Eight bytes per multiply (a byte-wise FNV over 128 bytes cost more than
 * the rest of forwarding together). */
static uint32_t pkt_hash(enum pkt_kind kind, const struct vn_msg *m)
{
	size_t n = m->payload_len < 128 ? m->payload_len : 128, i;
	uint64_t h = (uint64_t)kind << 32 | (uint64_t)m->payload_len, w = 0;

	memcpy(&w, m->origin.b, VN_MAC_LEN);
	h = mix64(h, w);
	if (kind != PK_UP) {
		w = 0;
		memcpy(&w, m->destination.b, VN_MAC_LEN);
		h = mix64(h, w);
	}
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, m->payload + i, 8);
		h = mix64(h, w);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, m->payload + i, n - i);
		h = mix64(h, w);
	}
	h ^= h >> 33; /* fmix64: every input bit reaches every output bit */
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* 4-way set-associative: a packet is looked for in its set of 4 and
 * replaces the oldest entry there, so two packets whose hashes share a set
 * do not evict each other (which let a transient loop run three turns). A
 * repeat is only reported if the full 32-bit hash matches. */
static bool pkt_seen(struct obu_core *c, enum pkt_kind kind, const struct vn_msg *m,
		     vn_usec window, vn_usec now)
{
	uint32_t h = pkt_hash(kind, m);
	uint32_t set = (h * 0x9e3779b1u) >> 24; /* top bits: 256 sets */
	struct obu_pkt_seen *e = &c->seen[(set % (OBU_SEEN_SLOTS / OBU_SEEN_WAYS)) * OBU_SEEN_WAYS];
	struct obu_pkt_seen *victim = e;

	for (int i = 0; i < OBU_SEEN_WAYS; i++) {
		if (e[i].at != 0 && e[i].hash == h && age(now, e[i].at) <= window)
			return true;
		if (e[i].at < victim->at)
			victim = &e[i];
	}
	victim->hash = h;
	victim->at = now ? now : 1;
	return false;
}

static void on_upstream(struct obu_core *c, const struct vn_msg *m, vn_usec now)
{
	const struct vn_mac *up;

	if (vn_mac_eq(&m->origin, &c->self)) {
		c->cnt[OC_drop_loop]++;
		return;
	}
	if (vn_mac_is_multicast(&m->origin) || vn_mac_is_zero(&m->origin)) {
		c->cnt[OC_drop_bad_origin]++;
		return;
	}
	up = upstream_mac(c, now);
	if (up != NULL && vn_mac_eq(&m->from, up)) {
		/* our upstream sends its data to us: it is below us (loop) */
		c->cnt[OC_drop_loop]++;
		mark_below(c, &m->from, c->chosen, now);
		return;
	}
	mark_below(c, &m->from, c->chosen, now);
	route_learn(c, &m->origin, &m->from, now);
	up = upstream_mac(c, now);
	if (up == NULL) {
		c->cnt[OC_drop_no_upstream]++;
		return;
	}
	if (pkt_seen(c, PK_UP, m, period_us(c), now)) {
		c->cnt[OC_drop_data_dup]++; /* came round again: a loop */
		return;
	}
	vn_fwd_rewrite(m->raw, up, &c->self);
	core_send(&c->io, m->raw, VN_UP_HLEN + m->payload_len);
	c->cnt[OC_up_forwarded]++;
}

/* Whether a broadcast Downstream's IP packet is for this OBU. */
static bool bcast_for_us(const struct obu_core *c, const uint8_t *pkt)
{
	struct vn_ip dst;

	if (c->naddr == 0)
		return true;
	vn_ip_dst(pkt, &dst);
	if (vn_ip_is_multicast(&dst))
		return true;
	for (size_t i = 0; i < c->naddr; i++)
		if (vn_ip_eq(&dst, &c->addr[i].addr) ||
		    vn_ip_is_prefix_broadcast(&dst, &c->addr[i]))
			return true;
	return false;
}

static void on_downstream(struct obu_core *c, const struct vn_msg *m, vn_usec now)
{
	const struct vn_mac *via, *up;

	if (vn_mac_eq(&m->destination, &c->self)) {
		if (!vn_mac_eq(&m->to, &c->self)) {
			c->cnt[OC_drop_not_for_us]++;
			return;
		}
		c->cnt[OC_down_delivered]++;
		c->io.deliver(c->io.ctx, m->payload, m->payload_len);
		return;
	}
	if (vn_mac_is_broadcast(&m->destination)) {
		up = upstream_mac(c, now);
		if (up == NULL || !vn_mac_eq(&m->from, up)) {
			c->cnt[OC_drop_bcast_not_upstream]++;
			return;
		}
		if (pkt_seen(c, PK_BCAST, m, 2 * period_us(c), now)) {
			c->cnt[OC_drop_bcast_dup]++;
			return;
		}
		if (bcast_for_us(c, m->payload)) {
			c->cnt[OC_bcast_delivered]++;
			c->io.deliver(c->io.ctx, m->payload, m->payload_len);
		} else {
			c->cnt[OC_bcast_not_for_us]++;
		}
		if (have_below(c, now)) {
			vn_fwd_rewrite(m->raw, &vn_mac_broadcast, &c->self);
			core_send(&c->io, m->raw, VN_DOWN_HLEN + m->payload_len);
			c->cnt[OC_bcast_relayed]++;
		}
		return;
	}
	if (vn_mac_is_multicast(&m->destination) || vn_mac_is_zero(&m->destination) ||
	    !vn_mac_eq(&m->to, &c->self)) {
		c->cnt[OC_drop_down_bad_dest]++;
		return;
	}
	via = route_via(c, &m->destination, now);
	if (via == NULL) {
		c->cnt[OC_drop_no_route]++;
		return;
	}
	if (vn_mac_eq(via, &m->from)) {
		c->cnt[OC_drop_loop]++; /* would bounce straight back */
		return;
	}
	if (pkt_seen(c, PK_DOWN, m, period_us(c), now)) {
		c->cnt[OC_drop_data_dup]++;
		return;
	}
	{
		struct vn_mac to = *via;

		vn_fwd_rewrite(m->raw, &to, &c->self);
	}
	core_send(&c->io, m->raw, VN_DOWN_HLEN + m->payload_len);
	c->cnt[OC_down_forwarded]++;
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
		on_heartbeat(c, m, now);
		break;
	case VN_MSG_REPLY:
		on_reply(c, m, now);
		break;
	case VN_MSG_UPSTREAM:
		on_upstream(c, m, now);
		break;
	case VN_MSG_DOWNSTREAM:
	default:
		on_downstream(c, m, now);
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
}

void obu_core_on_tun(struct obu_core *c, struct vn_pbuf *b, vn_usec now)
{
	const struct vn_mac *up;
	size_t ip_len;

	if (vn_ip_check(b->data, b->len, &ip_len) != VN_RX_OK) {
		c->cnt[OC_drop_tun_bad_ip]++;
		return;
	}
	up = upstream_mac(c, now);
	if (up == NULL) {
		c->cnt[OC_drop_no_upstream]++;
		return;
	}
	b->len = ip_len;
	if (vn_enc_upstream(b, up, &c->self, &c->self) == 0) {
		c->cnt[OC_drop_no_headroom]++;
		return;
	}
	core_send(&c->io, b->data, b->len);
	c->cnt[OC_up_sent]++;
}

/* --- timers -------------------------------------------------------------------------- */

/* A chosen upstream that just went silent for too long: the next feasible
 * candidate at once (§6 fault 4). */
static void check_upstreams(struct obu_core *c, vn_usec now)
{
	bool changed = false;

	for (uint32_t i = 0; i < c->p.max_rsus; i++) {
		struct obu_rsu *r = &c->rsu[i];

		if (r->used && r->up != OBU_NONE && nbr_dead(c, r->up, now)) {
			c->cnt[OC_nbrs_dead]++;
			evaluate(c, i, now);
			changed = true;
		}
	}
	if (changed)
		choose_rsu(c, now);
}

static void expire(struct obu_core *c, vn_usec now)
{
	uint32_t s, next;

	for (uint32_t i = 0; i < c->p.max_rsus; i++) {
		struct obu_rsu *r = &c->rsu[i];

		if (!r->used)
			continue;
		if (age(now, r->last_heard) > gone_after(c)) {
			char a[VN_MAC_STRLEN];

			core_log(&c->io, c->chosen == (int32_t)i ? VN_LOG_NOTICE : VN_LOG_INFO,
				"rsu %s gone (silent for %u periods)", vn_mac_format(&r->mac, a),
				c->p.history);
			rsu_forget(c, i);
			c->cnt[OC_rsus_gone]++;
			continue;
		}
	}
	check_upstreams(c, now);
	/* neighbours silent for `history` periods (and not marked below us)
	 * are forgotten: a full scan, the table is small */
	for (s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE; s = next) {
		next = core_tab_newer(&c->nbrs, s);
		if (age(now, c->nbr[s].last_heard) <= gone_after(c) || c->nbr[s].below_until > now)
			continue;
		rsu_drop_nbr_refs(c, s);
		core_tab_remove(&c->nbrs, s);
	}
	for (s = core_tab_oldest(&c->downs); s != CORE_TAB_NONE; s = next) {
		next = core_tab_newer(&c->downs, s);
		if (age(now, c->down[s].last_seen) <= gone_after(c))
			break;
		core_tab_remove(&c->downs, s);
		c->cnt[OC_routes_expired]++;
	}
	choose_rsu(c, now);
}

void obu_core_tick(struct obu_core *c, vn_usec now)
{
	check_upstreams(c, now);
	if (now < c->next_tick)
		return;
	expire(c, now);
	c->next_tick += period_us(c);
	if (c->next_tick <= now)
		c->next_tick = now + period_us(c);
}

/* The periodic expiry, or earlier the moment a chosen upstream's silence
 * limit runs out. */
vn_usec obu_core_next_timer(const struct obu_core *c)
{
	vn_usec t = c->next_tick;

	for (uint32_t i = 0; i < c->p.max_rsus; i++) {
		const struct obu_rsu *r = &c->rsu[i];
		vn_usec d;

		if (!r->used || r->up == OBU_NONE || c->nbr[r->up].last_heard == 0)
			continue;
		d = c->nbr[r->up].last_heard + silence_limit(c) + 1;
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
	out->hops = c->nbr[r->up].hops;
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
	for (uint32_t i = 0; i < c->p.max_rsus; i++) {
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
				      j + 1, vn_mac_format(nbr_mac(c, s), a), c->nbr[s].hops,
				      nbr_ratio(c, r, s),
				      (unsigned long long)(age(now, c->nbr[s].last_heard) / VN_USEC_PER_MS),
				      s == r->up ? " (upstream)" : "",
				      nbr_dead(c, s, now) ? " dead" : "");
		}
	}
	core_text_add(&t, "downstream routes: %u (capacity %u)\n", c->downs.count,
		      c->p.max_downstream);
	for (uint32_t s = core_tab_oldest(&c->downs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->downs, s))
		core_text_add(&t, "  obu %s via %s seen %llums ago\n", vn_mac_format(down_mac(c, s), a),
			      vn_mac_format(&c->down[s].via, b),
			      (unsigned long long)(age(now, c->down[s].last_seen) / VN_USEC_PER_MS));
	for (size_t i = 0; i < c->naddr; i++)
		core_text_add(&t, "address %s/%u\n", vn_ip_format(&c->addr[i].addr, ipb),
			      c->addr[i].len);
	return t.len;
}

void obu_core_counters(const struct obu_core *c,
		       void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	core_counters(obu_counter_names, c->cnt, OC__COUNT, c->rx_drop, fn, ctx);
}
