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

static uint32_t popcount64(uint64_t x)
{
	return popcount32((uint32_t)x) + popcount32((uint32_t)(x >> 32));
}

/* Bits 0, K, 2K, ... of a 64-bit map, for K = 2^klog (K divides 64). */
static uint64_t every_k(uint32_t klog)
{
	static const uint64_t pat[7] = {
		~0ull, 0x5555555555555555ull, 0x1111111111111111ull, 0x0101010101010101ull,
		0x0001000100010001ull, 0x0000000100000001ull, 1ull,
	};

	return pat[klog];
}

/* The bits of n's map for the ids it is due to relay: id last_id - i is
 * due iff (id + stagger) % K == 0, i.e. i = (last_id + stagger) % K + jK.
 * Ids from win_id on are due at K_X, older ones at its previous period. */
static uint64_t due_map(const struct obu_nbr *n, uint32_t st)
{
	uint32_t kx = 1u << n->klog, kp = 1u << n->kprev, split = n->last_id - n->win_id;
	uint64_t now_part = every_k(n->klog) << ((n->last_id + st) & (kx - 1));
	uint64_t old_part = every_k(n->kprev) << ((n->last_id + st) & (kp - 1));
	uint64_t recent = split >= 63 ? ~0ull : (2ull << split) - 1;

	return (now_part & recent) | (old_part & ~recent);
}

/* Ids n in [a, a + len) with (n + st) % K == 0 (K a power of two). */
static uint32_t due_count(uint32_t a, uint32_t len, uint32_t klog, uint32_t st)
{
	uint32_t k = 1u << klog, off = (k - ((a + st) & (k - 1))) & (k - 1);

	return off < len ? 1 + (len - 1 - off) / k : 0;
}

/* Whether neighbour s's ratio is judged as a sparse relay's (64 ids, its
 * due ids counting twice in the bound): while it is sparse, and while it
 * is our upstream and the last 32 ids still hold ids judged at the sparse
 * period it had before it went full for us. Judged as a full one at once,
 * the relay we had just chosen dropped from 60 to 46 points (4 of 4 due
 * ids, no longer doubled) and a 40 %-lossy direct link took us back
 * (sim_preference, seed 3 of 16). Only our upstream: a lossy full
 * neighbour whose ids fit a sparse pattern by chance would be doubled too. */
static bool judged_sparse(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	const struct obu_nbr *n = nbr_of(c, s);

	return n->klog > 0 ||
	       (r->up == s && n->kprev > 0 && r->newest - n->win_id < OBU_RATIO_WINDOW);
}

/* Share (percent) of the ids due from this neighbour among the RSU's recent
 * ones that it delivered (rule 5): a sparse relay is judged on its own set,
 * not as a lossy link. Only settled ids count -- those before the newest:
 * when the first copy of id n arrives the other neighbours' copies of n are
 * still on their way. The window is the last 32 settled ids (64 for a
 * sparse neighbour: 4 due ids at K 16), shortened to the time we have known
 * it but not below 8 ids (2 due ids): a neighbour that just appeared must
 * prove itself before it can displace an established one (no flapping). */
uint32_t obu_nbr_ratio(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	return obu_nbr_ratio_at(c, r, s, judged_sparse(c, r, s) ? 64 : OBU_RATIO_WINDOW,
				r->newest);
}

static uint32_t nbr_counts(const struct obu_core *c, const struct obu_rsu *r, int32_t s,
			   uint32_t w, uint32_t newest, uint32_t *gotp, uint32_t *duep);

/* The same over a window of w (<= 64) settled ids before `newest`. */
uint32_t obu_nbr_ratio_at(const struct obu_core *c, const struct obu_rsu *r, int32_t s, uint32_t w,
			  uint32_t newest)
{
	uint32_t got, due;

	return nbr_counts(c, r, s, w, newest, &got, &due);
}

static uint32_t isqrt32(uint32_t v)
{
	uint32_t x = 0, b = 1u << 30;

	while (b > v)
		b >>= 2;
	while (b != 0) {
		if (v >= x + b) {
			v -= x + b;
			x = (x >> 1) + b;
		} else {
			x >>= 1;
		}
		b >>= 2;
	}
	return x;
}

