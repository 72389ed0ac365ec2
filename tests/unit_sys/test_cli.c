/* Command-line parsing (DAEMON_CONTRACT.md): every option and every way of
 * getting it wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"

#define DEF "/etc/vanet/obud.conf"

static struct vn_cli parse(int argc, char *const argv[])
{
	struct vn_cli cli;

	vn_cli_parse(&cli, argc, argv, DEF);
	return cli;
}

#define PARSE(...)                                                              \
	({                                                                      \
		char *const a_[] = { "obud", __VA_ARGS__ };                     \
		parse((int)(sizeof(a_) / sizeof(a_[0])), a_);                   \
	})

static void test_defaults(void **state)
{
	char *const argv[] = { "obud" };
	struct vn_cli c = parse(1, argv);

	(void)state;
	assert_int_equal(c.action, VN_CLI_RUN);
	assert_string_equal(c.config, DEF);
	assert_int_equal(c.verbose, 0);
}

static void test_options(void **state)
{
	struct vn_cli c;

	(void)state;
	c = PARSE("-c", "/x.conf");
	assert_int_equal(c.action, VN_CLI_RUN);
	assert_string_equal(c.config, "/x.conf");
	c = PARSE("-c/y.conf", "-n");
	assert_int_equal(c.action, VN_CLI_CHECK);
	assert_string_equal(c.config, "/y.conf");
	c = PARSE("-v", "-v", "-vv");
	assert_int_equal(c.verbose, 4);
	c = PARSE("-nvc", "/z.conf");
	assert_int_equal(c.action, VN_CLI_CHECK);
	assert_int_equal(c.verbose, 1);
	assert_string_equal(c.config, "/z.conf");
	c = PARSE("-h");
	assert_int_equal(c.action, VN_CLI_HELP);
	c = PARSE("-n", "-h");
	assert_int_equal(c.action, VN_CLI_HELP);
	c = PARSE("-V");
	assert_int_equal(c.action, VN_CLI_VERSION);
	c = PARSE("--");
	assert_int_equal(c.action, VN_CLI_RUN);
}

static void test_bad(void **state)
{
	struct vn_cli c;

	(void)state;
	c = PARSE("-x");
	assert_int_equal(c.action, VN_CLI_USAGE);
	assert_string_equal(c.bad, "unknown option '-x'");
	c = PARSE("-c");
	assert_int_equal(c.action, VN_CLI_USAGE);
	assert_string_equal(c.bad, "option -c needs a file name");
	c = PARSE("stray");
	assert_int_equal(c.action, VN_CLI_USAGE);
	assert_string_equal(c.bad, "unexpected argument 'stray'");
	c = PARSE("-");
	assert_int_equal(c.action, VN_CLI_USAGE);
	c = PARSE("--", "x");
	assert_int_equal(c.action, VN_CLI_USAGE);
	c = PARSE("--config=x");
	assert_int_equal(c.action, VN_CLI_USAGE);
	c = PARSE("-h", "-q");
	assert_int_equal(c.action, VN_CLI_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
