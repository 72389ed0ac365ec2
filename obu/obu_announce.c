/* The announce schedule (obu_announce.h). */
#include "obu_announce.h"

void obu_announce_init(struct obu_announce *a)
{
	a->has_rsu = false;
	a->attach_left = a->attach_sent = 0;
	a->next = VN_USEC_NEVER;
}

/* The delay before the next copy: repeats spread out (1, 3 x REPEAT), then
 * the keep-alive rate. */
static vn_usec next_delay(const struct obu_announce *a)
{
	if (a->attach_left == 0)
		return (vn_usec)OBU_ANNOUNCE_KEEPALIVE_MS * VN_USEC_PER_MS;
	return (vn_usec)OBU_ANNOUNCE_REPEAT_MS * VN_USEC_PER_MS * (2 * a->attach_sent - 1);
}

enum vn_announce_kind obu_announce_due(struct obu_announce *a, const struct vn_mac *rsu,
				       vn_usec now)
{
	enum vn_announce_kind kind;

	if (rsu == NULL) {
		obu_announce_init(a);
		return VN_ANNOUNCE_NONE;
	}
	if (!a->has_rsu || !vn_mac_eq(&a->rsu, rsu)) {
		a->rsu = *rsu;
		a->has_rsu = true;
		a->attach_left = OBU_ANNOUNCE_ATTACH_COPIES;
		a->attach_sent = 0;
		a->next = now;
	}
	if (now < a->next)
		return VN_ANNOUNCE_NONE;
	if (a->attach_left > 0) {
		a->attach_left--;
		a->attach_sent++;
		kind = VN_ANNOUNCE_ATTACH;
	} else {
		kind = VN_ANNOUNCE_KEEPALIVE;
	}
	a->next = now + next_delay(a);
	return kind;
}

vn_usec obu_announce_next(const struct obu_announce *a)
{
	return a->next;
}

size_t obu_announce_send(struct obu_announce *a, struct obu_core *core,
			 const struct vn_ip *addrs, size_t n, vn_usec now)
{
	struct obu_route_info ri;
	enum vn_announce_kind kind;
	bool up = obu_core_upstream(core, &ri);
	size_t sent = 0;

	kind = obu_announce_due(a, up ? &ri.rsu : NULL, now);
	if (kind == VN_ANNOUNCE_NONE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t mem[VN_PBUF_HEADROOM + VN_ANNOUNCE_MAX];
		struct vn_pbuf b;

		vn_pbuf_init(&b, mem, sizeof(mem));
		b.len = vn_announce_build(b.data, vn_pbuf_tailroom(&b), &addrs[i], kind);
		if (b.len == 0)
			continue;
		sent++;
		obu_core_on_tun(core, &b, now);
	}
	return sent;
}
