/* shell/rawsock_ring.c for real: a veth pair in a network namespace of its
 * own (skipped, exit 77, where one cannot be had: not root). Frames come
 * out of the ring in order, each a vn_pbuf around the kernel's own copy in
 * its slot (pointer identity: no copy in user space) with the daemon's
 * headroom in front inside the slot; oversized frames are flagged; slots
 * are reused after release, across the ring's end; a ring that cannot be
 * had fails cleanly. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "rawsock.h"
#include "rawsock_ring.h"
#include "wire.h"

static int rx_fd, tx_fd;

static int sh(const char *cmd)
{
	return system(cmd);
}

/* One frame from v1 to v0: our EtherType, byte i of the payload = seq + i. */
static void send_frame(size_t len, uint8_t seq)
{
	uint8_t f[9000];

	memset(f, 0xff, 6); /* broadcast */
	memset(f + 6, 0x02, 6);
	f[12] = VN_ETHERTYPE >> 8;
	f[13] = VN_ETHERTYPE & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seq + i);
	assert_int_equal(send(tx_fd, f, len, 0), (ssize_t)len);
}

static void wait_readable(void)
{
	struct pollfd p = { .fd = rx_fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 2000), 1);
}

static int setup(void **state)
{
	struct vn_error e;

	(void)state;
	if (sh("ip link add v0 type veth peer name v1 && ip link set v0 mtu 9000 up && "
	       "ip link set v1 mtu 9000 up") != 0)
		return -1;
	rx_fd = vn_raw_open((int)if_nametoindex("v0"), "v0", &e);
	tx_fd = vn_raw_open((int)if_nametoindex("v1"), "v1", &e);
	return rx_fd >= 0 && tx_fd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	close(rx_fd);
	close(tx_fd);
	return sh("ip link del v0");
}

static const uint8_t *slot_of(const struct vn_ring *r, const uint8_t *p)
{
	return r->map + (size_t)(p - r->map) / r->frame_size * r->frame_size;
}

static void check_frame(const struct vn_ring *r, const struct vn_pbuf *b, size_t len, uint8_t seq)
{
	const uint8_t *s = slot_of(r, b->data);

	/* the kernel's copy in the ring, not one of ours */
	assert_true(vn_ring_holds(r, b->data, len));
	assert_int_equal(vn_pbuf_headroom(b), VN_PBUF_HEADROOM);
	/* storage inside the slot, behind the kernel's header */
	assert_true(b->start >= s + sizeof(struct tpacket2_hdr) + sizeof(struct sockaddr_ll));
	assert_ptr_equal(b->start + b->size, s + r->frame_size);
	assert_true(b->size - VN_PBUF_HEADROOM - len >= VN_RING_TAILROOM);
	assert_int_equal(b->data[12], VN_ETHERTYPE >> 8);
	for (size_t i = 14; i < len; i++)
		assert_int_equal(b->data[i], (uint8_t)(seq + i));
}

static void test_zero_copy_in_order(void **state)
{
	struct vn_ring r;
	struct vn_error e;
	struct vn_pbuf b[VN_RAW_BATCH];
	enum vn_raw_rx res[VN_RAW_BATCH];
	size_t len[VN_RAW_BATCH], n;

	(void)state;
	assert_int_equal(vn_ring_open(&r, rx_fd, 1518, &e), 0);
	assert_true(vn_ring_on(&r));
	assert_int_equal(vn_ring_take(&r, b, VN_RAW_BATCH, res, len), 0); /* empty */
	send_frame(60, 1);
	send_frame(1514, 2);
	send_frame(100, 3);
	send_frame(4000, 4); /* larger than a slot holds */
	wait_readable();
	n = vn_ring_take(&r, b, VN_RAW_BATCH, res, len);
	assert_int_equal(n, 4);
	assert_int_equal(res[0], VN_RAW_FRAME);
	assert_int_equal(len[0], 60);
	check_frame(&r, &b[0], 60, 1);
	assert_int_equal(res[1], VN_RAW_FRAME);
	check_frame(&r, &b[1], 1514, 2);
	assert_true(b[1].data > b[0].data); /* slot after slot */
	check_frame(&r, &b[2], 100, 3);
	assert_int_equal(res[3], VN_RAW_TRUNCATED);
	assert_int_equal(len[3], 4000);
	/* the core may write its header into the headroom: the slot's own
	 * header (the kernel's status word) is not touched */
	b[2].len = len[2];
	memset(vn_pbuf_push(&b[2], VN_PBUF_HEADROOM), 0xaa, VN_PBUF_HEADROOM);
	vn_ring_release(&r);
	send_frame(70, 5);
	wait_readable();
	assert_int_equal(vn_ring_take(&r, b, VN_RAW_BATCH, res, len), 1);
	check_frame(&r, &b[0], 70, 5);
	vn_ring_release(&r);
	vn_ring_close(&r);
	assert_false(vn_ring_on(&r));
}

