/* Protocol v2 replies (rules 3, 4): our own reply goes only to the chosen
 * RSU -- at once when the upstream or the RSU changes or the RSU restarted,
 * else as a keep-alive one id in K_a -- and the replies from below are sent
 * on in batches, one frame per next hop. See docs/routing.md, "Protocol v2". */
#include "obu_core_priv.h"

#include <string.h>

#include "core_util.h"

/* --- batches of forwarded replies ------------------------------------------- */

static struct obu_batch *batch_of(struct obu_core *c, const struct vn_mac *to)
{
	for (uint32_t i = 0; i < OBU_BATCHES; i++)
		if (c->batch[i].n > 0 && vn_mac_eq(&c->batch[i].to, to))
			return &c->batch[i];
	return NULL;
}

/* Sends the batch, with our own reply (own, or NULL) in front of it. */
static void batch_send(struct obu_core *c, struct obu_batch *b, const uint8_t *own)
{
	uint8_t *start = b->buf + VN_REPLY_LEN;
	size_t len = (size_t)b->n * VN_REPLY_LEN;

	if (own != NULL) {
		start = b->buf;
		memcpy(start, own, VN_REPLY_LEN);
		len += VN_REPLY_LEN;
	}
	core_send(&c->io, start, len);
	c->cnt[OC_reply_frames_sent]++;
	b->n = 0;
}

/* A reply from below, to go on to `to` (our upstream): rewritten into its
 * batch; sent once the batch is full or reply_hold_ms after its first. */
void obu_batch_add(struct obu_core *c, const struct vn_mac *to, const uint8_t *msg, vn_usec now)
{
	struct obu_batch *b = batch_of(c, to), *old = NULL;
	uint8_t *slot;

	for (uint32_t i = 0; b == NULL && i < OBU_BATCHES; i++) {
		if (c->batch[i].n == 0)
			b = &c->batch[i];
		else if (old == NULL || c->batch[i].first_at < old->first_at)
			old = &c->batch[i];
	}
	if (b == NULL) {
		batch_send(c, old, NULL); /* more next hops than batches: the oldest goes */
		b = old;
	}
	if (b->n == 0) {
		b->to = *to;
		b->first_at = now;
	}
	slot = b->buf + (size_t)(b->n + 1) * VN_REPLY_LEN;
	memcpy(slot, msg, VN_REPLY_LEN);
	vn_fwd_rewrite(slot, to, &c->self);
	b->n++;
	c->cnt[OC_replies_forwarded]++;
	if (b->n == VN_REPLY_BATCH_MAX || c->p.reply_hold_ms == 0)
		batch_send(c, b, NULL);
}

void obu_batch_flush_due(struct obu_core *c, vn_usec now)
{
	vn_usec hold = (vn_usec)c->p.reply_hold_ms * VN_USEC_PER_MS;

	for (uint32_t i = 0; i < OBU_BATCHES; i++)
		if (c->batch[i].n > 0 && now >= c->batch[i].first_at + hold)
			batch_send(c, &c->batch[i], NULL);
}

vn_usec obu_batch_deadline(const struct obu_core *c)
{
	vn_usec t = VN_USEC_NEVER, hold = (vn_usec)c->p.reply_hold_ms * VN_USEC_PER_MS;

	for (uint32_t i = 0; i < OBU_BATCHES; i++)
		if (c->batch[i].n > 0 && c->batch[i].first_at + hold < t)
			t = c->batch[i].first_at + hold;
	return t;
}

/* --- our own replies ----------------------------------------------------------- */

/* Our reply to hb (a received copy, or the newest id held: raw NULL),
 * to `to`, built now (a copy's bytes as received, before its re-broadcast
 * rewrites them) and sent by obu_reply_flush: after the re-broadcast, as
 * in v1. A forwarded batch to the same next hop rides along. */
static void reply_build(struct obu_core *c, uint32_t ri, const struct vn_msg *hb,
			const struct vn_mac *to, enum obu_counter why)
{
	vn_enc_reply(c->scratch, sizeof(c->scratch), to, &c->self, hb, &c->self);
	c->own_pending = true;
	c->replied_to = *to;
	c->replied_rsu = (int32_t)ri;
	c->replied_id = hb->hb.id;
	c->cnt[OC_replies_sent]++;
	c->cnt[why]++;
}

void obu_reply_flush(struct obu_core *c)
{
	struct obu_batch *b;

	if (!c->own_pending)
		return;
	c->own_pending = false;
	b = batch_of(c, &c->replied_to);
	if (b != NULL)
		batch_send(c, b, c->scratch);
	else
		core_send(&c->io, c->scratch, VN_REPLY_LEN);
}

