/* A bounded keyed table for the routing cores: open-addressing hash index
 * plus a least-recently-used list. It starts small (CORE_TAB_START entries)
 * and doubles on demand up to the capacity given to core_tab_init; inserting
 * into a table at that capacity evicts the least recently touched entry, so
 * a flood of fake keys can never grow memory past it. Growth is rare (log2 of
 * the capacity times at most) and amortised; if memory is short the table
 * stays at its size and evicts instead (counted in grow_failures): never a
 * crash, never a lost lookup.
 *
 * Entries are identified by a slot number in [0, cap), stable for an entry's
 * life (growth appends slots, it never moves an entry to another slot). Each
 * entry holds its LRU links, its key (fixed-size bytes: a MAC, an IP...) and
 * optionally the caller's value (core_tab_init_v), side by side, so that a
 * lookup touches one bucket and one entry. The entry array is cache-line
 * aligned: a 16-byte node and key plus a 48-byte value is exactly one line. Pointers from core_tab_key and
 * core_tab_val are invalidated by an insert (which may grow the table). */
#ifndef VN_CORE_TAB_H
#define VN_CORE_TAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORE_TAB_KEY_MAX 20
#define CORE_TAB_NONE UINT32_MAX
#define CORE_TAB_START 16	/* entries allocated at first */
#define CORE_TAB_CAP_MAX (1u << 24)

#define CORE_TAB_FREE (UINT32_MAX - 1) /* node.prev of a free slot */

struct core_tab_node {
	uint32_t prev, next; /* LRU list: head = least recently touched */
};

struct core_tab {
	uint32_t cap;	   /* entries allocated now, <= max */
	uint32_t max;	   /* entries at most (the capacity asked for) */
	uint32_t count;	   /* entries in use */
	uint32_t nbuckets; /* power of two, >= 2 * cap */
	uint32_t *bucket;  /* hash tag << 25 | (slot + 1), 0 = empty */
	uint8_t *ent;	   /* cap entries of `stride` bytes: node, key, value */
	uint32_t stride;
	uint32_t head, tail;
	uint32_t free_head; /* free slots chained through node.next */
	uint32_t seed;
	uint32_t grow_failures; /* growths refused for lack of memory */
	uint8_t klen;
	uint8_t voff;	   /* value offset in an entry */
};

/* A table of at most cap entries with klen-byte keys and no value (the
 * caller keeps its data elsewhere, by slot). Returns 0, or -1 if cap is 0 or
 * above CORE_TAB_CAP_MAX, klen is out of range or memory is short. */
int core_tab_init(struct core_tab *t, uint32_t cap, size_t klen, uint32_t seed);
/* The same, each entry also holding a vsize-byte value (8-byte aligned,
 * zeroed when the slot is first allocated, the caller's otherwise). */
int core_tab_init_v(struct core_tab *t, uint32_t cap, size_t klen, size_t vsize, uint32_t seed);
void core_tab_fini(struct core_tab *t);
/* Forgets every entry (memory kept). */
void core_tab_clear(struct core_tab *t);

/* The slot holding key, or CORE_TAB_NONE. */
uint32_t core_tab_find(const struct core_tab *t, const void *key);
/* Starts fetching the bucket where key's lookup begins, nothing else: lets
 * the cache misses of independent lookups overlap. */
void core_tab_prefetch(const struct core_tab *t, const void *key);
/* Makes sure the next insert finds a free slot without evicting, growing
 * the table if needed and allowed. false: the table is at its capacity (or
 * memory is short) and an insert would evict. */
bool core_tab_reserve(struct core_tab *t);
/* Adds key (must not be present) as the most recently touched entry and
 * returns its slot. If the table is full and cannot grow, the least
 * recently touched entry is evicted first; *evicted (may be NULL) tells
 * whether that happened (the slot returned is then the victim's, whose data
 * the caller overwrites). */
uint32_t core_tab_insert(struct core_tab *t, const void *key, bool *evicted);
/* Marks slot as the most recently touched. */
void core_tab_touch(struct core_tab *t, uint32_t slot);
void core_tab_remove(struct core_tab *t, uint32_t slot);
/* Heap bytes the table holds now. */
size_t core_tab_bytes(const struct core_tab *t);

#define CORE_TAB_KOFF 8 /* key offset in an entry, after the node */

static inline struct core_tab_node *core_tab_node(const struct core_tab *t, uint32_t slot)
{
	return (struct core_tab_node *)(void *)(t->ent + (size_t)slot * t->stride);
}

static inline const uint8_t *core_tab_key(const struct core_tab *t, uint32_t slot)
{
	return t->ent + (size_t)slot * t->stride + CORE_TAB_KOFF;
}

static inline void *core_tab_val(const struct core_tab *t, uint32_t slot)
{
	return t->ent + (size_t)slot * t->stride + t->voff;
}

/* LRU walk, oldest first: for (s = core_tab_oldest(t); s != CORE_TAB_NONE;
 * s = core_tab_newer(t, s)). Removing s during the walk is allowed if the
 * next slot is fetched first. */
static inline uint32_t core_tab_oldest(const struct core_tab *t)
{
	return t->head;
}

static inline uint32_t core_tab_newer(const struct core_tab *t, uint32_t slot)
{
	return core_tab_node(t, slot)->next;
}

static inline bool core_tab_used(const struct core_tab *t, uint32_t slot)
{
	return slot < t->cap && core_tab_node(t, slot)->prev != CORE_TAB_FREE;
}

#endif