/* Twice the ring's slots in bursts: taken in order across its end. */
static void test_wraps(void **state)
{
	struct vn_ring r;
	struct vn_error e;
	struct vn_pbuf b[VN_RAW_BATCH];
	enum vn_raw_rx res[VN_RAW_BATCH];
	size_t len[VN_RAW_BATCH], total = 0;
	int fd;

	(void)state;
	fd = vn_raw_open((int)if_nametoindex("v0"), "v0", &e);
	assert_true(fd >= 0);
	assert_int_equal(vn_ring_open(&r, fd, 1518, &e), 0);
	for (size_t round = 0; round < 4; round++) {
		size_t burst = r.nframes / 2, got = 0;

		for (size_t i = 0; i < burst; i++)
			send_frame(64, (uint8_t)(total + i));
		while (got < burst) {
			size_t n = vn_ring_take(&r, b, VN_RAW_BATCH, res, len);

			if (n == 0) {
				struct pollfd p = { .fd = fd, .events = POLLIN };

				assert_int_equal(poll(&p, 1, 2000), 1);
				continue;
			}
			for (size_t i = 0; i < n; i++) {
				assert_int_equal(res[i], VN_RAW_FRAME);
				check_frame(&r, &b[i], 64, (uint8_t)(total + got + i));
			}
			got += n;
			vn_ring_release(&r);
		}
		total += burst;
	}
	assert_true(total >= r.nframes * 2);
	vn_ring_close(&r);
	close(fd);
}

/* No ring: an error, the socket left as it was; the daemon reads with
 * recvmmsg then (daemon_ring.c). */
static void test_fails_cleanly(void **state)
{
	struct vn_ring r, r2;
	struct vn_error e = { 0 };
	int udp = socket(AF_INET, SOCK_DGRAM, 0), fd;

	(void)state;
	assert_int_equal(vn_ring_open(&r, udp, 1518, &e), -1);
	assert_false(vn_ring_on(&r));
	assert_non_null(strstr(e.msg, "packet ring"));
	close(udp);
	/* a second ring on one socket: refused, the first one still works */
	fd = vn_raw_open((int)if_nametoindex("v0"), "v0", &e);
	assert_true(fd >= 0);
	assert_int_equal(vn_ring_open(&r, fd, 1518, &e), 0);
	assert_int_equal(vn_ring_open(&r2, fd, 1518, &e), -1);
	assert_false(vn_ring_on(&r2));
	{
		struct vn_pbuf b[1];
		enum vn_raw_rx res[1];
		size_t len[1];

		struct pollfd p = { .fd = fd, .events = POLLIN };

		send_frame(80, 9);
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(vn_ring_take(&r, b, 1, res, len), 1);
		check_frame(&r, &b[0], 80, 9);
		vn_ring_release(&r);
	}
	vn_ring_close(&r);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_copy_in_order),
		cmocka_unit_test(test_wraps),
		cmocka_unit_test(test_fails_cleanly),
	};

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: needs root and network namespaces\n");
		return 77;
	}
	vn_log_init("test_ring", VN_LOG_ERR);
	return cmocka_run_group_tests(tests, setup, teardown);
}
