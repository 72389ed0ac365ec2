#!/usr/bin/env bash
# Tun offloads ([tun] offload) across a chain RSU - o1 - o2 where the relay
# o1 has them off: TCP both ways between o2 and the RSU (the sender splits
# TSO super-packets, the receiver coalesces), and o1 <-> RSU with one end
# off. o1 reads the wire with recvmmsg (the default, [wire] ring = off),
# the others through the packet ring (ring = auto; not with [security]). Then TSO switched
# off on o2's tun with ethtool: the daemon notices, gives back checksum
# offload, and TCP still flows. Every frame stays
# within the wire MTU (no send error anywhere), nothing is dropped as a bad
# offload packet, and the data arrive intact (iperf3's own accounting plus
# TCP's checksums: a bad segment would show as retransmissions and a
# stalled transfer).
. "$(dirname "$0")/lib.sh"

: "${VN_IPERF_TIME:=3}"

vn_init iperf3 ethtool
vn_node rsu 02:77:00:00:00:01
vn_node o1 02:77:00:00:00:11
vn_node o2 02:77:00:00:00:12
vn_hear rsu o1
vn_hear o1 o2
vn_start_rsu rsu 1 $'[wire]\nring = auto'
vn_start_obu o1 11 $'[tun]\noffload = off'
vn_start_obu o2 12 $'[wire]\nring = auto'
vn_wait_upstream o1 20 1 || vn_die "o1 has no upstream"
vn_wait_upstream o2 20 2 || vn_die "o2 has no upstream"

vn_check "rsu: virtio-net header and TSO on (auto)" \
	grep -q "tun offload: virtio-net header.*segmentation offload" "$(vn_logfile rsu)"
vn_check "o1: offload = off: no virtio-net header" \
	bash -c "! grep -q 'tun offload: virtio-net header' '$(vn_logfile o1)'"
if [[ ${VN_SECURITY:-0} != 1 && ${VN_SECURITY:-0} != encrypt ]]; then
	for n in rsu o2; do
		vn_check "$n reads the wire through the packet ring" \
			grep -q "wire: packet ring" "$(vn_logfile $n)"
	done
fi
vn_check "o1: ring = off (default): recvmmsg" bash -c "! grep -q 'wire: packet ring' '$(vn_logfile o1)'"

# iperf_tcp NAME SERVER-NODE SERVER-IP CLIENT-NODE [ARGS]: MBit/s, 0 if it failed
iperf_tcp()
{
	local name=$1 srv=$2 ip=$3 cli=$4 spid
	shift 4
	vn_exec "$srv" iperf3 -s -1 -B "$ip" -p 5201 >"$VN_TMP/$name.srv" 2>&1 &
	spid=$!
	for ((i = 0; i < 50; i++)); do
		vn_exec "$srv" ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.1
	done
	timeout $((VN_IPERF_TIME + 20)) ip netns exec "$(vn_ns "$cli")" iperf3 -c "$ip" -p 5201 \
		-t "$VN_IPERF_TIME" --connect-timeout 5000 -f m "$@" >"$VN_TMP/$name.out" 2>&1
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") r = $i } END { print r + 0 }' \
		"$VN_TMP/$name.out"
}
faster_than() { awk -v r="$1" -v m="$2" 'BEGIN { exit !(r > m) }'; }

r=$(iperf_tcp up rsu 10.77.0.1 o2)
vn_log "TCP o2 -> RSU (2 hops, relay with offloads off): $r Mbit/s"
vn_check "TCP o2 -> RSU moved data" faster_than "$r" 1
vn_check "o2 split super-packets (tun_rx_super $(vn_counter o2 tun_rx_super))" \
	test "$(vn_counter o2 tun_rx_super)" -gt 0
vn_check "the RSU coalesced (tun_tx_coalesced $(vn_counter rsu tun_tx_coalesced))" \
	test "$(vn_counter rsu tun_tx_coalesced)" -gt 0
r=$(iperf_tcp down rsu 10.77.0.1 o2 -R)
vn_log "TCP RSU -> o2: $r Mbit/s"
vn_check "TCP RSU -> o2 moved data" faster_than "$r" 1
vn_check "the RSU split super-packets" test "$(vn_counter rsu tun_rx_super)" -gt 0
vn_check "o2 coalesced" test "$(vn_counter o2 tun_tx_coalesced)" -gt 0
r=$(iperf_tcp o1 rsu 10.77.0.1 o1 --bidir)
vn_log "TCP o1 <-> RSU (o1 off, the RSU auto): $r Mbit/s"
vn_check "TCP o1 <-> RSU moved data" faster_than "$r" 1
vn_check "o1 (off) wrote packet by packet" \
	test "$(vn_counter o1 tun_tx_writes)" -eq "$(vn_counter o1 tun_tx_packets)"

# UDP: equal-sized datagrams of a flow go into the RSU's tun as GSO_UDP_L4
# packets (Linux 6.2+; older kernels refuse them and the daemon stops).
c0=$(vn_counter rsu tun_tx_coalesced)
vn_exec rsu iperf3 -s -1 -B 10.77.0.1 -p 5201 >"$VN_TMP/udp.srv" 2>&1 &
spid=$!
listening() { vn_exec rsu ss -ltn 2>/dev/null | grep -q ':5201 '; }
vn_wait_for 5 listening
timeout 20 ip netns exec "$(vn_ns o2)" iperf3 -c 10.77.0.1 -p 5201 -u -l 200 -b 20M -t 2 \
	--connect-timeout 5000 >"$VN_TMP/udp.out" 2>&1
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
loss=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^\(.*%\)$/) { gsub(/[()%]/, "", $i); l = $i } } END { print (l == "" ? "100" : l) }' "$VN_TMP/udp.out")
vn_log "UDP o2 -> RSU, 200-byte datagrams at 20 Mbit/s: loss $loss %, coalesced $(( $(vn_counter rsu tun_tx_coalesced) - c0 ))"
vn_check "UDP loss $loss % < 10 %" awk -v l="$loss" 'BEGIN { exit !(l < 10) }'
if grep -q "refuses UDP GSO" "$(vn_logfile rsu)"; then
	vn_log "this kernel refuses UDP GSO writes: UDP not coalesced (fallback)"
else
	vn_check "UDP datagrams coalesced at the RSU" test "$(vn_counter rsu tun_tx_coalesced)" -gt "$c0"
fi

# TSO off by hand on o2's tun: noticed within 1024 reads.
vn_exec o2 ethtool -K tun0 tso off >/dev/null 2>&1
r=$(iperf_tcp tso_off rsu 10.77.0.1 o2)
vn_log "TCP o2 -> RSU after 'ethtool -K tun0 tso off' on o2: $r Mbit/s"
vn_check "TCP still flows with TSO off" faster_than "$r" 1
vn_check "o2 noticed and gave back checksum offload" \
	grep -q "TSO was switched off on tun0" "$(vn_logfile o2)"
vn_check "IPv6 ping o2 -> RSU with 1400 bytes" vn_ping o2 fd77::1 3 -s 1400

for n in rsu o1 o2; do
	vn_check "$n: no send or tun write error, no bad offload packet" \
		test "$(vn_counter "$n" tx_errors)$(vn_counter "$n" tun_tx_errors)$(vn_counter "$n" tun_rx_drop_offload)" = 000
	vn_check "$n: no fallback from the packet ring" test "$(vn_counter "$n" rx_ring_fallbacks)" = 0
done
vn_finish
