#include "core_util.h"

#include <stdarg.h>
#include <stdio.h>

void core_log(const struct vn_core_io *io, enum vn_log_level lvl, const char *fmt, ...)
{
	char line[224]; /* the longest line (three MACs and a reason) fits */
	va_list ap;

	if (io->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	io->log(io->ctx, lvl, line);
}

void core_send(const struct vn_core_io *io, const uint8_t *frame, size_t len)
{
	io->send(io->ctx, frame, len);
}

/* Replies and data going up are unicast hop by hop: a broadcast copy of one
 * is not for us either. Heartbeats and Downstream may be broadcast. */
enum core_addr core_addr_check(const struct vn_msg *m, const struct vn_mac *self)
{
	if (vn_mac_eq(&m->from, self))
		return CORE_ADDR_OWN_FRAME;
	if (!vn_mac_eq(&m->to, self) && !vn_mac_is_broadcast(&m->to))
		return CORE_ADDR_NOT_FOR_US;
	if ((m->type == VN_MSG_REPLY || m->type == VN_MSG_UPSTREAM) && !vn_mac_eq(&m->to, self))
		return CORE_ADDR_NOT_FOR_US;
	return CORE_ADDR_OK;
}

bool core_rx_next(struct vn_rx_iter *it, struct vn_msg *m, uint64_t rx_drop[VN_RX__COUNT])
{
	enum vn_rx_err err;

	if (vn_rx_next(it, m, &err))
		return true;
	if (err != VN_RX_OK && err < VN_RX__COUNT)
		rx_drop[err]++;
	return false;
}

void core_counters(const char *const names[], const uint64_t cnt[], size_t n,
		   const uint64_t rx_drop[VN_RX__COUNT],
		   void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx)
{
	char name[48];

	for (size_t i = 0; i < n; i++)
		fn(ctx, names[i], cnt[i]);
	for (int e = VN_RX_OK + 1; e < VN_RX__COUNT; e++) {
		if (e == VN_RX_TRUNCATED)
			continue; /* counted by the daemon */
		snprintf(name, sizeof(name), "rx_drop_%s", vn_rx_err_name((enum vn_rx_err)e));
		fn(ctx, name, rx_drop[e]);
	}
}
