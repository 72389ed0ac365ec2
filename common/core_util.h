/* Small pieces the two routing cores (obu_core.c, rsu_core.c) share, so
 * that the log line, the addressing rules, the rx_drop_<reason> counters and
 * the counter report are written once and cannot drift apart. Pure, like the
 * cores: see core_io.h. */
#ifndef VN_CORE_UTIL_H
#define VN_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core_io.h"
#include "wire.h"

/* Formats one line and hands it to io->log, if there is one. */
void core_log(const struct vn_core_io *io, enum vn_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Transmits one frame through io->send. */
void core_send(const struct vn_core_io *io, const uint8_t *frame, size_t len);

/* Whether a message is addressed to the node at all (PROTOCOL.md §6 fault 1). */
enum core_addr {
	CORE_ADDR_OK,		/* for us: handle it by type */
	CORE_ADDR_OWN_FRAME,	/* we sent it (an echo) */
	CORE_ADDR_NOT_FOR_US	/* overheard, or a unicast-only message broadcast */
};
enum core_addr core_addr_check(const struct vn_msg *m, const struct vn_mac *self);

/* vn_rx_next, counting in rx_drop[reason] why a frame ended early. */
bool core_rx_next(struct vn_rx_iter *it, struct vn_msg *m, uint64_t rx_drop[VN_RX__COUNT]);

/* Reports the core's n named counters, then its rx_drop_<reason> counters. */
void core_counters(const char *const names[], const uint64_t cnt[], size_t n,
		   const uint64_t rx_drop[VN_RX__COUNT],
		   void (*fn)(void *ctx, const char *name, uint64_t value), void *ctx);

#endif
