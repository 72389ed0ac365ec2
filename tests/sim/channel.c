/* The IEEE 802.11p channel (ITS-G5, 10 MHz): airtime, carrier sense,
 * CSMA/CA with the best-effort EDCA parameters, collisions without capture,
 * unicast ACK and retry. Selected with sim_opts.channel = SIM_CHAN_80211P.
 *
 * Who hears whom is the link graph: a node senses and can decode exactly
 * the transmitters with an up link to it; the link's loss is the PHY error
 * rate of a frame that did not collide. Propagation takes no time.
 *
 * A transmission is one record with a snapshot of its receivers taken when
 * it starts (links may be rebuilt while it is on the air). At its start
 * every receiver's medium turns busy; a receiver idle until then locks on
 * it, one already hearing something loses both (the one it was locked on,
 * and this one). At its end each receiver that stayed locked and clean
 * draws the PHY loss and, if it passes, hands the frame to its core; the
 * addressee of a unicast frame answers with an ACK SIFS later.
 *
 * Contention, per node: the head of the MAC queue waits until the medium
 * has been idle for AIFS, then counts down a random number of 13 us slots
 * in [0, CW] while it stays idle; a busy medium freezes the count, which
 * resumes after the next AIFS. Nodes whose count ends in the same
 * microsecond transmit together (none can sense the other within a slot):
 * that is where collisions among neighbours come from; hidden terminals
 * collide by themselves. A unicast frame without ACK is retried with CW
 * doubled (CWmin 15 .. CWmax 1023) up to 7 times, then dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "wire.h"

#define SIFS 32
#define SLOT 13
#define AIFSN_BE 6
#define AIFS (SIFS + AIFSN_BE * SLOT)
#define CW_MIN 15
#define CW_MAX 1023
#define RETRY_LIMIT 7
#define DEFAULT_QUEUE 64
#define DEFAULT_RATE 6000

enum chan_ev { CH_BACKOFF, CH_TX_END, CH_ACK_START, CH_ACK_TIMEOUT };

/* How a receiver met a frame when it started. */
enum rx_how { RX_CLEAN, RX_OVERLAP, RX_DEAF };

struct chan_rx {
	uint32_t node;
	uint8_t how;
	bool ok;
	double loss;
};

struct chan_tx {
	struct sim_air *air; /* NULL: an ACK */
	uint32_t from;
	uint32_t ack_to;     /* an ACK: the node it answers */
	int32_t dst;	     /* unicast addressee among rx[], or -1 */
	bool unicast;
	uint32_t nrx;
	struct chan_rx rx[];
};

vn_usec sim_airtime(size_t len, uint32_t rate_kbps)
{
	/* 10 MHz OFDM: preamble + SIGNAL 40 us, then 8 us symbols of
	 * rate * 8 us bits; SERVICE 16 + tail 6 + 8 bits per byte. On the air
	 * our 14-byte Ethernet header becomes an 802.11 data header (24),
	 * LLC/SNAP (8) and FCS (4); an ACK (len 0) is 14 bytes. */
	size_t bytes = len == 0 ? 14 : (len > VN_ETH_HLEN ? len - VN_ETH_HLEN : 0) + 24 + 8 + 4;
	uint64_t bits = 16 + 6 + 8 * (uint64_t)bytes;
	uint64_t dbps = (uint64_t)(rate_kbps ? rate_kbps : DEFAULT_RATE) * 8 / 1000;

	return 40 + 8 * ((bits + dbps - 1) / dbps);
}

static uint32_t rate(const struct sim *s)
{
	return s->opts.rate_kbps ? s->opts.rate_kbps : DEFAULT_RATE;
}

/* ACKs go at the highest mandatory rate (3, 6, 12 Mbit/s) not above the
 * data rate. */
static vn_usec ack_airtime(const struct sim *s)
{
	uint32_t r = rate(s);

	return sim_airtime(0, r >= 12000 ? 12000 : r >= 6000 ? 6000 : 3000);
}

static bool busy(const struct chan_node *c)
{
	return c->txing || c->nsensed > 0;
}

static void push_ev(struct sim *s, vn_usec t, enum chan_ev what, uint32_t node, uint32_t gen,
		    uint32_t peer, struct chan_tx *tx)
{
	struct sim_ev e;

	memset(&e, 0, sizeof(e));
	e.t = t;
	e.kind = EV_CHAN;
	e.node = node;
	e.epoch = gen;
	e.u.chan.what = what;
	e.u.chan.peer = peer;
	e.u.chan.tx = tx;
	ev_push(s, &e);
}

