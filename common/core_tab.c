#include "core_tab.h"

#include <stdlib.h>
#include <string.h>

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

int core_tab_init(struct core_tab *t, uint32_t cap, size_t klen, uint32_t seed)
{
	uint32_t nb = 4;

	memset(t, 0, sizeof(*t));
	if (cap == 0 || cap > (1u << 24) || klen == 0 || klen > CORE_TAB_KEY_MAX)
		return -1;
	while (nb < 2 * cap)
		nb <<= 1;
	t->bucket = calloc(nb, sizeof(*t->bucket));
	t->keys = calloc(cap, klen);
	t->node = calloc(cap, sizeof(*t->node));
	if (t->bucket == NULL || t->keys == NULL || t->node == NULL) {
		core_tab_fini(t);
		return -1;
	}
	t->cap = cap;
	t->nbuckets = nb;
	t->klen = (uint8_t)klen;
	t->seed = seed;
	core_tab_clear(t);
	return 0;
}

void core_tab_fini(struct core_tab *t)
{
	free(t->bucket);
	free(t->keys);
	free(t->node);
	memset(t, 0, sizeof(*t));
}

void core_tab_clear(struct core_tab *t)
{
	memset(t->bucket, 0, t->nbuckets * sizeof(*t->bucket));
	for (uint32_t i = 0; i < t->cap; i++) {
		t->node[i].used = false;
		t->node[i].prev = CORE_TAB_NONE;
		t->node[i].next = i + 1 < t->cap ? i + 1 : CORE_TAB_NONE;
	}
	t->free_head = 0;
	t->head = t->tail = CORE_TAB_NONE;
	t->count = 0;
}

/* The bucket holding slot's key, or the empty bucket where key would go. */
static uint32_t tab_probe(const struct core_tab *t, const uint8_t *key)
{
	uint32_t mask = t->nbuckets - 1;
	uint32_t i = tab_hash(t, key) & mask;

	for (;;) {
		uint32_t v = t->bucket[i];

		if (v == 0 || memcmp(core_tab_key(t, v - 1), key, t->klen) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

uint32_t core_tab_find(const struct core_tab *t, const void *key)
{
	uint32_t v = t->bucket[tab_probe(t, key)];

	return v == 0 ? CORE_TAB_NONE : v - 1;
}

static void lru_unlink(struct core_tab *t, uint32_t s)
{
	struct core_tab_node *n = &t->node[s];

	if (n->prev != CORE_TAB_NONE)
		t->node[n->prev].next = n->next;
	else
		t->head = n->next;
	if (n->next != CORE_TAB_NONE)
		t->node[n->next].prev = n->prev;
	else
		t->tail = n->prev;
	n->prev = n->next = CORE_TAB_NONE;
}

static void lru_append(struct core_tab *t, uint32_t s)
{
	struct core_tab_node *n = &t->node[s];

	n->prev = t->tail;
	n->next = CORE_TAB_NONE;
	if (t->tail != CORE_TAB_NONE)
		t->node[t->tail].next = s;
	else
		t->head = s;
	t->tail = s;
}

/* Linear probing with backward-shift deletion: no tombstones, so lookups
 * never degrade however many entries come and go. */
static void index_delete(struct core_tab *t, uint32_t slot)
{
	uint32_t mask = t->nbuckets - 1;
	uint32_t i = tab_probe(t, core_tab_key(t, slot));
	uint32_t j = i;

	t->bucket[i] = 0;
	for (;;) {
		uint32_t v, home;

		j = (j + 1) & mask;
		v = t->bucket[j];
		if (v == 0)
			return;
		home = tab_hash(t, core_tab_key(t, v - 1)) & mask;
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
	if (!core_tab_used(t, slot))
		return;
	index_delete(t, slot);
	lru_unlink(t, slot);
	t->node[slot].used = false;
	t->node[slot].next = t->free_head;
	t->free_head = slot;
	t->count--;
}

uint32_t core_tab_insert(struct core_tab *t, const void *key, bool *evicted)
{
	uint32_t s;

	if (evicted != NULL)
		*evicted = false;
	if (t->free_head == CORE_TAB_NONE) {
		core_tab_remove(t, t->head);
		if (evicted != NULL)
			*evicted = true;
	}
	s = t->free_head;
	t->free_head = t->node[s].next;
	memcpy(t->keys + (size_t)s * t->klen, key, t->klen);
	t->bucket[tab_probe(t, key)] = s + 1;
	t->node[s].used = true;
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
