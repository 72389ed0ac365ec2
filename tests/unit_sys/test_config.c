/* The configuration parser: good files, and every kind of error with the
 * file and line it names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

struct errs {
	char msg[16][256];
	int n;
};

static void collect(void *ctx, const char *msg)
{
	struct errs *e = ctx;

	if (e->n < 16)
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	e->n++;
}

static int load(struct vn_config *c, enum vn_role role, const char *text, struct errs *e)
{
	memset(e, 0, sizeof(*e));
	return vn_config_load_string(c, role, "t.conf", text, collect, e);
}

/* One error, and its message is exactly `want`. */
static void expect_error(enum vn_role role, const char *text, const char *want)
{
	struct vn_config c;
	struct errs e;
	int n = load(&c, role, text, &e);

	if (n != 1 || strcmp(e.msg[0], want) != 0) {
		for (int i = 0; i < e.n && i < 16; i++)
			print_error("got: %s\n", e.msg[i]);
		print_error("want: %s\n", want);
	}
	assert_int_equal(n, 1);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], want);
}

static void test_minimal(void **state)
{
	struct vn_config c;
	struct errs e;

	(void)state;
	assert_int_equal(load(&c, VN_ROLE_OBU, "[wire]\ninterface = eth1\n", &e), 0);
	assert_int_equal(e.n, 0);
	assert_string_equal(c.interface, "eth1");
	assert_string_equal(c.tun_name, "tun0");
	assert_int_equal(c.tun_mtu, 1472);
	assert_int_equal(c.n_addrs, 0);
	assert_string_equal(c.ctl_path, "/run/vanet/obud.sock");
	assert_int_equal(c.log_level, VN_LOG_INFO);
	assert_int_equal(c.obu.heartbeat_period_ms, 0); /* learn from the heartbeats */
	assert_int_equal(c.obu.history, 10);
	assert_int_equal(c.obu.candidates, 3);
	assert_int_equal(c.obu.dead_periods, 8);
	assert_int_equal(c.obu.relay_sparse, 16);
	assert_int_equal(c.obu.reply_keepalive, 20);
	assert_int_equal(c.obu.scope_hops, 1);
	assert_int_equal(c.obu.reply_hold_ms, 10);

	assert_int_equal(load(&c, VN_ROLE_RSU, "[wire]\ninterface=eth1\n", &e), 0);
	assert_string_equal(c.ctl_path, "/run/vanet/rsud.sock");
	assert_int_equal(c.rsu.heartbeat_period_ms, 100);
	assert_int_equal(c.rsu.stale_periods, 45);
	assert_int_equal(c.rsu.obu_timeout_periods, 65);
}

static void test_full_obu(void **state)
{
	static const char text[] =
		"# comment\n"
		"; another\n"
		"\n"
		"[wire]\n"
		"  interface = wire0   ; indented, inline comment\n"
		"[tun]\r\n"
		"name = vn7\r\n"
		"address = 10.10.0.2/24\n"
		"address = fd00::2/64\n"
		"mtu = 1400\n"
		"[routing]\n"
		"heartbeat_period_ms = 50\n"
		"history = 20\n"
		"candidates = 4\n"
		"dead_periods = 5\n"
		"hysteresis_pct = 0\n"
		"max_neighbours = 10\n"
		"max_rsus = 2\n"
		"max_downstream = 100\n"
		"relay_sparse = 32\n"
		"reply_keepalive = 7\n"
		"scope_hops = 0\n"
		"reply_hold_ms = 0\n"
		"[control]\n"
		"socket = /tmp/x/obud.sock\n"
		"[log]\n"
		"level = debug\n";
	struct vn_config c;
	struct errs e;
	char buf[VN_IP_STRLEN];

	(void)state;
	assert_int_equal(load(&c, VN_ROLE_OBU, text, &e), 0);
	assert_string_equal(c.interface, "wire0");
	assert_string_equal(c.tun_name, "vn7");
	assert_int_equal(c.n_addrs, 2);
	assert_string_equal(vn_ip_format(&c.addrs[0].addr, buf), "10.10.0.2");
	assert_int_equal(c.addrs[0].len, 24);
	assert_string_equal(vn_ip_format(&c.addrs[1].addr, buf), "fd00::2");
	assert_int_equal(c.addrs[1].len, 64);
	assert_int_equal(c.tun_mtu, 1400);
	assert_int_equal(c.obu.heartbeat_period_ms, 50);
	assert_int_equal(c.obu.history, 20);
	assert_int_equal(c.obu.candidates, 4);
	assert_int_equal(c.obu.dead_periods, 5);
	assert_int_equal(c.obu.hysteresis_pct, 0);
	assert_int_equal(c.obu.max_neighbours, 10);
	assert_int_equal(c.obu.max_rsus, 2);
	assert_int_equal(c.obu.max_downstream, 100);
	assert_int_equal(c.obu.relay_sparse, 32);
	assert_int_equal(c.obu.reply_keepalive, 7);
	assert_int_equal(c.obu.scope_hops, 0);
	assert_int_equal(c.obu.reply_hold_ms, 0);
	assert_string_equal(c.ctl_path, "/tmp/x/obud.sock");
	assert_int_equal(c.log_level, VN_LOG_DEBUG);
}

