/* shell/notify.c against a unix datagram socket standing in for systemd:
 * what it sends and when, and that without NOTIFY_SOCKET it sends nothing
 * and starts no timer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "notify.h"

static char dir[64], path[128];
static int sock = -1;
static const char *status_text = "upstream none";

static size_t status(void *ctx, char *buf, size_t cap)
{
	(void)ctx;
	return (size_t)snprintf(buf, cap, "%s", status_text);
}

/* Every datagram that is there now, appended to out with ';' after each. */
static void drain_more(char *out, size_t cap)
{
	char msg[512];
	ssize_t n;

	while ((n = recv(sock, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
		msg[n] = '\0';
		strncat(out, msg, cap - strlen(out) - 2);
		strcat(out, ";");
	}
}

static void drain(char *out, size_t cap)
{
	out[0] = '\0';
	drain_more(out, cap);
}

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ONE);
}

/* Runs the loop for secs, collecting what is sent meanwhile into out. The
 * socket is read every 10 ms: sd_notify blocks when the receiver's queue
 * is full (net.unix.max_dgram_qlen), as it would if systemd stopped
 * reading. */
static void run_for(struct ev_loop *loop, double secs, char *out, size_t cap)
{
	ev_timer stop;
	int steps = (int)(secs / 0.01 + 0.5);

	out[0] = '\0';
	ev_timer_init(&stop, stop_cb, 0.01, 0.01);
	ev_timer_start(loop, &stop);
	for (int i = 0; i < steps; i++) {
		ev_run(loop, 0);
		drain_more(out, cap);
	}
	ev_timer_stop(loop, &stop);
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static int setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vanet-notify-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify.sock", dir);
	strcpy(sa.sun_path, path);
	sock = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(sock >= 0);
	assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(sock);
	unlink(path);
	rmdir(dir);
	return 0;
}

static void test_notify(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct vn_notify n;
	char got[4096];

	(void)state;
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "200000", 1); /* pings every 0.1 s */
	unsetenv("WATCHDOG_PID");
	assert_int_equal(vn_notify_init(&n, loop, status, NULL), 0);
	vn_notify_ready(&n);
	drain(got, sizeof(got));
	assert_string_equal(got, "READY=1;STATUS=upstream none;");

	/* The watchdog, and STATUS= only when it changed (checked each second). */
	status_text = "upstream 02:00:00:00:00:01 rsu 02:00:00:00:00:01 hops 1";
	run_for(loop, 1.25, got, sizeof(got));
	assert_in_range(count(got, "WATCHDOG=1"), 10, 13);
	assert_int_equal(count(got, "STATUS=upstream 02:00:00:00:00:01 rsu"), 1);
	run_for(loop, 1.0, got, sizeof(got));
	assert_int_equal(count(got, "STATUS="), 0);

	vn_notify_reloading(&n);
	vn_notify_ready(&n);
	drain(got, sizeof(got));
	assert_non_null(strstr(got, "RELOADING=1\nMONOTONIC_USEC="));
	assert_non_null(strstr(got, ";READY=1;STATUS="));

	vn_notify_stopping(&n);
	drain(got, sizeof(got));
	assert_string_equal(got, "STOPPING=1;");
	run_for(loop, 0.3, got, sizeof(got));
	assert_string_equal(got, ""); /* no watchdog after it */
	vn_notify_fini(&n);
	ev_loop_destroy(loop);
}

static void test_no_watchdog_without_usec(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct vn_notify n;
	char got[4096];

	(void)state;
	setenv("NOTIFY_SOCKET", path, 1);
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(vn_notify_init(&n, loop, status, NULL), 0);
	assert_null(n.watchdog_w);
	run_for(loop, 0.3, got, sizeof(got));
	assert_string_equal(got, "");
	vn_notify_fini(&n);
	ev_loop_destroy(loop);
}

static void test_off_without_socket(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct vn_notify n;
	char got[4096];

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "200000", 1);
	assert_int_equal(vn_notify_init(&n, loop, status, NULL), 0);
	assert_false(n.on);
	assert_null(n.watchdog_w);
	assert_null(n.status_w);
	vn_notify_ready(&n);
	vn_notify_reloading(&n);
	vn_notify_stopping(&n);
	drain(got, sizeof(got));
	assert_string_equal(got, "");
	vn_notify_fini(&n);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_no_watchdog_without_usec),
		cmocka_unit_test(test_off_without_socket),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
