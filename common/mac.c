#include "mac.h"

#include <stdio.h>

const struct vn_mac vn_mac_broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
const struct vn_mac vn_mac_zero = {{0, 0, 0, 0, 0, 0}};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vn_mac_parse(const char *s, struct vn_mac *out)
{
	struct vn_mac m;
	char sep = 0;

	if (s == NULL)
		return -1;
	for (int i = 0; i < VN_MAC_LEN; i++) {
		int hi = hexval(s[0]);
		int lo = hi < 0 ? -1 : hexval(s[1]);

		if (lo < 0)
			return -1;
		m.b[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i == VN_MAC_LEN - 1)
			break;
		if (*s != ':' && *s != '-')
			return -1;
		if (sep == 0)
			sep = *s;
		else if (*s != sep)
			return -1;
		s++;
	}
	if (*s != '\0')
		return -1;
	*out = m;
	return 0;
}

char *vn_mac_format(const struct vn_mac *m, char buf[VN_MAC_STRLEN])
{
	snprintf(buf, VN_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1],
		 m->b[2], m->b[3], m->b[4], m->b[5]);
	return buf;
}

int vn_mac_cmp(const struct vn_mac *a, const struct vn_mac *b)
{
	return memcmp(a->b, b->b, VN_MAC_LEN);
}
