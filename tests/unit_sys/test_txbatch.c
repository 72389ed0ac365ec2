/* The wire's send batch (txbatch.c): frames in the held memory are queued by
 * pointer (zero copy), others copied into the arena, an overlap or a full
 * batch asks for a flush, and one flush sends them all, in order, over a
 * datagram socket pair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "txbatch.h"

static uint8_t held[8192];
static struct vn_txbatch T;

static void test_pointer_identity_and_copy(void **state)
{
	uint8_t scratch[46];

	(void)state;
	vn_txb_init(&T, held, sizeof(held), 1024);
	assert_true(vn_txb_add(&T, held + 100, 60));
	assert_ptr_equal(T.msgs[0].msg_hdr.msg_iov[0].iov_base, held + 100);
	memset(scratch, 7, sizeof(scratch));
	assert_true(vn_txb_add(&T, scratch, sizeof(scratch)));
	/* outside the held memory: copied, since the caller reuses it */
	assert_ptr_not_equal(T.msgs[1].msg_hdr.msg_iov[0].iov_base, scratch);
	memset(scratch, 9, sizeof(scratch));
	assert_int_equal(((uint8_t *)T.msgs[1].msg_hdr.msg_iov[0].iov_base)[0], 7);
	/* a frame straddling the end of the held memory is not "held" */
	assert_true(vn_txb_add(&T, held + sizeof(held) - 10, 10));
	assert_ptr_equal(T.msgs[2].msg_hdr.msg_iov[0].iov_base, held + sizeof(held) - 10);
	assert_int_equal(vn_txb_pending(&T), 3);
}

static void test_overlap_and_full(void **state)
{
	(void)state;
	vn_txb_init(&T, held, sizeof(held), 1024);
	assert_true(vn_txb_add(&T, held + 100, 60));
	assert_false(vn_txb_add(&T, held + 150, 60)); /* reuses queued bytes */
	assert_true(vn_txb_add(&T, held + 160, 60));  /* same slot, no overlap */
	assert_true(vn_txb_add(&T, held + 1024, 60)); /* next slot */
	assert_false(vn_txb_add(&T, held + 1030, 8));
	vn_txb_init(&T, held, sizeof(held), 1024);
	for (int i = 0; i < VN_TXB_MAX; i++)
		assert_true(vn_txb_add(&T, held + i * 100, 100));
	assert_false(vn_txb_add(&T, held + 7000, 10));
	/* the arena: too big a frame from outside is refused */
	vn_txb_init(&T, NULL, 0, 0);
	{
		static uint8_t big[VN_TXB_COPY + 1];

		assert_false(vn_txb_add(&T, big, sizeof(big)));
		assert_true(vn_txb_add(&T, big, VN_TXB_COPY));
		assert_false(vn_txb_add(&T, big, 1));
	}
}

static void test_flush_sends_in_order(void **state)
{
	int sv[2];
	uint8_t got[256];
	struct vn_txb_result r;
	struct iovec v[2] = { { held + 1000, 4 }, { held + 2000, 6 } };

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	for (int i = 0; i < 3000; i++)
		held[i] = (uint8_t)i;
	vn_txb_init(&T, held, sizeof(held), 1024);
	assert_true(vn_txb_add(&T, held + 10, 20));
	assert_true(vn_txb_addv(&T, v, 2));
	assert_false(vn_txb_addv(&T, v, 0));
	assert_true(vn_txb_add(&T, held + 40, 5));
	vn_txb_flush(&T, sv[0], &r);
	assert_int_equal(r.sent, 3);
	assert_int_equal(r.failed, 0);
	assert_int_equal(vn_txb_pending(&T), 0);
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), 20);
	assert_memory_equal(got, held + 10, 20);
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), 10);
	assert_memory_equal(got, held + 1000, 4);
	assert_memory_equal(got + 4, held + 2000, 6);
	assert_int_equal(recv(sv[1], got, sizeof(got), 0), 5);
	/* a failing socket: every frame counted as failed, none lost silently */
	close(sv[1]);
	assert_true(vn_txb_add(&T, held + 10, 20));
	assert_true(vn_txb_add(&T, held + 40, 20));
	vn_txb_flush(&T, sv[0], &r);
	assert_int_equal(r.sent + r.failed, 2);
	assert_int_equal(r.failed, 2);
	assert_int_not_equal(r.err, 0);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pointer_identity_and_copy),
		cmocka_unit_test(test_overlap_and_full),
		cmocka_unit_test(test_flush_sends_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
