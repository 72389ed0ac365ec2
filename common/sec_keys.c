/* Key files (docs/security.md "Key files"): line-oriented text, so an
 * operator can read, diff and rotate them with an editor. Every malformed
 * line is an error with its number: a key file that half-parses must not
 * leave a node with fewer keys than its operator thinks. */
#include "sec.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

struct lines {
	const char *p, *end;
	unsigned no;
};

/* The next line without its newline; false at the end. */
static bool next_line(struct lines *l, const char **s, size_t *n)
{
	const char *nl;

	if (l->p >= l->end)
		return false;
	nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	*s = l->p;
	*n = (size_t)((nl != NULL ? nl : l->end) - l->p);
	l->p = nl != NULL ? nl + 1 : l->end;
	l->no++;
	return true;
}

#define MAX_WORDS 4
#define WORD_MAX 160

/* Splits a line into at most MAX_WORDS blank-separated words (NUL-terminated
 * copies). Returns the count, MAX_WORDS + 1 if there are more or one is too
 * long, 0 for a blank or comment line. */
static unsigned split(const char *s, size_t n, char w[MAX_WORDS][WORD_MAX])
{
	unsigned count = 0;
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i == n || s[i] == '#')
		return 0;
	while (i < n) {
		size_t j = 0;

		if (s[i] == '\0')
			return MAX_WORDS + 1;
		if (count == MAX_WORDS)
			return MAX_WORDS + 1;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
			if (j + 1 >= WORD_MAX || s[i] == '\0')
				return MAX_WORDS + 1;
			w[count][j++] = s[i++];
		}
		w[count++][j] = '\0';
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
	}
	return count;
}

static int hex_exact(const char *hex, uint8_t *out, size_t n)
{
	size_t got = 0;

	if (strlen(hex) != 2 * n)
		return -1;
	if (sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL) != 0 || got != n)
		return -1;
	return 0;
}

void vn_sec_hex(const uint8_t *b, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, b, n);
}

static int fail(char *err, size_t cap, unsigned line, const char *why)
{
	if (line > 0)
		snprintf(err, cap, "line %u: %s", line, why);
	else
		snprintf(err, cap, "%s", why);
	return -1;
}

/* "key ID HEX [send]" */
static int netkey_line(struct vn_sec_netkeys *ks, char w[MAX_WORDS][WORD_MAX], unsigned nw,
		       bool *marked, const char **why)
{
	struct vn_sec_netkey k;
	unsigned long id;
	char *end;

	if (nw < 3 || nw > 4 || strcmp(w[0], "key") != 0) {
		*why = "expected 'key ID HEX [send]'";
		return -1;
	}
	id = strtoul(w[1], &end, 10);
	if (w[1][0] < '0' || w[1][0] > '9' || *end != '\0' || id > 255) {
		*why = "key id must be a number 0..255";
		return -1;
	}
	k.id = (uint8_t)id;
	if (hex_exact(w[2], k.key, VN_SEC_KEY_LEN) < 0) {
		*why = "key must be 64 hexadecimal digits (32 bytes)";
		return -1;
	}
	if (nw == 4 && strcmp(w[3], "send") != 0) {
		*why = "the only word allowed after the key is 'send'";
		return -1;
	}
	if (vn_sec_netkey_find(ks, k.id) != NULL) {
		*why = "key id given twice";
		return -1;
	}
	if (ks->n == VN_SEC_MAX_NETKEYS) {
		*why = "too many keys (at most 8)";
		return -1;
	}
	if (nw == 4) {
		if (*marked) {
			*why = "a second key marked 'send' (exactly one sends)";
			return -1;
		}
		*marked = true;
		ks->send = ks->n;
	}
	ks->k[ks->n++] = k;
	return 0;
}

int vn_sec_parse_netkeys(const char *text, size_t len, struct vn_sec_netkeys *out, char *err,
			 size_t errcap)
{
	struct lines l = { text, text + len, 0 };
	char w[MAX_WORDS][WORD_MAX];
	bool marked = false;
	const char *s, *why;
	size_t n;

	memset(out, 0, sizeof(*out));
	while (next_line(&l, &s, &n)) {
		unsigned nw = split(s, n, w);

		if (nw == 0)
			continue;
		if (nw > MAX_WORDS || netkey_line(out, w, nw, &marked, &why) < 0) {
			sodium_memzero(out, sizeof(*out));
			return fail(err, errcap, l.no, nw > MAX_WORDS ? "too many words, or a word too long" : why);
		}
	}
	if (out->n == 0)
		return fail(err, errcap, 0, "no key in the file");
	if (!marked && out->n > 1) {
		sodium_memzero(out, sizeof(*out));
		return fail(err, errcap, 0, "several keys and none marked 'send'");
	}
	return 0;
}

