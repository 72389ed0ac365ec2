/* The OBU core's neighbour table (keyed by neighbour and RSU: hops,
 * delivery statistics, below-us marks) and RSU table. See docs/routing.md. */
#include "obu_core_priv.h"

#include <stdlib.h>
#include <string.h>

#include "core_util.h"

/* Without -mpopcnt __builtin_popcount is a libgcc call: this is cheaper. */
static uint32_t popcount32(uint32_t x)
{
	x = x - ((x >> 1) & 0x55555555u);
	x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
	x = (x + (x >> 4)) & 0x0f0f0f0fu;
	return (x * 0x01010101u) >> 24;
}

/* got * 100 / span for span 1..32 without a divide (tens of cycles, on
 * every candidate of every heartbeat): a multiply by ceil(2^32 / span),
 * exact for got * 100 <= 3200 (checked for every value). */
static uint32_t pct_of(uint32_t got, uint32_t span)
{
	static const uint64_t recip[OBU_RATIO_WINDOW + 1] = {
		0u, 4294967296ull, 2147483648u, 1431655766u, 1073741824u, 858993460u,
		715827883u, 613566757u, 536870912u, 477218589u, 429496730u, 390451573u,
		357913942u, 330382100u, 306783379u, 286331154u, 268435456u, 252645136u,
		238609295u, 226050911u, 214748365u, 204522253u, 195225787u, 186737709u,
		178956971u, 171798692u, 165191050u, 159072863u, 153391690u, 148102321u,
		143165577u, 138547333u, 134217728u,
	};

	return (uint32_t)((uint64_t)(got * 100) * recip[span] >> 32);
}

_Static_assert(OBU_RATIO_WINDOW == 32, "pct_of's table covers spans 1..32");

/* Share (percent) of the RSU's recent ids that this neighbour delivered.
 * Only settled ids count -- those before the newest: when the first copy of
 * id n arrives the other neighbours' copies of n are still on their way, and
 * counting n would punish them for being a few milliseconds behind. The
 * window is the last OBU_RATIO_WINDOW settled ids, shortened to the time we
 * have known the neighbour but not below OBU_RATIO_MIN_SPAN (once the RSU has
 * sent that many): a neighbour that just appeared must prove itself over
 * several periods before it can displace an established one (no flapping). */
uint32_t obu_nbr_ratio(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	const struct obu_nbr *n = nbr_of(c, s);
	uint32_t w = OBU_RATIO_WINDOW;
	uint32_t rsu_span, nbr_span, span, floor_span, got = 0;
	int32_t d1;

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
	/* Id newest - k is bit d = last_id - (newest - k) of the map, for k in
	 * 1..span: consecutive bits from d1 (k = 1) on, counted with one
	 * popcount. span <= 32, so from a d1 <= 63 the range cannot wrap; from
	 * a larger d1 no bit of it lies in the map. */
	d1 = (int32_t)(n->last_id - r->newest + 1u);
	if (d1 <= 63) {
		int32_t lo = d1 > 0 ? d1 : 0, hi = d1 + (int32_t)span - 1;

		if (hi > 63)
			hi = 63;
		if (lo <= hi)
			got = popcount32((uint32_t)(n->mask >> lo & ((2ull << (hi - lo)) - 1)));
	}
	(void)c;
	return pct_of(got, span);
}

void obu_nbr_record(struct obu_nbr *n, uint32_t id)
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
	for (uint32_t i = 0; i < c->rsu_hi; i++)
		if (c->rsu[i].used && c->rsu[i].up == (int32_t)s)
			return true;
	return false;
}

/* Frees one slot of a full neighbour table: the least recently heard entry
 * that is nobody's chosen upstream. */
static void nbr_make_room(struct obu_core *c)
{
	for (uint32_t s = core_tab_oldest(&c->nbrs); s != CORE_TAB_NONE;
	     s = core_tab_newer(&c->nbrs, s)) {
		if (nbr_is_up(c, s))
			continue;
		obu_rsu_drop_nbr_refs(c, s);
		obu_nbr_remove(c, s);
		c->cnt[OC_nbrs_evicted]++;
		return;
	}
}

/* Adds entry s to RSU ri's nb[]; -1 if that needs memory there is not. */
static int nbr_link(struct obu_core *c, uint32_t s, uint32_t ri)
{
	struct obu_rsu *r = &c->rsu[ri];

	if (r->nnb == r->nb_cap) {
		uint32_t cap = r->nb_cap ? 2 * r->nb_cap : 8;
		uint32_t *nb = realloc(r->nb, cap * sizeof(*nb));

		if (nb == NULL) {
			c->cnt[OC_alloc_failed]++;
			return -1;
		}
		r->nb = nb;
		r->nb_cap = cap;
	}
	nbr_of(c, s)->ridx = r->nnb;
	r->nb[r->nnb++] = s;
	return 0;
}

static void nbr_unlink(struct obu_core *c, uint32_t s)
{
	struct obu_rsu *r = &c->rsu[nbr_key(c, s)->rsu];
	uint32_t i = nbr_of(c, s)->ridx, last = r->nb[--r->nnb];

	r->nb[i] = last;
	nbr_of(c, last)->ridx = i;
}

