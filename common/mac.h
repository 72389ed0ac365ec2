/* MAC addresses: a node's identity on the wire. */
#ifndef VN_MAC_H
#define VN_MAC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define VN_MAC_LEN 6
#define VN_MAC_STRLEN 18 /* "aa:bb:cc:dd:ee:ff" + NUL */

struct vn_mac {
	uint8_t b[VN_MAC_LEN];
};

extern const struct vn_mac vn_mac_broadcast;
extern const struct vn_mac vn_mac_zero;

static inline bool vn_mac_eq(const struct vn_mac *a, const struct vn_mac *b)
{
	return memcmp(a->b, b->b, VN_MAC_LEN) == 0;
}

static inline bool vn_mac_is_broadcast(const struct vn_mac *m)
{
	return vn_mac_eq(m, &vn_mac_broadcast);
}

/* Group bit: broadcast is multicast too. */
static inline bool vn_mac_is_multicast(const struct vn_mac *m)
{
	return (m->b[0] & 0x01) != 0;
}

static inline bool vn_mac_is_zero(const struct vn_mac *m)
{
	return vn_mac_eq(m, &vn_mac_zero);
}

static inline void vn_mac_load(struct vn_mac *m, const uint8_t *p)
{
	memcpy(m->b, p, VN_MAC_LEN);
}

static inline void vn_mac_store(uint8_t *p, const struct vn_mac *m)
{
	memcpy(p, m->b, VN_MAC_LEN);
}

/* Parses "aa:bb:cc:dd:ee:ff" (also '-' separators, either case).
 * Returns 0, or -1 if s is not exactly one MAC. */
int vn_mac_parse(const char *s, struct vn_mac *out);

/* Writes "aa:bb:cc:dd:ee:ff" into buf and returns buf. */
char *vn_mac_format(const struct vn_mac *m, char buf[VN_MAC_STRLEN]);

/* A total order, for sorted tables and tie-breaks. */
int vn_mac_cmp(const struct vn_mac *a, const struct vn_mac *b);

#endif
