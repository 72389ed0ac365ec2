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

static void fake(void *ctx, enum vn_ctl_cmd cmd, struct vn_strbuf *out)
{
	int *calls = ctx;

	(*calls)++;
	if (cmd == VN_CTL_STATUS)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_stale),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
