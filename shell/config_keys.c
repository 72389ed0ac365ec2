/* The table of the INI keys (config_keys.h), the names of their enumerated
 * values, and the defaults a file starts from. The parser is config.c. */
#include "config_keys.h"

#include <string.h>

/* --- The keys ------------------------------------------------------------ */

#define CF(field) offsetof(struct vn_config, field)

/* Ranges keep values sane (no zero periods, no tables of 2^32 entries);
 * the cores' own *_params_check has the last word at start-up. */
const struct key vn_config_keys[] = {
	{ "wire", "interface", R_ALL, K_IFNAME, 0, 0, CF(interface), true, false },
	{ "wire", "ring", R_ALL, K_AUTO_OFF, 0, 0, CF(wire_ring), false, false },
	{ "tun", "name", R_ALL, K_IFNAME, 0, 0, CF(tun_name), false, false },
	{ "tun", "address", R_ALL, K_PREFIX, 0, 0, CF(addrs), false, true },
	{ "tun", "mtu", R_ALL, K_U32, VN_TUN_MTU_MIN, VN_TUN_MTU_MAX, CF(tun_mtu), false, false },
	{ "tun", "offload", R_ALL, K_AUTO_OFF, 0, 0, CF(tun_offload), false, false },
	{ "control", "socket", R_ALL, K_PATH, 0, 0, CF(ctl_path), false, false },
	{ "log", "level", R_ALL, K_LEVEL, 0, 0, CF(log_level), false, false },
	/* obud */
	{ "routing", "heartbeat_period_ms", R_OBU, K_U32, 0, 60000, CF(obu.heartbeat_period_ms), false, false },
	{ "routing", "history", R_OBU, K_U32, 2, 1024, CF(obu.history), false, false },
	{ "routing", "candidates", R_OBU, K_U32, 1, 16, CF(obu.candidates), false, false },
	{ "routing", "dead_periods", R_OBU, K_U32, 2, 1024, CF(obu.dead_periods), false, false },
	{ "routing", "hysteresis_pct", R_OBU, K_U32, 0, 100, CF(obu.hysteresis_pct), false, false },
	{ "routing", "max_neighbours", R_OBU, K_U32, 2, 65536, CF(obu.max_neighbours), false, false },
	{ "routing", "max_rsus", R_OBU, K_U32, 1, 256, CF(obu.max_rsus), false, false },
	{ "routing", "max_downstream", R_OBU, K_U32, 1, 1048576, CF(obu.max_downstream), false, false },
	{ "routing", "relay_sparse", R_OBU, K_POW2, 1, 64, CF(obu.relay_sparse), false, false },
	{ "routing", "reply_keepalive", R_OBU, K_U32, 1, 1000, CF(obu.reply_keepalive), false, false },
	{ "routing", "scope_hops", R_OBU, K_U32, 0, 64, CF(obu.scope_hops), false, false },
	{ "routing", "reply_hold_ms", R_OBU, K_U32, 0, 1000, CF(obu.reply_hold_ms), false, false },
	/* rsud */
	{ "routing", "heartbeat_period_ms", R_RSU, K_U32, 10, 60000, CF(rsu.heartbeat_period_ms), false, false },
	{ "routing", "jitter_pct", R_RSU, K_U32, 0, 50, CF(rsu.jitter_pct), false, false },
	{ "routing", "history", R_RSU, K_U32, 2, 1024, CF(rsu.history), false, false },
	{ "routing", "rtt_hysteresis_ms", R_RSU, K_U32, 0, 10000, CF(rsu.rtt_hysteresis_ms), false, false },
	{ "routing", "max_obus", R_RSU, K_U32, 1, 1048576, CF(rsu.max_obus), false, false },
	{ "routing", "max_ips", R_RSU, K_U32, 1, 4194304, CF(rsu.max_ips), false, false },
	{ "routing", "ip_expiry_ms", R_RSU, K_U32, 1000, 86400000, CF(rsu.ip_expiry_ms), false, false },
	{ "routing", "stale_periods", R_RSU, K_U32, 1, 10000, CF(rsu.stale_periods), false, false },
	{ "routing", "obu_timeout_periods", R_RSU, K_U32, 2, 10000, CF(rsu.obu_timeout_periods), false, false },
	/* both: security (docs/security.md) */
	{ "security", "mode", R_ALL, K_MODE, 0, 0, CF(sec.mode), false, false },
	{ "security", "network_key", R_ALL, K_FILE, 0, 0, CF(sec.network_key), false, false },
	{ "security", "signing_key", R_RSU, K_FILE, 0, 0, CF(sec.signing_key), false, false },
	{ "security", "state_dir", R_RSU, K_FILE, 0, 0, CF(sec.state_dir), false, false },
	{ "security", "max_hops", R_RSU, K_U32, 1, 64, CF(sec.max_hops), false, false },
	{ "security", "rsu_keys", R_OBU, K_FILE, 0, 0, CF(sec.rsu_keys), false, false },
	{ "backbone", "routes", R_RSU, K_ONOFF, 0, 0, CF(backbone.routes), false, false },
	/* 0 and 253-255 (unspec, default, main, local) are the kernel's own;
	 * main (254) is the default and may be given */
	{ "backbone", "table", R_RSU, K_U32, 1, UINT32_MAX, CF(backbone.table), false, false },
	/* 0-4: unspec, redirect, kernel, boot, static -- never ours */
	{ "backbone", "protocol", R_RSU, K_U32, 5, 255, CF(backbone.protocol), false, false },
	{ "backbone", "metric", R_RSU, K_U32, 2, 1000000, CF(backbone.metric), false, false },
};

