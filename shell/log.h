/* Logging for the daemons: levels, stderr, journal-friendly, and a rate
 * limiter for anything that can happen once per frame. */
#ifndef VN_LOG_H
#define VN_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core_io.h"

/* Where the lines go and how they look. With `journal` each line starts
 * with the sd-daemon "<N>" priority prefix (journald turns it into the
 * priority); otherwise "name: level: message". */
void vn_log_init(const char *name, enum vn_log_level level);
void vn_log_set_level(enum vn_log_level level);
enum vn_log_level vn_log_get_level(void);
bool vn_log_enabled(enum vn_log_level level);

void vn_log(enum vn_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define vn_err(...) vn_log(VN_LOG_ERR, __VA_ARGS__)
#define vn_warn(...) vn_log(VN_LOG_WARN, __VA_ARGS__)
#define vn_notice(...) vn_log(VN_LOG_NOTICE, __VA_ARGS__)
#define vn_info(...) vn_log(VN_LOG_INFO, __VA_ARGS__)
#define vn_debug(...) vn_log(VN_LOG_DEBUG, __VA_ARGS__)

/* "error", "warning", "notice", "info", "debug". */
const char *vn_log_level_name(enum vn_log_level level);

/* At most `burst` messages per `interval`; the rest are counted, and the
 * count is handed back with the first message allowed afterwards so that
 * the log says how much it left out. Pure: `now` comes from the caller. */
struct vn_ratelimit {
	vn_usec interval;
	uint32_t burst;
	vn_usec window_start;
	uint32_t in_window;
	uint64_t suppressed;
	bool started;
};

void vn_ratelimit_init(struct vn_ratelimit *rl, vn_usec interval, uint32_t burst);
/* true if a message may be logged now; *suppressed (may be NULL) gets the
 * number left out since the last allowed one (then reset). */
bool vn_ratelimit_ok(struct vn_ratelimit *rl, vn_usec now, uint64_t *suppressed);

#endif