/* --- Contention ------------------------------------------------------------ */

/* When the countdown ends if the medium stays idle. */
static vn_usec count_end(const struct chan_node *c)
{
	return c->count_from + (vn_usec)c->slots * SLOT;
}

/* The medium is idle here: (re)start the countdown. At most one backoff
 * event per node waits in the heap: one due no later than the new end is
 * left to fire and re-arm itself (ev_backoff), which saves a heap push for
 * every freeze among dozens of contenders. */
static void resume(struct sim *s, struct sim_node *n)
{
	struct chan_node *c = &n->ch;
	vn_usec from = c->idle_since + AIFS;

	c->count_from = from > s->now ? from : s->now;
	c->counting = true;
	if (c->bo_at != VN_USEC_NEVER && c->bo_at <= count_end(c))
		return;
	c->bo_at = count_end(c);
	push_ev(s, c->bo_at, CH_BACKOFF, n->idx, ++c->gen, 0, NULL);
}

static void contend(struct sim *s, struct sim_node *n)
{
	struct chan_node *c = &n->ch;

	c->state = CHAN_CONTEND;
	c->counting = false;
	c->slots = (uint32_t)(rng_next(&s->rng) % (c->cw + 1));
	if (!busy(c))
		resume(s, n);
}

/* Busy from now: freeze the countdown, keeping the slots not yet counted.
 * A count that ends at this very microsecond goes ahead. */
static void became_busy(struct sim *s, struct sim_node *n)
{
	struct chan_node *c = &n->ch;

	c->busy_since = s->now;
	if (c->state != CHAN_CONTEND || !c->counting || count_end(c) <= s->now)
		return;
	if (s->now > c->count_from)
		c->slots -= (uint32_t)((s->now - c->count_from) / SLOT);
	c->counting = false;
}

static void became_idle(struct sim *s, struct sim_node *n)
{
	struct chan_node *c = &n->ch;

	c->st.busy += s->now - c->busy_since;
	c->idle_since = s->now;
	if (c->state == CHAN_CONTEND)
		resume(s, n);
}

/* The head frame is done with (sent, or given up): on to the next. */
/* Drops the head of the MAC queue (the queue holds one reference). */
static void q_pop(const struct sim *s, struct chan_node *c)
{
	air_put(c->q[c->q_head]);
	c->q_head = (c->q_head + 1) % s->opts.mac_queue;
	c->q_n--;
}

static void head_done(struct sim *s, struct sim_node *n)
{
	struct chan_node *c = &n->ch;

	q_pop(s, c);
	c->retries = 0;
	c->cw = CW_MIN;
	c->state = CHAN_IDLE;
	if (c->q_n > 0)
		contend(s, n);
}

void chan_send(struct sim *s, struct sim_node *n, const uint8_t *frame, size_t len)
{
	struct chan_node *c = &n->ch;
	struct sim_air *a;

	if (c->q == NULL) {
		c->q = calloc(s->opts.mac_queue, sizeof(*c->q));
		if (c->q == NULL)
			abort();
		c->cw = CW_MIN;
		c->bo_at = VN_USEC_NEVER;
	}
	if (c->q_n == s->opts.mac_queue) {
		c->st.queue_drops++;
		return;
	}
	a = air_new(frame, len);
	a->refs = 1;
	c->q[(c->q_head + c->q_n) % s->opts.mac_queue] = a;
	c->q_n++;
	if (c->state == CHAN_IDLE)
		contend(s, n);
}

/* --- Transmission and reception ----------------------------------------------- */

static void sense_start(struct sim *s, struct sim_node *r, struct chan_tx *tx, struct chan_rx *x)
{
	struct chan_node *c = &r->ch;
	bool was = busy(c);

	if (c->txing) {
		x->how = RX_DEAF;
	} else if (c->nsensed > 0) {
		x->how = RX_OVERLAP;
		if (c->lock != NULL)
			c->lock_bad = true;
	} else {
		x->how = RX_CLEAN;
		c->lock = tx;
		c->lock_bad = false;
	}
	c->nsensed++;
	if (!was)
		became_busy(s, r);
}

static struct chan_tx *tx_new(struct sim *s, struct sim_node *n, struct sim_air *a)
{
	struct chan_tx *tx = malloc(sizeof(*tx) + n->nlinks * sizeof(tx->rx[0]));
	struct vn_mac to = vn_mac_broadcast;

