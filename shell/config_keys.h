/* The keys of the daemons' INI files, one table (private to config.c and
 * config_keys.c): each key's section, roles, type, range and place in
 * struct vn_config. docs/configuration.md documents every one. */
#ifndef VN_CONFIG_KEYS_H
#define VN_CONFIG_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* K_POW2: a K_U32 that must also be a power of two. */
/* K_FILE: an absolute path of any length up to VN_PATH_MAX (K_PATH is a
 * socket path, bound by sun_path). K_ONOFF: "on" or "off", K_AUTO_OFF:
 * "auto" or "off", into a bool. */
enum key_type { K_IFNAME, K_PREFIX, K_U32, K_POW2, K_PATH, K_LEVEL, K_MODE, K_FILE, K_ONOFF,
		K_AUTO_OFF };

#define R_OBU (1u << VN_ROLE_OBU)
#define R_RSU (1u << VN_ROLE_RSU)
#define R_ALL (R_OBU | R_RSU)

struct key {
	const char *section;
	const char *name;
	unsigned roles;
	enum key_type type;
	uint32_t min, max;
	size_t off; /* where the value goes in struct vn_config */
	bool required;
	bool repeat; /* may appear several times (tun addresses) */
};

/* A constant so that the parser can size its per-key state; checked
 * against the table at compile time. */
#define NKEYS 39

extern const struct key vn_config_keys[];
/* by enum vn_sec_mode / enum vn_log_level */
extern const char *const vn_config_mode_names[VN_SEC_ENCRYPT + 1];
extern const char *const vn_config_level_names[VN_LOG_DEBUG + 1];

bool vn_config_section_known(const char *s);
#endif
