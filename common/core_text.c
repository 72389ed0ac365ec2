#include "core_text.h"

#include <stdarg.h>
#include <stdio.h>

void core_text_add(struct core_text *t, const char *fmt, ...)
{
	va_list ap;
	char *dst = NULL;
	size_t room = 0;
	int n;

	if (t->len < t->cap) {
		dst = t->buf + t->len;
		room = t->cap - t->len;
	}
	va_start(ap, fmt);
	n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}
