#include "pbuf.h"

#include <errno.h>
#include <stdlib.h>

/* Buffers are laid out on a 64-byte stride so that every one of them (not
 * only the first) starts on a cache line; VN_PBUF_SIZE itself is not a
 * multiple of 64. */
#define STRIDE(size) (((size_t)(size) + 63) & ~(size_t)63)

int vn_pool_init(struct vn_pool *p, size_t count)
{
	return vn_pool_init_sized(p, count, VN_PBUF_SIZE);
}

int vn_pool_init_sized(struct vn_pool *p, size_t count, size_t size)
{
	size_t stride = STRIDE(size);

	p->bufs = NULL;
	p->mem = NULL;
	p->free_list = NULL;
	p->count = 0;
	p->in_use = 0;
	if (count == 0 || size < VN_PBUF_HEADROOM) {
		errno = EINVAL;
		return -1;
	}
	p->bufs = calloc(count, sizeof(*p->bufs));
	/* 64-byte aligned storage: each buffer starts on a cache line. */
	if (p->bufs == NULL || count > SIZE_MAX / stride ||
	    posix_memalign((void **)&p->mem, 64, count * stride) != 0) {
		free(p->bufs);
		p->bufs = NULL;
		errno = ENOMEM;
		return -1;
	}
	p->count = count;
	for (size_t i = count; i-- > 0;) {
		vn_pbuf_init(&p->bufs[i], p->mem + i * stride, size);
		p->bufs[i].next_free = p->free_list;
		p->free_list = &p->bufs[i];
	}
	return 0;
}

void vn_pool_fini(struct vn_pool *p)
{
	free(p->bufs);
	free(p->mem);
	p->bufs = NULL;
	p->mem = NULL;
	p->free_list = NULL;
	p->count = p->in_use = 0;
}

struct vn_pbuf *vn_pool_get(struct vn_pool *p)
{
	struct vn_pbuf *b = p->free_list;

	if (b == NULL)
		return NULL;
	p->free_list = b->next_free;
	b->next_free = NULL;
	p->in_use++;
	vn_pbuf_reset(b, VN_PBUF_HEADROOM);
	return b;
}

void vn_pool_put(struct vn_pool *p, struct vn_pbuf *b)
{
	if (b == NULL)
		return;
	b->next_free = p->free_list;
	p->free_list = b;
	p->in_use--;
}