	if (tx == NULL)
		abort();
	if (a != NULL && a->len >= VN_MAC_LEN)
		vn_mac_load(&to, a->data);
	tx->air = a;
	tx->from = n->idx;
	tx->ack_to = 0;
	tx->dst = -1;
	tx->unicast = a != NULL && !vn_mac_is_multicast(&to);
	tx->nrx = 0;
	for (size_t i = 0; i < n->nlinks; i++) {
		const struct sim_link *l = &n->links[i];
		struct chan_rx *x = &tx->rx[tx->nrx];

		if (!l->cfg.up || !s->nodes[l->to]->alive)
			continue;
		x->node = l->to;
		x->loss = l->cfg.loss;
		x->ok = false;
		if (tx->unicast && vn_mac_eq(&to, &s->nodes[l->to]->mac))
			tx->dst = (int32_t)tx->nrx;
		tx->nrx++;
	}
	return tx;
}

static void tell_hook(struct sim *s, const struct sim_node *n, const struct chan_tx *tx,
		      vn_usec airtime)
{
	struct sim_air_tx t = {
		.node = (int)n->idx,
		.start = s->now,
		.end = s->now + airtime,
		.ack = tx->air == NULL,
		.retry = tx->air != NULL && n->ch.retries > 0,
		.frame = tx->air ? tx->air->data : NULL,
		.len = tx->air ? tx->air->len : 0,
	};

	s->opts.on_air(s->opts.on_air_ctx, &t);
}

/* Turns n's transmitter on for tx and tells every receiver. */
static void tx_start(struct sim *s, struct sim_node *n, struct chan_tx *tx, vn_usec airtime)
{
	struct chan_node *c = &n->ch;
	bool was = busy(c);

	if (s->opts.on_air != NULL)
		tell_hook(s, n, tx, airtime);
	c->txing = true;
	if (c->lock != NULL)
		c->lock_bad = true; /* half duplex: what we were hearing is lost */
	if (!was)
		became_busy(s, n);
	for (uint32_t i = 0; i < tx->nrx; i++)
		sense_start(s, s->nodes[tx->rx[i].node], tx, &tx->rx[i]);
	push_ev(s, s->now + airtime, CH_TX_END, n->idx, 0, 0, tx);
}

static void ev_backoff(struct sim *s, struct sim_node *n, uint32_t gen)
{
	struct chan_node *c = &n->ch;
	struct sim_air *a;
	struct chan_tx *tx;

	if (gen != c->gen)
		return;
	c->bo_at = VN_USEC_NEVER;
	if (c->state != CHAN_CONTEND || !c->counting)
		return; /* frozen: resume() arms a new one */
	if (count_end(c) > s->now) {
		c->bo_at = count_end(c); /* fired early: the count was frozen meanwhile */
		push_ev(s, c->bo_at, CH_BACKOFF, n->idx, c->gen, 0, NULL);
		return;
	}
	a = c->q[c->q_head];
	a->refs++; /* the transmission's own reference: a flush may drop the queue */
	tx = tx_new(s, n, a);
	c->state = CHAN_TX;
	c->st.tx[frame_type(a->data, a->len)]++;
	if (c->retries > 0)
		c->st.retries++;
	tx_start(s, n, tx, sim_airtime(a->len, rate(s)));
}

static void ev_ack_start(struct sim *s, struct sim_node *n, uint32_t peer)
{
	struct chan_tx *tx;

	if (!n->alive || n->ch.txing)
		return;
	tx = tx_new(s, n, NULL);
	tx->ack_to = peer;
	n->ch.st.acks++;
	tx_start(s, n, tx, ack_airtime(s));
}

/* Ends the reception of tx at receiver x: did it decode? */
static bool rx_end(struct sim *s, struct chan_tx *tx, struct chan_rx *x)
{
	struct sim_node *r = s->nodes[x->node];
	struct chan_node *c = &r->ch;
	bool ok = false;

	c->nsensed--;
	if (c->lock == tx) {
		c->lock = NULL;
		if (c->lock_bad)
			c->st.collisions++;
		else if (rng_01(&s->rng) < x->loss)
			c->st.phy_errors++;
		else
			ok = true;
	} else if (x->how == RX_OVERLAP) {
		c->st.collisions++;
	}
	if (!busy(c))
		became_idle(s, r);
	return ok;
}

