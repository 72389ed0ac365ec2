/* The daemons' command line (DAEMON_CONTRACT.md):
 *   obud [-c FILE] [-n] [-v]... [-h] [-V]
 * Parsing is separate from acting on it so that it can be tested. */
#ifndef VN_CLI_H
#define VN_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum vn_cli_action {
	VN_CLI_RUN,	/* run the daemon */
	VN_CLI_CHECK,	/* -n: check the configuration and exit */
	VN_CLI_HELP,	/* -h: usage on stdout, exit 0 */
	VN_CLI_VERSION, /* -V: name and version on stdout, exit 0 */
	VN_CLI_USAGE,	/* bad option or stray argument: usage on stderr, exit 2 */
};

struct vn_cli {
	enum vn_cli_action action;
	const char *config; /* -c, or the role's default */
	unsigned verbose;   /* number of -v */
	char bad[64];	    /* VN_CLI_USAGE: what was wrong */
};

/* Parses argv (argv[0] is skipped); never exits or prints. */
void vn_cli_parse(struct vn_cli *cli, int argc, char *const argv[], const char *default_config);
/* The usage text, for -h and errors. */
void vn_cli_usage(FILE *f, const char *name, const char *default_config);

#endif
