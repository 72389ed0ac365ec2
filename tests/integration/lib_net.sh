# shellcheck shell=bash disable=SC2004 # VN_MACS, VN_ROLE...: associative (lib.sh)
# The integration harness (lib.sh sources this): the nodes' namespaces, the
# air's nftables rules (who hears whom, cuts, loss) and topologies.

# ------------------------------------------------------------------- nodes ----

vn_ns() { echo "${VN_PREFIX}-$1"; }
vn_air() { vn_run ip netns exec "${VN_PREFIX}-air" "$@"; }
# vn_exec NODE CMD...: run CMD inside NODE's namespace.
vn_exec() { local n=$1; shift; vn_run ip netns exec "${VN_PREFIX}-$n" "$@"; }

# vn_node NAME [MAC]: a namespace with wire0 on the air (hearing nobody yet).
vn_node()
{
	local n=$1 mac=${2:-} ns="${VN_PREFIX}-$1"
	if [[ -z $mac ]]; then
		mac=$(printf '02:77:00:00:00:%02x' $((${#VN_NODES[@]} + 1)))
	fi
	vn_run ip netns add "$ns"
	VN_NODES+=("$n")
	vn_run ip link add wire0 netns "$ns" address "$mac" type veth \
		peer name "p_$n" netns "${VN_PREFIX}-air"
	vn_air sysctl -qw "net.ipv6.conf.p_$n.disable_ipv6=1"
	vn_air ip link set "p_$n" master br0 up
	vn_exec "$n" ip link set lo up
	# The wire carries only 0x3030 frames: keep the kernel's own IPv6 off it.
	vn_exec "$n" sysctl -qw net.ipv6.conf.wire0.disable_ipv6=1
	# New interfaces (tun0) get their IPv6 address at once, without DAD.
	vn_exec "$n" sysctl -qw net.ipv6.conf.default.accept_dad=0
	vn_exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0
	vn_exec "$n" ip link set wire0 up
	VN_MACS[$n]=$mac
}

vn_mac() { echo "${VN_MACS[$1]}"; }

# ------------------------------------------------------------------- the air ----

# Rules carry a comment "<kind>:<from>:<to>" so they can be found and removed.
vn__rule_handles()
{
	vn_air nft -a list chain bridge vn air |
		sed -n "s/.*comment \"$1\" # handle \([0-9]*\).*/\1/p"
}

vn__del_rules()
{
	local h
	for h in $(vn__rule_handles "$1"); do
		vn_air nft delete rule bridge vn air handle "$h"
	done
}

# vn_hear A B: A and B hear each other (both directions).
vn_hear()
{
	local a=$1 b=$2
	vn__del_rules "cut:$a:$b"; vn__del_rules "cut:$b:$a"
	vn__del_rules "hear:$a:$b"; vn__del_rules "hear:$b:$a"
	vn_air nft add rule bridge vn air iifname "p_$a" oifname "p_$b" accept comment "\"hear:$a:$b\""
	vn_air nft add rule bridge vn air iifname "p_$b" oifname "p_$a" accept comment "\"hear:$b:$a\""
}

# vn_hear_all: everybody hears everybody (for the nodes created so far).
vn_hear_all()
{
	local i j
	for ((i = 0; i < ${#VN_NODES[@]}; i++)); do
		for ((j = i + 1; j < ${#VN_NODES[@]}; j++)); do
			vn_hear "${VN_NODES[i]}" "${VN_NODES[j]}"
		done
	done
}

# vn_cut A B: A and B no longer hear each other (inserted before any accept).
vn_cut()
{
	local a=$1 b=$2
	vn__del_rules "cut:$a:$b"; vn__del_rules "cut:$b:$a"
	vn_air nft insert rule bridge vn air iifname "p_$a" oifname "p_$b" drop comment "\"cut:$a:$b\""
	vn_air nft insert rule bridge vn air iifname "p_$b" oifname "p_$a" drop comment "\"cut:$b:$a\""
}

# vn_loss A B PERCENT: each frame between A and B (either direction) is lost
# with probability PERCENT/100. PERCENT 0 removes the loss.
vn_loss()
{
	local a=$1 b=$2 pct=$3
	vn__del_rules "loss:$a:$b"; vn__del_rules "loss:$b:$a"
	((pct > 0)) || return 0
	vn_air nft insert rule bridge vn air iifname "p_$a" oifname "p_$b" \
		numgen random mod 100 \< "$pct" drop comment "\"loss:$a:$b\""
	vn_air nft insert rule bridge vn air iifname "p_$b" oifname "p_$a" \
		numgen random mod 100 \< "$pct" drop comment "\"loss:$b:$a\""
}

vn_show_air() { vn_air nft list chain bridge vn air; }

# ----------------------------------------------------------------- topology ----

# vn_chain N: RSU "rsu" and OBUs o1..oN in a line, each hearing only its
# neighbours; o1 is one hop from the RSU, oN is N hops. Starts every daemon
# and waits until each OBU has its upstream at the right distance.
vn_chain()
{
	local n=$1 i prev=rsu
	vn_node rsu 02:77:00:00:00:01
	for ((i = 1; i <= n; i++)); do
		vn_node "o$i" "02:77:00:00:00:1$i"
		vn_hear "$prev" "o$i"
		prev=o$i
	done
	vn_start_rsu rsu 1
	for ((i = 1; i <= n; i++)); do
		vn_start_obu "o$i" "1$i"
	done
	for ((i = 1; i <= n; i++)); do
		vn_wait_upstream "o$i" "${VN_UP_TIMEOUT:-20}" "$i" ||
			vn_die "o$i did not find its upstream at $i hops"
	done
	vn_log "chain rsu$(for ((i = 1; i <= n; i++)); do printf ' - o%d' "$i"; done) is up"
}
