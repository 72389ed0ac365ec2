/* Key-file parsers (common/sec_keys.c): good files, and every kind of bad
 * line refused with its line number. */
#include <sodium.h>
#include <stdio.h>

#include "sec.h"
#include "testutil.h"

#define K1 "0101010101010101010101010101010101010101010101010101010101010101"
#define K2 "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"

static int net(const char *text, struct vn_sec_netkeys *k, char *err)
{
	return vn_sec_parse_netkeys(text, strlen(text), k, err, VN_SEC_ERR_LEN);
}

static void netkeys_good(void **state)
{
	struct vn_sec_netkeys k;
	char err[VN_SEC_ERR_LEN];

	(void)state;
	assert_int_equal(net("# comment\n\nkey 1 " K1 "\n", &k, err), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.k[0].id, 1);
	assert_int_equal(k.k[0].key[5], 0x01);
	assert_int_equal(k.send, 0);
	/* rotation: two keys, the second sends; no final newline, CRLF */
	assert_int_equal(net("key 1 " K1 "\r\n  key 200\t" K2 " send", &k, err), 0);
	assert_int_equal(k.n, 2);
	assert_int_equal(k.send, 1);
	assert_int_equal(k.k[1].id, 200);
	assert_non_null(vn_sec_netkey_find(&k, 200));
	assert_null(vn_sec_netkey_find(&k, 2));
}

static void netkeys_bad(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "no key in the file" },
		{ "# only\n", "no key in the file" },
		{ "key 1 " K1 "\nkey 2 " K2 "\n", "several keys and none marked 'send'" },
		{ "key 1 " K1 " send\nkey 2 " K2 " send\n", "line 2: a second key marked 'send' (exactly one sends)" },
		{ "key 1 " K1 "\nkey 1 " K2 " send\n", "line 2: key id given twice" },
		{ "key 256 " K1 "\n", "line 1: key id must be a number 0..255" },
		{ "key -1 " K1 "\n", "line 1: key id must be a number 0..255" },
		{ "key 1 0101\n", "line 1: key must be 64 hexadecimal digits (32 bytes)" },
		{ "key 1 " K1 "zz\n", "line 1: key must be 64 hexadecimal digits (32 bytes)" },
		{ "key 1 " K1 " sned\n", "line 1: the only word allowed after the key is 'send'" },
		{ "kee 1 " K1 "\n", "line 1: expected 'key ID HEX [send]'" },
		{ "\n\nkey 1\n", "line 3: expected 'key ID HEX [send]'" },
		{ "key 1 " K1 " send x\n", "line 1: too many words, or a word too long" },
		{ "key 1 " K1 K1 K1 "\n", "line 1: too many words, or a word too long" },
	};
	struct vn_sec_netkeys k;
	char err[VN_SEC_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(net(bad[i].text, &k, err), -1);
		assert_string_equal(err, bad[i].msg);
	}
	/* nine keys: one too many */
	{
		char text[1024] = "";

		for (int i = 0; i < 9; i++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), "key %d %s%s\n",
				 i, K1, i == 0 ? " send" : "");
		assert_int_equal(net(text, &k, err), -1);
		assert_string_equal(err, "line 9: too many keys (at most 8)");
	}
	/* a NUL inside the text is not a line to trust */
	assert_int_equal(vn_sec_parse_netkeys("key 1 \0" K1, 7 + 64, &k, err, sizeof(err)), -1);
}

static void rsukeys(void **state)
{
	struct vn_sec_rsukeys k;
	char err[VN_SEC_ERR_LEN];
	const char *good = "rsu " K1 " rsu1.key\nrsu " K2 "\nrsu " K1 "\n";
	uint8_t hint[8];

	(void)state;
	assert_int_equal(vn_sec_parse_rsukeys(good, strlen(good), &k, err, sizeof(err)), 0);
	assert_int_equal(k.n, 2); /* the repeated key once */
	memset(hint, 0xa2, sizeof(hint));
	assert_int_equal(vn_sec_rsukey_by_hint(&k, hint), 1);
	hint[7] = 0;
	assert_int_equal(vn_sec_rsukey_by_hint(&k, hint), -1);
	assert_int_equal(vn_sec_parse_rsukeys("rsu 00\n", 7, &k, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1: public key must be 64 hexadecimal digits (32 bytes)");
	assert_int_equal(vn_sec_parse_rsukeys("key " K1, 68, &k, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1: expected 'rsu HEX [comment]'");
	assert_int_equal(vn_sec_parse_rsukeys("", 0, &k, err, sizeof(err)), -1);
}

static void signkey(void **state)
{
	struct vn_sec_signkey k, again;
	char err[VN_SEC_ERR_LEN];
	const char *text = "# rsu\nsigning-key " K1 "\n";
	uint8_t pk[32], sk[64], seed[32];

	(void)state;
	assert_int_equal(vn_sec_parse_signkey(text, strlen(text), &k, err, sizeof(err)), 0);
	memset(seed, 1, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	assert_memory_equal(k.pk, pk, 32);
	/* the chain secret is derived, stable, and not the seed */
	assert_int_equal(vn_sec_parse_signkey(text, strlen(text), &again, err, sizeof(err)), 0);
	assert_memory_equal(k.chain_secret, again.chain_secret, 32);
	assert_memory_not_equal(k.chain_secret, k.seed, 32);
	text = "signing-key " K1 "\nsigning-key " K2 "\n";
	assert_int_equal(vn_sec_parse_signkey(text, strlen(text), &k, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: a second signing key");
	assert_int_equal(vn_sec_parse_signkey("", 0, &k, err, sizeof(err)), -1);
	assert_string_equal(err, "no signing key in the file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(netkeys_good),
		cmocka_unit_test(netkeys_bad),
		cmocka_unit_test(rsukeys),
		cmocka_unit_test(signkey),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
