/* The data path around the core's callbacks: frames for the wire are
 * gathered while a burst is handled and leave with one sendmmsg()
 * (txbatch.h); packets for the tun are coalesced into super-packets
 * (tun_gro.h) when the tun speaks virtio-net headers ([tun] offload).
 * Outside a burst (timers) a frame is sent at once. */
#include "daemon_priv.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "tun.h"
#include "vnet.h"

static void tx_failed(struct daemon *d, int err, size_t len)
{
	if (err == ENXIO || err == ENODEV || err == ENETDOWN)
		vn_daemon_check_wire_soon(d);
	LOG_LIMITED(&d->rl_tx, VN_LOG_WARN, "send on %s (%zu bytes): %s", d->cfg.interface, len,
		    err != 0 ? strerror(err) : "short write");
}

static void send_now(struct daemon *d, const uint8_t *frame, size_t len)
{
	ssize_t n = send(d->raw_fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n == (ssize_t)len) {
		d->cnt.tx_frames++;
		return;
	}
	d->cnt.tx_errors++;
	tx_failed(d, n < 0 ? errno : 0, len);
}

void vn_daemon_tx_begin(struct daemon *d)
{
	d->tx_open = true;
}

static void gro_flush(struct daemon *d);

void vn_daemon_tx_flush(struct daemon *d)
{
	struct vn_txb_result r;

	/* The wire first: a relayed broadcast and its local copy share the
	 * IP header the coalescer rewrites. */
	if (vn_txb_pending(&d->txb) > 0)
		vn_txb_flush(&d->txb, d->raw_fd, &r);
	else
		r = (struct vn_txb_result){ 0 };
	d->tso_used = 0;
	gro_flush(d);
	if (r.sent + r.failed == 0)
		return;
	d->cnt.tx_frames += r.sent;
	d->cnt.tx_errors += r.failed;
	d->cnt.tx_batches++;
	if (r.failed > 0)
		tx_failed(d, r.err, r.err_len);
}

void vn_daemon_tx_end(struct daemon *d)
{
	vn_daemon_tx_flush(d);
	d->tx_open = false;
	d->split = false;
}

/* The frame the core made of a super-packet's first segment (hlen bytes
 * of our header in front of it): the other segments get the same header,
 * their own IP/TCP headers, and their payload slice by pointer. */
static void send_split(struct daemon *d, const uint8_t *frame, size_t len)
{
	size_t hlen = len - d->split_len;

	d->split = false;
	if (!vn_txb_add(&d->txb, frame, len)) {
		vn_daemon_tx_flush(d);
		(void)vn_txb_add(&d->txb, frame, len); /* held, empty batch: fits */
	}
	for (size_t i = 1; i < d->tso.nseg; i++) {
		struct iovec v[2];
		const uint8_t *pl;
		size_t plen;

		if (d->tso_used == VN_TXB_MAX || vn_txb_pending(&d->txb) == VN_TXB_MAX)
			vn_daemon_tx_flush(d);
		v[0].iov_base = d->tso_hdr[d->tso_used++];
		memcpy(v[0].iov_base, frame, hlen);
		vn_tso_seg(&d->tso, i, (uint8_t *)v[0].iov_base + hlen, &pl, &plen);
		v[0].iov_len = hlen + d->tso.hl;
		v[1] = (struct iovec){ (void *)pl, plen };
		(void)vn_txb_addv(&d->txb, v, 2);
	}
	d->cnt.tun_rx_segments += d->tso.nseg;
}

void vn_daemon_send_now(struct daemon *d, const uint8_t *frame, size_t len)
{
	if (d->tx_open)
		vn_daemon_tx_flush(d); /* what the burst queued leaves first */
	send_now(d, frame, len);
}

void vn_daemon_send(struct daemon *d, const uint8_t *frame, size_t len)
{
	if (d->split && d->tx_open && frame + len == d->split_end && len > d->split_len) {
		send_split(d, frame, len);
		return;
	}
	if (!d->tx_open) {
		send_now(d, frame, len);
		return;
	}
	if (vn_txb_add(&d->txb, frame, len))
		return;
	vn_daemon_tx_flush(d);
	if (!vn_txb_add(&d->txb, frame, len))
		send_now(d, frame, len); /* larger than the copy arena */
}

/* --- The tun ------------------------------------------------------------- */

/* Super-packets: up to 64 KB of IP packet. A round of tun reads holds its
 * buffers until its frames have left, so there is one per read of a round
 * (DRAIN_CAP in daemon.c): small packets keep their round of 64. Only the
 * pages a read touches become resident. */
