/* libFuzzer target: the daemons' configuration parser (shell/config.c,
 * inih underneath) must give a verdict on any input, never crash or leak.
 * Each input is parsed for both roles; errors go to a sink that checks
 * every message names the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ctx, const char *msg)
{
	size_t *n = ctx;

	/* Every message starts with the file name: "fuzz.conf:LINE: ..." or
	 * "fuzz.conf: ...". */
	if (strncmp(msg, "fuzz.conf:", 10) != 0)
		abort();
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	struct vn_config c;

	/* Large inputs only slow the fuzzer down; the parser is line based. */
	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (int role = VN_ROLE_OBU; role <= VN_ROLE_RSU; role++) {
		size_t msgs = 0;
		int errors = vn_config_load_string(&c, (enum vn_role)role, "fuzz.conf", text,
						   sink, &msgs);

		/* The count returned is the count reported. */
		if (errors < 0 || (size_t)errors != msgs)
			abort();
		/* A clean result is a complete, consistent configuration. */
		if (errors == 0 && (c.interface[0] == '\0' || c.n_addrs > VN_MAX_ADDRS ||
				    c.tun_mtu < VN_TUN_MTU_MIN || c.tun_mtu > VN_TUN_MTU_MAX))
			abort();
	}
	free(text);
	return 0;
}