/* "rsu HEX [comment]" (the comment is one word: vanet-keygen writes the
 * file name). */
int vn_sec_parse_rsukeys(const char *text, size_t len, struct vn_sec_rsukeys *out, char *err,
			 size_t errcap)
{
	struct lines l = { text, text + len, 0 };
	char w[MAX_WORDS][WORD_MAX];
	const char *s;
	size_t n;

	memset(out, 0, sizeof(*out));
	while (next_line(&l, &s, &n)) {
		unsigned nw = split(s, n, w);
		uint8_t pk[VN_SEC_PK_LEN];

		if (nw == 0)
			continue;
		if (nw > 3 || nw < 2 || strcmp(w[0], "rsu") != 0)
			return fail(err, errcap, l.no, "expected 'rsu HEX [comment]'");
		if (hex_exact(w[1], pk, VN_SEC_PK_LEN) < 0)
			return fail(err, errcap, l.no,
				    "public key must be 64 hexadecimal digits (32 bytes)");
		if (vn_sec_rsukey_find(out, pk) >= 0)
			continue; /* the same RSU listed twice is harmless */
		if (out->n == VN_SEC_MAX_RSUKEYS)
			return fail(err, errcap, l.no, "too many RSU keys (at most 256)");
		memcpy(out->pk[out->n++], pk, VN_SEC_PK_LEN);
	}
	if (out->n == 0)
		return fail(err, errcap, 0, "no RSU key in the file");
	return 0;
}

void vn_sec_signkey_expand(struct vn_sec_signkey *k)
{
	static const uint8_t label[] = "vanet hash-chain secret";

	crypto_sign_seed_keypair(k->pk, k->sk, k->seed);
	crypto_generichash(k->chain_secret, VN_SEC_KEY_LEN, label, sizeof(label) - 1, k->seed,
			   VN_SEC_SEED_LEN);
}

int vn_sec_parse_signkey(const char *text, size_t len, struct vn_sec_signkey *out, char *err,
			 size_t errcap)
{
	struct lines l = { text, text + len, 0 };
	char w[MAX_WORDS][WORD_MAX];
	bool seen = false;
	const char *s;
	size_t n;

	memset(out, 0, sizeof(*out));
	while (next_line(&l, &s, &n)) {
		unsigned nw = split(s, n, w);

		if (nw == 0)
			continue;
		if (nw != 2 || strcmp(w[0], "signing-key") != 0 || seen ||
		    hex_exact(w[1], out->seed, VN_SEC_SEED_LEN) < 0) {
			sodium_memzero(out, sizeof(*out));
			return fail(err, errcap, l.no,
				    seen ? "a second signing key"
					 : "expected 'signing-key HEX' (64 hexadecimal digits)");
		}
		seen = true;
	}
	if (!seen)
		return fail(err, errcap, 0, "no signing key in the file");
	vn_sec_signkey_expand(out);
	return 0;
}

const struct vn_sec_netkey *vn_sec_netkey_find(const struct vn_sec_netkeys *ks, uint8_t id)
{
	for (unsigned i = 0; i < ks->n; i++)
		if (ks->k[i].id == id)
			return &ks->k[i];
	return NULL;
}

int vn_sec_rsukey_find(const struct vn_sec_rsukeys *ks, const uint8_t pk[VN_SEC_PK_LEN])
{
	for (unsigned i = 0; i < ks->n; i++)
		if (memcmp(ks->pk[i], pk, VN_SEC_PK_LEN) == 0)
			return (int)i;
	return -1;
}

int vn_sec_rsukey_by_hint(const struct vn_sec_rsukeys *ks, const uint8_t *hint)
{
	for (unsigned i = 0; i < ks->n; i++)
		if (memcmp(ks->pk[i], hint, VN_SEC_HINT_LEN) == 0)
			return (int)i;
	return -1;
}
