/* Replay windows (RFC 6479) and token buckets: the bookkeeping that sits
 * between a frame's verified tag and the cores. */
#include "sec.h"

#include <string.h>

#define BLOCK_BITS 64u

void vn_replay_init(struct vn_replay *r)
{
	memset(r, 0, sizeof(*r));
}

/* True if ctr is new: ahead of the newest, or inside the window and not yet
 * seen. Changes nothing: a frame is only recorded once it is verified. */
bool vn_replay_check(const struct vn_replay *r, uint64_t ctr)
{
	uint64_t block;

	if (!r->used || ctr > r->top)
		return true;
	if (r->top - ctr >= VN_REPLAY_WINDOW)
		return false;
	block = (ctr / BLOCK_BITS) % VN_REPLAY_BLOCKS;
	return (r->bitmap[block] & (1ull << (ctr % BLOCK_BITS))) == 0;
}

/* Records ctr; moving the top clears the blocks it passes, never more than
 * the whole ring (a counter that jumps far ahead costs as little as +1). */
void vn_replay_update(struct vn_replay *r, uint64_t ctr)
{
	uint64_t block = ctr / BLOCK_BITS;

	if (!r->used) {
		memset(r->bitmap, 0, sizeof(r->bitmap));
		r->used = true;
		r->top = ctr;
	} else if (ctr > r->top) {
		uint64_t cur = r->top / BLOCK_BITS, diff = block - cur;

		if (diff > VN_REPLAY_BLOCKS)
			diff = VN_REPLAY_BLOCKS;
		for (uint64_t i = 1; i <= diff; i++)
			r->bitmap[(cur + i) % VN_REPLAY_BLOCKS] = 0;
		r->top = ctr;
	}
	r->bitmap[block % VN_REPLAY_BLOCKS] |= 1ull << (ctr % BLOCK_BITS);
}

/* Tokens are kept in millionths, so that a refill of rate tokens/s over
 * dt microseconds is exactly dt * rate: nothing is lost to rounding
 * however often the bucket is asked. */
#define MICRO 1000000u

void vn_bucket_init(struct vn_bucket *b, uint32_t rate, uint32_t burst, vn_usec now)
{
	b->rate = rate;
	b->burst = burst;
	b->tokens_micro = (uint64_t)burst * MICRO;
	b->last = now;
}

bool vn_bucket_take(struct vn_bucket *b, vn_usec now)
{
	uint64_t cap = (uint64_t)b->burst * MICRO;

	if (now > b->last) {
		/* an hour refills any bucket; the clamp keeps dt * rate in range */
		uint64_t dt = now - b->last > 3600ull * MICRO ? 3600ull * MICRO : now - b->last;
		uint64_t add = dt * b->rate;

		b->tokens_micro = add >= cap - b->tokens_micro ? cap : b->tokens_micro + add;
		b->last = now;
	}
	if (b->tokens_micro < MICRO)
		return false;
	b->tokens_micro -= MICRO;
	return true;
}
