/* vanet-keygen: makes the key files of [security] (docs/security.md).
 *   vanet-keygen network FILE [--id N]   a new network (group) key file
 *   vanet-keygen network-add FILE --id N a further key in it, for rotation
 *   vanet-keygen rsu FILE                an RSU signing key, and FILE.pub
 * Secret files are created 0600 and never overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sec.h"

#define VN_PATH_BUF 4200

static const char usage_text[] =
	"Usage: vanet-keygen network FILE [--id N]\n"
	"       vanet-keygen network-add FILE --id N\n"
	"       vanet-keygen rsu FILE\n"
	"       vanet-keygen --help | --version\n"
	"\n"
	"Makes the key files that [security] in obud.conf and rsud.conf names\n"
	"(mode = authenticate). Secret files are created with mode 0600, owned by\n"
	"the caller; an existing file is never overwritten.\n"
	"\n"
	"Commands:\n"
	"  network FILE [--id N]\n"
	"      Writes a new network (group) key file: one line 'key N HEX send'\n"
	"      (N: the key id, 0..255, default 1). Every obud and rsud of the\n"
	"      network gets a copy as [security] network_key; the key tags every\n"
	"      frame, so a node without it gets nothing in and nothing out.\n"
	"  network-add FILE --id N\n"
	"      Appends a new key 'key N HEX' (not sending) to an existing file,\n"
	"      for rotation: install the file everywhere and reload (all nodes\n"
	"      now accept both keys); then move the word 'send' to the new line,\n"
	"      install and reload again; finally remove the old line.\n"
	"  rsu FILE\n"
	"      Writes an RSU signing key (Ed25519) to FILE, for rsud's\n"
	"      [security] signing_key, and its public key line 'rsu HEX FILE'\n"
	"      to FILE.pub (mode 0644). Collect the .pub lines of all RSUs\n"
	"      into the file obud's [security] rsu_keys names.\n"
	"\n"
	"Options:\n"
	"  --id N      key id (network, network-add)\n"
	"  -h, --help  this text\n"
	"  --version   the version\n"
	"\n"
	"Exit status: 0 done; 1 a file could not be written (it exists, or a\n"
	"system error); 2 bad usage.\n"
	"\n"
	"See docs/security.md: threat model, installing and rotating keys.\n";

static int usage(const char *msg)
{
	fprintf(stderr, "vanet-keygen: %s\n%s", msg, usage_text);
	return 2;
}

/* Writes text to a new file (O_EXCL) with mode; 0 or 1. */
static int write_new(const char *path, const char *text, mode_t mode, int extra_flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | extra_flags, mode);
	size_t len = strlen(text);

	if (fd < 0) {
		fprintf(stderr, "vanet-keygen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0 || close(fd) < 0) {
		fprintf(stderr, "vanet-keygen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

static int key_line(char *out, size_t cap, unsigned id, bool send)
{
	uint8_t k[VN_SEC_KEY_LEN];
	char hex[2 * VN_SEC_KEY_LEN + 1];

	randombytes_buf(k, sizeof(k));
	vn_sec_hex(k, sizeof(k), hex);
	snprintf(out, cap, "key %u %s%s\n", id, hex, send ? " send" : "");
	sodium_memzero(k, sizeof(k));
	sodium_memzero(hex, sizeof(hex));
	return 0;
}

/* network-add: the file must be a valid key file without this id. */
static int check_existing(const char *file, unsigned id)
{
	static char buf[65536];
	struct vn_sec_netkeys ks;
	char err[VN_SEC_ERR_LEN];
	FILE *f = fopen(file, "re");
	size_t n;
	int rc = 1;

	if (f == NULL) {
		fprintf(stderr, "vanet-keygen: %s: %s (network-add adds to an existing file)\n",
			file, strerror(errno));
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (vn_sec_parse_netkeys(buf, n, &ks, err, sizeof(err)) < 0)
		fprintf(stderr, "vanet-keygen: %s: %s\n", file, err);
	else if (vn_sec_netkey_find(&ks, (uint8_t)id) != NULL)
		fprintf(stderr, "vanet-keygen: %s: key id %u is already there\n", file, id);
	else if (ks.n == VN_SEC_MAX_NETKEYS)
		fprintf(stderr, "vanet-keygen: %s: already %d keys; remove an old one first\n",
			file, VN_SEC_MAX_NETKEYS);
	else
		rc = 0;
	if (n > 0 && buf[n - 1] != '\n' && rc == 0) {
		fprintf(stderr, "vanet-keygen: %s: does not end with a newline\n", file);
		rc = 1;
	}
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(&ks, sizeof(ks));
	return rc;
}

static int cmd_network(const char *file, unsigned id, bool add)
{
	char text[256];
	int rc;

	if (add && check_existing(file, id) != 0)
		return 1;
	key_line(text, sizeof(text), id, !add);
	if (!add) {
		char head[512];

		snprintf(head, sizeof(head),
			 "# vanet network keys: 'key ID HEX [send]', the key marked send tags\n"
			 "# what this node sends; all of them are accepted (rotation).\n%s",
			 text);
		rc = write_new(file, head, 0600, O_EXCL);
		sodium_memzero(head, sizeof(head));
	} else {
		rc = write_new(file, text, 0600, O_APPEND);
	}
	sodium_memzero(text, sizeof(text));
	if (rc == 0)
		printf("%s: %s key id %u\n", file, add ? "added" : "wrote", id);
	return rc;
}

static int cmd_rsu(const char *file)
{
	struct vn_sec_signkey k;
	char hex[2 * VN_SEC_PK_LEN + 1], text[256], pub[VN_PATH_BUF];
	const char *base = strrchr(file, '/');
	int rc;

	if (snprintf(pub, sizeof(pub), "%s.pub", file) >= (int)sizeof(pub))
		return usage("FILE is too long");
	if (access(pub, F_OK) == 0) {
		fprintf(stderr, "vanet-keygen: %s exists; not overwriting it\n", pub);
		return 1;
	}
	randombytes_buf(k.seed, sizeof(k.seed));
	vn_sec_signkey_expand(&k);
	vn_sec_hex(k.seed, sizeof(k.seed), hex);
	snprintf(text, sizeof(text), "# vanet RSU signing key (keep secret)\nsigning-key %s\n", hex);
	rc = write_new(file, text, 0600, O_EXCL);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(hex, sizeof(hex));
	if (rc == 0) {
		vn_sec_hex(k.pk, sizeof(k.pk), hex);
		snprintf(text, sizeof(text), "rsu %s %s\n", hex, base != NULL ? base + 1 : file);
		rc = write_new(pub, text, 0644, O_EXCL);
	}
	sodium_memzero(&k, sizeof(k));
	if (rc == 0)
		printf("%s: signing key\n%s: %s", file, pub, text);
	return rc;
}

int main(int argc, char *argv[])
{
	unsigned long id = 1;
	bool have_id = false;
	const char *cmd, *file;

	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("vanet-keygen %s\n", VANET_VERSION);
		return 0;
	}
	if (argc != 3 && argc != 5)
		return usage(argc < 3 ? "a command and a FILE are needed" : "too many arguments");
	cmd = argv[1];
	file = argv[2];
	if (argc == 5) {
		char *end;

		if (strcmp(argv[3], "--id") != 0)
			return usage("unknown option");
		errno = 0;
		id = strtoul(argv[4], &end, 10);
		if (argv[4][0] < '0' || argv[4][0] > '9' || *end != '\0' || id > 255)
			return usage("--id must be a number 0..255");
		have_id = true;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "vanet-keygen: libsodium cannot be initialised\n");
		return 1;
	}
	if (strcmp(cmd, "network") == 0)
		return cmd_network(file, (unsigned)id, false);
	if (strcmp(cmd, "network-add") == 0) {
		if (!have_id)
			return usage("network-add needs --id N (a new key id)");
		return cmd_network(file, (unsigned)id, true);
	}
	if (strcmp(cmd, "rsu") == 0) {
		if (have_id)
			return usage("rsu takes no --id");
		return cmd_rsu(file);
	}
	return usage("unknown command");
}
