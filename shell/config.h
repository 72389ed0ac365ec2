/* The daemons' configuration file (INI, parsed with inih). One parser for
 * obud and rsud; the role decides which keys exist. Pure apart from reading
 * the file: no libev, no libnl (the config fuzzer links only this, inih
 * and vanet_proto). */
#ifndef VN_CONFIG_H
#define VN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core_io.h"
#include "ip.h"
#include "wire.h"
#include "obu_params.h"
#include "rsu_params.h"

enum vn_role { VN_ROLE_OBU, VN_ROLE_RSU };

#define VN_IFNAME_MAX 16     /* IFNAMSIZ, NUL included */
#define VN_CTL_PATH_MAX 108  /* sizeof(sun_path), NUL included */
#define VN_MAX_ADDRS 16	     /* obu_core_set_addresses takes at most 16 */
#define VN_TUN_MTU_MIN 68
#define VN_TUN_MTU_MAX (VN_PBUF_DATA_MAX - VN_MAX_HLEN)
#define VN_TUN_MTU_DEFAULT 1472
/* Secured frames carry 30 bytes more (a 14-byte header shift and the
 * 16-byte tag, common/sec.h): the default shrinks so that they still fit a
 * 1500-byte wire. */
#define VN_TUN_MTU_SECURED_DEFAULT 1442
/* mode = encrypt: 64 more (the largest sealed-packet header, Upstream's 48,
 * and the 16-byte AEAD tag; VN_E2E_OVERHEAD in common/sec.h). */
#define VN_TUN_MTU_ENCRYPT_DEFAULT 1378
#define VN_IPV6_MIN_MTU 1280

/* [security] mode (docs/security.md). */
enum vn_sec_mode { VN_SEC_OFF, VN_SEC_AUTHENTICATE, VN_SEC_ENCRYPT };
#define VN_PATH_MAX 4096

struct vn_security {
	enum vn_sec_mode mode;		    /* [security] mode */
	char network_key[VN_PATH_MAX];	    /* [security] network_key */
	char signing_key[VN_PATH_MAX];	    /* [security] signing_key (rsud) */
	char rsu_keys[VN_PATH_MAX];	    /* [security] rsu_keys (obud) */
	char state_dir[VN_PATH_MAX];	    /* [security] state_dir (rsud) */
	uint32_t max_hops;		    /* [security] max_hops (rsud) */
};

/* [backbone], rsud: host routes for the routing daemon (shell/hostroute.h). */
#define VN_BACKBONE_PROTOCOL_DEFAULT 150 /* not in iproute2's rt_protos */
#define VN_BACKBONE_METRIC_DEFAULT 100
struct vn_backbone {
	bool routes;	   /* routes = on | off (off) */
	uint32_t table;	   /* routing table (254, main) */
	uint32_t protocol; /* route protocol number, 1..255 (150) */
	uint32_t metric;   /* a settled route's metric; a fresh one's is metric - 1 (100) */
};

struct vn_config {
	enum vn_role role;
	char interface[VN_IFNAME_MAX];	    /* [wire] interface */
	char tun_name[VN_IFNAME_MAX];	    /* [tun] name */
	struct vn_ip_prefix addrs[VN_MAX_ADDRS]; /* [tun] address */
	size_t n_addrs;
	uint32_t tun_mtu;		    /* [tun] mtu */
	bool wire_ring;			    /* [wire] ring: auto (true) or off (default) */
	bool tun_offload;		    /* [tun] offload: auto (true) or off */
	char ctl_path[VN_CTL_PATH_MAX];	    /* [control] socket */
	enum vn_log_level log_level;	    /* [log] level */
	struct obu_params obu;		    /* [routing], role OBU */
	struct rsu_params rsu;		    /* [routing], role RSU */
	struct vn_security sec;		    /* [security] */
	struct vn_backbone backbone;	    /* [backbone], role RSU */
};

/* Called once per error with "FILE:LINE: message" (or "FILE: message"). */
typedef void (*vn_config_err_fn)(void *ctx, const char *msg);

/* Defaults for the role (no interface: it is required); the routing
 * parameters are the cores' *_params_default(). */
void vn_config_defaults(struct vn_config *c, enum vn_role role);

/* Reads `path` into *c. Every problem is reported through err; returns the
 * number of errors (0: *c is complete and valid; otherwise *c is
 * unspecified). Unknown sections and keys, bad values, out-of-range numbers,
 * repeated keys and missing required keys are all errors. */
int vn_config_load(struct vn_config *c, enum vn_role role, const char *path,
		   vn_config_err_fn err, void *ctx);
/* The same from a string (tests, fuzzer); `name` stands for the file name. */
int vn_config_load_string(struct vn_config *c, enum vn_role role, const char *name,
			  const char *text, vn_config_err_fn err, void *ctx);

/* The default configuration path and daemon name for a role. */
const char *vn_role_default_config(enum vn_role role);
const char *vn_role_default_socket(enum vn_role role);
const char *vn_role_name(enum vn_role role);

const char *vn_sec_mode_name(enum vn_sec_mode m);

bool vn_ip_prefix_eq(const struct vn_ip_prefix *a, const struct vn_ip_prefix *b);

#endif