_Static_assert(sizeof(vn_config_keys) / sizeof(vn_config_keys[0]) == NKEYS, "NKEYS is the table's size");

static const char *const sections[] = { "wire", "tun", "routing", "control", "log", "security", "backbone" };

const char *const vn_config_mode_names[VN_SEC_ENCRYPT + 1] = {
	[VN_SEC_OFF] = "off", [VN_SEC_AUTHENTICATE] = "authenticate", [VN_SEC_ENCRYPT] = "encrypt",
};

const char *vn_sec_mode_name(enum vn_sec_mode m)
{
	return (unsigned)m <= VN_SEC_ENCRYPT ? vn_config_mode_names[m] : "?";
}

const char *const vn_config_level_names[VN_LOG_DEBUG + 1] = {
	[VN_LOG_ERR] = "error",	  [VN_LOG_WARN] = "warning", [VN_LOG_NOTICE] = "notice",
	[VN_LOG_INFO] = "info",	  [VN_LOG_DEBUG] = "debug",
};

bool vn_config_section_known(const char *s)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(s, sections[i]) == 0)
			return true;
	return false;
}

/* --- Defaults ------------------------------------------------------------ */

/* The routing parameters are the cores' own defaults: one source. */
void vn_config_defaults(struct vn_config *c, enum vn_role role)
{
	memset(c, 0, sizeof(*c));
	c->role = role;
	strcpy(c->tun_name, "tun0");
	c->tun_mtu = VN_TUN_MTU_DEFAULT;
	c->tun_offload = true;
	c->wire_ring = false; /* measured: costs the 1-hop rows on veth (performance.md) */
	strcpy(c->ctl_path, vn_role_default_socket(role));
	c->log_level = VN_LOG_INFO;
	obu_params_default(&c->obu);
	rsu_params_default(&c->rsu);
	c->sec.mode = VN_SEC_OFF;
	strcpy(c->sec.state_dir, "/var/lib/vanet");
	c->sec.max_hops = 32;
	c->backbone.table = 254;
	c->backbone.protocol = VN_BACKBONE_PROTOCOL_DEFAULT;
	c->backbone.metric = VN_BACKBONE_METRIC_DEFAULT;
}

const char *vn_role_default_config(enum vn_role role)
{
	return role == VN_ROLE_OBU ? "/etc/vanet/obud.conf" : "/etc/vanet/rsud.conf";
}

const char *vn_role_default_socket(enum vn_role role)
{
	return role == VN_ROLE_OBU ? "/run/vanet/obud.sock" : "/run/vanet/rsud.sock";
}

const char *vn_role_name(enum vn_role role)
{
	return role == VN_ROLE_OBU ? "obud" : "rsud";
}

bool vn_ip_prefix_eq(const struct vn_ip_prefix *a, const struct vn_ip_prefix *b)
{
	return a->len == b->len && vn_ip_eq(&a->addr, &b->addr);
}