static void test_full_rsu(void **state)
{
	static const char text[] = "[wire]\ninterface = eth0\n"
				   "[routing]\n"
				   "heartbeat_period_ms = 200\n"
				   "jitter_pct = 10\n"
				   "history = 5\n"
				   "rtt_hysteresis_ms = 7\n"
				   "max_obus = 10\n"
				   "max_ips = 20\n"
				   "ip_expiry_ms = 60000\n"
				   "stale_periods = 4\n"
				   "obu_timeout_periods = 30\n";
	struct vn_config c;
	struct errs e;

	(void)state;
	assert_int_equal(load(&c, VN_ROLE_RSU, text, &e), 0);
	assert_int_equal(c.rsu.heartbeat_period_ms, 200);
	assert_int_equal(c.rsu.jitter_pct, 10);
	assert_int_equal(c.rsu.history, 5);
	assert_int_equal(c.rsu.rtt_hysteresis_ms, 7);
	assert_int_equal(c.rsu.max_obus, 10);
	assert_int_equal(c.rsu.max_ips, 20);
	assert_int_equal(c.rsu.ip_expiry_ms, 60000);
	assert_int_equal(c.rsu.stale_periods, 4);
	assert_int_equal(c.rsu.obu_timeout_periods, 30);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error(VN_ROLE_OBU, "[tun]\nmtu = 1400\n", "t.conf: [wire] interface is required");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[bogus]\nx = 1\n",
		     "t.conf:3: unknown section [bogus]");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\nspeed = 3\n",
		     "t.conf:3: unknown key 'speed' in [wire]");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[routing]\ncandidates = 3\n",
		     "t.conf:4: unknown key 'candidates' in [routing] (rsud has no such setting)");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\njitter_pct = 3\n",
		     "t.conf:4: unknown key 'jitter_pct' in [routing] (obud has no such setting)");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nhistory = ten\n",
		     "t.conf:4: [routing] history 'ten' is not a number");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nhistory = -1\n",
		     "t.conf:4: [routing] history '-1' is not a number");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nhistory = 10x\n",
		     "t.conf:4: [routing] history '10x' is not a number");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nhistory = 99999999999\n",
		     "t.conf:4: [routing] history '99999999999' is not a number");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nhistory = 0\n",
		     "t.conf:4: [routing] history 0 is out of range 2..1024");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nhistory = 1025\n",
		     "t.conf:4: [routing] history 1025 is out of range 2..1024");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[tun]\nmtu = 67\n",
		     "t.conf:4: [tun] mtu 67 is out of range 68..9188");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[tun]\nmtu = 9189\n",
		     "t.conf:4: [tun] mtu 9189 is out of range 68..9188");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\ninterface = f\n",
		     "t.conf:3: [wire] interface given twice (first on line 2)");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[tun]\naddress = 10.0.0.1\n",
		     "t.conf:4: [tun] address '10.0.0.1' needs a prefix length (e.g. 10.10.0.2/24)");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[tun]\naddress = 10.0.0.300/24\n",
		     "t.conf:4: [tun] address '10.0.0.300/24' is not an IPv4 or IPv6 address "
		     "with prefix length");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[tun]\naddress = 10.0.0.1/33\n",
		     "t.conf:4: [tun] address '10.0.0.1/33' is not an IPv4 or IPv6 address "
		     "with prefix length");
	expect_error(VN_ROLE_OBU,
		     "[wire]\ninterface = e\n[tun]\naddress = 10.0.0.1/24\naddress = 10.0.0.1/24\n",
		     "t.conf:5: [tun] address '10.0.0.1/24' is given twice");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = a/b\n",
		     "t.conf:2: [wire] interface 'a/b' is not a valid interface name (1-15 "
		     "characters, no '/', ':' or spaces)");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = abcdefghijklmnop\n",
		     "t.conf:2: [wire] interface 'abcdefghijklmnop' is not a valid interface "
		     "name (1-15 characters, no '/', ':' or spaces)");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[control]\nsocket = run/x.sock\n",
		     "t.conf:4: [control] socket 'run/x.sock' must be an absolute path shorter "
		     "than 108 characters");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[log]\nlevel = loud\n",
		     "t.conf:4: [log] level 'loud' is not one of error, warning, notice, info, "
		     "debug");
	expect_error(VN_ROLE_OBU, "[wire\ninterface = e\n", "t.conf:1: section header without ']'");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\ndead_periods = 11\n",
		     "t.conf:4: [routing] dead_periods 11 is larger than history 10");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nhistory = 7\n",
		     "t.conf:4: [routing] dead_periods 8 is larger than history 7");
	expect_error(VN_ROLE_RSU,
		     "[wire]\ninterface = e\n[routing]\nobu_timeout_periods = 4\nstale_periods = 5\n",
		     "t.conf:5: [routing] stale_periods 5 is larger than obu_timeout_periods 4");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[routing]\nobu_timeout_periods = 40\n",
		     "t.conf:4: [routing] stale_periods 45 is larger than obu_timeout_periods 40");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[routing]\nstale_periods = 0\n",
		     "t.conf:4: [routing] stale_periods 0 is out of range 1..10000");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\njust words\n",
		     "t.conf:3: expected 'key = value' or '[section]'");
	expect_error(VN_ROLE_OBU, "interface = e\n[wire]\ninterface = e\n",
		     "t.conf:1: key 'interface' outside any section");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[tun]\naddress = fd00::1/64\nmtu = 1000\n",
		     "t.conf:5: [tun] mtu 1000 is below 1280, the minimum for an IPv6 address "
		     "(fd00::1)");
}