/* The lower confidence bound (percent) of the delivery ratio behind
 * obu_nbr_ratio: Wilson's score interval at z = sqrt(2) (about 92 %
 * one-sided), (x + 1 - sqrt(2x(n - x)/n + 1)) / (n + 2) for x of n due
 * ids delivered. A ratio resting on a few due ids (a sparse relay: 4 in 64
 * ids; a neighbour just met) is worth less than the same ratio over 32:
 * 4 of 4 gives 66, 32 of 32 gives 94, 22 of 32 gives 56. Choosing by it
 * stops the moves that are only sampling noise (among many candidates one
 * reads 100 % by luck) and prefers relays already at full duty, which
 * cost the channel nothing more when one more OBU depends on them. */
uint32_t obu_nbr_lcb(const struct obu_core *c, const struct obu_rsu *r, int32_t s)
{
	bool sparse = judged_sparse(c, r, s);
	uint32_t x, due, pct, root;

	pct = nbr_counts(c, r, s, sparse ? 64 : OBU_RATIO_WINDOW, r->newest, &x, &due);
	if (sparse) {
		/* a sparse relay's 4 due ids count twice: at 4 of 4 (66) a
		 * clean two-hop path through a relay nobody uses yet could
		 * never displace a 40 %-lossy direct link (netns
		 * integration.failover); 8 of 8 gives 80, still well below a
		 * clean full neighbour's 94 */
		x *= 2;
		due *= 2;
	}
	if (due == 0)
		return pct / 2; /* nothing settled: half its word */
	if (x > due)
		x = due;
	root = isqrt32(20000u * x * (due - x) / due + 10000u);
	return (100u * (x + 1) - root) / (due + 2);
}

/* obu_nbr_ratio_at, with the ids delivered (*got) and due (*due). */
static uint32_t nbr_counts(const struct obu_core *c, const struct obu_rsu *r, int32_t s,
			   uint32_t w, uint32_t newest, uint32_t *gotp, uint32_t *duep)
{
	const struct obu_nbr *n = nbr_of(c, s);
	uint32_t fl = n->klog == 0 ? OBU_RATIO_MIN_SPAN : 2u << n->klog;
	uint32_t rsu_span, nbr_span, span, due, got = 0, st, a;
	int32_t d1;

	*gotp = *duep = 0;
	if (!n->have || !r->have)
		return 0;
	rsu_span = newest - r->first_id;
	if (rsu_span == 0)
		return n->last_id == newest ? 100 : 0; /* nothing settled yet */
	nbr_span = newest - n->first_id;
	if (rsu_span > w)
		rsu_span = w;
	if (nbr_span > w) /* also a first_id "after" newest: a late old copy */
		nbr_span = w;
	if (fl > rsu_span)
		fl = rsu_span;
	span = nbr_span > fl ? nbr_span : fl;
	st = obu_stagger(&nbr_key(c, (uint32_t)s)->mac);
	/* ids newest - span .. newest - 1; those from win_id on at K_X */
	a = newest - span;
	/* Every settled id before win_id is judged at the old period, also
	 * when the first denser copy is the newest id itself (win_id ==
	 * newest, not settled yet): judged at the new period, a relay that
	 * had just gone full for a node that chose it read about 30 % for
	 * that one evaluation, and that node dropped it and came back. */
	if ((int32_t)(n->win_id - a) > 0 && (int32_t)(n->win_id - newest) <= 0) {
		uint32_t old = n->win_id - a;

		due = due_count(a, old, n->kprev, st) + due_count(n->win_id, span - old, n->klog, st);
	} else {
		due = due_count(a, span, n->klog, st);
	}
	if (due == 0)
		return n->last_id == newest ? 100 : 0;
	/* Id newest - k is bit d = last_id - (newest - k) of the map, for k
	 * in 1..span: consecutive bits from d1 (k = 1) on. */
	d1 = (int32_t)(n->last_id - newest + 1u);
	if (d1 <= 63) {
		int32_t lo = d1 > 0 ? d1 : 0, hi = d1 + (int32_t)span - 1;

		if (hi > 63)
			hi = 63;
		if (lo <= hi) {
			uint64_t range = (hi - lo == 63 ? ~0ull : (2ull << (hi - lo)) - 1) << lo;

			got = popcount64(n->mask & range & due_map(n, st));
		}
	}
	*gotp = got;
	*duep = due;
	return got >= due ? 100 : got * 100 / due;
}

