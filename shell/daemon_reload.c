/* SIGHUP: the configuration read again and applied atomically -- all of
 * it or, on any error, none (the running configuration stays, and the
 * error is logged with file:line). Keys that need a restart keep their
 * running value, with a warning. */
#include "daemon_priv.h"

#include <string.h>

#include "log.h"

static void log_config_error(void *ctx, const char *msg)
{
	(void)ctx;
	vn_err("%s", msg);
}

static bool has_prefix(const struct vn_config *c, const struct vn_ip_prefix *p)
{
	for (size_t i = 0; i < c->n_addrs; i++)
		if (vn_ip_prefix_eq(&c->addrs[i], p))
			return true;
	return false;
}

/* Keys that only take effect at start: keep the running value. */
static void keep_restart_keys(const struct daemon *d, struct vn_config *n)
{
	if (strcmp(n->interface, d->cfg.interface) != 0) {
		vn_warn("reload: [wire] interface changed to %s: needs a restart, keeping %s",
			n->interface, d->cfg.interface);
		strcpy(n->interface, d->cfg.interface);
	}
	if (strcmp(n->tun_name, d->cfg.tun_name) != 0) {
		vn_warn("reload: [tun] name changed to %s: needs a restart, keeping %s",
			n->tun_name, d->cfg.tun_name);
		strcpy(n->tun_name, d->cfg.tun_name);
	}
	if (n->wire_ring != d->cfg.wire_ring) {
		vn_warn("reload: [wire] ring changed: needs a restart, keeping %s",
			d->cfg.wire_ring ? "auto" : "off");
		n->wire_ring = d->cfg.wire_ring;
	}
	if (n->tun_offload != d->cfg.tun_offload) {
		vn_warn("reload: [tun] offload changed: needs a restart, keeping %s",
			d->cfg.tun_offload ? "auto" : "off");
		n->tun_offload = d->cfg.tun_offload;
	}
	if (strcmp(n->ctl_path, d->cfg.ctl_path) != 0) {
		vn_warn("reload: [control] socket changed to %s: needs a restart, keeping %s",
			n->ctl_path, d->cfg.ctl_path);
		strcpy(n->ctl_path, d->cfg.ctl_path);
	}
	if (n->sec.mode != d->cfg.sec.mode) {
		vn_warn("reload: [security] mode changed to %s: needs a restart, keeping %s",
			vn_sec_mode_name(n->sec.mode), vn_sec_mode_name(d->cfg.sec.mode));
		n->sec.mode = d->cfg.sec.mode;
	}
	if (strcmp(n->sec.state_dir, d->cfg.sec.state_dir) != 0) {
		vn_warn("reload: [security] state_dir changed: needs a restart, keeping %s",
			d->cfg.sec.state_dir);
		strcpy(n->sec.state_dir, d->cfg.sec.state_dir);
	}
}

static void apply_addresses(struct daemon *d, const struct vn_config *n)
{
	struct vn_error e;

	for (size_t i = 0; i < d->cfg.n_addrs; i++)
		if (!has_prefix(n, &d->cfg.addrs[i]) &&
		    vn_nl_addr(d->nl, d->tun_ifindex, &d->cfg.addrs[i], false, &e) < 0)
			vn_err("reload: %s", e.msg);
	for (size_t i = 0; i < n->n_addrs; i++)
		if (!has_prefix(&d->cfg, &n->addrs[i]) &&
		    vn_nl_addr(d->nl, d->tun_ifindex, &n->addrs[i], true, &e) < 0)
			vn_err("reload: %s", e.msg);
	if (d->ops->set_addresses != NULL &&
	    d->ops->set_addresses(d->core, n->addrs, n->n_addrs) < 0)
		vn_err("reload: the core refused the tun addresses");
}

void vn_daemon_reload(struct daemon *d)
{
	struct vn_config n;
	struct vn_error e;
	const char *msg;
	int errors;

	vn_notice("reloading %s", d->config_path);
	vn_notify_reloading(&d->notify);
	errors = vn_daemon_load_config(d, &n, log_config_error);
	if (errors > 0) {
		vn_err("reload: %d error(s) in %s; keeping the running configuration", errors,
		       d->config_path);
		goto fail;
	}
	if ((msg = d->ops->check(&n)) != NULL) {
		vn_err("reload: routing parameters: %s; keeping the running configuration", msg);
		goto fail;
	}
	keep_restart_keys(d, &n);
	if (vn_nl_link_get(d->nl, d->cfg.interface, &d->wire, &e) < 0 ||
	    vn_daemon_check_mtu(d, n.tun_mtu, &e) < 0 || vn_dsec_reload_prepare(d, &n, &e) < 0) {
		vn_err("reload: %s; keeping the running configuration", e.msg);
		goto fail;
	}
	if (d->ops->set_params(d->core, &n, vn_now()) < 0) {
		vn_err("reload: the core refused the routing parameters; keeping the running "
		       "configuration");
		goto fail;
	}
	vn_log_set_level(vn_daemon_effective_level(d, n.log_level));
	if (n.tun_mtu != d->cfg.tun_mtu) {
		/* MTU before the addresses: raising it to 1280 or more must come
		 * before new IPv6 addresses are added (the configuration check
		 * already refuses IPv6 with a smaller MTU). */
		if (vn_nl_link_set(d->nl, d->tun_ifindex, n.tun_mtu, &e) < 0) {
			vn_err("reload: %s", e.msg);
			n.tun_mtu = d->cfg.tun_mtu;
		}
	}
	apply_addresses(d, &n);
	vn_dsec_reload_commit(d);
	d->cfg = n;
	d->cnt.reloads++;
	vn_notice("configuration reloaded");
	vn_daemon_event(d, VN_LOG_NOTICE, "reload", "configuration reloaded");
	vn_notify_ready(&d->notify);
	vn_daemon_rearm(d);
	return;
fail:
	d->cnt.reload_failures++;
	vn_daemon_event(d, VN_LOG_ERR, "reload", "reload refused: running configuration kept");
	/* Still running, on the old configuration: ready again. */
	vn_notify_ready(&d->notify);
}
