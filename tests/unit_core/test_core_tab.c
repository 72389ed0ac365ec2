/* core_tab against a naive model: random inserts, finds, touches and
 * removals, with LRU eviction when full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core_tab.h"

#define CAP 37
#define KEYS 200

struct model {
	bool in[KEYS];
	uint64_t stamp[KEYS]; /* last insert/touch */
	uint32_t slot[KEYS];
};

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void key_of(uint32_t k, uint8_t out[8])
{
	memset(out, 0, 8);
	out[0] = (uint8_t)k;
	out[1] = (uint8_t)(k >> 8);
	out[5] = 0x42;
}

static void test_against_model(void **state)
{
	struct core_tab t;
	struct model *m = test_calloc(1, sizeof(*m));
	uint32_t x = 7, count = 0;
	uint8_t key[8];

	(void)state;
	assert_int_equal(core_tab_init(&t, CAP, 8, 99), 0);
	for (uint64_t step = 1; step < 200000; step++) {
		uint32_t k = rnd(&x) % KEYS, op = rnd(&x) % 4, s;

		key_of(k, key);
		s = core_tab_find(&t, key);
		assert_int_equal(s != CORE_TAB_NONE, m->in[k]);
		if (m->in[k])
			assert_int_equal(s, m->slot[k]);
		if (op <= 1 && !m->in[k]) {
			bool ev;
			uint32_t victim = KEYS;

			if (count == CAP) {
				uint64_t best = UINT64_MAX;

				for (uint32_t j = 0; j < KEYS; j++)
					if (m->in[j] && m->stamp[j] < best) {
						best = m->stamp[j];
						victim = j;
					}
			}
			s = core_tab_insert(&t, key, &ev);
			assert_int_equal(ev, victim != KEYS);
			if (ev) {
				assert_int_equal(s, m->slot[victim]);
				m->in[victim] = false;
				count--;
			}
			m->in[k] = true;
			m->slot[k] = s;
			m->stamp[k] = step;
			count++;
		} else if (op == 2 && m->in[k]) {
			core_tab_touch(&t, s);
			m->stamp[k] = step;
		} else if (op == 3 && m->in[k]) {
			core_tab_remove(&t, s);
			m->in[k] = false;
			count--;
		}
		assert_int_equal(t.count, count);
	}
	/* LRU walk is in stamp order */
	{
		uint64_t last = 0;

		for (uint32_t s = core_tab_oldest(&t); s != CORE_TAB_NONE; s = core_tab_newer(&t, s)) {
			uint32_t k = core_tab_key(&t, s)[0] | (uint32_t)core_tab_key(&t, s)[1] << 8;

			assert_true(m->in[k]);
			assert_true(m->stamp[k] > last);
			last = m->stamp[k];
		}
	}
	core_tab_clear(&t);
	assert_int_equal(t.count, 0);
	key_of(1, key);
	assert_int_equal(core_tab_find(&t, key), CORE_TAB_NONE);
	core_tab_fini(&t);
	test_free(m);
}

static void test_bad_init(void **state)
{
	struct core_tab t;

	(void)state;
	assert_int_equal(core_tab_init(&t, 0, 6, 0), -1);
	assert_int_equal(core_tab_init(&t, 4, 0, 0), -1);
	assert_int_equal(core_tab_init(&t, 4, CORE_TAB_KEY_MAX + 1, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_bad_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
