/* Recently handled data packets (hashes), for both cores: see pkt_seen.h
 * and docs/routing.md, "Loops". */
#include "pkt_seen.h"

#include <stdlib.h>
#include <string.h>

static vn_usec since(vn_usec now, vn_usec then)
{
	return now >= then ? now - then : 0;
}

static uint64_t mix64(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ h >> 29;
}

/* Eight bytes per multiply (a byte-wise FNV over 128 bytes cost more than
 * the rest of forwarding together). */
uint32_t vn_pkt_hash(uint32_t kind, const struct vn_msg *m, bool with_dest)
{
	size_t n = m->payload_len < 128 ? m->payload_len : 128, i;
	uint64_t h = (uint64_t)kind << 32 | (uint64_t)m->payload_len, w = 0;

	memcpy(&w, m->origin.b, VN_MAC_LEN);
	h = mix64(h, w);
	if (with_dest) {
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

int vn_pkt_seen_init(struct vn_pkt_seen *t, uint32_t bits_min, uint32_t bits_max)
{
	t->bits = bits_min;
	t->bits_max = bits_max;
	t->e = calloc((size_t)VN_PKT_SEEN_WAYS << bits_min, sizeof(*t->e));
	return t->e == NULL ? -1 : 0;
}

void vn_pkt_seen_free(struct vn_pkt_seen *t)
{
	free(t->e);
	t->e = NULL;
}

/* The set of hash h: its top bits, as many as the table has sets. */
static struct vn_pkt_seen_ent *set_of(const struct vn_pkt_seen *t, uint32_t h)
{
	uint32_t set = (h * 0x9e3779b1u) >> (32 - t->bits);

	return &t->e[set * VN_PKT_SEEN_WAYS];
}

/* Doubles the table: each set splits in two by one more bit of the hash, so
 * every entry finds a place (entries keep their order within a set). */
static bool grow(struct vn_pkt_seen *t)
{
	struct vn_pkt_seen_ent *old = t->e;
	size_t n = (size_t)VN_PKT_SEEN_WAYS << t->bits;
	struct vn_pkt_seen_ent *nw = calloc(2 * n, sizeof(*nw));

	if (nw == NULL)
		return false; /* stays as it is: the oldest goes */
	t->e = nw;
	t->bits++;
	for (size_t i = 0; i < n; i++) {
		struct vn_pkt_seen_ent *e;

		if (old[i].at == 0)
			continue;
		e = set_of(t, old[i].hash);
		while (e->at != 0)
			e++;
		*e = old[i];
	}
	free(old);
	return true;
}

vn_usec vn_pkt_seen_age(const struct vn_pkt_seen *t, uint32_t h, vn_usec now)
{
	const struct vn_pkt_seen_ent *e = set_of(t, h);
	vn_usec best = VN_USEC_NEVER;

	for (int i = 0; i < VN_PKT_SEEN_WAYS; i++)
		if (e[i].at != 0 && e[i].hash == h && since(now, e[i].at) < best)
			best = since(now, e[i].at);
	return best;
}

/* A packet is looked for in its set of 4 and replaces the oldest entry
 * there, so two packets whose hashes share a set do not evict each other
 * (a direct-mapped table let a transient loop run three turns). A repeat
 * is only reported if the full 32-bit hash matches. */
uint32_t vn_pkt_via(const struct vn_mac *from)
{
	uint64_t w = 0;

	memcpy(&w, from->b, VN_MAC_LEN);
	return (uint32_t)(mix64(w, 0) >> 32) | 1u;
}

enum vn_pkt_seen_res vn_pkt_seen(struct vn_pkt_seen *t, uint32_t h, uint32_t via,
				 const struct vn_pkt_win *w, vn_usec now)
{
	enum vn_pkt_seen_res res = VN_PKT_NEW;
	struct vn_pkt_seen_ent *e, *victim;

	for (;;) {
		e = set_of(t, h);
		victim = e;
		for (int i = 0; i < VN_PKT_SEEN_WAYS; i++) {
			if (e[i].at != 0 && e[i].hash == h &&
			    (since(now, e[i].at) <= w->same ||
			     (e[i].via != via && since(now, e[i].at) <= w->other)))
				return VN_PKT_REPEAT;
			if (e[i].at < victim->at)
				victim = &e[i];
		}
		if (victim->at == 0 || since(now, victim->at) > w->keep || t->bits >= t->bits_max)
			break;
		if (!grow(t)) {
			res = VN_PKT_NEW_NOGROW;
			break;
		}
	}
	victim->hash = h;
	victim->via = via;
	victim->at = now ? now : 1;
	return res;
}