#define BIG_BUFS 64
#define BIG_SIZE (VN_PBUF_HEADROOM + 65536)

struct vn_pool *vn_daemon_tun_pool(struct daemon *d)
{
	return d->tso_on ? &d->big : &d->pool;
}

void vn_daemon_tun_fini(struct daemon *d)
{
	if (d->big.mem != NULL)
		vn_pool_fini(&d->big);
}

static bool big_pool(struct daemon *d)
{
	if (vn_pool_init_sized(&d->big, BIG_BUFS, BIG_SIZE) < 0)
		return false;
	if (!vn_txb_hold(&d->txb, d->big.bufs[0].start,
			 (size_t)(d->big.bufs[BIG_BUFS - 1].start - d->big.bufs[0].start) + BIG_SIZE,
			 (size_t)(d->big.bufs[1].start - d->big.bufs[0].start))) {
		vn_pool_fini(&d->big);
		return false;
	}
	return true;
}

/* TSO with checksum offload (the kernel then leaves checksums to us:
 * vn_vnet_rx, vn_tso_begin); ECN-marked super-packets if it can. */
static void tso_probe(struct daemon *d)
{
	unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

	if (!big_pool(d)) {
		vn_notice("tun offload: no memory for super-packets; no TSO");
		return;
	}
	if (ioctl(d->tun_fd, TUNSETOFFLOAD, base | TUN_F_TSO_ECN) == 0 ||
	    ioctl(d->tun_fd, TUNSETOFFLOAD, base) == 0) {
		d->tso_on = true;
		return;
	}
	vn_pool_fini(&d->big);
	vn_notice("tun offload: TUNSETOFFLOAD refused (%s); no TSO", strerror(errno));
	(void)ioctl(d->tun_fd, TUNSETOFFLOAD, 0);
}

/* Whether TSO is still on for the tun (SIOCETHTOOL, ETHTOOL_GTSO): an
 * administrator may switch it off (`ethtool -K tun0 tso off`). Then only
 * the checksum offload would be left, and computing checksums here costs
 * more than the kernel's copy-and-checksum from the sender's socket: give
 * it back too. Looked at once per TSO_CHECK_EVERY reads. */
#define TSO_CHECK_EVERY 1024

static void tso_recheck(struct daemon *d)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GTSO };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, d->cfg.tun_name, strnlen(d->cfg.tun_name, IFNAMSIZ - 1));
	ifr.ifr_data = (void *)&ev;
	if (ioctl(d->raw_fd, SIOCETHTOOL, &ifr) < 0 || ev.data != 0)
		return;
	if (ioctl(d->tun_fd, TUNSETOFFLOAD, 0) < 0)
		return;
	d->tso_on = false;
	vn_notice("tun offload: TSO was switched off on %s; checksum offload off too "
		  "(coalescing stays)", d->cfg.tun_name);
}

int vn_daemon_tun_open(struct daemon *d, struct vn_error *e)
{
	struct vn_error e2;

	vn_gro_init(&d->gro);
	/* Secured frames are tagged (and sealed) one by one, in place, with the
	 * tag after the frame: a split segment has no tailroom of its own (its
	 * neighbour's payload follows it) and a coalesced write would skip the
	 * per-frame checks. Offloads stay off with [security]. */
	if (d->cfg.tun_offload && d->cfg.sec.mode != VN_SEC_OFF) {
		vn_notice("tun offload: off with [security] mode %s (frames are secured one by one)",
			  vn_sec_mode_name(d->cfg.sec.mode));
	} else if (d->cfg.tun_offload) {
		if (!vn_tun_has_vnet_hdr()) {
			vn_notice("tun offload: the kernel's tun has no IFF_VNET_HDR; off");
		} else if ((d->tun_fd = vn_tun_open_flags(d->cfg.tun_name, IFF_VNET_HDR, &e2)) >= 0) {
			d->vnet = d->gro_on = true;
			tso_probe(d);
			vn_info("tun offload: virtio-net header; coalescing TCP into the tun; %s",
				d->tso_on ? "TCP segmentation offload (split here)" : "no TSO");
			return 0;
		} else {
			vn_notice("tun offload: %s; off", e2.msg);
		}
	}
	d->tun_fd = vn_tun_open(d->cfg.tun_name, e);
	return d->tun_fd < 0 ? -1 : 0;
}

_Static_assert(VN_PBUF_HEADROOM >= VN_VNET_HLEN, "the virtio-net header is read into the headroom");

