#include "cli.h"

#include <stdio.h>
#include <string.h>

/* Hand-written rather than getopt: getopt keeps global state (optind) and
 * prints its own messages, both awkward for a function that is tested. */
void vn_cli_parse(struct vn_cli *cli, int argc, char *const argv[], const char *default_config)
{
	memset(cli, 0, sizeof(*cli));
	cli->action = VN_CLI_RUN;
	cli->config = default_config;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0') {
			snprintf(cli->bad, sizeof(cli->bad), "unexpected argument '%.40s'", a);
			cli->action = VN_CLI_USAGE;
			return;
		}
		if (strcmp(a, "--") == 0) {
			if (i + 1 < argc) {
				snprintf(cli->bad, sizeof(cli->bad), "unexpected argument '%.40s'",
					 argv[i + 1]);
				cli->action = VN_CLI_USAGE;
			}
			return;
		}
		/* Bundled flags (-nv, -vvv) and -cFILE / -c FILE. */
		for (const char *o = a + 1; *o != '\0'; o++) {
			switch (*o) {
			case 'n':
				if (cli->action == VN_CLI_RUN)
					cli->action = VN_CLI_CHECK;
				break;
			case 'v':
				cli->verbose++;
				break;
			case 'h':
				if (cli->action != VN_CLI_VERSION)
					cli->action = VN_CLI_HELP;
				break;
			case 'V':
				if (cli->action != VN_CLI_HELP)
					cli->action = VN_CLI_VERSION;
				break;
			case 'c':
				if (o[1] != '\0') {
					cli->config = o + 1;
				} else if (i + 1 < argc) {
					cli->config = argv[++i];
				} else {
					snprintf(cli->bad, sizeof(cli->bad),
						 "option -c needs a file name");
					cli->action = VN_CLI_USAGE;
					return;
				}
				goto next_arg;
			default:
				snprintf(cli->bad, sizeof(cli->bad), "unknown option '-%c'", *o);
				cli->action = VN_CLI_USAGE;
				return;
			}
		}
next_arg:;
	}
}

void vn_cli_usage(FILE *f, const char *name, const char *default_config)
{
	fprintf(f,
		"usage: %s [-c FILE] [-n] [-v]... [-h] [-V]\n"
		"  -c FILE  configuration file (default %s)\n"
		"  -n       check the configuration and exit\n"
		"  -v       more logging (repeatable)\n"
		"  -h       this help\n"
		"  -V       version\n",
		name, default_config);
}
