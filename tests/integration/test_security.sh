#!/usr/bin/env bash
# [security] mode = authenticate with the real daemons (docs/security.md):
# chain rsu - o1 - o2, all with the network key. Next to o1: "eo", an obud
# with a wrong network key; "ev", an rsud with a wrong network key (and its
# own signing key); "pl", an rsud with no security at all. Pings work over
# two hops; eo gets nothing in (no upstream, no ping), ev and pl get nothing
# out (o1 drops their heartbeats, counted, and keeps its RSU); the network key
# rotates (add, switch, retire) under a 20/s ping without losing one; rsud
# restarts with a fresh epoch and is accepted; a key file others can read
# is refused.
. "$(dirname "$0")/lib.sh"

vn_init
vn_attack_keys authenticate

vn_node rsu 02:77:00:00:00:01
vn_node o1 02:77:00:00:00:11
vn_node o2 02:77:00:00:00:12
vn_node eo 02:77:00:00:00:e1
vn_node ev 02:77:00:00:00:e2
vn_node pl 02:77:00:00:00:e3
vn_hear rsu o1
vn_hear o1 o2
vn_hear o1 eo
vn_hear o1 ev
vn_hear o1 pl

vn_start_rsu rsu 1 "$sec_rsu"
vn_start_obu o1 11 "$sec_obu"
vn_start_obu o2 12 "$sec_obu"
vn_start_obu eo 21 "$sec_eo"
vn_start_rsu ev 31 "$sec_ev"
vn_start_rsu pl 32
vn_check "rsud logs mode authenticate, epoch 1" \
	grep -q "mode authenticate.*epoch 1" "$(vn_logfile rsu)"
vn_check "obud with mode off says once that the network is unauthenticated" \
	test "$(grep -c 'network is unauthenticated' "$(vn_logfile pl)")" -eq 1
vn_check "o1 finds its upstream at 1 hop" vn_wait_upstream o1 20 1
vn_check "o2 finds its upstream at 2 hops (signed heartbeat relayed by o1)" \
	vn_wait_upstream o2 20 2
vn_check "o2 -> RSU" vn_ping o2 10.77.0.1 3
vn_check "RSU -> o2" vn_ping rsu 10.77.0.12 3
vn_check "o1 -> o2 (via the RSU)" vn_ping o1 10.77.0.12 3
vn_check "o2 -> RSU, IPv6" vn_ping o2 fd77::1 3

# The wrong key and the plain RSU: nothing in, nothing out.
vn_ping eo 10.77.0.1 3
vn_check "eo (wrong key) cannot ping the RSU" test $? -ne 0
vn_check "eo found no upstream" bash -c "! grep -q '^upstream: [0-9a-f][0-9a-f]:' <<<'$(vn_upstream_line eo)'"
vn_check "eo verified nothing (sec_rx_ok 0)" test "$(vn_counter eo sec_rx_ok)" -eq 0
vn_check "eo dropped o1's frames on their tag (sec_bad_tag > 0)" \
	test "$(vn_counter eo sec_bad_tag)" -gt 0
vn_check "o1 dropped ev's heartbeats on their tag (sec_bad_tag > 0)" \
	test "$(vn_counter o1 sec_bad_tag)" -gt 0
vn_check "o1 dropped pl's plain heartbeats (sec_unsecured > 0)" \
	test "$(vn_counter o1 sec_unsecured)" -gt 0
vn_check "o1 still routes by the real RSU ($(vn_mac rsu))" \
	grep -qi "rsu $(vn_mac rsu)" <<<"$(vn_upstream_line o1)"
vn_check "o2 still at 2 hops via o1" grep -qE "hops 2($|[^0-9])" <<<"$(vn_upstream_line o2)"
no_obu_routes() { ! vn_ctl "$1" routes | grep -qi '02:77:00:00:00:1'; }
vn_check "ev and pl learnt no route to any OBU" eval 'no_obu_routes ev && no_obu_routes pl' 
vn_check "o2 verified signatures" test "$(vn_counter o2 sec_sig_verified)" -gt 0
honest_drops() {
	local n=$1 c sum=0
	for c in malformed replay unsigned_hb stale_hb chain budget bad_signature tx_unsigned_hb tx_no_room; do
		sum=$((sum + $(vn_counter "$n" "sec_$c")))
	done
	echo "$sum"
}
for n in rsu o1 o2; do
	vn_check "$n: no honest frame dropped (replay, chain, stale, budget, signature: 0)" \
		test "$(honest_drops "$n")" -eq 0
done
for n in rsu o1 o2; do
	vn_check "$n: vanetctl counters -j has sec_bad_tag" \
		grep -q '"sec_bad_tag"' <<<"$(vn_ctl "$n" -j counters)"
done
m=$(vn_ctl o1 metrics)
vn_check "o1: metrics pass the exposition format check" \
	python3 "$(dirname "$0")/check_metrics.py" vanet_obu_ <<<"$m"
vn_check "o1: metrics carry sec_bad_tag" \
	grep -qE '^vanet_obu_sec_bad_tag_total\{interface="wire0"\} [1-9][0-9]*$' <<<"$m"

# Key rotation under traffic: key 2 is added everywhere, then made the
# sending key everywhere, then key 1 is retired; no ping may be lost.
rot=$(vn_rotate_network_key "$K/net.key" 1.5 140 o2 10.77.0.1 rsu o1 o2)
vn_log "pings during the rotation: sent received = $rot"
vn_check "no ping lost during the key rotation" test "$(awk '{print $1 - $2}' <<<"$rot")" -eq 0
vn_check "all nodes reloaded three times" \
	test "$(( $(vn_counter rsu reloads) + $(vn_counter o1 reloads) + $(vn_counter o2 reloads) ))" -eq 9
vn_check "o2 now sends with key id 2" grep -q "sending with key id 2" "$(vn_logfile o2)"
vn_check "no unknown key id on the way" test "$(vn_counter o2 sec_unknown_key)" -eq 0

# A reload with a broken key file keeps the running keys.
cp "$K/net.key" "$K/net.good"
echo "key 9 nothex" >>"$K/net.key"
kill -HUP "${VN_PID[o1]}"
refused_once() { test "$(vn_counter o1 reload_failures)" -eq 1; }
vn_check "o1 refuses a broken key file on reload" vn_wait_for 5 refused_once
vn_check "... and keeps working" vn_ping o2 10.77.0.1 3
cp "$K/net.good" "$K/net.key"

# RSU restart: a fresh epoch, accepted at once (not stale, not a replay).
vn_stop rsu TERM 10
vn_start_rsu rsu 1 "$sec_rsu"
vn_check "the restarted rsud runs epoch 2 (persisted)" \
	test "$(cat "$VN_TMP/state/rsud.epoch")" = 2
vn_check "o2 -> RSU after the RSU restart" test -n "$(vn_ping_until o2 10.77.0.1 15)"
vn_check "o2 took no restarted heartbeat for stale" test "$(vn_counter o2 sec_stale_hb)" -eq 0

# Key files others can read are refused, with the reason.
chmod 644 "$K/net.key"
out=$("$RSUD" -n -c "$VN_TMP/rsu.conf" 2>&1)
vn_check "rsud -n refuses a network key readable by others" \
	grep -q "permissions 0644 for\|permissions 0644 are too open" <<<"$out"
vn_log "  $out"
chmod 600 "$K/net.key"
vn_check "rsud -n accepts it at 0600" "$RSUD" -n -c "$VN_TMP/rsu.conf"

vn_finish
