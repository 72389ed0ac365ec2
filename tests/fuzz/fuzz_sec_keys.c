/* libFuzzer target: the key-file parsers (common/sec_keys.c). Any text
 * gets a verdict: 0 with a consistent result, or -1 with a message that
 * names a line or the whole file; never a crash, never a read past the
 * input (it is not NUL-terminated here). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "sec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const char *err)
{
	if (rc != 0 && (rc != -1 || err[0] == '\0'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	struct vn_sec_netkeys nk;
	struct vn_sec_rsukeys rk;
	struct vn_sec_signkey sk;
	char err[VN_SEC_ERR_LEN];
	char *text;
	int rc;

	if (!init) {
		if (sodium_init() < 0)
			abort();
		init = true;
	}
	if (size > 64 * 1024)
		return 0;
	/* an exact-size copy: ASan catches any read past the end */
	text = malloc(size > 0 ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	err[0] = '\0';
	rc = vn_sec_parse_netkeys(text, size, &nk, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0 && (nk.n == 0 || nk.n > VN_SEC_MAX_NETKEYS || nk.send >= nk.n ||
			vn_sec_netkey_find(&nk, nk.k[nk.send].id) != &nk.k[nk.send]))
		abort();
	err[0] = '\0';
	rc = vn_sec_parse_rsukeys(text, size, &rk, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0 && (rk.n == 0 || rk.n > VN_SEC_MAX_RSUKEYS))
		abort();
	err[0] = '\0';
	check_err(vn_sec_parse_signkey(text, size, &sk, err, sizeof(err)), err);
	free(text);
	return 0;
}
