#include "txbatch.h"

#include <errno.h>
#include <string.h>

void vn_txb_init(struct vn_txbatch *t, const void *held, size_t held_len, size_t slot)
{
	memset(t->used, 0, sizeof(t->used));
	t->slot = slot > 0 ? slot : 1;
	t->held_lo = held;
	t->held_hi = held != NULL ? (const uint8_t *)held + held_len : NULL;
	t->n = 0;
	t->copy_used = 0;
	memset(t->used, 0, sizeof(t->used));
}

static bool in_held(const struct vn_txbatch *t, const uint8_t *p, size_t len)
{
	return t->held_lo != NULL && p >= t->held_lo && p <= t->held_hi &&
	       len <= (size_t)(t->held_hi - p);
}

/* A queued frame whose bytes a new one overlaps: the core rewrote bytes it
 * had already sent (not done today, but it would be legal under the
 * synchronous send contract), so the queued frame must go out first. */
static bool overlaps(struct vn_txbatch *t, const uint8_t *p, size_t len)
{
	size_t s = (size_t)(p - t->held_lo) / t->slot;

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

	if (t->n == VN_TXB_MAX)
		return false;
	if (!in_held(t, frame, len)) {
		if (len > VN_TXB_COPY - t->copy_used)
			return false;
		/* A control frame from a core's scratch buffer, which the
		 * next message may overwrite: not a data packet. */
		v.iov_base = memcpy(t->copy + t->copy_used, frame, len);
		t->copy_used += len;
	} else if (overlaps(t, frame, len)) {
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
