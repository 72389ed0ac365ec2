/* The control socket server on a real unix socket and a real libev loop:
 * answers, stale-socket removal, refusal when another server answers, and
 * removal of the file on close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "ctl.h"

static char dir[64], path[128];

static void fake(void *ctx, const struct vn_ctl_req *req, struct vn_strbuf *out)
{
	int *calls = ctx;

	(*calls)++;
	if (req->cmd == VN_CTL_STATUS)
		vn_strbuf_printf(out, "upstream: none\n");
	else
		for (int i = 0; i < 5000; i++) /* larger than a socket buffer */
			vn_strbuf_printf(out, "counter_%04d %d\n", i, i);
}

static int client(const char *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, p);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends `line`, runs the loop until the server closes; returns the answer. */
static char *ask(struct ev_loop *loop, const char *line, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	int fd = client(path);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, line, strlen(line), 0), (ssize_t)strlen(line));
	for (int i = 0; i < 100000; i++) {
		ssize_t r;

		ev_run(loop, EVRUN_NOWAIT);
		r = recv(fd, buf + n, cap - n - 1, MSG_DONTWAIT);
		if (r == 0)
			break;
		if (r > 0)
			n += (size_t)r;
		else
			usleep(100);
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vanet-ctl-XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* A directory that does not exist yet: the server creates it. */
	snprintf(path, sizeof(path), "%s/sub/t.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	char sub[96];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	rmdir(dir);
	return 0;
}

static void test_serve(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct vn_ctl ctl, other;
	struct vn_error e = { "" };
	struct stat st;
	int calls = 0;
	size_t len;
	char *a;

	(void)state;
	assert_int_equal(vn_ctl_open(&ctl, loop, path, fake, &calls, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);

	a = ask(loop, "status\n", &len);
	assert_string_equal(a, "upstream: none\n");
	free(a);
	a = ask(loop, "counters\n", &len);
	assert_true(len > 60000); /* all of it, through a full socket buffer */
	assert_non_null(strstr(a, "counter_4999 4999\n"));
	free(a);
	a = ask(loop, "nope\n", &len);
	assert_string_equal(a, "error: unknown command 'nope'\n");
	free(a);
	assert_int_equal(calls, 2);

	/* A second server on the same path is refused, and leaves it alone. */
	assert_int_equal(vn_ctl_open(&other, loop, path, fake, &calls, &e), -1);
	assert_non_null(strstr(e.msg, "is in use"));
	assert_int_equal(stat(path, &st), 0);

	vn_ctl_close(&ctl);
	assert_int_equal(stat(path, &st), -1);
	ev_loop_destroy(loop);
}

static void test_stale(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vn_ctl ctl;
	struct vn_error e = { "" };
	int calls = 0, fd;
	size_t len;
	char *a;

	(void)state;
	/* A socket file nobody listens on: what a crash leaves behind. */
	assert_int_equal(vn_ctl_open(&ctl, loop, path, fake, &calls, &e), 0);
	vn_ctl_close(&ctl);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(client(path), -1);

	assert_int_equal(vn_ctl_open(&ctl, loop, path, fake, &calls, &e), 0);
	a = ask(loop, "status\n", &len);
	assert_string_equal(a, "upstream: none\n");
	free(a);
	vn_ctl_close(&ctl);
	ev_loop_destroy(loop);
}

/* Runs the loop a little and reads what fd has (non-blocking). */
static size_t pump(struct ev_loop *loop, int fd, char *buf, size_t cap)
{
	size_t n = 0;

	for (int i = 0; i < 200; i++) {
		ssize_t r;

		ev_run(loop, EVRUN_NOWAIT);
		r = recv(fd, buf + n, cap - n - 1, MSG_DONTWAIT);
		if (r > 0)
			n += (size_t)r;
		else if (r == 0)
			break;
		else
			usleep(200);
	}
	buf[n] = '\0';
	return n;
}

static void test_monitor(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct vn_ctl ctl;
	struct vn_error e = { "" };
	int calls = 0, fd, fj, many[VN_CTL_MONITORS_MAX];
	char buf[4096];
	size_t len;
	char *a;

	(void)state;
	assert_int_equal(vn_ctl_open(&ctl, loop, path, fake, &calls, &e), 0);
	fd = client(path);
	fj = client(path);
	assert_int_equal(send(fd, "monitor\n", 8, 0), 8);
	assert_int_equal(send(fj, "monitor json\n", 13, 0), 13);
	pump(loop, fd, buf, sizeof(buf));
	assert_string_equal(buf, "subscribed\n");
	pump(loop, fj, buf, sizeof(buf));
	assert_string_equal(buf, "{\"type\":\"subscribed\"}\n");
	assert_int_equal(ctl.n_monitors, 2);

	vn_ctl_event(&ctl, "upstream", "info", "upstream now \"x\"");
	pump(loop, fd, buf, sizeof(buf));
	assert_non_null(strstr(buf, " upstream upstream now \"x\"\n"));
	pump(loop, fj, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"type\":\"upstream\",\"level\":\"info\","
				    "\"message\":\"upstream now \\\"x\\\"\"}\n"));
	/* Commands still work while monitors are subscribed. */
	a = ask(loop, "status\n", &len);
	assert_string_equal(a, "upstream: none\n");
	free(a);

	/* A monitor that leaves is noticed and its slot freed. */
	close(fd);
	pump(loop, fj, buf, sizeof(buf));
	assert_int_equal(ctl.n_monitors, 1);

	/* The bound: the ninth monitor is refused. */
	for (int i = 0; i < VN_CTL_MONITORS_MAX - 1; i++) {
		many[i] = client(path);
		assert_int_equal(send(many[i], "monitor\n", 8, 0), 8);
		pump(loop, many[i], buf, sizeof(buf));
	}
	assert_int_equal(ctl.n_monitors, VN_CTL_MONITORS_MAX);
	a = ask(loop, "monitor\n", &len);
	assert_string_equal(a, "error: too many monitors\n");
	free(a);

	/* One that never reads is dropped, not waited for: fj reads nothing
	 * from here on while events pile up. */
	for (int i = 0; i < 20000 && ctl.monitors_dropped == 0; i++) {
		vn_ctl_event(&ctl, "route", "info", "route to obu 02:00:00:00:00:01 now via ...");
		for (int k = 0; k < VN_CTL_MONITORS_MAX - 1; k++)
			while (recv(many[k], buf, sizeof(buf), MSG_DONTWAIT) > 0)
				;
		ev_run(loop, EVRUN_NOWAIT);
	}
	assert_true(ctl.monitors_dropped >= 1);
	assert_int_equal(ctl.n_monitors, VN_CTL_MONITORS_MAX - 1);
	for (int i = 0; i < VN_CTL_MONITORS_MAX - 1; i++)
		close(many[i]);
	close(fj);
	vn_ctl_close(&ctl);
	assert_int_equal(calls, 1);
	ev_loop_destroy(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_monitor),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
