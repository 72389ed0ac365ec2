/* The simulator's side of the security layer: the same common/sec_layer.c
 * the daemons use, between a node's core and the air. */
#include "sim_priv.h"

#include <string.h>

#include "sec_layer.h"

void sim_secure(struct sim *s, int node, struct vn_sec *layer)
{
	struct sim_node *n = node_at(s, node);

	vn_sec_destroy(n->sec);
	n->sec = layer;
}

struct vn_sec *sim_sec(const struct sim *s, int node)
{
	return node_at(s, node)->sec;
}

/* Control and data frames alike are copied into the simulator's send
 * buffer first: the air copies every frame anyway. */
bool sim_sec_tx(struct sim *s, struct sim_node *n, const uint8_t **frame, size_t *len)
{
	uint8_t *f = s->sec_txmem + VN_PBUF_HEADROOM, *out;
	size_t n_out;

	if (*len > VN_PBUF_DATA_MAX || *len < VN_MSG_HLEN)
		return false;
	memcpy(f, *frame, *len);
	n_out = vn_sec_tx(n->sec, f, *len, VN_PBUF_HEADROOM,
			  sizeof(s->sec_txmem) - VN_PBUF_HEADROOM - *len, &out);
	if (n_out == 0)
		return false;
	*frame = out;
	*len = n_out;
	if (s->sec_tap != NULL)
		s->sec_tap(s->sec_tap_ctx, (int)n->idx, out, n_out);
	return true;
}

void sim_sec_tap(struct sim *s, sim_sec_tap_fn fn, void *ctx)
{
	s->sec_tap = fn;
	s->sec_tap_ctx = ctx;
}

/* As obud does (shell/daemon_sec.c, vn_dsec_follow_upstream): after each
 * of the core's events the layer learns the core's chosen RSU and
 * upstream (whose heartbeats it verifies first, and whose RSU it seals
 * our packets for) the moment they change; in encrypt mode the session
 * hello goes to the upstream at once then, and once a second. */
void sim_sec_follow(struct sim *s, struct sim_node *n)
{
	struct obu_route_info ri;
	bool has;

	if (n->sec == NULL || n->role != SIM_OBU || n->core.obu == NULL)
		return;
	has = obu_core_upstream(n->core.obu, &ri);
	if (has == n->sec_chosen &&
	    (!has || (vn_mac_eq(&ri.rsu, &n->sec_rsu) && vn_mac_eq(&ri.next_hop, &n->sec_via)))) {
		if (!has || s->now - n->sec_hello_at < 1000000u)
			return;
	} else {
		n->sec_chosen = has;
		vn_sec_set_chosen(n->sec, has ? &ri.rsu : NULL, has ? &ri.next_hop : NULL);
		if (!has)
			return;
		n->sec_rsu = ri.rsu;
		n->sec_via = ri.next_hop;
	}
	n->sec_hello_at = s->now;
	if (vn_sec_encrypting(n->sec)) {
		uint8_t hello[VN_UP_HLEN];

		vn_sec_hello(n->sec, &ri.next_hop, hello);
		io_send(n, hello, sizeof(hello));
	}
}

bool sim_sec_rx(struct sim *s, struct sim_node *n, struct vn_pbuf *b)
{
	return vn_sec_rx(n->sec, b, s->now) == VN_SEC_OK;
}

void sim_sec_free(struct sim_node *n)
{
	vn_sec_destroy(n->sec);
	n->sec = NULL;
}

void sim_sec_restarted(struct sim_node *n)
{
	if (n->sec != NULL && n->role == SIM_RSU)
		vn_sec_set_epoch(n->sec, vn_sec_epoch(n->sec) + 1);
}
