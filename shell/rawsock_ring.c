#include "rawsock_ring.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

/* Blocks of 64 KB (the kernel allocates the ring block by block); a slot
 * size that divides it keeps slot i at map + i * frame_size. */
#define RING_BLOCK (64u * 1024)
#define RING_MIN_FRAMES 128u
/* TPACKET_ALIGN and HDRLEN without their signed arithmetic */
#define ALIGN16(x) (((size_t)(x) + 15u) & ~(size_t)15u)
#define SLL_OFF ALIGN16(sizeof(struct tpacket2_hdr))
#define HDRLEN (SLL_OFF + sizeof(struct sockaddr_ll))

static size_t slot_size(size_t max_frame)
{
	/* The kernel puts the frame at TPACKET_ALIGN(hdrlen + 16) + reserve
	 * - 14 (tpacket_rcv); the reserve is our headroom. */
	size_t need = ALIGN16(HDRLEN + 16) + VN_PBUF_HEADROOM + max_frame +
		      VN_RING_TAILROOM;
	size_t s = 2048;

	while (s < need)
		s *= 2;
	return s;
}

int vn_ring_open(struct vn_ring *r, int fd, size_t max_frame, struct vn_error *e)
{
	int version = TPACKET_V2;
	unsigned reserve = VN_PBUF_HEADROOM;
	struct tpacket_req req;
	size_t fs = slot_size(max_frame), block = fs > RING_BLOCK ? fs : RING_BLOCK;
	size_t frames = VN_RING_BYTES / fs < RING_MIN_FRAMES ? RING_MIN_FRAMES : VN_RING_BYTES / fs;
	void *map;

	memset(r, 0, sizeof(*r));
	frames -= frames % (block / fs);
	req = (struct tpacket_req){ .tp_block_size = (unsigned)block,
				    .tp_block_nr = (unsigned)(frames / (block / fs)),
				    .tp_frame_size = (unsigned)fs,
				    .tp_frame_nr = (unsigned)frames };
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) {
		vn_error_set(e, "packet ring (TPACKET_V2, %zu slots of %zu bytes): %s", frames, fs,
			     strerror(errno));
		return -1;
	}
	map = mmap(NULL, frames * fs, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		int err = errno;

		memset(&req, 0, sizeof(req)); /* tear the ring down again */
		(void)setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req));
		vn_error_set(e, "packet ring: mmap of %zu bytes: %s", frames * fs, strerror(err));
		return -1;
	}
	r->map = map;
	r->map_len = frames * fs;
	r->frame_size = fs;
	r->nframes = frames;
	return 0;
}

void vn_ring_close(struct vn_ring *r)
{
	if (r->map != NULL)
		(void)munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}

static struct tpacket2_hdr *slot(const struct vn_ring *r, size_t i)
{
	return (struct tpacket2_hdr *)(void *)(r->map + (i % r->nframes) * r->frame_size);
}

/* What the kernel says of one filled slot; b wraps the frame. */
static enum vn_raw_rx classify(const struct vn_ring *r, struct tpacket2_hdr *h,
			       struct vn_pbuf *b, size_t *len)
{
	const struct sockaddr_ll *sll =
		(const void *)((uint8_t *)h + SLL_OFF);
	uint8_t *data = (uint8_t *)h + h->tp_mac;

	*len = h->tp_len;
	/* what a dropped frame's log line reports: the slot's room */
	vn_pbuf_init(b, (uint8_t *)h + HDRLEN, r->frame_size - HDRLEN);
	if (sll->sll_pkttype == PACKET_OUTGOING)
		return VN_RAW_OUTGOING;
	/* our headroom must lie behind the kernel's header, the frame inside
	 * the slot and whole */
	if (h->tp_mac < HDRLEN + VN_PBUF_HEADROOM || h->tp_snaplen < h->tp_len ||
	    (size_t)h->tp_mac + h->tp_len > r->frame_size)
		return VN_RAW_TRUNCATED;
	b->start = data - VN_PBUF_HEADROOM;
	b->size = r->frame_size - (size_t)(b->start - (uint8_t *)h);
	b->data = data;
	b->len = 0; /* as vn_raw_recv_batch: the caller sets it */
	b->next_free = NULL;
	return VN_RAW_FRAME;
}

size_t vn_ring_take(struct vn_ring *r, struct vn_pbuf *bufs, size_t n, enum vn_raw_rx *res,
		    size_t *len)
{
	size_t got = 0;

	if (n > VN_RAW_BATCH)
		n = VN_RAW_BATCH;
	while (got < n && r->taken < r->nframes) {
		struct tpacket2_hdr *h = slot(r, r->head + r->taken);

		/* acquire: the frame's bytes are read only after its status */
		if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		res[got] = classify(r, h, &bufs[got], &len[got]);
		r->taken++;
		got++;
	}
	return got;
}

void vn_ring_release(struct vn_ring *r)
{
	for (size_t i = 0; i < r->taken; i++)
		__atomic_store_n(&slot(r, r->head + i)->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
	r->head = (r->head + r->taken) % r->nframes;
	r->taken = 0;
}
