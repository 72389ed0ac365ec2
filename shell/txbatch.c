#include "txbatch.h"

#include <errno.h>
#include <string.h>

void vn_txb_init(struct vn_txbatch *t, const void *held, size_t held_len, size_t slot)
{
	memset(t->used, 0, sizeof(t->used));
	t->nreg = 0;
	t->n = 0;
	t->copy_used = 0;
	if (held != NULL)
		(void)vn_txb_hold(t, held, held_len, slot);
}

bool vn_txb_hold(struct vn_txbatch *t, const void *held, size_t held_len, size_t slot)
{
	struct vn_txb_region *r = &t->reg[t->nreg];

	if (t->nreg == VN_TXB_REGIONS || held == NULL)
		return false;
	r->lo = held;
	r->hi = r->lo + held_len;
	r->slot = slot > 0 ? slot : 1;
	r->first = 0;
	if (t->nreg > 0) {
		const struct vn_txb_region *q = &t->reg[t->nreg - 1];

		r->first = q->first + (size_t)(q->hi - q->lo) / q->slot + 1;
	}
	t->nreg++;
	return true;
}

static const struct vn_txb_region *region_of(const struct vn_txbatch *t, const uint8_t *p,
					     size_t len)
{
	for (size_t i = 0; i < t->nreg; i++) {
		const struct vn_txb_region *r = &t->reg[i];

		if (p >= r->lo && p <= r->hi && len <= (size_t)(r->hi - p))
			return r;
	}
	return NULL;
}

bool vn_txb_held(const struct vn_txbatch *t, const uint8_t *p, size_t len)
{
	return region_of(t, p, len) != NULL;
}

/* A queued frame whose bytes a new one overlaps: the core rewrote bytes it
 * had already sent (not done today, but it would be legal under the
 * synchronous send contract), so the queued frame must go out first. */
static bool overlaps(struct vn_txbatch *t, const struct vn_txb_region *r, const uint8_t *p,
		     size_t len)
{
	size_t s = r->first + (size_t)(p - r->lo) / r->slot;

	if (s < VN_TXB_SLOTS) {
		uint64_t bit = 1ull << (s % 64);

		if (!(t->used[s / 64] & bit)) {
			t->used[s / 64] |= bit;
			return false;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct msghdr *h = &t->msgs[i].msg_hdr;

		for (size_t k = 0; k < h->msg_iovlen; k++) {
			const uint8_t *q = h->msg_iov[k].iov_base;

			if (p < q + h->msg_iov[k].iov_len && q < p + len)
				return true;
		}
	}
	return false;
}

static void put(struct vn_txbatch *t, const struct iovec *iov, size_t n)
{
	struct msghdr *h = &t->msgs[t->n].msg_hdr;

	memset(h, 0, sizeof(*h));
	memcpy(t->iov[t->n], iov, n * sizeof(*iov));
	h->msg_iov = t->iov[t->n];
	h->msg_iovlen = n;
	t->n++;
}

bool vn_txb_add(struct vn_txbatch *t, const uint8_t *frame, size_t len)
{
	struct iovec v = { (void *)frame, len };
	const struct vn_txb_region *r;

	if (t->n == VN_TXB_MAX)
		return false;
	r = region_of(t, frame, len);
	if (r == NULL) {
		if (len > VN_TXB_COPY - t->copy_used)
			return false;
		/* A control frame from a core's scratch buffer, which the
		 * next message may overwrite: not a data packet. */
		v.iov_base = memcpy(t->copy + t->copy_used, frame, len);
		t->copy_used += len;
	} else if (overlaps(t, r, frame, len)) {
		return false;
	}
	put(t, &v, 1);
	return true;
}

bool vn_txb_addv(struct vn_txbatch *t, const struct iovec *iov, size_t n)
{
	if (t->n == VN_TXB_MAX || n == 0 || n > VN_TXB_IOV)
		return false;
	put(t, iov, n);
	return true;
}

static size_t frame_len(const struct msghdr *h)
{
	size_t len = 0;

	for (size_t k = 0; k < h->msg_iovlen; k++)
		len += h->msg_iov[k].iov_len;
	return len;
}

void vn_txb_flush(struct vn_txbatch *t, int fd, struct vn_txb_result *r)
{
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	while (i < t->n) {
		int got = sendmmsg(fd, t->msgs + i, (unsigned)(t->n - i), MSG_DONTWAIT | MSG_NOSIGNAL);

		if (got > 0) {
			/* A short datagram write does not happen on a packet
			 * socket, but a frame counts as sent only if whole. */
			for (int k = 0; k < got; k++) {
				size_t want = frame_len(&t->msgs[i + (size_t)k].msg_hdr);

				if (t->msgs[i + (size_t)k].msg_len == want) {
					r->sent++;
				} else {
					r->failed++;
					if (r->err == 0) {
						r->err = EMSGSIZE;
						r->err_len = want;
					}
				}
			}
			i += (size_t)got;
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		/* Frame i failed (sendmmsg reports the error of the first
		 * frame it could not send): count it, go on with the next. */
		r->failed++;
		if (r->err == 0) {
			r->err = got < 0 ? errno : EIO;
			r->err_len = frame_len(&t->msgs[i].msg_hdr);
		}
		i++;
	}
	t->n = 0;
	t->copy_used = 0;
	memset(t->used, 0, sizeof(t->used));
}
