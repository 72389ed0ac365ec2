/* Packet buffers and their pool. */
#include <errno.h>

#include "testutil.h"

static void init_and_rooms(void **state)
{
	static uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf b;

	(void)state;
	vn_pbuf_init(&b, mem, sizeof(mem));
	assert_ptr_equal(b.data, mem + VN_PBUF_HEADROOM);
	assert_int_equal(b.len, 0);
	assert_int_equal(vn_pbuf_headroom(&b), VN_PBUF_HEADROOM);
	assert_int_equal(vn_pbuf_tailroom(&b), VN_PBUF_DATA_MAX);
	assert_true(VN_PBUF_HEADROOM >= VN_MAX_HLEN);
	/* a Downstream header and a secured frame's 14-byte shift in front */
	assert_true(VN_PBUF_HEADROOM >= VN_MAX_HLEN + 14);
	b.len = 100;
	assert_int_equal(vn_pbuf_tailroom(&b), VN_PBUF_DATA_MAX - 100);
	vn_pbuf_reset(&b, 4);
	assert_ptr_equal(b.data, mem + 4);
	assert_int_equal(b.len, 0);
	/* storage smaller than the headroom: no room at all, not out of bounds */
	vn_pbuf_init(&b, mem, 10);
	assert_ptr_equal(b.data, mem + 10);
	assert_int_equal(vn_pbuf_tailroom(&b), 0);
	vn_pbuf_reset(&b, 50);
	assert_ptr_equal(b.data, mem + 10);
}

static void push_pull(void **state)
{
	static uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf b, before;

	(void)state;
	vn_pbuf_init(&b, mem, sizeof(mem));
	b.len = 10;
	assert_ptr_equal(vn_pbuf_push(&b, 22), mem + VN_PBUF_HEADROOM - 22);
	assert_int_equal(b.len, 32);
	assert_ptr_equal(vn_pbuf_push(&b, VN_PBUF_HEADROOM - 22), mem);
	assert_int_equal(vn_pbuf_headroom(&b), 0);
	/* no headroom left: NULL, unchanged */
	before = b;
	assert_null(vn_pbuf_push(&b, 1));
	assert_memory_equal(&b, &before, sizeof(b));
	assert_ptr_equal(vn_pbuf_push(&b, 0), mem);

	assert_ptr_equal(vn_pbuf_pull(&b, VN_PBUF_HEADROOM), mem + VN_PBUF_HEADROOM);
	assert_int_equal(b.len, 10);
	before = b;
	assert_null(vn_pbuf_pull(&b, 11));
	assert_memory_equal(&b, &before, sizeof(b));
	assert_ptr_equal(vn_pbuf_pull(&b, 10), mem + VN_PBUF_HEADROOM + 10);
	assert_int_equal(b.len, 0);
	assert_null(vn_pbuf_pull(&b, 1));
}

static void pool_exhaustion(void **state)
{
	struct vn_pool p;
	struct vn_pbuf *got[4];

	(void)state;
	assert_int_equal(vn_pool_init(&p, 4), 0);
	for (int i = 0; i < 4; i++) {
		got[i] = vn_pool_get(&p);
		assert_non_null(got[i]);
		assert_int_equal(vn_pbuf_headroom(got[i]), VN_PBUF_HEADROOM);
		assert_int_equal(got[i]->len, 0);
		assert_int_equal(got[i]->size, VN_PBUF_SIZE);
		assert_int_equal((uintptr_t)got[i]->start % 64, 0);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(got[i]->start, got[j]->start);
		/* the whole storage is usable */
		memset(got[i]->start, i, got[i]->size);
	}
	assert_int_equal(p.in_use, 4);
	assert_null(vn_pool_get(&p));
	assert_int_equal(p.in_use, 4);

	/* a returned buffer comes back reset */
	got[2]->data += 7;
	got[2]->len = 99;
	vn_pool_put(&p, got[2]);
	assert_int_equal(p.in_use, 3);
	struct vn_pbuf *again = vn_pool_get(&p);
	assert_ptr_equal(again, got[2]);
	assert_int_equal(again->len, 0);
	assert_int_equal(vn_pbuf_headroom(again), VN_PBUF_HEADROOM);
	assert_null(vn_pool_get(&p));
	vn_pool_put(&p, NULL); /* harmless */
	assert_int_equal(p.in_use, 4);
	for (int i = 0; i < 4; i++)
		vn_pool_put(&p, got[i]);
	assert_int_equal(p.in_use, 0);
	vn_pool_fini(&p);
	assert_null(p.bufs);
}

static void pool_zero(void **state)
{
	struct vn_pool p;

	(void)state;
	errno = 0;
	assert_int_equal(vn_pool_init(&p, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(vn_pool_get(&p));
	vn_pool_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_and_rooms),
		cmocka_unit_test(push_pull),
		cmocka_unit_test(pool_exhaustion),
		cmocka_unit_test(pool_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
