#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The one piece of process-wide state the daemons keep: logging is needed
 * everywhere and there is one stderr. */
static struct {
	const char *name;
	enum vn_log_level level;
	bool journal;
} lg = { "vanet", VN_LOG_INFO, false };

static const char *const level_names[] = {
	[VN_LOG_ERR] = "error",	  [VN_LOG_WARN] = "warning", [VN_LOG_NOTICE] = "notice",
	[VN_LOG_INFO] = "info",	  [VN_LOG_DEBUG] = "debug",
};

/* syslog priorities, for the "<N>" prefix journald understands. */
static const int level_prio[] = {
	[VN_LOG_ERR] = 3, [VN_LOG_WARN] = 4, [VN_LOG_NOTICE] = 5, [VN_LOG_INFO] = 6,
	[VN_LOG_DEBUG] = 7,
};

void vn_log_init(const char *name, enum vn_log_level level)
{
	lg.name = name;
	lg.level = level;
	/* systemd sets JOURNAL_STREAM when stderr is connected to the journal;
	 * only then do priority prefixes help rather than clutter. */
	lg.journal = getenv("JOURNAL_STREAM") != NULL && !isatty(STDERR_FILENO);
}

void vn_log_set_level(enum vn_log_level level)
{
	lg.level = level;
}

enum vn_log_level vn_log_get_level(void)
{
	return lg.level;
}

bool vn_log_enabled(enum vn_log_level level)
{
	return level <= lg.level;
}

const char *vn_log_level_name(enum vn_log_level level)
{
	if ((unsigned)level < sizeof(level_names) / sizeof(level_names[0]))
		return level_names[level];
	return "?";
}

void vn_log(enum vn_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!vn_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One fprintf per line so that concurrent writers do not interleave. */
	if (lg.journal)
		fprintf(stderr, "<%d>%s\n", level_prio[level], msg);
	else
		fprintf(stderr, "%s: %s: %s\n", lg.name, level_names[level], msg);
}

void vn_ratelimit_init(struct vn_ratelimit *rl, vn_usec interval, uint32_t burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->interval = interval;
	rl->burst = burst;
}

bool vn_ratelimit_ok(struct vn_ratelimit *rl, vn_usec now, uint64_t *suppressed)
{
	if (!rl->started || now - rl->window_start >= rl->interval || now < rl->window_start) {
		rl->started = true;
		rl->window_start = now;
		rl->in_window = 0;
	}
	if (rl->in_window >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->in_window++;
	if (suppressed != NULL)
		*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
