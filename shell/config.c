#include "config.h"
#include "config_keys.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* --- Parser state -------------------------------------------------------- */

struct parse {
	struct vn_config *c;
	enum vn_role role;
	const char *file;
	unsigned line;
	int errors;
	vn_config_err_fn err;
	void *ctx;
	unsigned first_line[NKEYS]; /* 0: not seen yet */
	bool in_unknown_section;    /* already reported: skip its keys quietly */
	/* the input: a FILE or a string */
	FILE *f;
	const char *s;
};

__attribute__((format(printf, 2, 3))) static void perr(struct parse *p, const char *fmt, ...)
{
	char msg[256], line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->line > 0)
		snprintf(line, sizeof(line), "%s:%u: %s", p->file, p->line, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", p->file, msg);
	p->errors++;
	if (p->err != NULL)
		p->err(p->ctx, line);
}

/* Keeps a value printable in a message, and short. */
static const char *shown(const char *v, char buf[48])
{
	size_t i;

	for (i = 0; v[i] != '\0' && i < 40; i++)
		buf[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	if (v[i] != '\0' && i >= 3)
		memcpy(buf + i - 3, "...", 3);
	buf[i] = '\0';
	return buf;
}

/* --- Values -------------------------------------------------------------- */

static bool ifname_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= VN_IFNAME_MAX || strcmp(v, ".") == 0 || strcmp(v, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == '/' || ch == ':' || ch <= 0x20 || ch >= 0x7f)
			return false;
	}
	return true;
}

static int parse_u32(const char *v, uint32_t *out)
{
	unsigned long long x;
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || x > UINT32_MAX)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static void set_prefix(struct parse *p, const char *v)
{
	struct vn_config *c = p->c;
	struct vn_ip_prefix pfx;
	char b[48];

	if (strchr(v, '/') == NULL) {
		perr(p, "[tun] address '%s' needs a prefix length (e.g. 10.10.0.2/24)", shown(v, b));
		return;
	}
	if (vn_ip_prefix_parse(v, &pfx) != 0) {
		perr(p, "[tun] address '%s' is not an IPv4 or IPv6 address with prefix length",
		     shown(v, b));
		return;
	}
	for (size_t i = 0; i < c->n_addrs; i++) {
		if (vn_ip_prefix_eq(&c->addrs[i], &pfx)) {
			perr(p, "[tun] address '%s' is given twice", shown(v, b));
			return;
		}
	}
	if (c->n_addrs >= VN_MAX_ADDRS) {
		perr(p, "[tun] address: at most %d addresses", VN_MAX_ADDRS);
		return;
	}
	c->addrs[c->n_addrs++] = pfx;
}

static void set_value(struct parse *p, const struct key *k, const char *v)
{
	char *dst = (char *)p->c + k->off;
	char b[48];
	uint32_t u;

	switch (k->type) {
	case K_IFNAME:
		if (!ifname_ok(v)) {
			perr(p, "[%s] %s '%s' is not a valid interface name (1-15 characters, "
				"no '/', ':' or spaces)", k->section, k->name, shown(v, b));
			return;
		}
		strcpy(dst, v);
		return;
	case K_PREFIX:
		set_prefix(p, v);
		return;
	case K_U32:
	case K_POW2:
		if (parse_u32(v, &u) != 0) {
			perr(p, "[%s] %s '%s' is not a number", k->section, k->name, shown(v, b));
			return;
		}
		if (u < k->min || u > k->max) {
			perr(p, "[%s] %s %u is out of range %u..%u", k->section, k->name, u,
			     k->min, k->max);
			return;
		}
		if (k->type == K_POW2 && (u & (u - 1)) != 0) {
			perr(p, "[%s] %s %u is not a power of two (%u..%u)", k->section,
			     k->name, u, k->min, k->max);
			return;
		}
		memcpy(dst, &u, sizeof(u));
		return;
	case K_PATH:
		if (v[0] != '/' || strlen(v) >= VN_CTL_PATH_MAX) {
			perr(p, "[%s] %s '%s' must be an absolute path shorter than %d characters",
			     k->section, k->name, shown(v, b), VN_CTL_PATH_MAX);
			return;
		}
		strcpy(dst, v);
		return;
	case K_FILE:
		if (v[0] != '/' || strlen(v) >= VN_PATH_MAX) {
			perr(p, "[%s] %s '%s' must be an absolute path", k->section, k->name,
			     shown(v, b));
			return;
		}
		strcpy(dst, v);
		return;
	case K_MODE: {
		enum vn_sec_mode m;

		for (m = VN_SEC_OFF; m <= VN_SEC_ENCRYPT; m++)
			if (strcmp(v, vn_config_mode_names[m]) == 0)
				break;
		if (m > VN_SEC_ENCRYPT) {
			perr(p, "[security] mode '%s' is not one of off, authenticate, encrypt",
			     shown(v, b));
			return;
		}
		memcpy(dst, &m, sizeof(m));
		return;
	}
	case K_LEVEL: {
		enum vn_log_level lv;

		for (lv = VN_LOG_ERR; lv <= VN_LOG_DEBUG; lv++)
			if (strcmp(v, vn_config_level_names[lv]) == 0)
				break;
		if (lv > VN_LOG_DEBUG) {
			perr(p, "[%s] %s '%s' is not one of error, warning, notice, info, debug",
			     k->section, k->name, shown(v, b));
			return;
		}
		memcpy(dst, &lv, sizeof(lv));
		return;
	}
	case K_ONOFF:
	case K_AUTO_OFF: {
		const char *yes = k->type == K_ONOFF ? "on" : "auto";
		bool on = strcmp(v, yes) == 0;

		if (!on && strcmp(v, "off") != 0) {
			perr(p, "[%s] %s '%s' is neither %s nor off", k->section, k->name,
			     shown(v, b), yes);
			return;
		}
		memcpy(dst, &on, sizeof(on));
		return;
	}
	}
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	bool other_role = false;
	char b[48];

	if (p->in_unknown_section)
		return 1;
	if (section[0] == '\0') {
		perr(p, "key '%s' outside any section", shown(name, b));
		return 1;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &vn_config_keys[i];

		if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0)
			continue;
		if (!(k->roles & (1u << p->role))) {
			other_role = true;
			continue;
		}
		if (p->first_line[i] != 0 && !k->repeat) {
			perr(p, "[%s] %s given twice (first on line %u)", section, name,
			     p->first_line[i]);
			return 1;
		}
		if (p->first_line[i] == 0)
			p->first_line[i] = p->line;
		set_value(p, k, value);
		return 1;
	}
	if (other_role)
		perr(p, "unknown key '%s' in [%s] (%s has no such setting)", shown(name, b),
		     section, vn_role_name(p->role));
	else
		perr(p, "unknown key '%s' in [%s]", shown(name, b), section);
	/* Always go on: we report every error, not only the first. */
	return 1;
}