/* The protocol v2 keys: their limits are accepted, one beyond is refused
 * on its own line, and each belongs to one daemon only. */
#define OBU_FIELD(f) offsetof(struct vn_config, obu.f)

static void accept_obu(const char *key_value, size_t off, uint32_t want)
{
	struct vn_config c;
	char text[256];
	struct errs e;
	uint32_t got;

	snprintf(text, sizeof(text), "[wire]\ninterface = e\n[routing]\n%s\n", key_value);
	assert_int_equal(load(&c, VN_ROLE_OBU, text, &e), 0);
	memcpy(&got, (const char *)&c + off, sizeof(got));
	assert_int_equal(got, want);
}

static void test_v2_obu_keys(void **state)
{
	(void)state;
	accept_obu("heartbeat_period_ms = 0", OBU_FIELD(heartbeat_period_ms), 0);
	accept_obu("heartbeat_period_ms = 1", OBU_FIELD(heartbeat_period_ms), 1);
	accept_obu("heartbeat_period_ms = 60000", OBU_FIELD(heartbeat_period_ms), 60000);
	accept_obu("relay_sparse = 1", OBU_FIELD(relay_sparse), 1);
	accept_obu("relay_sparse = 64", OBU_FIELD(relay_sparse), 64);
	accept_obu("reply_keepalive = 1", OBU_FIELD(reply_keepalive), 1);
	accept_obu("reply_keepalive = 1000", OBU_FIELD(reply_keepalive), 1000);
	accept_obu("scope_hops = 64", OBU_FIELD(scope_hops), 64);
	accept_obu("reply_hold_ms = 1000", OBU_FIELD(reply_hold_ms), 1000);
	accept_obu("dead_periods = 2", OBU_FIELD(dead_periods), 2);
	accept_obu("dead_periods = 10", OBU_FIELD(dead_periods), 10);

	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nheartbeat_period_ms = 60001\n",
		     "t.conf:4: [routing] heartbeat_period_ms 60001 is out of range 0..60000");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nrelay_sparse = 0\n",
		     "t.conf:4: [routing] relay_sparse 0 is out of range 1..64");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nrelay_sparse = 128\n",
		     "t.conf:4: [routing] relay_sparse 128 is out of range 1..64");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n\n[routing]\nrelay_sparse = 12\n",
		     "t.conf:5: [routing] relay_sparse 12 is not a power of two (1..64)");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nreply_keepalive = 0\n",
		     "t.conf:4: [routing] reply_keepalive 0 is out of range 1..1000");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nreply_keepalive = 1001\n",
		     "t.conf:4: [routing] reply_keepalive 1001 is out of range 1..1000");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nscope_hops = 65\n",
		     "t.conf:4: [routing] scope_hops 65 is out of range 0..64");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nreply_hold_ms = 1001\n",
		     "t.conf:4: [routing] reply_hold_ms 1001 is out of range 0..1000");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\ndead_periods = 1\n",
		     "t.conf:4: [routing] dead_periods 1 is out of range 2..1024");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nscope_hops = x\n",
		     "t.conf:4: [routing] scope_hops 'x' is not a number");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[routing]\nrelay_sparse = 16\n",
		     "t.conf:4: unknown key 'relay_sparse' in [routing] (rsud has no such setting)");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[routing]\nreply_hold_ms = 10\n",
		     "t.conf:4: unknown key 'reply_hold_ms' in [routing] (rsud has no such setting)");
}