/* Every removal goes through here, so that the RSU's list stays exact. */
void obu_nbr_remove(struct obu_core *c, uint32_t s)
{
	obu_eval_dirty(c, nbr_key(c, s)->rsu);
	nbr_unlink(c, s);
	core_tab_remove(&c->nbrs, s);
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

void obu_nbr_prefetch(const struct obu_core *c, const struct vn_mac *m, uint32_t ri)
{
	struct nbr_key k;

	memset(&k, 0, sizeof(k));
	k.mac = *m;
	k.rsu = (uint16_t)ri;
	core_tab_prefetch(&c->nbrs, &k);
}

int32_t obu_nbr_get(struct obu_core *c, const struct vn_mac *m, uint32_t ri)
{
	struct nbr_key k;
	int32_t s = nbr_find(c, m, ri);

	if (s != OBU_NONE)
		return s;
	/* a full table grows up to max_neighbours, then evicts */
	if (!core_tab_reserve(&c->nbrs)) {
		nbr_make_room(c);
		if (!core_tab_reserve(&c->nbrs))
			return OBU_NONE; /* every entry is some RSU's upstream */
	}
	memset(&k, 0, sizeof(k));
	k.mac = *m;
	k.rsu = (uint16_t)ri;
	s = (int32_t)core_tab_insert(&c->nbrs, &k, NULL);
	memset(nbr_of(c, s), 0, sizeof(struct obu_nbr));
	obu_eval_dirty(c, ri);
	if (nbr_link(c, (uint32_t)s, ri) != 0) {
		core_tab_remove(&c->nbrs, (uint32_t)s);
		return OBU_NONE;
	}
	return s;
}

/* --- RSUs -------------------------------------------------------------------- */

/* Our upstream s is being lost: until a successor is chosen, only a
 * neighbour no farther than s was, or one that brought us first a heartbeat
 * newer than the last s delivered (it cannot have had that one from us), may
 * take over. Anything else may be in our own subtree, advertising distances
 * it learnt through us: choosing it would make a loop (count to infinity). */
void obu_restrict_successors(struct obu_core *c, struct obu_rsu *r, uint32_t s)
{
	const struct obu_nbr *n = nbr_of(c, s);

	r->restricted = true;
	r->feas_hops = n->hops;
	r->feas_id = n->have ? n->last_id : r->newest;
}

void obu_rsu_drop_nbr_refs(struct obu_core *c, uint32_t s)
{
	for (uint32_t i = 0; i < c->rsu_hi; i++) {
		struct obu_rsu *r = &c->rsu[i];
		uint32_t k = 0;

		if (!r->used)
			continue;
		if (r->up == (int32_t)s) {
			obu_restrict_successors(c, r, s);
			r->up = OBU_NONE;
			r->view_ok = false;
			r->eval_clean = false;
		}
		for (uint32_t j = 0; j < r->ncand; j++)
			if (r->cand[j] != (int32_t)s)
				r->cand[k++] = r->cand[j];
		r->ncand = k;
	}
}

void obu_rsu_history_reset(struct obu_core *c, uint32_t ri)
{
	struct obu_rsu *r = &c->rsu[ri];

	r->have = false;
	r->view_ok = false;
	r->eval_clean = false;
	r->fifo_len = 0;
	r->fifo_head = 0;
	r->restricted = false;
	/* delivery statistics are per incarnation of the RSU */
	for (uint32_t i = 0; i < r->nnb; i++) {
		uint32_t s = r->nb[i];

		nbr_of(c, s)->have = false;
		nbr_of(c, s)->brought = false;
	}
}

void obu_rsu_forget(struct obu_core *c, uint32_t ri)
{
	struct obu_rsu *r = &c->rsu[ri];

	while (r->nnb > 0)
		core_tab_remove(&c->nbrs, r->nb[--r->nnb]);
	c->rsu[ri].used = false;
	c->rsu[ri].up = OBU_NONE;
	c->rsu[ri].view_ok = false;
	c->rsu[ri].eval_clean = false;
	c->rsu[ri].ncand = 0;
	c->rsu[ri].have = false;
	c->rsu[ri].fifo_len = 0;
	if (c->chosen == (int32_t)ri)
		c->chosen = OBU_NONE;
}

int32_t obu_rsu_find(const struct obu_core *c, const struct vn_mac *m)
{
	for (uint32_t i = 0; i < c->rsu_hi; i++)
		if (c->rsu[i].used && vn_mac_eq(&c->rsu[i].mac, m))
			return (int32_t)i;
	return OBU_NONE;
}

/* The RSU's slot, a new one, or OBU_NONE when the table is full of RSUs
 * heard within `history` periods. Live RSUs are never evicted: a forgotten
 * RSU's copies would look new again and bounce between OBUs (a storm that
 * fake RSU MACs could trigger at will). */
int32_t obu_rsu_get(struct obu_core *c, const struct vn_mac *m, vn_usec now)
{
	int32_t i = obu_rsu_find(c, m), victim = OBU_NONE;

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
		obu_rsu_forget(c, (uint32_t)victim);
		c->cnt[OC_rsus_evicted]++;
	}
	if ((uint32_t)victim >= c->rsu_hi)
		c->rsu_hi = (uint32_t)victim + 1;
	c->rsu[victim].used = true;
	c->rsu[victim].mac = *m;
	c->rsu[victim].up = OBU_NONE;
	c->rsu[victim].view_ok = false;
	c->rsu[victim].eval_clean = false;
	c->rsu[victim].ncand = 0;
	c->rsu[victim].better_since = 0;
	c->rsu[victim].last_heard = now;
	obu_rsu_history_reset(c, (uint32_t)victim);
	return victim;
}