/* --- Input: line counting and syntax checks ------------------------------ */

/* Checks one line before inih sees it (inih reports only the first syntax
 * error, without saying what is wrong). Leading blanks are removed, which
 * also keeps inih from taking an indented line as a continuation. A bad line
 * is reported here and handed on empty. */
static void check_line(struct parse *p, char *str)
{
	size_t lead = strspn(str, " \t\r");
	char *s;

	if (lead > 0)
		memmove(str, str + lead, strlen(str + lead) + 1);
	s = str;
	if (s[0] == '\0' || s[0] == '\n' || s[0] == ';' || s[0] == '#')
		return;
	if (s[0] == '[') {
		char *end = strchr(s, ']');
		char name[64], b[48];
		size_t n;

		if (end == NULL) {
			perr(p, "section header without ']'");
			/* Its keys would only add confusing errors. */
			p->in_unknown_section = true;
			str[0] = '\0';
			return;
		}
		n = (size_t)(end - s - 1);
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, s + 1, n);
		name[n] = '\0';
		p->in_unknown_section = !vn_config_section_known(name);
		if (p->in_unknown_section)
			perr(p, "unknown section [%s]", shown(name, b));
		return;
	}
	if (strpbrk(s, "=:") == NULL) {
		perr(p, "expected 'key = value' or '[section]'");
		str[0] = '\0';
	}
}

/* Finishes a line longer than inih's buffer: it is an error, not two lines. */
static void skip_rest(struct parse *p)
{
	int ch;

	if (p->f != NULL) {
		while ((ch = fgetc(p->f)) != EOF && ch != '\n')
			;
		return;
	}
	while (*p->s != '\0' && *p->s++ != '\n')
		;
}

static char *read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0, cap = (size_t)num;

	if (p->f != NULL) {
		if (fgets(str, num, p->f) == NULL)
			return NULL;
		n = strlen(str);
	} else {
		if (*p->s == '\0')
			return NULL;
		while (n + 1 < cap && p->s[n] != '\0' && p->s[n] != '\n')
			n++;
		if (n + 1 < cap && p->s[n] == '\n')
			n++;
		memcpy(str, p->s, n);
		str[n] = '\0';
		p->s += n;
	}
	p->line++;
	if (n > 0 && str[n - 1] != '\n' && n + 1 >= cap &&
	    (p->f != NULL ? !feof(p->f) : *p->s != '\0')) {
		perr(p, "line longer than %d characters", num - 2);
		skip_rest(p);
		str[0] = '\0';
		return str;
	}
	check_line(p, str);
	return str;
}

/* --- Whole-file checks ---------------------------------------------------- */

