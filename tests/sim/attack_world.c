/* The attack scenarios' world (attack_world.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "attack_world.h"

void aw_new(struct attack_world *w, uint64_t seed, void (*secure)(void *ctx), void *ctx)
{
	struct sim_link_cfg l = sim_link_default();
	struct vn_mac m = sim_mac_n(0xbad);
	struct vn_ip ip2 = sim_ip4(2), inet = scen_inet(1);
	int n[3];

	w->s = scen_new(seed);
	scen_chain(w->s, n, 2, &l);
	w->rsu = n[0];
	w->o1 = n[1];
	w->o2 = n[2];
	if (secure != NULL)
		secure(ctx);
	w->x = sim_add_obu(w->s, NULL, &m);
	sim_remove(w->s, w->x);
	sim_link_both(w->s, w->x, w->rsu, &l);
	sim_link_both(w->s, w->x, w->o1, &l);
	sim_link_both(w->s, w->x, w->o2, &l);
	scen_set_addr(w->s, w->o1, 1);
	scen_set_addr(w->s, w->o2, 2);
	sim_run_until(w->s, SEC(1));
	scen_flow_start(w->s, &w->up, w->o2, &ip2, &inet, SEC(1), MS(10), SEC(1000));
	scen_flow_start(w->s, &w->down, w->rsu, &inet, &ip2, SEC(1) + MS(5), MS(10), SEC(1000));
	sim_run_until(w->s, SEC(2));
}

static void count(const struct attack_world *w, const struct scen_flow *f, int at, vn_usec from,
		  vn_usec to, size_t *sent, size_t *got)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->sent_at[i] < from || f->sent_at[i] >= to)
			continue;
		(*sent)++;
		*got += sim_delivered(w->s, at, f->tags[i]) > 0;
	}
}

unsigned aw_flow_pct(const struct attack_world *w, vn_usec from, vn_usec to)
{
	size_t sent = 0, got = 0;

	count(w, &w->up, w->rsu, from, to, &sent, &got);
	count(w, &w->down, w->o2, from, to, &sent, &got);
	return sent ? (unsigned)(got * 100 / sent) : 0;
}

void aw_check(struct attack_world *w, vn_usec from, const char *what)
{
	unsigned pct;
	struct obu_route_info r;

	sim_run_for(w->s, MS(500));
	pct = aw_flow_pct(w, from, sim_now(w->s) - MS(100));
	fprintf(stderr, "%s: %u %% of the real traffic delivered meanwhile\n", what, pct);
	if (pct < 95)
		scen_dump_all(w->s);
	assert_true(pct >= 95);
	assert_true(sim_attached_to(w->s, w->o2, w->rsu));
	assert_true(sim_upstream(w->s, w->o2, &r));
	assert_true(vn_mac_eq(&r.next_hop, sim_mac(w->s, w->o1)));
	if (sim_dup_forwards(w->s))
		sim_dup_report(w->s, 10);
	assert_int_equal(sim_dup_forwards(w->s), 0);
}

void aw_free(struct attack_world *w)
{
	scen_flow_free(&w->up);
	scen_flow_free(&w->down);
	sim_free(w->s);
}