/* Whether our last reply went to the chosen RSU's current upstream. */
static bool reply_current(const struct obu_core *c)
{
	const struct obu_rsu *r = &c->rsu[c->chosen];

	return c->replied_rsu == c->chosen && vn_mac_eq(&c->replied_to, nbr_mac(c, r->up));
}

/* At once when the upstream or the chosen RSU changed or the RSU restarted
 * (replied_rsu reset): built from the newest heartbeat we hold, with the
 * hops our new upstream wrote -- the next copy from it may be K_r periods
 * away while it is at sparse duty, and our reply makes it full. */
void obu_reply_check(struct obu_core *c, vn_usec now)
{
	const struct obu_rsu *r;
	struct vn_msg hb;

	if (c->chosen == OBU_NONE)
		return;
	r = &c->rsu[c->chosen];
	if (r->up != OBU_NONE && r->up_dead && reply_current(c) && now >= c->repair_at &&
	    !vn_mac_eq(nbr_mac(c, r->up), &r->mac)) {
		/* The upstream kept dead as the last resort is still silent:
		 * it may have gone sparse for want of our keep-alives, and the
		 * reply that would make it full again (sent when it was found
		 * dead) may be lost too. Again every OBU_REPAIR_PERIODS
		 * until it is heard: else the RSU is gone after `history`
		 * periods of its sparse silence (sim_tworsu: three lost
		 * keep-alives and the one repair lost, the RSU flapped). */
		c->replied_rsu = OBU_NONE;
	}
	if (r->up == OBU_NONE || !r->have || reply_current(c))
		return;
	if (r->up_dead)
		c->repair_at = now + obu_period(c, (uint32_t)c->chosen) * OBU_REPAIR_PERIODS;
	memset(&hb, 0, sizeof(hb));
	hb.hb.uptime = r->newest_uptime;
	hb.hb.id = r->newest;
	hb.hb.hops = nbr_of(c, r->up)->hops;
	hb.hb.source = r->mac;
	reply_build(c, (uint32_t)c->chosen, &hb, nbr_mac(c, r->up), OC_replies_sent_change);
}

/* Our own Upstream data went straight to the RSU (our upstream is the RSU
 * itself) within the last K_a periods: the RSU made or kept our route
 * direct and alive on it (rsu_route_refresh: data from the OBU itself), so
 * a keep-alive would tell it nothing. Through a relay it is not so (the RSU
 * refreshes a route from data only through its chosen next hop): there the
 * keep-alive goes. Saves the keep-alives of every direct OBU that sends
 * (jam10: 5 senders of 10 vehicles). */
static bool data_keeps_route(const struct obu_core *c, uint32_t ri, vn_usec now)
{
	const struct obu_rsu *r = &c->rsu[ri];

	return c->own_up_at != 0 && vn_mac_eq(nbr_mac(c, r->up), &r->mac) &&
	       age(now, c->own_up_at) < obu_period(c, ri) * c->p.reply_keepalive;
}

/* A copy m of a heartbeat of RSU ri (seen: its history entry). A keep-alive
 * answers the copy from our upstream of an id in our K_a set -- or, if
 * that copy was lost, the next one from it once K_a ids have passed. */
void obu_reply_on_hb(struct obu_core *c, uint32_t ri, const struct vn_msg *m,
		     struct obu_seen *seen, vn_usec now)
{
	const struct obu_rsu *r = &c->rsu[ri];
	uint32_t ka = c->p.reply_keepalive;

	if ((int32_t)ri != c->chosen || r->up == OBU_NONE || seen == NULL || seen->replied)
		return;
	if (!reply_current(c)) {
		obu_reply_check(c, now);
		return;
	}
	if (!vn_mac_eq(&m->from, nbr_mac(c, r->up)) || m->hb.id == c->replied_id)
		return;
	if (nbr_of(c, r->up)->klog >= 2 && m->hb.id - c->replied_id >= 4) {
		/* Our upstream relays sparsely (1 id in 4 or fewer: a full
		 * one behind a lossy link seldom fits that pattern over the
		 * 64-id map): it did not get our reply, or forgot us. Again,
		 * every 4 ids at most, until it is at full duty. */
		reply_build(c, ri, m, &m->from, OC_replies_sent_change);
		seen->replied = true;
		return;
	}
	if ((m->hb.id + c->stagger) % ka == 0 || (int32_t)(m->hb.id - c->replied_id) >= (int32_t)ka) {
		if (data_keeps_route(c, ri, now)) {
			/* counts as this keep-alive: the next is due K_a on */
			c->replied_id = m->hb.id;
			c->cnt[OC_replies_skipped_data]++;
			return;
		}
		reply_build(c, ri, m, &m->from, OC_replies_sent_keepalive);
		seen->replied = true; /* once per id */
	}
}
