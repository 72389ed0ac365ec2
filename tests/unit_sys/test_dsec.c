/* The daemon's key files and epoch (shell/daemon_sec.c): files with the
 * right mode load, ones others may read are refused as ssh does, errors
 * name the key, the file and the line; the RSU's epoch counts starts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "daemon_priv.h"

#define K1 "0101010101010101010101010101010101010101010101010101010101010101"

static char dir[64];

static void put(const char *name, const char *text, mode_t mode, char *path)
{
	FILE *f;

	snprintf(path, 256, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vn-dsec-XXXXXX");
	return mkdtemp(dir) == NULL || sodium_init() < 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) != 0;
}

static void obu_keys(void **state)
{
	struct vn_config c;
	struct vn_dsec_keys k;
	struct vn_error e = { "" };

	(void)state;
	vn_config_defaults(&c, VN_ROLE_OBU);
	put("net.key", "key 3 " K1 " send\n", 0600, c.sec.network_key);
	put("rsus", "rsu " K1 " r1.key\n", 0644, c.sec.rsu_keys); /* public: 0644 is fine */
	assert_int_equal(vn_dsec_load_keys(&c, &k, &e), 0);
	assert_int_equal(k.net.n, 1);
	assert_int_equal(k.net.k[0].id, 3);
	assert_int_equal(k.rsus.n, 1);
	/* readable by others: refused, with the fix */
	assert_int_equal(chmod(c.sec.network_key, 0640), 0);
	assert_int_equal(vn_dsec_load_keys(&c, &k, &e), -1);
	assert_non_null(strstr(e.msg, "permissions 0640 are too open"));
	assert_non_null(strstr(e.msg, "chmod 600"));
	assert_int_equal(k.net.n, 0); /* nothing half-loaded */
	assert_int_equal(chmod(c.sec.network_key, 0600), 0);
	/* a bad line: the key, the file, the line */
	put("bad.key", "# x\nkey 1 zz\n", 0600, c.sec.network_key);
	assert_int_equal(vn_dsec_load_keys(&c, &k, &e), -1);
	assert_non_null(strstr(e.msg, "[security] network_key "));
	assert_non_null(strstr(e.msg, "bad.key: line 2: key must be 64 hexadecimal digits"));
	/* missing, and a directory */
	snprintf(c.sec.network_key, sizeof(c.sec.network_key), "%s/none", dir);
	assert_int_equal(vn_dsec_load_keys(&c, &k, &e), -1);
	assert_non_null(strstr(e.msg, "No such file or directory"));
	snprintf(c.sec.network_key, sizeof(c.sec.network_key), "%s", dir);
	assert_int_equal(vn_dsec_load_keys(&c, &k, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
}

static void rsu_keys(void **state)
{
	struct vn_config c;
	struct vn_dsec_keys k;
	struct vn_error e = { "" };

	(void)state;
	vn_config_defaults(&c, VN_ROLE_RSU);
	put("net2.key", "key 1 " K1 "\n", 0600, c.sec.network_key);
	put("rsu.key", "signing-key " K1 "\n", 0400, c.sec.signing_key);
	assert_int_equal(vn_dsec_load_keys(&c, &k, &e), 0);
	assert_int_equal(k.sign.seed[0], 1);
	assert_int_equal(chmod(c.sec.signing_key, 0604), 0);
	assert_int_equal(vn_dsec_load_keys(&c, &k, &e), -1);
	assert_non_null(strstr(e.msg, "[security] signing_key"));
	assert_non_null(strstr(e.msg, "too open"));
}

static void epoch(void **state)
{
	char sd[128], path[256];
	struct vn_error e = { "" };
	uint32_t ep = 0;
	FILE *f;

	(void)state;
	snprintf(sd, sizeof(sd), "%s/state", dir);
	assert_int_equal(vn_dsec_next_epoch(sd, &ep, &e), 0); /* creates the directory */
	assert_int_equal(ep, 1);
	assert_int_equal(vn_dsec_next_epoch(sd, &ep, &e), 0);
	assert_int_equal(ep, 2);
	snprintf(path, sizeof(path), "%s/rsud.epoch", sd);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%u", &ep), 1);
	fclose(f);
	assert_int_equal(ep, 2);
	/* a damaged file is an error, never silently epoch 1 again */
	f = fopen(path, "w");
	fputs("two\n", f);
	fclose(f);
	assert_int_equal(vn_dsec_next_epoch(sd, &ep, &e), -1);
	assert_non_null(strstr(e.msg, "not an epoch number"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(obu_keys),
		cmocka_unit_test(rsu_keys),
		cmocka_unit_test(epoch),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
