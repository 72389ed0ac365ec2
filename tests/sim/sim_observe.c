/* Instrumentation (what each node sent, which tagged packet reached whom)
 * and the observation functions of sim.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_priv.h"
#include "wire.h"

#define OFF_TYPE 14

/* --- Counting table: 64-bit key -> count and first time --------------------- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static struct cnt_slot *cnt_find(const struct cnt_tab *t, uint64_t key)
{
	size_t i;

	if (t->cap == 0)
		return NULL;
	key++;
	for (i = (size_t)mix64(key) & (t->cap - 1); t->v[i].key != 0; i = (i + 1) & (t->cap - 1))
		if (t->v[i].key == key)
			return &t->v[i];
	return NULL;
}

static void cnt_grow(struct cnt_tab *t)
{
	struct cnt_slot *old = t->v;
	size_t oldcap = t->cap;

	t->cap = oldcap ? oldcap * 2 : 4096;
	t->v = calloc(t->cap, sizeof(*t->v));
	if (t->v == NULL) {
		perror("sim: table");
		abort();
	}
	for (size_t j = 0; j < oldcap; j++) {
		size_t i;

		if (old[j].key == 0)
			continue;
		for (i = (size_t)mix64(old[j].key) & (t->cap - 1); t->v[i].key != 0;
		     i = (i + 1) & (t->cap - 1))
			;
		t->v[i] = old[j];
	}
	free(old);
}

/* Adds one to key's count; returns the new count. */
uint32_t cnt_add(struct cnt_tab *t, uint64_t key, vn_usec now)
{
	struct cnt_slot *e = cnt_find(t, key);
	size_t i;

	if (e != NULL)
		return ++e->count;
	if ((t->n + 1) * 4 > t->cap * 3)
		cnt_grow(t);
	for (i = (size_t)mix64(key + 1) & (t->cap - 1); t->v[i].key != 0; i = (i + 1) & (t->cap - 1))
		;
	t->v[i].key = key + 1;
	t->v[i].count = 1;
	t->v[i].first = now;
	t->n++;
	return 1;
}

enum sim_frame_type frame_type(const uint8_t *f, size_t len)
{
	if (len >= VN_MSG_HLEN && f[OFF_TYPE] <= 1 && f[OFF_TYPE + 1] <= 1)
		return (enum sim_frame_type)(f[OFF_TYPE] * 2 + f[OFF_TYPE + 1]);
	return SIM_F_OTHER;
}

/* SIM_TAG_DEBUG=<tag>[,<tag>...]: the packets whose every transmission is
 * printed (read once: note_sent runs for every frame). */
static bool tag_debug(uint32_t tag)
{
	static uint32_t tags[64];
	static int n = -1;

	if (n < 0) {
		const char *v = getenv("SIM_TAG_DEBUG");
		char *end;

		n = 0;
		while (v != NULL && *v != '\0' && n < 64) {
			tags[n++] = (uint32_t)strtoul(v, &end, 10);
			v = *end == ',' ? end + 1 : NULL;
		}
	}
	for (int i = 0; i < n; i++)
		if (tags[i] == tag)
			return true;
	return false;
}

void note_sent(struct sim *s, struct sim_node *n, const uint8_t *f, size_t len)
{
	uint32_t tag;
	size_t hl;

	n->frames_sent++;
	n->sent_type[frame_type(f, len)]++;
	n->sent_bytes[frame_type(f, len)] += len;
	if (len < VN_MSG_HLEN || f[12] != 0x30 || f[13] != 0x30 || f[OFF_TYPE] != 1)
		return;
	hl = f[OFF_TYPE + 1] == 0 ? VN_UP_HLEN : VN_DOWN_HLEN;
	if (len < hl)
		return;
	tag = sim_packet_tag(f + hl, len - hl);
	if (tag == SIM_TAG_NONE)
		return;
	n->data_sent++;
	if (tag_debug(tag))
		fprintf(stderr, "tag %u t=%.6f node=%u mac=%02x:%02x type=%u to=%02x:%02x salv=%d\n", tag,
			(double)s->now / 1e6, n->idx, n->mac.b[4], n->mac.b[5], f[OFF_TYPE + 1], f[4],
			f[5], s->salvaging);
	if (cnt_add(&s->fwd, cnt_key(n->idx, 1u + f[OFF_TYPE + 1], tag), s->now) > 1 &&
	    !s->salvaging) {
		s->dups++;
		if (getenv("SIM_DUP_DEBUG")) {
			const struct cnt_slot *e =
				cnt_find(&s->fwd, cnt_key(n->idx, 1u + f[OFF_TYPE + 1], tag));

			fprintf(stderr, "dup t=%.3f node=%u type=%u tag=%u to=%02x:%02x first=%.3f\n",
				(double)s->now / 1e6, n->idx, f[OFF_TYPE + 1], tag, f[4], f[5],
				(double)e->first / 1e6);
		}
	}
}

/* --- Observation ---------------------------------------------------------------------- */

uint32_t sim_delivered(const struct sim *s, int node, uint32_t tag)
{
	const struct cnt_slot *e = cnt_find(&s->tun, cnt_key((uint32_t)node, 0, tag));

	return e ? e->count : 0;
}

vn_usec sim_delivered_at(const struct sim *s, int node, uint32_t tag)
{
	const struct cnt_slot *e = cnt_find(&s->tun, cnt_key((uint32_t)node, 0, tag));

	return e ? e->first : VN_USEC_NEVER;
}

uint64_t sim_tun_total(const struct sim *s, int node)
{
	return node_at(s, node)->tun_total;
}

