/* The 802.11 transmit status of the wire socket (rawsock.c, rule 12 of
 * docs/routing.md): the SCM_WIFI_STATUS control message read by hand-built
 * message headers (acked, not acked, absent, among other messages), an
 * empty error queue read as "nothing", and an interface without sysfs
 * wireless entries (lo) never asks for the status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "rawsock.h"

#ifndef SCM_WIFI_STATUS
#define SCM_WIFI_STATUS 41
#endif

union ctl {
	char buf[2 * CMSG_SPACE(sizeof(int)) + CMSG_SPACE(16)];
	struct cmsghdr align;
};

/* m with a SOL_SOCKET / `type` message first (if other_first), then the
 * status `v` (if v >= 0). */
static void build(struct msghdr *m, union ctl *c, int v, bool other_first)
{
	struct cmsghdr *h;
	int x = 5;

	memset(m, 0, sizeof(*m));
	memset(c, 0, sizeof(*c));
	m->msg_control = c->buf;
	m->msg_controllen = 0;
	if (other_first)
		m->msg_controllen += CMSG_SPACE(sizeof(int));
	if (v >= 0)
		m->msg_controllen += CMSG_SPACE(sizeof(int));
	if (m->msg_controllen == 0) {
		m->msg_control = NULL;
		return;
	}
	h = CMSG_FIRSTHDR(m);
	if (other_first) {
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_TIMESTAMP;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &x, sizeof(x));
		h = CMSG_NXTHDR(m, h);
	}
	if (v >= 0) {
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_WIFI_STATUS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &v, sizeof(v));
	}
}

static void test_status_parse(void **state)
{
	struct msghdr m;
	union ctl c;

	(void)state;
	build(&m, &c, 1, false);
	assert_int_equal(vn_raw_wifi_status(&m), 1);
	build(&m, &c, 0, false);
	assert_int_equal(vn_raw_wifi_status(&m), 0);
	build(&m, &c, 0, true);
	assert_int_equal(vn_raw_wifi_status(&m), 0);
	build(&m, &c, -1, true);
	assert_int_equal(vn_raw_wifi_status(&m), -1);
	build(&m, &c, -1, false);
	assert_int_equal(vn_raw_wifi_status(&m), -1);
}

static void test_empty_queue_and_not_wireless(void **state)
{
	uint8_t mem[VN_PBUF_SIZE];
	struct vn_pbuf b;
	int sv[2], acked = 7;
	size_t len = 7;

	(void)state;
	vn_pbuf_init(&b, mem, sizeof(mem));
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(vn_raw_recv_txstatus(sv[0], &b, &acked, &len), 0);
	assert_int_equal(acked, 7); /* untouched when there is nothing */
	close(sv[0]);
	close(sv[1]);
	assert_false(vn_raw_wireless("lo"));
	assert_false(vn_raw_wireless("no-such-interface-here"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_empty_queue_and_not_wireless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
