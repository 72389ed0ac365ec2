/* The OBU core's table of recently forwarded data packets (hashes): it cuts
 * any loop after one turn and lets a broadcast be re-broadcast only once.
 * The table itself is common/pkt_seen.c (the RSU has one too). See
 * docs/routing.md, "Loops". */
#include "obu_core_priv.h"

/* Sets (of VN_PKT_SEEN_WAYS entries) at first and at most: the table starts
 * small and doubles when a packet would push out an entry still within the
 * guaranteed window (2 periods), so a quiet node keeps 1 KiB and a busy relay
 * gets the full OBU_SEEN_SLOTS -- before that size no entry within its
 * window is ever lost, and at that size it works exactly as a table
 * allocated in full. */
#define SEEN_BITS_MIN 4
#define SEEN_BITS_MAX 8 /* OBU_SEEN_SLOTS / VN_PKT_SEEN_WAYS = 256 sets */

int obu_seen_init(struct obu_core *c)
{
	return vn_pkt_seen_init(&c->seen, SEEN_BITS_MIN, SEEN_BITS_MAX);
}

static uint32_t key(enum obu_pkt_kind kind, const struct vn_msg *m)
{
	return vn_pkt_hash((uint32_t)kind, m, kind == OBU_PK_DOWN || kind == OBU_PK_BCAST);
}

vn_usec obu_pkt_age(const struct obu_core *c, enum obu_pkt_kind kind, const struct vn_msg *m,
		    vn_usec now)
{
	return vn_pkt_seen_age(&c->seen, key(kind, m), now);
}

/* The kind and the destination (Downstream, broadcast) are in the key: an
 * OBU-to-OBU packet crosses a relay once going up and once coming down.
 * Unicast data (Upstream, Downstream) coming from another neighbour than
 * its first copy is a repeat for OBU_DATA_DEDUP_OTHER periods, as long as
 * the table holds it: a copy that took another path (docs/routing.md,
 * "Loops"). */
bool obu_pkt_seen(struct obu_core *c, enum obu_pkt_kind kind, const struct vn_msg *m,
		  vn_usec window, vn_usec now)
{
	vn_usec t = obu_period_global(c);
	struct vn_pkt_win w = {window, window, OBU_DATA_DEDUP * t};
	enum vn_pkt_seen_res r;

	if ((kind == OBU_PK_UP || kind == OBU_PK_DOWN) && w.other < OBU_DATA_DEDUP_OTHER * t)
		w.other = OBU_DATA_DEDUP_OTHER * t;
	r = vn_pkt_seen(&c->seen, key(kind, m), vn_pkt_via(&m->from), &w, now);
	if (r == VN_PKT_NEW_NOGROW)
		c->cnt[OC_alloc_failed]++;
	return r == VN_PKT_REPEAT;
}
