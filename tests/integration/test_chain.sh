#!/usr/bin/env bash
# Chain RSU - o1 - o2 - o3, each node hearing only its neighbours.
# The RSU pings o3 before o3 has sent any IPv4 packet (the RSU must find it
# through a broadcast down the tree), then o3 -> RSU, o1 <-> o3 (relayed by
# the RSU), IPv6 the same, and o3's status must say hops 3.
. "$(dirname "$0")/lib.sh"

vn_init
vn_chain 3

ip4_o3=$(vn_ip4 o3)
vn_check "RSU -> o3 ($ip4_o3) before o3 sent anything" \
	vn_ping rsu "$ip4_o3" 5
# OBU to OBU before the RSU knows the target's address: up to the RSU, out of
# its tun0, routed by its kernel back into tun0, broadcast down the tree.
vn_check "IPv6: o1 -> o2 (fd77::12) before o2 sent anything from it" vn_ping o1 fd77::12 5
vn_check "o2 -> o1 ($(vn_ip4 o1)) before o1 sent anything from it" vn_ping o2 "$(vn_ip4 o1)" 5
vn_check "o3 -> RSU (10.77.0.1)" vn_ping o3 10.77.0.1 3
vn_check "RSU -> o3 again (learnt route)" vn_ping rsu "$ip4_o3" 3
vn_check "o1 -> o3 (via the RSU)" vn_ping o1 "$ip4_o3" 3
vn_check "o3 -> o1 (via the RSU)" vn_ping o3 "$(vn_ip4 o1)" 3
vn_check "o2 -> o1" vn_ping o2 "$(vn_ip4 o1)" 3

vn_check "IPv6: RSU -> o3 (fd77::13)" vn_ping rsu fd77::13 5
vn_check "IPv6: o3 -> RSU (fd77::1)" vn_ping o3 fd77::1 3
vn_check "IPv6: o1 -> o3" vn_ping o1 fd77::13 3

# Larger packets: near the tun MTU (1472 - 28 = 1444 bytes of ICMP payload).
vn_check "o3 -> RSU with 1400-byte pings" vn_ping o3 10.77.0.1 3 -s 1400

got=$(vn_ping_seq o3 10.77.0.1 20)
vn_log "o3 -> RSU 20 pings at 20/s: answered duplicates = $got"
vn_check "o3 -> RSU: at most 1 of 20 lost" test "${got% *}" -ge 19

line=$(vn_upstream_line o3)
vn_log "o3 status: $line"
vn_check "o3 status shows hops 3" grep -qE 'hops 3($|[^0-9])' <<<"$line"
vn_check "o3's next hop is o2 ($(vn_mac o2))" grep -qi "upstream: $(vn_mac o2)" <<<"$line"
vn_check "o3's RSU is $(vn_mac rsu)" grep -qi "rsu $(vn_mac rsu)" <<<"$line"
vn_check "o1 status shows hops 1" grep -qE 'hops 1($|[^0-9])' <<<"$(vn_upstream_line o1)"

vn_log "RSU status:"
vn_ctl rsu status | sed 's/^/    /'

# vanetctl behaviour.
out=$(vn_ctl o3 bogus 2>&1)
vn_check "vanetctl: unknown command answered with an error" \
	grep -q "error: unknown command 'bogus'" <<<"$out"
vn_check "vanetctl help lists status and counters" \
	bash -c '[[ "$1" == *status* && "$1" == *counters* ]]' _ "$(vn_ctl o3 help)"
"$VANETCTL" -s "$VN_TMP/nonexistent.sock" status >/dev/null 2>&1
vn_check "vanetctl: exit 1 when it cannot connect" test $? -eq 1
"$VANETCTL" >/dev/null 2>&1
vn_check "vanetctl: exit 2 without a command" test $? -eq 2

# Counters move with traffic.
vn_check "o2 relayed frames (tx_frames > 0)" test "$(vn_counter o2 tx_frames)" -gt 0
vn_check "o3 tun_rx_packets > 0" test "$(vn_counter o3 tun_rx_packets)" -gt 0
vn_check "o3 tun_tx_packets > 0" test "$(vn_counter o3 tun_tx_packets)" -gt 0

# Clean exit on SIGTERM, tun removed.
for n in o3 o2 o1 rsu; do
	vn_stop "$n" TERM 10
	rc=$?
	vn_check "$n exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
	vn_check "$n's tun0 is gone" bash -c "! ip netns exec $(vn_ns "$n") ip link show tun0 >/dev/null 2>&1"
	vn_check "$n's control socket is removed" test ! -e "$(vn_sock "$n")"
done

vn_finish
