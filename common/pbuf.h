/* Packet buffers: storage with headroom in front of the content, so that a
 * protocol header can be put in front of an IP packet without moving it
 * (PROTOCOL.md §3), and a fixed pool of them (no malloc per packet). */
#ifndef VN_PBUF_H
#define VN_PBUF_H

#include <stddef.h>
#include <stdint.h>

/* Room reserved in front of what is read from tun0 or the wire: the largest
 * header (Downstream, 28 bytes) plus the 14 bytes a secured frame's header
 * adds in front of it (common/sec.h, VN_SEC_SHIFT) and the 48 of the
 * largest sealed-packet header (VN_E2E_MAX_HLEN, mode = encrypt), rounded
 * up. A received
 * Upstream frame keeps it too, which is what lets the RSU turn it into a
 * Downstream in place. */
#define VN_PBUF_HEADROOM 96
/* Largest frame (or tun packet) a buffer holds; larger ones are detected as
 * truncated by the reader and dropped. Covers 9000-byte jumbo links. */
#define VN_PBUF_DATA_MAX 9216
#define VN_PBUF_SIZE (VN_PBUF_HEADROOM + VN_PBUF_DATA_MAX)

struct vn_pbuf {
	uint8_t *data;	/* first byte of the content */
	size_t len;	/* bytes of content */
	uint8_t *start; /* first byte of the storage */
	size_t size;	/* bytes of storage */
	struct vn_pbuf *next_free;
};

/* Wraps caller-owned storage (tests, simulator). */
static inline void vn_pbuf_init(struct vn_pbuf *b, uint8_t *mem, size_t size)
{
	b->start = mem;
	b->size = size;
	b->data = mem + (size >= VN_PBUF_HEADROOM ? VN_PBUF_HEADROOM : size);
	b->len = 0;
	b->next_free = NULL;
}

/* Empties the buffer and leaves `headroom` bytes free in front. */
static inline void vn_pbuf_reset(struct vn_pbuf *b, size_t headroom)
{
	b->data = b->start + (headroom <= b->size ? headroom : b->size);
	b->len = 0;
}

static inline size_t vn_pbuf_headroom(const struct vn_pbuf *b)
{
	return (size_t)(b->data - b->start);
}

static inline size_t vn_pbuf_tailroom(const struct vn_pbuf *b)
{
	return b->size - vn_pbuf_headroom(b) - b->len;
}

/* Grows the content by n bytes at the front; returns the new data pointer, or
 * NULL (buffer unchanged) if the headroom is too small. */
static inline uint8_t *vn_pbuf_push(struct vn_pbuf *b, size_t n)
{
	if (vn_pbuf_headroom(b) < n)
		return NULL;
	b->data -= n;
	b->len += n;
	return b->data;
}

/* Drops n bytes from the front; returns the new data pointer, or NULL
 * (buffer unchanged) if the content is shorter than n. */
static inline uint8_t *vn_pbuf_pull(struct vn_pbuf *b, size_t n)
{
	if (b->len < n)
		return NULL;
	b->data += n;
	b->len -= n;
	return b->data;
}

/* A fixed set of VN_PBUF_SIZE buffers, allocated once. */
struct vn_pool {
	struct vn_pbuf *bufs;
	uint8_t *mem;
	struct vn_pbuf *free_list;
	size_t count;
	size_t in_use;
};

/* Returns 0, or -1 (errno set) if the memory cannot be had. */
int vn_pool_init(struct vn_pool *p, size_t count);
/* The same with buffers of `size` bytes of storage (headroom included),
 * e.g. for 64 KB super-packets read from a tun with segmentation offload. */
int vn_pool_init_sized(struct vn_pool *p, size_t count, size_t size);
void vn_pool_fini(struct vn_pool *p);
/* A buffer reset to VN_PBUF_HEADROOM, or NULL when all are in use. */
struct vn_pbuf *vn_pool_get(struct vn_pool *p);
void vn_pool_put(struct vn_pool *p, struct vn_pbuf *b);

#endif
