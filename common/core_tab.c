#include "core_tab.h"

#include <stdlib.h>
#include <string.h>

#define SLOT_BITS 25 /* slot + 1 <= CORE_TAB_CAP_MAX fits in 25 bits */
#define SLOT_MASK ((1u << SLOT_BITS) - 1)

/* Eight key bytes per multiply, seeded per table so that colliding keys
 * cannot be precomputed for every node alike. */
static uint32_t tab_hash(const struct core_tab *t, const uint8_t *key)
{
	uint64_t h = (uint64_t)t->seed * 0x9e3779b97f4a7c15ull + t->klen, w;
	size_t i;

	for (i = 0; i + 8 <= t->klen; i += 8) {
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	if (i < t->klen) {
		w = 0;
		memcpy(&w, key + i, t->klen - i);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebull;
	return (uint32_t)(h >> 32);
}

/* The bucket word's tag: the hash's top bits, which the index (low bits,
 * nbuckets <= 2^25) never uses; a probe compares keys only when it matches. */
static uint32_t tag_of(uint32_t h)
{
	return h & ~SLOT_MASK;
}

/* Fixed sizes get an inlined compare instead of a call to memcmp. */
static bool key_eq(const struct core_tab *t, const uint8_t *a, const uint8_t *b)
{
	switch (t->klen) {
	case 6:
		return memcmp(a, b, 6) == 0;
	case 8:
		return memcmp(a, b, 8) == 0;
	default:
		return memcmp(a, b, t->klen) == 0;
	}
}

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

/* Chains slots [from, to) into the free list, in order, ahead of free_head. */
static void free_chain(struct core_tab *t, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++) {
		struct core_tab_node *n = core_tab_node(t, i);

		n->prev = CORE_TAB_FREE;
		n->next = i + 1 < to ? i + 1 : t->free_head;
	}
	if (from < to)
		t->free_head = from;
}

/* Puts every used entry into a zeroed bucket array of nb buckets. */
static void index_build(struct core_tab *t, uint32_t *bucket, uint32_t nb)
{
	for (uint32_t s = t->head; s != CORE_TAB_NONE; s = core_tab_node(t, s)->next) {
		uint32_t h = tab_hash(t, core_tab_key(t, s)), i = h & (nb - 1);

		while (bucket[i] != 0)
			i = (i + 1) & (nb - 1);
		bucket[i] = tag_of(h) | (s + 1);
	}
}

/* Entries [0, cap) of at least 2 * cap buckets. The entry array is moved,
 * not realloc'd, to keep it cache-line aligned; a failure leaves the table
 * as it was. */
static int tab_resize(struct core_tab *t, uint32_t cap)
{
	uint32_t nb = t->nbuckets ? t->nbuckets : 4;
	size_t old = (size_t)t->cap * t->stride, size = (size_t)cap * t->stride;
	uint32_t *bucket = NULL;
	uint8_t *ent;

	while (nb < 2 * cap)
		nb <<= 1;
	ent = aligned_alloc(64, align_up(size, 64));
	if (ent != NULL && nb != t->nbuckets)
		bucket = calloc(nb, sizeof(*bucket));
	if (ent == NULL || (nb != t->nbuckets && bucket == NULL)) {
		free(ent);
		return -1;
	}
	if (old > 0)
		memcpy(ent, t->ent, old);
	memset(ent + old, 0, size - old);
	free(t->ent);
	t->ent = ent;
	if (bucket != NULL) {
		index_build(t, bucket, nb);
		free(t->bucket);
		t->bucket = bucket;
		t->nbuckets = nb;
	}
	/* the free list is empty when we grow (or the table is new) */
	free_chain(t, t->cap, cap);
	t->cap = cap;
	return 0;
}

int core_tab_init_v(struct core_tab *t, uint32_t cap, size_t klen, size_t vsize, uint32_t seed)
{
	size_t voff = align_up(CORE_TAB_KOFF + klen, 8);

	memset(t, 0, sizeof(*t));
	if (cap == 0 || cap > CORE_TAB_CAP_MAX || klen == 0 || klen > CORE_TAB_KEY_MAX ||
	    vsize > 4096)
		return -1;
	t->max = cap;
	t->klen = (uint8_t)klen;
	t->voff = (uint8_t)voff;
	t->stride = (uint32_t)(vsize ? align_up(voff + vsize, 8) : align_up(CORE_TAB_KOFF + klen, 4));
	t->seed = seed;
	t->head = t->tail = CORE_TAB_NONE;
	t->free_head = CORE_TAB_NONE;
	if (tab_resize(t, cap < CORE_TAB_START ? cap : CORE_TAB_START) != 0) {
		core_tab_fini(t);
		return -1;
	}
	return 0;
}

int core_tab_init(struct core_tab *t, uint32_t cap, size_t klen, uint32_t seed)
{
	return core_tab_init_v(t, cap, klen, 0, seed);
}

void core_tab_fini(struct core_tab *t)
{
	free(t->bucket);
	free(t->ent);
	memset(t, 0, sizeof(*t));
}

void core_tab_clear(struct core_tab *t)
{
	memset(t->bucket, 0, t->nbuckets * sizeof(*t->bucket));
	t->free_head = CORE_TAB_NONE;
	free_chain(t, 0, t->cap);
	t->head = t->tail = CORE_TAB_NONE;
	t->count = 0;
}

size_t core_tab_bytes(const struct core_tab *t)
{
	return (size_t)t->cap * t->stride + (size_t)t->nbuckets * sizeof(*t->bucket);
}

/* The bucket holding key, or the empty bucket where it would go. */
static uint32_t tab_probe(const struct core_tab *t, const uint8_t *key, uint32_t h)
{
	uint32_t mask = t->nbuckets - 1, tag = tag_of(h);
	uint32_t i = h & mask;

	for (;;) {
		uint32_t v = t->bucket[i];

		if (v == 0 || ((v & ~SLOT_MASK) == tag &&
			       key_eq(t, core_tab_key(t, (v & SLOT_MASK) - 1), key)))
			return i;
		i = (i + 1) & mask;
	}
}

uint32_t core_tab_find(const struct core_tab *t, const void *key)
{
	uint32_t v = t->bucket[tab_probe(t, key, tab_hash(t, key))];

	return v == 0 ? CORE_TAB_NONE : (v & SLOT_MASK) - 1;
}

void core_tab_prefetch(const struct core_tab *t, const void *key)
{
	__builtin_prefetch(&t->bucket[tab_hash(t, key) & (t->nbuckets - 1)]);
}

static void lru_unlink(struct core_tab *t, uint32_t s)
{
	struct core_tab_node *n = core_tab_node(t, s);

	if (n->prev != CORE_TAB_NONE)
		core_tab_node(t, n->prev)->next = n->next;
	else
		t->head = n->next;
	if (n->next != CORE_TAB_NONE)
		core_tab_node(t, n->next)->prev = n->prev;
	else
		t->tail = n->prev;
	n->prev = n->next = CORE_TAB_NONE;
}

static void lru_append(struct core_tab *t, uint32_t s)
{
	struct core_tab_node *n = core_tab_node(t, s);

	n->prev = t->tail;
	n->next = CORE_TAB_NONE;
	if (t->tail != CORE_TAB_NONE)
		core_tab_node(t, t->tail)->next = s;
	else
		t->head = s;
	t->tail = s;
}

/* Linear probing with backward-shift deletion: no tombstones, so lookups
 * never degrade however many entries come and go. */
static void index_delete(struct core_tab *t, uint32_t slot)
{
	uint32_t mask = t->nbuckets - 1;
	const uint8_t *key = core_tab_key(t, slot);
	uint32_t i = tab_probe(t, key, tab_hash(t, key));
	uint32_t j = i;

	t->bucket[i] = 0;
	for (;;) {
		uint32_t v, home;

		j = (j + 1) & mask;
		v = t->bucket[j];
		if (v == 0)
			return;
		home = tab_hash(t, core_tab_key(t, (v & SLOT_MASK) - 1)) & mask;
		/* Move v back into the hole at i unless its home lies
		 * cyclically in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->bucket[i] = v;
			t->bucket[j] = 0;
			i = j;
		}
	}
}

void core_tab_remove(struct core_tab *t, uint32_t slot)
{
	struct core_tab_node *n;

	if (!core_tab_used(t, slot))
		return;
	index_delete(t, slot);
	lru_unlink(t, slot);
	n = core_tab_node(t, slot);
	n->prev = CORE_TAB_FREE;
	n->next = t->free_head;
	t->free_head = slot;
	t->count--;
}

bool core_tab_reserve(struct core_tab *t)
{
	uint32_t cap;

	if (t->free_head != CORE_TAB_NONE)
		return true;
	if (t->cap >= t->max)
		return false;
	cap = t->cap <= t->max / 2 ? 2 * t->cap : t->max;
	if (tab_resize(t, cap) != 0) {
		t->grow_failures++;
		return false;
	}
	return true;
}

uint32_t core_tab_insert(struct core_tab *t, const void *key, bool *evicted)
{
	struct core_tab_node *n;
	uint32_t s, h;

	if (evicted != NULL)
		*evicted = false;
	if (!core_tab_reserve(t)) {
		core_tab_remove(t, t->head);
		if (evicted != NULL)
			*evicted = true;
	}
	s = t->free_head;
	n = core_tab_node(t, s);
	t->free_head = n->next;
	memcpy(t->ent + (size_t)s * t->stride + CORE_TAB_KOFF, key, t->klen);
	h = tab_hash(t, key);
	t->bucket[tab_probe(t, key, h)] = tag_of(h) | (s + 1);
	lru_append(t, s);
	t->count++;
	return s;
}

void core_tab_touch(struct core_tab *t, uint32_t slot)
{
	if (!core_tab_used(t, slot) || t->tail == slot)
		return;
	lru_unlink(t, slot);
	lru_append(t, slot);
}