static void deliver(struct sim *s, struct chan_tx *tx)
{
	struct sim_air *a = tx->air;

	for (uint32_t i = 0; i < tx->nrx; i++) {
		struct sim_node *r = s->nodes[tx->rx[i].node];

		if (!tx->rx[i].ok)
			continue;
		if ((int32_t)i == tx->dst)
			push_ev(s, s->now + SIFS, CH_ACK_START, r->idx, 0, tx->from, NULL);
		if (!r->alive)
			continue;
		if (s->opts.unicast_filter && tx->unicast && (int32_t)i != tx->dst)
			continue;
		if ((int32_t)i == tx->dst) {
			/* A retransmission whose first copy got through (its ACK
			 * was lost): the addressee's MAC drops it (sequence
			 * number + retry bit). */
			if (a->dst_got)
				continue;
			a->dst_got = true;
		}
		node_rx(s, r, a->data, a->len);
	}
}

static void ev_tx_end(struct sim *s, struct chan_tx *tx)
{
	struct sim_node *n = s->nodes[tx->from];
	struct chan_node *c = &n->ch;

	for (uint32_t i = 0; i < tx->nrx; i++)
		tx->rx[i].ok = rx_end(s, tx, &tx->rx[i]);
	c->txing = false;
	if (!busy(c))
		became_idle(s, n);
	if (tx->air == NULL) {
		for (uint32_t i = 0; i < tx->nrx; i++) {
			struct chan_node *p = &s->nodes[tx->rx[i].node]->ch;

			if (tx->rx[i].ok && tx->rx[i].node == tx->ack_to && p->state == CHAN_WAIT_ACK)
				p->acked = true;
		}
		free(tx);
		return;
	}
	deliver(s, tx);
	if (c->state == CHAN_TX && c->q_n > 0 && c->q[c->q_head] == tx->air) {
		if (tx->unicast) {
			c->state = CHAN_WAIT_ACK;
			c->acked = false;
			c->gen++;
			push_ev(s, s->now + SIFS + ack_airtime(s) + SLOT, CH_ACK_TIMEOUT, n->idx,
				c->gen, 0, NULL);
		} else {
			head_done(s, n);
		}
	}
	air_put(tx->air);
	free(tx);
}

static void ev_ack_timeout(struct sim *s, struct sim_node *n, uint32_t gen)
{
	struct chan_node *c = &n->ch;

	if (gen != c->gen || c->state != CHAN_WAIT_ACK)
		return;
	if (c->acked) {
		head_done(s, n);
		return;
	}
	if (++c->retries > RETRY_LIMIT) {
		struct sim_air *a = c->q[c->q_head];

		c->st.mac_drops++;
		a->refs++; /* the core hears of it after the queue moved on */
		head_done(s, n);
		node_tx_failed(s, n, a->data, a->len);
		air_put(a);
		return;
	}
	c->cw = 2 * c->cw + 1 > CW_MAX ? CW_MAX : 2 * c->cw + 1;
	contend(s, n);
}

void chan_event(struct sim *s, const struct sim_ev *e)
{
	struct sim_node *n = s->nodes[e->node];

	switch ((enum chan_ev)e->u.chan.what) {
	case CH_BACKOFF:
		ev_backoff(s, n, e->epoch);
		break;
	case CH_TX_END:
		ev_tx_end(s, e->u.chan.tx);
		break;
	case CH_ACK_START:
		ev_ack_start(s, n, e->u.chan.peer);
		break;
	case CH_ACK_TIMEOUT:
		ev_ack_timeout(s, n, e->epoch);
		break;
	}
}

void chan_event_free(const struct sim_ev *e)
{
	struct chan_tx *tx = e->u.chan.tx;

	if (e->u.chan.what != CH_TX_END || tx == NULL)
		return;
	if (tx->air != NULL)
		air_put(tx->air);
	free(tx);
}

void chan_flush(struct sim *s, struct sim_node *n)
{
	struct chan_node *c = &n->ch;

	while (c->q_n > 0)
		q_pop(s, c);
	c->state = CHAN_IDLE;
	c->retries = 0;
	c->cw = CW_MIN;
	c->counting = false;
	c->gen++;
	c->bo_at = VN_USEC_NEVER;
}

void chan_node_free(struct sim_node *n)
{
	struct chan_node *c = &n->ch;

	while (c->q_n > 0)
		q_pop(n->sim, c);
	free(c->q);
	c->q = NULL;
}

void sim_radio_stats(const struct sim *s, int node, struct sim_radio_stats *out)
{
	const struct sim_node *n = node_at(s, node);
	const struct chan_node *c = &n->ch;

	if (s->opts.channel != SIM_CHAN_80211P) {
		memset(out, 0, sizeof(*out));
		memcpy(out->tx, n->sent_type, sizeof(out->tx));
		return;
	}
	*out = c->st;
	if (busy(c))
		out->busy += s->now - c->busy_since;
}