/* The largest power of two K <= kr that both of the last two ids n
 * delivered fit, (n + st) % K == 0, as log2; 0 without a previous one in
 * the map. A full neighbour's last two are consecutive unless ids were
 * lost in between: K 8 takes seven losses in a row. */
static uint32_t tail_klog(const struct obu_nbr *n, uint32_t st, uint32_t kr)
{
	uint64_t older = n->mask & ~1ull;
	uint32_t g = 0, kl = 0;

	if (older == 0)
		return 0;
	while (!(older >> g & 1))
		g++;
	while ((2u << kl) <= kr && (g & ((2u << kl) - 1)) == 0 &&
	       ((n->last_id + st) & ((2u << kl) - 1)) == 0)
		kl++;
	return kl;
}

/* Evidence that a neighbour went sparser: since its newest id outside the
 * sparser set it delivered RISE_GOT ids of that set and none of the
 * RISE_MISSES or more ids due only at its old period. A neighbour still at
 * the old period with delivery ratio q shows that with probability at most
 * q^5 (1 - q)^5 <= 1/1024 (q = 0.5; 0.08 % behind a 40 %-lossy link). A
 * relay whose one extra start-up copy fits K 4 and whose copies since fit
 * K 8 shows it at its sixth K 8 copy (sim_preference seed 7: id 49, 4.9 s;
 * the 64-id map alone waited until id 73). */
#define RISE_MISSES 5
#define RISE_GOT 5

/* log2 of the sparsest period K > K_X the neighbour's newest ids prove: all
 * it delivered since its newest id outside K's set fit K, RISE_GOT of
 * them, and it missed RISE_MISSES or more ids due at K_X but not at K in
 * between; 0 if none. Only deliveries move this: a neighbour that went
 * silent (died) proves nothing and keeps its period. */
static uint32_t rise_klog(const struct obu_nbr *n, uint32_t st, uint32_t kr)
{
	for (uint32_t kl = 6; kl > n->klog; kl--) {
		uint32_t k = 1u << kl, b = 0, got, missed;
		uint64_t bad, tail;

		if (k > kr)
			continue;
		bad = n->mask & ~(every_k(kl) << ((n->last_id + st) & (k - 1)));
		if (bad == 0)
			continue; /* the whole map fits: obu_nbr_infer's own case */
		while (!(bad >> b & 1))
			b++;
		tail = n->mask & ((1ull << b) - 1); /* b <= 63 */
		got = popcount64(tail);
		/* ids last_id - b + 1 .. last_id: due at K_X, not at K, none delivered */
		missed = due_count(n->last_id - b + 1, b, n->klog, st) -
			 due_count(n->last_id - b + 1, b, kl, st);
		if (got >= RISE_GOT && missed >= RISE_MISSES)
			return kl;
	}
	return 0;
}

/* K_X after a rise that rise_klog proves (rule 5, nested sets): the ids
 * outside the new set leave the map, so the past denser duty does not read
 * as loss for the 64 ids it would stay there; the ids of the new set it
 * delivered before stay (at the denser period it delivered those too).
 * Only from a sparse period (K_X >= 2): from full duty the old window
 * matters to liveness (m(p) of a relay we then choose, judged at the
 * intermediate K 2 it showed first, lengthened a 10 %-loss failover from
 * 225 to 315 ms, sim_liveness seed 12), and a full neighbour's silence is
 * already judged at its sparse floor (obu_live_klog). Not our upstream:
 * it is at full duty for us, and its silence must not be taken for a rise. */
static uint32_t went_sparser(struct obu_core *c, int32_t s, uint32_t st, uint32_t kl)
{
	struct obu_nbr *n = nbr_of(c, s);
	uint32_t up;

	if (kl == 0 || kl >= 6 || c->rsu[nbr_key(c, (uint32_t)s)->rsu].up == s)
		return kl;
	up = rise_klog(n, st, obu_k_max(c));
	if (up <= kl)
		return kl;
	n->mask &= every_k(up) << ((n->last_id + st) & ((1u << up) - 1));
	return up;
}

