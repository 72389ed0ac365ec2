/* obud: the on-board unit daemon. The shell (shell/daemon.c) does all the
 * I/O; this file only plugs the OBU core into it. */
#include "daemon.h"
#include "obu_core.h"

static void *create(const struct vn_config *cfg, const struct vn_mac *self,
		    const struct vn_core_io *io, vn_usec now)
{
	return obu_core_new(&cfg->obu, self, io, now);
}

static void destroy(void *core)
{
	obu_core_free(core);
}

static const char *check(const struct vn_config *cfg)
{
	return obu_params_check(&cfg->obu);
}

static int set_params(void *core, const struct vn_config *cfg, vn_usec now)
{
	return obu_core_set_params(core, &cfg->obu, now);
}

static int set_addresses(void *core, const struct vn_ip_prefix *a, size_t n)
{
	return obu_core_set_addresses(core, a, n);
}

static void on_frame(void *core, struct vn_pbuf *b, vn_usec now)
{
	obu_core_on_frame(core, b, now);
}

static void on_tun(void *core, struct vn_pbuf *b, vn_usec now)
{
	obu_core_on_tun(core, b, now);
}

static void tick(void *core, vn_usec now)
{
	obu_core_tick(core, now);
}

static vn_usec next_timer(const void *core)
{
	return obu_core_next_timer(core);
}

static size_t describe(const void *core, vn_usec now, char *buf, size_t cap)
{
	return obu_core_describe(core, now, buf, cap);
}

static void counters(const void *core, void (*fn)(void *ctx, const char *name, uint64_t value),
		     void *ctx)
{
	obu_core_counters(core, fn, ctx);
}

static const struct vn_core_ops obu_ops = {
	.role = VN_ROLE_OBU,
	.create = create,
	.destroy = destroy,
	.check = check,
	.set_params = set_params,
	.set_addresses = set_addresses,
	.on_frame = on_frame,
	.on_tun = on_tun,
	.tick = tick,
	.next_timer = next_timer,
	.describe = describe,
	.counters = counters,
};

int main(int argc, char *argv[])
{
	return vn_daemon_main(&obu_ops, argc, argv);
}
