#!/usr/bin/env bash
# kill -9 of rsud, then restart it with the same configuration: its heartbeat
# ids and uptime start again from 0, which the OBUs must take as a restart
# (not as old duplicates). Every OBU must be reachable again within a bound.
. "$(dirname "$0")/lib.sh"

: "${VN_RESTART_MAX:=10}"	# seconds from the restart to each OBU answering

vn_init
vn_chain 3
for o in o1 o2 o3; do
	vn_check "RSU -> $o before the crash" vn_ping rsu "$(vn_ip4 "$o")" 3
done
# Let the OBUs see a good run of ids so that the restart really goes backwards.
sleep 2

vn_stop rsu KILL 5
rc=$?
vn_check "rsud killed with SIGKILL (status $rc)" test "$rc" -eq 137
vn_log "rsud is down; waiting 1 s"
sleep 1

conf="$VN_TMP/rsu.conf"
vn_start_conf rsu "$RSUD" "$conf"
vn_check "rsud restarted over the stale control socket" vn_alive rsu
t0=$EPOCHREALTIME
for o in o1 o2 o3; do
	if took=$(vn_ping_until rsu "$(vn_ip4 "$o")" "$VN_RESTART_MAX"); then
		vn_pass "RSU -> $o again ${took}s after its own start ($(vn_since "$t0")s after the restart)"
	else
		vn_fail "RSU -> $o: no reply within ${VN_RESTART_MAX}s of the restart"
	fi
done
echo "FIGURES: all OBUs reachable $(vn_since "$t0") s after rsud was restarted"
for o in o1 o2 o3; do
	vn_check "$o -> RSU after the restart" vn_ping "$o" 10.77.0.1 3
	vn_check "IPv6 $o -> RSU after the restart" vn_ping "$o" fd77::1 3
done
vn_check "o3 is 3 hops out again" vn_wait_upstream o3 5 3
vn_log "o3: $(vn_upstream_line o3)"

# And a kill -9 of an OBU in the middle: o3 is cut off while o2 is away and
# comes back after o2's restart.
vn_stop o2 KILL 5
vn_start_conf o2 "$OBUD" "$VN_TMP/o2.conf"
if took=$(vn_ping_until o3 10.77.0.1 "$VN_RESTART_MAX"); then
	vn_pass "o3 -> RSU ${took}s after o2 was restarted"
else
	vn_fail "o3 -> RSU: no reply within ${VN_RESTART_MAX}s of o2's restart"
fi
vn_finish