static void test_v2_rsu_keys(void **state)
{
	struct vn_config c;
	struct errs e;

	(void)state;
	assert_int_equal(load(&c, VN_ROLE_RSU,
			      "[wire]\ninterface = e\n[routing]\nobu_timeout_periods = 2\n"
			      "stale_periods = 1\n",
			      &e),
			 0);
	assert_int_equal(c.rsu.obu_timeout_periods, 2);
	assert_int_equal(c.rsu.stale_periods, 1);
	assert_int_equal(load(&c, VN_ROLE_RSU,
			      "[wire]\ninterface = e\n[routing]\nobu_timeout_periods = 10000\n"
			      "stale_periods = 10000\n",
			      &e),
			 0);
	assert_int_equal(c.rsu.obu_timeout_periods, 10000);
	assert_int_equal(c.rsu.stale_periods, 10000);
	assert_null(rsu_params_check(&c.rsu));
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[routing]\nobu_timeout_periods = 1\n",
		     "t.conf:4: [routing] obu_timeout_periods 1 is out of range 2..10000");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[routing]\nobu_timeout_periods = 10001\n",
		     "t.conf:4: [routing] obu_timeout_periods 10001 is out of range 2..10000");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[routing]\nstale_periods = 10001\n",
		     "t.conf:4: [routing] stale_periods 10001 is out of range 1..10000");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[routing]\nobu_timeout_periods = 65\n",
		     "t.conf:4: unknown key 'obu_timeout_periods' in [routing] (obud has no such setting)");
}

