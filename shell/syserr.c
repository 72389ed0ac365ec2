#include "syserr.h"

#include <stdarg.h>
#include <stdio.h>

void vn_error_set(struct vn_error *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}
