#!/usr/bin/env bash
# Two RSUs sharing the gateway address 10.77.0.1 (an anycast gateway). o1
# hears both, o2 hangs below o1. o1 keeps one RSU (no flapping between two
# equally good ones); o2 may choose the other one (its own tie-break): o1
# carries o2's data to the RSU o2 chose (docs/routing.md, "Data"; in
# encrypt mode the only RSU that can open it). When o2's RSU dies
# (kill -9), o2's traffic to 10.77.0.1 resumes through the other within a
# bound, and o1 and o2 both end up on the other.
#
#   rsuA   rsuB
#      \   /
#       o1
#       |
#       o2
. "$(dirname "$0")/lib.sh"

: "${VN_RSU_FAILOVER_MAX:=5}"	# seconds from the kill to o2's first reply

vn_init
vn_node rsuA 02:77:00:00:00:01
vn_node rsuB 02:77:00:00:00:02
vn_node o1 02:77:00:00:00:11
vn_node o2 02:77:00:00:00:12
vn_hear rsuA o1
vn_hear rsuB o1
vn_hear o1 o2
vn_start_rsu rsuA 1
vn_start_rsu rsuB 1
vn_start_obu o1 11
vn_start_obu o2 12
vn_wait_upstream o1 20 1 || vn_die "o1 has no upstream"
vn_wait_upstream o2 20 2 || vn_die "o2 has no upstream"

# rsu_of NODE: the RSU in NODE's upstream line.
rsu_of() { vn_upstream_line "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == "rsu") print $(i + 1) }'; }
# wait_rsu NODE RSU SECONDS: until NODE's RSU is RSU's MAC.
wait_rsu() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[[ $(rsu_of "$1") == "$(vn_mac "$2")" ]] && return 0
		sleep 0.1
	done
	return 1
}

changes=0 prev=$(rsu_of o1) seen=$prev
for ((i = 0; i < 25; i++)); do
	sleep 0.2
	cur=$(rsu_of o1)
	[[ $cur != "$prev" ]] && { changes=$((changes + 1)); seen+=" -> $cur"; }
	prev=$cur
done
vn_log "o1's RSU over 5 s: $seen"
vn_check "o1 keeps one RSU ($changes changes in 5 s, want 0)" test "$changes" -eq 0
# Both RSUs are equally far for o2 too; which one it names is its own
# tie-break, and its data goes there (o1 follows it), so this is only
# reported.
vn_log "o1's RSU: $(rsu_of o1), o2's RSU: $(rsu_of o2)"
vn_check "o2 -> 10.77.0.1 (its RSU)" vn_ping o2 10.77.0.1 3
vn_check "IPv6 o2 -> fd77::1" vn_ping o2 fd77::1 3

# Kill the RSU o2's traffic goes to (the one o2 chose).
chosen=$(rsu_of o2)
if [[ ${chosen,,} == "$(vn_mac rsuA)" ]]; then dead=rsuA other=rsuB; else dead=rsuB other=rsuA; fi
vn_log "o2 chose $dead ($chosen), o1 $(rsu_of o1); killing $dead"
t0=$EPOCHREALTIME
vn_stop "$dead" KILL 5
if took=$(vn_ping_until o2 10.77.0.1 "$VN_RSU_FAILOVER_MAX"); then
	vn_pass "o2 -> 10.77.0.1 through $other after $(vn_since "$t0")s"
else
	vn_fail "o2 -> 10.77.0.1: no reply within ${VN_RSU_FAILOVER_MAX}s of killing $dead"
fi
echo "FIGURES: o2 reached the gateway again $(vn_since "$t0") s after its RSU was killed"
# o1 leaves a dead RSU it heard directly after 3.25 silent periods
vn_check "o1 now uses $other" wait_rsu o1 "$other" 3
vn_check "o2 now uses $other, 2 hops" vn_wait_upstream o2 5 2
vn_check "o2's RSU is $other" test "$(rsu_of o2)" = "$(vn_mac "$other")"
vn_check "$other -> o2 (10.77.0.12)" vn_ping "$other" 10.77.0.12 3

# The dead RSU comes back: o1 may stay with $other (no need to move back).
vn_start_conf "$dead" "$RSUD" "$VN_TMP/$dead.conf"
sleep 2
vn_log "after $dead's return: o1 $(vn_upstream_line o1)"
vn_check "o2 -> 10.77.0.1 after $dead's return" vn_ping o2 10.77.0.1 5
vn_finish
