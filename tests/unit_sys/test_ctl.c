/* Control-socket command parsing and answers (without a daemon). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctl.h"

static enum vn_ctl_cmd parse(const char *s, char word[64])
{
	return vn_ctl_parse(s, strlen(s), word);
}

static void test_parse(void **state)
{
	char w[64];

	(void)state;
	assert_int_equal(parse("status", w), VN_CTL_STATUS);
	assert_int_equal(parse("status\n", w), VN_CTL_STATUS);
	assert_int_equal(parse("  counters \r\n", w), VN_CTL_COUNTERS);
	assert_int_equal(parse("help\nstatus\n", w), VN_CTL_HELP);
	assert_int_equal(parse("", w), VN_CTL_EMPTY);
	assert_int_equal(parse(" \r\n", w), VN_CTL_EMPTY);
	assert_int_equal(parse("STATUS", w), VN_CTL_UNKNOWN);
	assert_string_equal(w, "STATUS");
	assert_int_equal(parse("statusx", w), VN_CTL_UNKNOWN);
	assert_int_equal(parse("stat", w), VN_CTL_UNKNOWN);
	assert_string_equal(w, "stat");
	/* Not printable or quote: replaced, so the answer stays one clean line. */
	assert_int_equal(parse("a'b\x01" "c", w), VN_CTL_UNKNOWN);
	assert_string_equal(w, "a?b?c");
	/* A NUL ends the command. */
	assert_int_equal(vn_ctl_parse("help\0junk", 9, w), VN_CTL_HELP);
}

static void test_parse_long(void **state)
{
	char line[300], w[64];

	(void)state;
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(parse(line, w), VN_CTL_UNKNOWN);
	assert_int_equal(strlen(w), 63);
}

static int calls;

static void fake(void *ctx, enum vn_ctl_cmd cmd, struct vn_strbuf *out)
{
	(void)ctx;
	calls++;
	vn_strbuf_printf(out, "%s\n", cmd == VN_CTL_STATUS ? "upstream: none" : "rx_frames 7");
}

static void answer(const char *line, struct vn_strbuf *out)
{
	vn_strbuf_free(out);
	vn_ctl_answer(line, strlen(line), fake, NULL, out);
	assert_non_null(out->p);
	out->p[out->len] = '\0';
}

static void test_answer(void **state)
{
	struct vn_strbuf out = { 0 };

	(void)state;
	calls = 0;
	answer("status\n", &out);
	assert_string_equal(out.p, "upstream: none\n");
	answer("counters\n", &out);
	assert_string_equal(out.p, "rx_frames 7\n");
	assert_int_equal(calls, 2);
	answer("frobnicate\n", &out);
	assert_string_equal(out.p, "error: unknown command 'frobnicate'\n");
	answer("\n", &out);
	assert_string_equal(out.p, "error: empty command (try 'help')\n");
	answer("help\n", &out);
	assert_non_null(strstr(out.p, "status"));
	assert_non_null(strstr(out.p, "counters"));
	assert_non_null(strstr(out.p, "help"));
	assert_int_equal(calls, 2);
	vn_strbuf_free(&out);
}

static void test_strbuf_grows(void **state)
{
	struct vn_strbuf b = { 0 };

	(void)state;
	for (int i = 0; i < 1000; i++)
		vn_strbuf_printf(&b, "line %04d\n", i);
	assert_int_equal(b.len, 10000);
	assert_false(b.oom);
	assert_memory_equal(b.p + 9990, "line 0999\n", 10);
	vn_strbuf_free(&b);
	assert_null(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_strbuf_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