size_t sim_tun_read(struct sim *s, int node, uint8_t *buf, size_t cap)
{
	struct sim_node *n = node_at(s, node);
	struct tun_item *it;
	size_t len;

	if (n->tun_n == 0)
		return 0;
	it = &n->tunq[n->tun_head];
	len = it->len <= cap ? it->len : 0;
	if (len)
		memcpy(buf, it->pkt, len);
	free(it->pkt);
	n->tun_head = (n->tun_head + 1) % s->opts.tun_queue;
	n->tun_n--;
	return len;
}

uint64_t sim_dup_forwards(const struct sim *s)
{
	return s->dups;
}

uint64_t sim_dup_deliveries(const struct sim *s)
{
	return s->dup_deliveries;
}

void sim_dup_report(const struct sim *s, size_t max)
{
	size_t shown = 0;

	for (size_t i = 0; i < s->fwd.cap && shown < max; i++) {
		const struct cnt_slot *e = &s->fwd.v[i];
		uint64_t k;
		char m[VN_MAC_STRLEN];

		if (e->key == 0 || e->count < 2)
			continue;
		k = e->key - 1;
		uint32_t node = (uint32_t)(k >> 40);

		fprintf(stderr, "duplicate: node %u (%s) sent %s tag %u %u times (first at %.3f ms)\n",
			node, vn_mac_format(&s->nodes[node]->mac, m),
			((k >> 32) & 0xff) == 1 ? "upstream" : "downstream", (uint32_t)k,
			e->count, (double)e->first / 1000.0);
		shown++;
	}
}

uint64_t sim_data_sent(const struct sim *s, int node)
{
	return node_at(s, node)->data_sent;
}

uint64_t sim_frames_sent(const struct sim *s, int node)
{
	return node_at(s, node)->frames_sent;
}

uint64_t sim_frames_sent_type(const struct sim *s, int node, enum sim_frame_type t)
{
	return node_at(s, node)->sent_type[t];
}

uint64_t sim_bytes_sent_type(const struct sim *s, int node, enum sim_frame_type t)
{
	return node_at(s, node)->sent_bytes[t];
}

uint64_t sim_frames_delivered(const struct sim *s)
{
	return s->delivered_frames;
}

uint64_t sim_frames_received(const struct sim *s, int node)
{
	return node_at(s, node)->frames_received;
}

uint64_t sim_events(const struct sim *s)
{
	return s->events;
}


struct counter_q {
	const char *name;
	uint64_t value;
};

static void counter_match(void *ctx, const char *name, uint64_t value)
{
	struct counter_q *q = ctx;

	if (strcmp(name, q->name) == 0)
		q->value = value;
}

static void counter_print(void *ctx, const char *name, uint64_t value)
{
	(void)ctx;
	fprintf(stderr, "  %s %llu\n", name, (unsigned long long)value);
}

static void counters_walk(const struct sim_node *n, void (*fn)(void *, const char *, uint64_t),
			  void *ctx)
{
	if (!n->alive)
		return;
	if (n->role == SIM_RSU)
		rsu_core_counters(n->core.rsu, fn, ctx);
	else
		obu_core_counters(n->core.obu, fn, ctx);
}

uint64_t sim_counter(const struct sim *s, int node, const char *name)
{
	struct counter_q q = { name, 0 };

	counters_walk(node_at(s, node), counter_match, &q);
	return q.value;
}

void sim_counters_print(const struct sim *s, int node)
{
	counters_walk(node_at(s, node), counter_print, NULL);
}

size_t sim_describe(const struct sim *s, int node, char *buf, size_t cap)
{
	const struct sim_node *n = node_at(s, node);

	if (!n->alive) {
		if (cap)
			buf[0] = 0;
		return 0;
	}
	if (n->role == SIM_RSU)
		return rsu_core_describe(n->core.rsu, s->now, buf, cap);
	return obu_core_describe(n->core.obu, s->now, buf, cap);
}

bool sim_upstream(const struct sim *s, int node, struct obu_route_info *out)
{
	const struct sim_node *n = node_at(s, node);

	if (!n->alive || n->role != SIM_OBU)
		return false;
	return obu_core_upstream(n->core.obu, out);
}

bool sim_attached_to(const struct sim *s, int node, int rsu)
{
	struct obu_route_info r;

	return sim_upstream(s, node, &r) && vn_mac_eq(&r.rsu, sim_mac(s, rsu));
}

bool sim_route(const struct sim *s, int rsu, int obu, struct rsu_route_info *out)
{
	const struct sim_node *n = node_at(s, rsu);

	if (!n->alive || n->role != SIM_RSU)
		return false;
	return rsu_core_route(n->core.rsu, sim_mac(s, obu), out);
}

int sim_find(const struct sim *s, const struct vn_mac *mac)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (vn_mac_eq(&s->nodes[i]->mac, mac))
			return (int)i;
	return -1;
}

struct vn_mac sim_mac_n(uint32_t n)
{
	struct vn_mac m = { { 0x02, 0x00, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			      (uint8_t)n } };
	return m;
}

struct vn_ip sim_ip4(uint32_t n)
{
	struct vn_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.family = 4;
	ip.a[0] = 10;
	ip.a[1] = (uint8_t)(n >> 16);
	ip.a[2] = (uint8_t)(n >> 8);
	ip.a[3] = (uint8_t)n;
	return ip;
}


uint32_t sim_forwarded(const struct sim *s, int node, bool down, uint32_t tag)
{
	const struct cnt_slot *e = cnt_find(&s->fwd, cnt_key((uint32_t)node, down ? 2 : 1, tag));

	return e ? e->count : 0;
}
