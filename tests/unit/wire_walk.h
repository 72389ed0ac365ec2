/* The decoders' iterator run over a whole frame, for the decoder tests
 * (test_wire_dec.c, test_wire_reject.c). Header-only, static helpers. */
#ifndef VN_WIRE_WALK_H
#define VN_WIRE_WALK_H

#include <stdlib.h>

#include "testutil.h"

/* Runs the iterator over a frame held in a heap block of exactly `len`
 * bytes (so that ASan catches any read past the frame), returns the count
 * of messages, copies up to `max` of them to out, and the final reason. */
static inline size_t walk(const uint8_t *frame, size_t len, struct vn_msg *out, size_t max,
			  enum vn_rx_err *err)
{
	uint8_t *heap = malloc(len ? len : 1);
	struct vn_rx_iter it;
	struct vn_msg m;
	size_t n = 0;

	assert_non_null(heap);
	memcpy(heap, frame, len);
	vn_rx_iter_init(&it, heap, len);
	while (vn_rx_next(&it, &m, err)) {
		assert_true(m.raw >= heap && m.raw + m.len <= heap + len);
		if (n < max) {
			out[n] = m;
			/* pointers back into the caller's frame */
			out[n].raw = (uint8_t *)frame + (m.raw - heap);
			if (m.payload != NULL)
				out[n].payload = (uint8_t *)frame + (m.payload - heap);
		}
		n++;
	}
	/* once done, it stays done */
	assert_false(vn_rx_next(&it, &m, err));
	assert_int_equal(*err, VN_RX_OK);
	vn_rx_iter_init(&it, heap, len);
	while (vn_rx_next(&it, &m, err))
		;
	free(heap);
	return n;
}

static inline enum vn_rx_err reject(const uint8_t *frame, size_t len)
{
	struct vn_msg m;
	enum vn_rx_err err;

	assert_int_equal(walk(frame, len, &m, 1, &err), 0);
	return err;
}

#endif