static unsigned key_line(const struct parse *p, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(vn_config_keys[i].name, name) == 0 && (vn_config_keys[i].roles & (1u << p->role)) &&
		    p->first_line[i] != 0)
			return p->first_line[i];
	return 0;
}

/* "x must not exceed limit" (another key), reported on the line of x, or
 * else of the limit's key. */
static void check_le(struct parse *p, const char *name, uint32_t v, const char *limit_name,
		     uint32_t limit)
{
	if (v <= limit)
		return;
	p->line = key_line(p, name);
	if (p->line == 0)
		p->line = key_line(p, limit_name);
	perr(p, "[routing] %s %u is larger than %s %u", name, v, limit_name, limit);
}

/* A secured mode needs its key files. */
static void check_security(struct parse *p)
{
	struct vn_security *s = &p->c->sec;

	if (s->mode == VN_SEC_OFF)
		return;
	if (key_line(p, "mtu") == 0)
		p->c->tun_mtu = s->mode == VN_SEC_ENCRYPT ? VN_TUN_MTU_ENCRYPT_DEFAULT
							  : VN_TUN_MTU_SECURED_DEFAULT;
	p->line = key_line(p, "mode");
	if (s->network_key[0] == '\0')
		perr(p, "[security] mode %s needs network_key (make one with "
			"'vanet-keygen network FILE')", vn_sec_mode_name(s->mode));
	if (p->role == VN_ROLE_RSU && s->signing_key[0] == '\0')
		perr(p, "[security] mode %s needs signing_key (make one with "
			"'vanet-keygen rsu FILE')", vn_sec_mode_name(s->mode));
	if (p->role == VN_ROLE_OBU && s->rsu_keys[0] == '\0')
		perr(p, "[security] mode %s needs rsu_keys (the RSUs' FILE.pub lines)",
		     vn_sec_mode_name(s->mode));
}

static void check_complete(struct parse *p)
{
	struct vn_config *c = p->c;
	char b[VN_IP_STRLEN];

	if (p->role == VN_ROLE_OBU)
		check_le(p, "dead_periods", c->obu.dead_periods, "history", c->obu.history);
	else
		check_le(p, "stale_periods", c->rsu.stale_periods, "obu_timeout_periods",
			 c->rsu.obu_timeout_periods);
	if (p->role == VN_ROLE_RSU && (c->backbone.table == 253 || c->backbone.table == 255)) {
		p->line = key_line(p, "table");
		perr(p, "[backbone] table %u is the kernel's %s table", c->backbone.table,
		     c->backbone.table == 253 ? "default" : "local");
	}

	check_security(p);
	p->line = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		if (vn_config_keys[i].required && (vn_config_keys[i].roles & (1u << p->role)) &&
		    p->first_line[i] == 0)
			perr(p, "[%s] %s is required", vn_config_keys[i].section, vn_config_keys[i].name);
	}
	for (size_t i = 0; i < c->n_addrs; i++) {
		if (c->addrs[i].addr.family == 6 && c->tun_mtu < VN_IPV6_MIN_MTU) {
			p->line = key_line(p, "mtu");
			perr(p, "[tun] mtu %u is below %u, the minimum for an IPv6 address (%s)",
			     c->tun_mtu, VN_IPV6_MIN_MTU, vn_ip_format(&c->addrs[i].addr, b));
			break;
		}
	}
}

static int run(struct parse *p)
{
	int rc = ini_parse_stream(read_line, p, on_key, p);

	if (rc == -2) {
		p->line = 0;
		perr(p, "out of memory");
	} else if (rc > 0 && p->errors == 0) {
		/* inih saw something our own checks let through. */
		p->line = (unsigned)rc;
		perr(p, "syntax error");
	}
	if (p->errors == 0)
		check_complete(p);
	return p->errors;
}

static void init_parse(struct parse *p, struct vn_config *c, enum vn_role role,
		       const char *file, vn_config_err_fn err, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->c = c;
	p->role = role;
	p->file = file;
	p->err = err;
	p->ctx = ctx;
	vn_config_defaults(c, role);
}

int vn_config_load(struct vn_config *c, enum vn_role role, const char *path,
		   vn_config_err_fn err, void *ctx)
{
	struct parse p;
	int n;

	init_parse(&p, c, role, path, err, ctx);
	p.f = fopen(path, "re");
	if (p.f == NULL) {
		perr(&p, "cannot open: %s", strerror(errno));
		return p.errors;
	}
	n = run(&p);
	if (ferror(p.f)) {
		p.line = 0;
		perr(&p, "read error");
		n = p.errors;
	}
	fclose(p.f);
	return n;
}

int vn_config_load_string(struct vn_config *c, enum vn_role role, const char *name,
			  const char *text, vn_config_err_fn err, void *ctx)
{
	struct parse p;

	init_parse(&p, c, role, name, err, ctx);
	p.s = text;
	return run(&p);
}