static void test_backbone(void **state)
{
	struct vn_config c;
	struct errs e;

	(void)state;
	assert_int_equal(load(&c, VN_ROLE_RSU, "[wire]\ninterface = e\n", &e), 0);
	assert_false(c.backbone.routes);
	assert_int_equal(c.backbone.table, 254);
	assert_int_equal(c.backbone.protocol, 150);
	assert_int_equal(c.backbone.metric, 100);
	assert_int_equal(load(&c, VN_ROLE_RSU,
			      "[wire]\ninterface = e\n[backbone]\nroutes = on\ntable = 1000\n"
			      "protocol = 5\nmetric = 2\n",
			      &e),
			 0);
	assert_true(c.backbone.routes);
	assert_int_equal(c.backbone.table, 1000);
	assert_int_equal(c.backbone.protocol, 5);
	assert_int_equal(c.backbone.metric, 2);
	assert_int_equal(load(&c, VN_ROLE_RSU, "[wire]\ninterface = e\n[backbone]\nroutes = off\n",
			      &e),
			 0);
	assert_false(c.backbone.routes);
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[backbone]\nroutes = yes\n",
		     "t.conf:4: [backbone] routes 'yes' is neither on nor off");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[backbone]\nprotocol = 4\n",
		     "t.conf:4: [backbone] protocol 4 is out of range 5..255");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[backbone]\nmetric = 1\n",
		     "t.conf:4: [backbone] metric 1 is out of range 2..1000000");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[backbone]\ntable = 0\n",
		     "t.conf:4: [backbone] table 0 is out of range 1..4294967295");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[backbone]\ntable = 255\n",
		     "t.conf:4: [backbone] table 255 is the kernel's local table");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[backbone]\ntable = 253\n",
		     "t.conf:4: [backbone] table 253 is the kernel's default table");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[backbone]\nroutes = on\n",
		     "t.conf:4: unknown key 'routes' in [backbone] (obud has no such setting)");
}

static void test_too_many_addresses(void **state)
{
	char text[2048];
	size_t off;

	(void)state;
	off = (size_t)snprintf(text, sizeof(text), "[wire]\ninterface = e\n[tun]\n");
	for (int i = 0; i < VN_MAX_ADDRS + 1; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "address = 10.0.%d.1/24\n", i);
	expect_error(VN_ROLE_OBU, text, "t.conf:20: [tun] address: at most 16 addresses");
}

static void test_long_line(void **state)
{
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "[wire]\ninterface = e\n; %0300d\n[tun]\nmtu = 1400\n", 0);
	expect_error(VN_ROLE_OBU, text, "t.conf:3: line longer than 198 characters");
}

/* All errors are reported, each with its own line. */
static void test_many_errors(void **state)
{
	struct vn_config c;
	struct errs e;

	(void)state;
	assert_int_equal(load(&c, VN_ROLE_OBU,
			      "[wire]\n"
			      "iface = eth0\n"	       /* 2 */
			      "[tun]\n"
			      "mtu = big\n"	       /* 4 */
			      "[nope]\n"	       /* 5 */
			      "whatever = 1\n"	       /* quietly skipped */
			      "[log]\n"
			      "level = chatty\n",      /* 8 */
			      &e),
			 4);
	assert_string_equal(e.msg[0], "t.conf:2: unknown key 'iface' in [wire]");
	assert_string_equal(e.msg[1], "t.conf:4: [tun] mtu 'big' is not a number");
	assert_string_equal(e.msg[2], "t.conf:5: unknown section [nope]");
	assert_string_equal(e.msg[3], "t.conf:8: [log] level 'chatty' is not one of error, "
				      "warning, notice, info, debug");
}

static void test_file(void **state)
{
	char path[] = "/tmp/vanet-test-config-XXXXXX";
	struct vn_config c;
	struct errs e = { 0 };
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("[wire]\ninterface = eth9\n[routing]\nhistory = 0\n", f);
	fclose(f);
	assert_int_equal(vn_config_load(&c, VN_ROLE_OBU, path, collect, &e), 1);
	assert_non_null(strstr(e.msg[0], ":4: [routing] history 0 is out of range"));
	assert_memory_equal(e.msg[0], path, strlen(path));
	unlink(path);

	memset(&e, 0, sizeof(e));
	assert_int_equal(vn_config_load(&c, VN_ROLE_OBU, path, collect, &e), 1);
	assert_non_null(strstr(e.msg[0], ": cannot open: No such file or directory"));

	/* The shipped examples are valid. */
	memset(&e, 0, sizeof(e));
	assert_int_equal(vn_config_load(&c, VN_ROLE_OBU, VANET_SOURCE_DIR "/conf/obud.conf",
					collect, &e), 0);
	assert_int_equal(vn_config_load(&c, VN_ROLE_RSU, VANET_SOURCE_DIR "/conf/rsud.conf",
					collect, &e), 0);
	assert_int_equal(e.n, 0);
}

