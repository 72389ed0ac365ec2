#!/usr/bin/env bash
# iperf3 TCP (both directions) and UDP across the 3-hop chain RSU-o1-o2-o3.
# Prints the figures; asserts TCP moved data and UDP loss stays bounded.
. "$(dirname "$0")/lib.sh"

: "${VN_IPERF_TIME:=3}"
: "${VN_UDP_RATE:=20M}"
: "${VN_UDP_MAX_LOSS:=10}"	# percent

vn_init iperf3
vn_chain 3
vn_check "o3 -> RSU ping before iperf3" vn_ping o3 10.77.0.1 3

# iperf3_run NAME CLIENT-ARGS...: one-shot server on the RSU, client on o3;
# prints the client's output into $VN_TMP/NAME.out.
iperf3_run()
{
	local name=$1 spid rc i
	shift
	vn_exec rsu iperf3 -s -1 -B 10.77.0.1 -p 5201 >"$VN_TMP/$name.srv" 2>&1 &
	spid=$!
	for ((i = 0; i < 50; i++)); do
		vn_exec rsu ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.1
	done
	timeout $((VN_IPERF_TIME + 20)) ip netns exec "$(vn_ns o3)" \
		iperf3 -c 10.77.0.1 -p 5201 -t "$VN_IPERF_TIME" --connect-timeout 5000 -f m "$@" \
		>"$VN_TMP/$name.out" 2>&1
	rc=$?
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	sed 's/^/    /' "$VN_TMP/$name.out" | grep -E 'sender|receiver|error' || true
	return $rc
}

# Mbit/s of the "receiver" summary line (TCP).
tcp_rate() { awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i } END { print r + 0 }' "$1"; }
tcp_bytes_ok() { grep -E 'receiver' "$1" | grep -qvE ' 0\.00 (Bytes|KBytes|MBytes)'; }

vn_log "TCP o3 -> RSU (upstream, 3 hops), ${VN_IPERF_TIME}s"
iperf3_run tcp_up
rc=$?
vn_check "TCP upstream: iperf3 ran (status $rc)" test $rc -eq 0
vn_check "TCP upstream: data transferred" tcp_bytes_ok "$VN_TMP/tcp_up.out"
up=$(tcp_rate "$VN_TMP/tcp_up.out")

vn_log "TCP RSU -> o3 (downstream, 3 hops), ${VN_IPERF_TIME}s"
iperf3_run tcp_down -R
rc=$?
vn_check "TCP downstream: iperf3 ran (status $rc)" test $rc -eq 0
vn_check "TCP downstream: data transferred" tcp_bytes_ok "$VN_TMP/tcp_down.out"
down=$(tcp_rate "$VN_TMP/tcp_down.out")

vn_log "UDP o3 -> RSU at $VN_UDP_RATE, ${VN_IPERF_TIME}s"
iperf3_run udp_up -u -b "$VN_UDP_RATE" -l 1200
rc=$?
vn_check "UDP upstream: iperf3 ran (status $rc)" test $rc -eq 0
# receiver line: "... 0.012 ms  3/6250 (0.048%)  receiver"
loss=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^\(.*%\)$/) { gsub(/[()%]/, "", $i); l = $i } } END { print (l == "" ? "100" : l) }' "$VN_TMP/udp_up.out")
vn_check "UDP upstream loss ${loss}% < ${VN_UDP_MAX_LOSS}%" \
	awk -v l="$loss" -v m="$VN_UDP_MAX_LOSS" 'BEGIN { exit !(l < m) }'

vn_log "UDP RSU -> o3 at $VN_UDP_RATE, ${VN_IPERF_TIME}s"
iperf3_run udp_down -u -b "$VN_UDP_RATE" -l 1200 -R
rc=$?
vn_check "UDP downstream: iperf3 ran (status $rc)" test $rc -eq 0
dloss=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^\(.*%\)$/) { gsub(/[()%]/, "", $i); l = $i } } END { print (l == "" ? "100" : l) }' "$VN_TMP/udp_down.out")
vn_check "UDP downstream loss ${dloss}% < ${VN_UDP_MAX_LOSS}%" \
	awk -v l="$dloss" -v m="$VN_UDP_MAX_LOSS" 'BEGIN { exit !(l < m) }'

echo
echo "FIGURES (3 hops, veth + bridge, ${VN_WRAP:-no wrapper}):"
printf '  TCP upstream   %8.1f Mbit/s\n' "$up"
printf '  TCP downstream %8.1f Mbit/s\n' "$down"
printf '  UDP upstream   %8s %% loss at %s\n' "$loss" "$VN_UDP_RATE"
printf '  UDP downstream %8s %% loss at %s\n' "$dloss" "$VN_UDP_RATE"
echo

vn_check "routing still works after the load" vn_ping o3 10.77.0.1 3
vn_finish
