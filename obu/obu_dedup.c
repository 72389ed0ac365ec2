/* The OBU core's table of recently forwarded data packets (hashes): it cuts
 * any loop after one turn and lets a broadcast be re-broadcast only once.
 * See docs/routing.md, "Loops". */
#include "obu_core_priv.h"

#include <stdlib.h>
#include <string.h>

/* Recently forwarded packets, to cut any loop after one turn and to
 * re-broadcast a broadcast only once. Key: a hash of the message kind, the
 * destination (Downstream), the origin, the IP length and the first 128
 * bytes of the IP packet (headers, ports, sequence numbers). The kind and
 * destination keep an OBU-to-OBU packet, which crosses a relay once going up
 * and once coming down, from looking like a repeat. */
static uint64_t mix64(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ h >> 29;
}

/* Eight bytes per multiply (a byte-wise FNV over 128 bytes cost more than
 * the rest of forwarding together). */
static uint32_t pkt_hash(enum obu_pkt_kind kind, const struct vn_msg *m)
{
	size_t n = m->payload_len < 128 ? m->payload_len : 128, i;
	uint64_t h = (uint64_t)kind << 32 | (uint64_t)m->payload_len, w = 0;

	memcpy(&w, m->origin.b, VN_MAC_LEN);
	h = mix64(h, w);
	if (kind == OBU_PK_DOWN || kind == OBU_PK_BCAST) { /* an Upstream has no destination */
		w = 0;
		memcpy(&w, m->destination.b, VN_MAC_LEN);
		h = mix64(h, w);
	}
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, m->payload + i, 8);
		h = mix64(h, w);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, m->payload + i, n - i);
		h = mix64(h, w);
	}
	h ^= h >> 33; /* fmix64: every input bit reaches every output bit */
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* Sets (of OBU_SEEN_WAYS entries) at first and at most: the table starts
 * small and doubles when a packet would push out an entry still within the
 * longest window (2 periods), so a quiet node keeps 1 KiB and a busy relay
 * gets the full OBU_SEEN_SLOTS -- before that size no entry within its
 * window is ever lost, and at that size it works exactly as a table
 * allocated in full. */
#define SEEN_BITS_MIN 4
#define SEEN_BITS_MAX 8 /* OBU_SEEN_SLOTS / OBU_SEEN_WAYS = 256 sets */

int obu_seen_init(struct obu_core *c)
{
	c->seen_bits = SEEN_BITS_MIN;
	c->seen = calloc((size_t)OBU_SEEN_WAYS << SEEN_BITS_MIN, sizeof(*c->seen));
	return c->seen == NULL ? -1 : 0;
}

/* The set of hash h: its top bits, as many as the table has sets. */
static struct obu_pkt_seen *seen_set(const struct obu_core *c, uint32_t h)
{
	uint32_t set = (h * 0x9e3779b1u) >> (32 - c->seen_bits);

	return &c->seen[set * OBU_SEEN_WAYS];
}

/* Doubles the table: each set splits in two by one more bit of the hash, so
 * every entry finds a place (entries keep their order within a set). */
static bool seen_grow(struct obu_core *c)
{
	struct obu_pkt_seen *old = c->seen;
	size_t n = (size_t)OBU_SEEN_WAYS << c->seen_bits;
	struct obu_pkt_seen *nw = calloc(2 * n, sizeof(*nw));

	if (nw == NULL) {
		c->cnt[OC_alloc_failed]++; /* stays as it is: the oldest goes */
		return false;
	}
	c->seen = nw;
	c->seen_bits++;
	for (size_t i = 0; i < n; i++) {
		struct obu_pkt_seen *e;

		if (old[i].at == 0)
			continue;
		e = seen_set(c, old[i].hash);
		while (e->at != 0)
			e++;
		*e = old[i];
	}
	free(old);
	return true;
}

/* 4-way set-associative: a packet is looked for in its set of 4 and
 * replaces the oldest entry there, so two packets whose hashes share a set
 * do not evict each other (which let a transient loop run three turns). A
 * repeat is only reported if the full 32-bit hash matches. */
bool obu_pkt_seen(struct obu_core *c, enum obu_pkt_kind kind, const struct vn_msg *m,
		  vn_usec window, vn_usec now)
{
	uint32_t h = pkt_hash(kind, m);
	struct obu_pkt_seen *e, *victim;

	for (;;) {
		e = seen_set(c, h);
		victim = e;
		for (int i = 0; i < OBU_SEEN_WAYS; i++) {
			if (e[i].at != 0 && e[i].hash == h && age(now, e[i].at) <= window)
				return true;
			if (e[i].at < victim->at)
				victim = &e[i];
		}
		if (victim->at == 0 || age(now, victim->at) > 2 * obu_period_global(c) ||
		    c->seen_bits >= SEEN_BITS_MAX)
			break;
		if (!seen_grow(c))
			break;
	}
	victim->hash = h;
	victim->at = now ? now : 1;
	return false;
}
