#!/usr/bin/env bash
# Self-test of the harness (no daemons): the air decides who hears whom
# (hear, cut, loss), vn_inject's frames arrive, and the cleanup trap removes
# every namespace and temp file even when a test fails or is interrupted.
. "$(dirname "$0")/lib.sh"

vn_require
[[ -x $VN_INJECT ]] || { echo "FAIL: $VN_INJECT is not built"; exit 1; }
# vn_init needs the daemons only to exist; this test does not start them.
vn_require_daemons() { :; }
vn_init
vn_node a; vn_node b; vn_node c
i=2
for n in a b c; do
	vn_exec "$n" ip addr add "192.168.77.$((i++))/24" dev wire0
done
ipb=192.168.77.3 ipc=192.168.77.4

vn_check "nobody hears anybody at first" bash -c "! ip netns exec $(vn_ns a) ping -q -c1 -W1 $ipb >/dev/null"
vn_hear a b
vn_hear b c
vn_check "a hears b" vn_ping a "$ipb" 2
vn_check "b hears c" vn_ping b "$ipc" 2
vn_check "a does not hear c" bash -c "! ip netns exec $(vn_ns a) ping -q -c1 -W1 $ipc >/dev/null"
vn_cut a b
vn_check "a no longer hears b after vn_cut" bash -c "! ip netns exec $(vn_ns a) ping -q -c2 -W1 $ipb >/dev/null"
vn_hear a b
vn_check "a hears b again after vn_hear" vn_ping a "$ipb" 2
vn_loss a b 50
stats=$(vn_ping_stats a "$ipb" 100 -i 0.01)
vn_log "a -> b with 50% loss each way: sent received loss% = $stats"
vn_check "loss 50% each way loses 55..95% of pings" \
	awk -v l="$(awk '{print $3}' <<<"$stats")" 'BEGIN { exit !(l >= 55 && l <= 95) }'
vn_loss a b 0
vn_check "loss removed" test "$(vn_ping_stats a "$ipb" 20 -i 0.01 | awk '{print $2}')" -ge 19
vn_show_air | sed 's/^/    /'

# Injected frames reach the neighbour (seen on its interface counters).
rx0=$(vn_exec b cat /sys/class/net/wire0/statistics/rx_packets)
vn_check "vn_inject sends a heartbeat and a hex frame" \
	vn_exec a "$VN_INJECT" -i wire0 -n 3 heartbeat "ffffffffffff 020000000001 3030 0000"
rx1=$(vn_exec b cat /sys/class/net/wire0/statistics/rx_packets)
vn_check "b received the 6 injected frames ($((rx1 - rx0)))" test $((rx1 - rx0)) -ge 6
vn_check "vn_inject refuses bad hex" bash -c "! '$VN_INJECT' -i lo zz 2>/dev/null"

# Cleanup on failure: a child test creates namespaces and fails.
child=$(VN_PREFIX=vnc$$ bash -c '. "$1"; vn_require_daemons() { :; }; vn_init; vn_node q
	echo "$VN_TMP"; vn_fail "deliberate"; exit 1' _ "$(dirname "$0")/lib.sh" | grep '^/tmp/')
vn_check "a failing test removed its namespaces" bash -c "! ip netns list | grep -q '^vnc$$-'"
vn_check "a failing test removed its temp dir" test ! -e "$child"
VN_PREFIX=vnd$$ bash -c '. "$1"; vn_require_daemons() { :; }; vn_init; vn_node q
	kill -INT $$; sleep 5' _ "$(dirname "$0")/lib.sh" >/dev/null
vn_check "an interrupted test removed its namespaces" bash -c "! ip netns list | grep -q '^vnd$$-'"
vn_finish
