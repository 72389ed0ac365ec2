#!/usr/bin/env bash
# [security] mode = encrypt with the real daemons (docs/security.md,
# "Sessions"): chain rsu - o1 - o2, and "eo" next to o1 with a wrong network
# key. Pings and iperf3 TCP over one and two hops; a capture on the air
# holds no plaintext (a known marker is pinged in both directions and never
# seen, while a control frame with the marker is); eo gets nothing in or
# out (and neither does "ev", an rsud with a wrong key); the network key rotates under 20/s pings without a loss; rsud
# restarts (new epoch: new sessions) and pings resume.
. "$(dirname "$0")/lib.sh"

: "${VN_IPERF_TIME:=2}"
vn_init iperf3 python3
CAP=$(dirname "$0")/air_capture.py
vn_attack_keys encrypt

vn_node rsu 02:78:00:00:00:01
vn_node o1 02:78:00:00:00:11
vn_node o2 02:78:00:00:00:12
vn_node eo 02:78:00:00:00:e1
vn_node ev 02:78:00:00:00:e2
vn_hear rsu o1
vn_hear o1 o2
vn_hear o1 eo
vn_hear o1 ev

vn_start_rsu rsu 1 "$sec_rsu"
vn_start_obu o1 11 "$sec_obu"
vn_start_obu o2 12 "$sec_obu"
vn_start_obu eo 21 "$sec_eo"
vn_start_rsu ev 31 "$sec_ev"
vn_check "rsud logs mode encrypt" grep -q "mode encrypt.*epoch 1" "$(vn_logfile rsu)"
vn_check "tun mtu defaults to 1378 in encrypt mode" \
	grep -q "tun tun0 mtu 1378" "$(vn_logfile o2)"
vn_check "o1 finds its upstream at 1 hop" vn_wait_upstream o1 20 1
vn_check "o2 finds its upstream at 2 hops" vn_wait_upstream o2 20 2
# The RSU reaches an OBU that has sent nothing yet: its hello set up the
# session.
vn_check "RSU -> o2 first (session from o2's hello)" test -n "$(vn_ping_until rsu 10.77.0.12 5)"
vn_check "rsu consumed hellos (sec_hello > 0)" test "$(vn_counter rsu sec_hello)" -gt 0
vn_check "o2 -> RSU" vn_ping o2 10.77.0.1 3
vn_check "o1 -> RSU" vn_ping o1 10.77.0.1 3
vn_check "o1 -> o2 (via the RSU, resealed for o2)" vn_ping o1 10.77.0.12 3
vn_check "o2 -> RSU, IPv6" vn_ping o2 fd77::1 3
vn_check "o1 relayed sealed packets without opening them (o1 opened only its own)" \
	test "$(vn_counter o2 sec_rx_opened)" -gt 0
vn_check "o2 sealed packets" test "$(vn_counter o2 sec_tx_sealed)" -gt 0

# The medium holds no plaintext: a marker pinged up and down over two hops
# never appears on the air; a control frame carrying it does (the capture
# works).
MARK=564e45544d41524b   # "VNETMARK"
rm -f "$VN_TMP/cap" "$VN_TMP/cap.ready"
# (until the control frame, sent last, or 15 s: however long the pings take)
vn_air python3 "$CAP" 15 "$MARK" "$VN_TMP/cap" &
cap_pid=$!
for ((i = 0; i < 50; i++)); do [[ -e $VN_TMP/cap.ready ]] && break; sleep 0.1; done
vn_check "o2 -> RSU with the marker" vn_ping o2 10.77.0.1 5 -p "$MARK" -s 600
vn_check "RSU -> o2 with the marker" vn_ping rsu 10.77.0.12 5 -p "$MARK" -s 600
vn_exec o1 python3 - "$MARK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("wire0", 0))
s.send(b"\xff" * 6 + b"\x02\x78\x00\x00\x00\x11" + b"\x30\x30\x07\x00" + bytes.fromhex(sys.argv[1]) * 8)
PY
wait "$cap_pid"
cat "$VN_TMP/cap" | sed 's/^/    /'
cap() { sed -n "s/^$1=//p" "$VN_TMP/cap"; }
vn_check "the capture saw sealed data frames ($(cap sealed))" test "$(cap sealed)" -gt 10
vn_check "the capture saw no data frame that is not sealed" test "$(cap plain_data)" -eq 0
vn_check "the capture saw the control frame with the marker ($(cap control))" \
	test "$(cap control)" -gt 0
