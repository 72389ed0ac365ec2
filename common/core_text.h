/* snprintf-style text accumulation for the cores' describe functions: keeps
 * counting the length it would need once the buffer is full. */
#ifndef VN_CORE_TEXT_H
#define VN_CORE_TEXT_H

#include <stddef.h>

struct core_text {
	char *buf;
	size_t cap;
	size_t len; /* bytes needed so far (may exceed cap) */
};

static inline void core_text_init(struct core_text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	if (cap > 0)
		buf[0] = '\0';
}

void core_text_add(struct core_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