/* The parser's defaults are the cores' defaults. */
static void test_defaults_match_cores(void **state)
{
	struct vn_config c;
	struct obu_params op;
	struct rsu_params rp;

	(void)state;
	vn_config_defaults(&c, VN_ROLE_OBU);
	obu_params_default(&op);
	rsu_params_default(&rp);
	assert_int_equal(c.obu.heartbeat_period_ms, op.heartbeat_period_ms);
	assert_int_equal(c.obu.history, op.history);
	assert_int_equal(c.obu.candidates, op.candidates);
	assert_int_equal(c.obu.dead_periods, op.dead_periods);
	assert_int_equal(c.obu.hysteresis_pct, op.hysteresis_pct);
	assert_int_equal(c.obu.max_neighbours, op.max_neighbours);
	assert_int_equal(c.obu.max_rsus, op.max_rsus);
	assert_int_equal(c.obu.max_downstream, op.max_downstream);
	assert_int_equal(c.obu.relay_sparse, op.relay_sparse);
	assert_int_equal(c.obu.reply_keepalive, op.reply_keepalive);
	assert_int_equal(c.obu.scope_hops, op.scope_hops);
	assert_int_equal(c.obu.reply_hold_ms, op.reply_hold_ms);
	assert_int_equal(c.rsu.heartbeat_period_ms, rp.heartbeat_period_ms);
	assert_int_equal(c.rsu.jitter_pct, rp.jitter_pct);
	assert_int_equal(c.rsu.history, rp.history);
	assert_int_equal(c.rsu.rtt_hysteresis_ms, rp.rtt_hysteresis_ms);
	assert_int_equal(c.rsu.max_obus, rp.max_obus);
	assert_int_equal(c.rsu.max_ips, rp.max_ips);
	assert_int_equal(c.rsu.ip_expiry_ms, rp.ip_expiry_ms);
	assert_int_equal(c.rsu.stale_periods, rp.stale_periods);
	assert_int_equal(c.rsu.obu_timeout_periods, rp.obu_timeout_periods);
	assert_null(obu_params_check(&c.obu));
	assert_null(rsu_params_check(&c.rsu));
}

/* A key the file leaves out keeps the core's default; one it sets wins. */
static void test_file_over_core_defaults(void **state)
{
	struct vn_config c;
	struct rsu_params rp;
	struct errs e = { 0 };

	(void)state;
	rsu_params_default(&rp);
	assert_int_equal(vn_config_load_string(&c, VN_ROLE_RSU, "t.conf",
					       "[wire]\ninterface = eth9\n[routing]\nhistory = 12\n",
					       collect, &e),
			 0);
	assert_int_equal(c.rsu.history, 12);
	assert_int_equal(c.rsu.stale_periods, rp.stale_periods);
	assert_int_equal(c.rsu.max_obus, rp.max_obus);
	assert_string_equal(c.interface, "eth9");
}