vn_check "the marker is in no other frame on the air" test "$(cap marker)" -eq 0

# iperf3 TCP, one hop (o1) and two hops (o2), both directions.
iperf() {
	local c=$1 name=$2 spid i
	shift 2
	vn_exec rsu iperf3 -s -1 -B 10.77.0.1 -p 5201 >"$VN_TMP/$name.srv" 2>&1 &
	spid=$!
	for ((i = 0; i < 50; i++)); do
		vn_exec rsu ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.1
	done
	timeout $((VN_IPERF_TIME + 20)) ip netns exec "$(vn_ns "$c")" iperf3 -c 10.77.0.1 \
		-p 5201 -t "$VN_IPERF_TIME" --connect-timeout 5000 -f m "$@" >"$VN_TMP/$name.out" 2>&1
	i=$?
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	vn_log "  $name: $(awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") print $i " Mbit/s"}' "$VN_TMP/$name.out")"
	return $i
}
vn_check "iperf3 TCP o1 -> RSU (1 hop)" iperf o1 tcp1_up
vn_check "iperf3 TCP RSU -> o1 (1 hop)" iperf o1 tcp1_down -R
vn_check "iperf3 TCP o2 -> RSU (2 hops)" iperf o2 tcp2_up
vn_check "iperf3 TCP RSU -> o2 (2 hops)" iperf o2 tcp2_down -R
vn_check "no AEAD failure or data replay on the honest nodes" test "$(( \
	$(vn_counter rsu sec_bad_aead) + $(vn_counter o1 sec_bad_aead) + $(vn_counter o2 sec_bad_aead) + \
	$(vn_counter rsu sec_data_replay) + $(vn_counter o2 sec_data_replay) ))" -eq 0

# The wrong key: nothing in, nothing out.
vn_ping eo 10.77.0.1 3
vn_check "eo (wrong key) cannot ping the RSU" test $? -ne 0
vn_check "eo verified nothing (sec_rx_ok 0)" test "$(vn_counter eo sec_rx_ok)" -eq 0
vn_check "o1 dropped ev's (wrong key) frames on their tag" test "$(vn_counter o1 sec_bad_tag)" -gt 0
vn_check "o1 still routes by the real RSU" grep -qi "rsu $(vn_mac rsu)" <<<"$(vn_upstream_line o1)"
vn_check "ev learnt no route to any OBU" bash -c "! '$VANETCTL' -s '$(vn_sock ev)' routes | grep -qi '02:78:00:00:00:1'"
vn_check "eo opened nothing" test "$(vn_counter eo sec_rx_opened)" -eq 0

# Key rotation under traffic (sessions do not depend on the network key;
# broadcasts and per-hop tags do): no ping may be lost.
rot=$(vn_rotate_network_key "$K/net.key" 1.2 100 o2 10.77.0.1 rsu o1 o2)
vn_log "pings during the rotation: sent received = $rot"
vn_check "no ping lost during the key rotation" test "$(awk '{print $1 - $2}' <<<"$rot")" -eq 0
vn_check "o2 now sends with key id 2" grep -q "sending with key id 2" "$(vn_logfile o2)"

# RSU restart: epoch 2, new session keys on both sides; pings resume.
vn_stop rsu TERM 10
vn_start_rsu rsu 1 "$sec_rsu"
vn_check "the restarted rsud runs epoch 2" test "$(cat "$VN_TMP/state/rsud.epoch")" = 2
t=$(vn_ping_until o2 10.77.0.1 15)
vn_check "o2 -> RSU after the RSU restart (${t}s)" test -n "$t"
vn_check "RSU -> o1 after the restart" test -n "$(vn_ping_until rsu 10.77.0.11 5)"
vn_check "the new rsud has sessions (sec_rx_opened > 0)" test "$(vn_counter rsu sec_rx_opened)" -gt 0

vn_finish
