/* Control-socket command parsing and answers (without a daemon). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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

static enum vn_ctl_cmd req(const char *s, bool *json, char word[64])
{
	struct vn_ctl_req r;
	enum vn_ctl_cmd cmd = vn_ctl_parse_req(s, strlen(s), &r, word);

	assert_int_equal(cmd, r.cmd);
	*json = r.json;
	return cmd;
}

static void test_parse_json(void **state)
{
	char w[64];
	bool j;

	(void)state;
	assert_int_equal(req("status json\n", &j, w), VN_CTL_STATUS);
	assert_true(j);
	assert_int_equal(req("  counters \t json \r\n", &j, w), VN_CTL_COUNTERS);
	assert_true(j);
	assert_int_equal(req("neighbours", &j, w), VN_CTL_NEIGHBOURS);
	assert_false(j);
	assert_int_equal(req("routes json", &j, w), VN_CTL_ROUTES);
	assert_int_equal(req("metrics", &j, w), VN_CTL_METRICS);
	assert_int_equal(req("monitor json", &j, w), VN_CTL_MONITOR);
	assert_true(j);
	/* Anything else after a command is refused, naming it. */
	assert_int_equal(req("status jsonx", &j, w), VN_CTL_BADARG);
	assert_string_equal(w, "jsonx");
	assert_int_equal(req("status json json", &j, w), VN_CTL_BADARG);
	assert_string_equal(w, "json json");
	assert_int_equal(req("help json", &j, w), VN_CTL_BADARG);
	assert_int_equal(req("metrics json", &j, w), VN_CTL_BADARG);
	assert_string_equal(w, "json");
	assert_int_equal(req("status \x01'", &j, w), VN_CTL_BADARG);
	assert_string_equal(w, "??");
	assert_int_equal(req("json status", &j, w), VN_CTL_UNKNOWN);
	assert_string_equal(w, "json status");
	/* A word that merely starts like a command is not one. */
	assert_int_equal(req("statusjson", &j, w), VN_CTL_UNKNOWN);
}

/* Every byte string, at every length up to the line limit, gives one of the
 * answers and never a crash (the socket is an outside input). */
static void test_parse_garbage(void **state)
{
	char line[VN_CTL_LINE_MAX], w[64];
	uint32_t x = 12345;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(round % (int)sizeof(line));
		struct vn_ctl_req r;
		enum vn_ctl_cmd cmd;

		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			/* mostly letters and blanks, so that words do match */
			line[i] = (x >> 24) % 4 == 0 ? (char)(x >> 16) : "status json \n"[(x >> 8) % 13];
		}
		cmd = vn_ctl_parse_req(line, len, &r, w);
		assert_true(cmd <= VN_CTL_BADARG);
		assert_true(strlen(w) < 64);
		for (const char *p = w; *p != '\0'; p++)
			assert_true(*p >= 0x20 && *p < 0x7f && *p != '\'');
	}
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

static bool last_json;

static void fake(void *ctx, const struct vn_ctl_req *req, struct vn_strbuf *out)
{
	(void)ctx;
	calls++;
	last_json = req->json;
	vn_strbuf_printf(out, "%s\n", req->cmd == VN_CTL_STATUS ? "upstream: none" : "rx_frames 7");
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
	assert_non_null(strstr(out.p, "monitor"));
	assert_non_null(strstr(out.p, "metrics"));
	assert_int_equal(calls, 2);
	answer("status json\n", &out);
	assert_int_equal(calls, 3);
	assert_true(last_json);
	answer("routes\n", &out);
	assert_false(last_json);
	answer("status yaml\n", &out);
	assert_string_equal(out.p, "error: unknown argument 'yaml' (only 'json', and not after "
				   "help or metrics)\n");
	/* The server turns monitor into a subscription; the answer is empty. */
	vn_strbuf_free(&out);
	vn_ctl_answer("monitor\n", 8, fake, NULL, &out);
	assert_int_equal(out.len, 0);
	assert_int_equal(calls, 4);
	vn_strbuf_free(&out);
}

static void test_json_str(void **state)
{
	struct vn_strbuf b = { 0 };

	(void)state;
	vn_json_str(&b, "a\"b\\c\n\x01\x7f");
	b.p[b.len] = '\0';
	assert_string_equal(b.p, "\"a\\\"b\\\\c\\u000a\\u0001\\u007f\"");
	vn_strbuf_free(&b);
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
		cmocka_unit_test(test_parse_json),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_strbuf_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