/* [security]: the keys, what a secured mode needs, encrypt's tun mtu. */
static void test_security(void **state)
{
	struct vn_config c;
	struct errs e;

	(void)state;
	assert_int_equal(load(&c, VN_ROLE_OBU, "[wire]\ninterface = e\n", &e), 0);
	assert_int_equal(c.sec.mode, VN_SEC_OFF);
	assert_int_equal(c.tun_mtu, VN_TUN_MTU_DEFAULT);
	assert_int_equal(load(&c, VN_ROLE_OBU,
			      "[wire]\ninterface = e\n[security]\nmode = authenticate\n"
			      "network_key = /k/net\nrsu_keys = /k/rsus\n",
			      &e),
			 0);
	assert_int_equal(c.sec.mode, VN_SEC_AUTHENTICATE);
	assert_string_equal(c.sec.network_key, "/k/net");
	assert_string_equal(c.sec.rsu_keys, "/k/rsus");
	assert_int_equal(c.tun_mtu, VN_TUN_MTU_SECURED_DEFAULT); /* 30 bytes of security */
	assert_int_equal(load(&c, VN_ROLE_RSU,
			      "[wire]\ninterface = e\n[tun]\nmtu = 1400\n[security]\n"
			      "mode = authenticate\nnetwork_key = /k/net\nsigning_key = /k/rsu\n"
			      "state_dir = /s\nmax_hops = 8\n",
			      &e),
			 0);
	assert_int_equal(c.tun_mtu, 1400); /* set: kept */
	assert_string_equal(c.sec.state_dir, "/s");
	assert_int_equal(c.sec.max_hops, 8);
	assert_int_equal(load(&c, VN_ROLE_RSU, "[wire]\ninterface = e\n", &e), 0);
	assert_string_equal(c.sec.state_dir, "/var/lib/vanet");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[security]\nmode = strong\n",
		     "t.conf:4: [security] mode 'strong' is not one of off, authenticate, encrypt");
	assert_int_equal(load(&c, VN_ROLE_OBU,
			      "[wire]\ninterface = e\n[security]\nmode = encrypt\n"
			      "network_key = /k/net\nrsu_keys = /k/rsus\n",
			      &e),
			 0);
	assert_int_equal(c.sec.mode, VN_SEC_ENCRYPT);
	assert_int_equal(c.tun_mtu, VN_TUN_MTU_ENCRYPT_DEFAULT); /* 94 bytes of security */
	assert_int_equal(VN_TUN_MTU_ENCRYPT_DEFAULT + VN_DOWN_HLEN + 94, 1500);
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[security]\nmode = encrypt\nrsu_keys = /r\n",
		     "t.conf:4: [security] mode encrypt needs network_key (make one with "
		     "'vanet-keygen network FILE')");
	expect_error(VN_ROLE_OBU,
		     "[wire]\ninterface = e\n[security]\nmode = authenticate\nrsu_keys = /r\n",
		     "t.conf:4: [security] mode authenticate needs network_key (make one with "
		     "'vanet-keygen network FILE')");
	expect_error(VN_ROLE_OBU,
		     "[wire]\ninterface = e\n[security]\nmode = authenticate\nnetwork_key = /n\n",
		     "t.conf:4: [security] mode authenticate needs rsu_keys (the RSUs' FILE.pub lines)");
	expect_error(VN_ROLE_RSU,
		     "[wire]\ninterface = e\n[security]\nmode = authenticate\nnetwork_key = /n\n",
		     "t.conf:4: [security] mode authenticate needs signing_key (make one with "
		     "'vanet-keygen rsu FILE')");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[security]\nnetwork_key = k\n",
		     "t.conf:4: [security] network_key 'k' must be an absolute path");
	expect_error(VN_ROLE_OBU, "[wire]\ninterface = e\n[security]\nsigning_key = /k\n",
		     "t.conf:4: unknown key 'signing_key' in [security] (obud has no such setting)");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[security]\nrsu_keys = /k\n",
		     "t.conf:4: unknown key 'rsu_keys' in [security] (rsud has no such setting)");
	expect_error(VN_ROLE_RSU, "[wire]\ninterface = e\n[security]\nmax_hops = 65\n",
		     "t.conf:4: [security] max_hops 65 is out of range 1..64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full_obu),
		cmocka_unit_test(test_full_rsu),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_security),
		cmocka_unit_test(test_v2_obu_keys),
		cmocka_unit_test(test_v2_rsu_keys),
		cmocka_unit_test(test_backbone),
		cmocka_unit_test(test_too_many_addresses),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_defaults_match_cores),
		cmocka_unit_test(test_file_over_core_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
