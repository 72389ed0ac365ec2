/* A fixed-capacity keyed table for the routing cores: open-addressing hash
 * index plus a least-recently-used list. Allocated once (core_tab_init);
 * inserting into a full table evicts the least recently touched entry, so a
 * flood of fake keys can never grow memory. Entries are identified by a slot
 * number in [0, cap): the caller keeps its per-entry data in its own array
 * indexed by slot. Keys are fixed-size byte strings (a MAC, an IP...). */
#ifndef VN_CORE_TAB_H
#define VN_CORE_TAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORE_TAB_KEY_MAX 20
#define CORE_TAB_NONE UINT32_MAX

struct core_tab_node {
	uint32_t prev, next; /* LRU list: head = least recently touched */
	bool used;
};

struct core_tab {
	uint32_t cap;	   /* entries */
	uint32_t count;	   /* entries in use */
	uint32_t nbuckets; /* power of two, >= 2 * cap */
	uint32_t *bucket;  /* slot + 1, 0 = empty */
	uint8_t *keys;	   /* cap * klen bytes */
	struct core_tab_node *node;
	uint32_t head, tail;
	uint32_t free_head; /* free slots chained through node.next */
	uint32_t seed;
	uint8_t klen;
};

/* Returns 0, or -1 if cap is 0, klen is out of range or memory is short. */
int core_tab_init(struct core_tab *t, uint32_t cap, size_t klen, uint32_t seed);
void core_tab_fini(struct core_tab *t);
/* Forgets every entry (capacity unchanged). */
void core_tab_clear(struct core_tab *t);

/* The slot holding key, or CORE_TAB_NONE. */
uint32_t core_tab_find(const struct core_tab *t, const void *key);
/* Adds key (must not be present) as the most recently touched entry and
 * returns its slot. If the table is full the least recently touched entry
 * is evicted first; *evicted (may be NULL) tells whether that happened (the
 * slot returned is then the victim's, whose data the caller overwrites). */
uint32_t core_tab_insert(struct core_tab *t, const void *key, bool *evicted);
/* Marks slot as the most recently touched. */
void core_tab_touch(struct core_tab *t, uint32_t slot);
void core_tab_remove(struct core_tab *t, uint32_t slot);

static inline const uint8_t *core_tab_key(const struct core_tab *t, uint32_t slot)
{
	return t->keys + (size_t)slot * t->klen;
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
	return t->node[slot].next;
}

static inline bool core_tab_used(const struct core_tab *t, uint32_t slot)
{
	return slot < t->cap && t->node[slot].used;
}

#endif