/* K_X: the largest power of two K <= 2 K_r (rule 1b) such that every id n delivered
 * (the 64-id map) has (n + stagger) % K == 0 (rule 5, nested sets). When
 * it drops (the neighbour went denser, e.g. became someone's upstream) its
 * window splits there: older ids stay judged at the old period. When the
 * newest ids prove a sparser set, it rises at once (went_sparser). */
void obu_nbr_infer(struct obu_core *c, int32_t s)
{
	struct obu_nbr *n = nbr_of(c, s);
	uint32_t st = obu_stagger(&nbr_key(c, (uint32_t)s)->mac), kl = 0;

	while ((1u << (kl + 1)) <= obu_k_max(c)) {
		uint32_t k = 2u << kl;

		if (n->mask & ~(every_k(kl + 1) << ((n->last_id + st) & (k - 1))))
			break;
		kl++;
	}
	if (kl == n->klog)
		kl = went_sparser(c, s, st, kl);
	if (kl < n->klog) {
		/* A second drop within one old period of the first (K 8, then an
		 * id that happens to fit K 2, then K 1): the middle period was
		 * never seen over a whole cycle, so the ids before the new split
		 * stay judged at the old one. Judging them at the middle period
		 * would count the ids due only there as lost (31 % for a clean
		 * relay, dropped by the node that just chose it); nested sets make
		 * the sparser judgement the safe one. */
		if (n->kprev < n->klog || n->last_id - n->win_id >= (1u << n->kprev))
			n->kprev = n->klog;
		n->win_id = n->last_id;
	} else if (kl > n->klog) {
		n->kprev = (uint8_t)kl;
	}
	n->klog = (uint8_t)kl;
	n->ktail = (uint8_t)tail_klog(n, st, obu_k_max(c));
}

void obu_nbr_record(struct obu_nbr *n, uint32_t id)
{
	int32_t d;

	if (!n->have) {
		n->have = true;
		n->last_id = id;
		n->first_id = id;
		n->win_id = id;
		n->klog = n->kprev = n->ktail = 0;
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
	nbr_of(c, s)->ridx = (uint16_t)r->nnb;
	r->nb[r->nnb++] = s;
	return 0;
}

static void nbr_unlink(struct obu_core *c, uint32_t s)
{
	struct obu_rsu *r = &c->rsu[nbr_key(c, s)->rsu];
	uint32_t i = nbr_of(c, s)->ridx, last = r->nb[--r->nnb];

	r->nb[i] = last;
	nbr_of(c, last)->ridx = (uint16_t)i;
}

/* Every removal goes through here, so that the RSU's list stays exact. */
void obu_nbr_remove(struct obu_core *c, uint32_t s)
{
	struct obu_rsu *r = &c->rsu[nbr_key(c, s)->rsu];

	if (r->left_up == (int32_t)s)
		r->left_up = OBU_NONE; /* the slot may be reused */
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

int32_t obu_nbr_find(const struct obu_core *c, const struct vn_mac *m, uint32_t ri)
{
	return nbr_find(c, m, ri);
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
	memset(r->ring, 0, sizeof(r->ring));
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
	c->rsu[ri].left_up = OBU_NONE;
	c->rsu[ri].view_ok = false;
	c->rsu[ri].eval_clean = false;
	c->rsu[ri].ncand = 0;
	c->rsu[ri].have = false;
	c->rsu[ri].fifo_len = 0;
	if (c->chosen == (int32_t)ri)
		c->chosen = OBU_NONE;
	if (c->replied_rsu == (int32_t)ri)
		c->replied_rsu = OBU_NONE; /* a new RSU in this slot gets a reply at once */
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
		if ((int32_t)j == c->chosen || age(now, c->rsu[j].last_heard) <= obu_rsu_gone_after(c, j))
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
	c->rsu[victim].left_up = OBU_NONE;
	c->rsu[victim].view_ok = false;
	c->rsu[victim].eval_clean = false;
	c->rsu[victim].ncand = 0;
	c->rsu[victim].better_since = 0;
	c->rsu[victim].last_heard = now;
	c->rsu[victim].period = 0;
	c->rsu[victim].dep_until = 0;
	c->rsu[victim].n_live = 0;
	c->rsu[victim].up_dead = false;
	c->rsu[victim].stale_pick = false;
	obu_rsu_history_reset(c, (uint32_t)victim);
	return victim;
}