ssize_t vn_daemon_tun_read(struct daemon *d, struct vn_pbuf *b)
{
	struct vn_vnet_hdr h;
	ssize_t n;

	d->split = false;
	if (!d->vnet)
		return read(d->tun_fd, b->data, vn_pbuf_tailroom(b));
	if (d->tso_on && ++d->tso_reads % TSO_CHECK_EVERY == 0)
		tso_recheck(d);
	/* The header lands in the headroom just in front of the packet (the
	 * core's own header overwrites it later): one plain read(), cheaper
	 * in the kernel than a readv() of two pieces. */
	n = read(d->tun_fd, b->data - VN_VNET_HLEN, vn_pbuf_tailroom(b) + VN_VNET_HLEN);
	if (n <= 0)
		return n;
	memcpy(&h, b->data - VN_VNET_HLEN, VN_VNET_HLEN);
	if (n >= VN_VNET_HLEN && h.gso_type != VN_VNET_GSO_NONE && d->tso_on) {
		size_t first = vn_tso_begin(&d->tso, &h, b->data, (size_t)(n - VN_VNET_HLEN),
					    d->cfg.tun_mtu);

		if (first == 0) {
			d->cnt.tun_rx_drop_offload++;
			return VN_TUN_DROPPED;
		}
		d->cnt.tun_rx_super++;
		d->split = true;
		d->split_len = first;
		d->split_end = b->data + first;
		return (ssize_t)first;
	}
	if (n < VN_VNET_HLEN || !vn_vnet_rx(&h, b->data, (size_t)(n - VN_VNET_HLEN))) {
		d->cnt.tun_rx_drop_offload++;
		return VN_TUN_DROPPED;
	}
	return n - VN_VNET_HLEN;
}

static void tun_tx_failed(struct daemon *d, size_t len, int err)
{
	d->cnt.tun_tx_errors++;
	LOG_LIMITED(&d->rl_tun_tx, VN_LOG_WARN, "write to %s (%zu bytes): %s", d->cfg.tun_name,
		    len, err != 0 ? strerror(err) : "short write");
}

/* vn_gro_write_fn: one packet or super-packet into the tun. */
static int gro_write(void *ctx, const struct iovec *iov, int n, size_t segs)
{
	struct daemon *d = ctx;
	size_t want = 0;
	ssize_t got;

	for (int i = 0; i < n; i++)
		want += iov[i].iov_len;
	got = writev(d->tun_fd, iov, n);
	d->cnt.tun_tx_writes++;
	if (got == (ssize_t)want) {
		d->cnt.tun_tx_packets += segs;
		if (segs > 1)
			d->cnt.tun_tx_coalesced += segs;
		return 0;
	}
	/* A refused super-packet is retried segment by segment by the
	 * coalescer: not an error yet. */
	if (!(got < 0 && errno == EINVAL && segs > 1))
		tun_tx_failed(d, want - VN_VNET_HLEN, got < 0 ? errno : 0);
	if (got >= 0)
		errno = EIO;
	return -1;
}

static void gro_flush(struct daemon *d)
{
	struct vn_gro_stats st = { 0 };
	bool was = d->gro_on, was_udp = d->gro.udp;

	if (d->gro.n == 0)
		return;
	(void)vn_gro_flush(&d->gro, &d->gro_on, gro_write, d, &st);
	if (was && !d->gro_on)
		vn_warn("tun offload: the kernel refuses TCP GSO writes (EINVAL); coalescing off");
	if (was_udp && !d->gro.udp)
		vn_notice("tun offload: the kernel refuses UDP GSO writes (EINVAL, before Linux "
			  "6.2?); UDP coalescing off");
}

void vn_daemon_deliver(struct daemon *d, const uint8_t *pkt, size_t len)
{
	if (!d->vnet) {
		ssize_t n = write(d->tun_fd, pkt, len);

		d->cnt.tun_tx_writes++;
		if (n == (ssize_t)len)
			d->cnt.tun_tx_packets++;
		else
			tun_tx_failed(d, len, n < 0 ? errno : 0);
		return;
	}
	/* Within a burst, a packet in one of our buffers (the core delivers
	 * from the receive buffer) waits for the coalescer: the buffer stays
	 * ours until the flush. */
	if (d->tx_open && d->gro_on && vn_txb_held(&d->txb, pkt, len)) {
		if (d->gro.n == VN_GRO_MAX)
			gro_flush(d);
		(void)vn_gro_add(&d->gro, (uint8_t *)pkt, len);
		return;
	}
	{
		struct vn_vnet_hdr h = { 0 };
		struct iovec iov[2] = { { &h, VN_VNET_HLEN }, { (void *)pkt, len } };

		(void)gro_write(d, iov, 2, 1);
	}
}
