#!/usr/bin/env bash
# Dense mesh: the RSU and four OBUs all hear each other. Every OBU must be one
# hop out; pings (unicast, and to addresses the RSU has not learnt yet, which
# go down as broadcasts) must arrive exactly once (no "DUP!"); the control
# traffic in an idle mesh must stay bounded (no storm of re-broadcasts).
. "$(dirname "$0")/lib.sh"

: "${VN_MAX_FRAMES_PER_S:=200}"	# whole mesh, idle; ~90/s expected at T = 100 ms

vn_init
vn_node rsu 02:77:00:00:00:01
for i in 1 2 3 4; do vn_node "o$i" "02:77:00:00:00:1$i"; done
vn_hear_all
vn_start_rsu rsu 1
for i in 1 2 3 4; do vn_start_obu "o$i" "1$i"; done
for i in 1 2 3 4; do
	vn_wait_upstream "o$i" 20 1 || vn_die "o$i is not 1 hop out"
done
vn_pass "all four OBUs are 1 hop out"

# ping_once NODE DEST: 10 pings (icmp_seq 1..10), each answered once, none
# duplicated (lib_ping.sh vn_ping_seq: it waits for late replies, bounded).
ping_once()
{
	[[ $(vn_ping_seq "$1" "$2" 10) = "10 0" ]]
}

vn_check "o1 -> o4 (not learnt yet: broadcast down), 10/10, no duplicates" ping_once o1 10.77.0.14
vn_check "IPv6 o2 -> o3 (not learnt yet), 10/10, no duplicates" ping_once o2 fd77::13
for i in 1 2 3 4; do
	vn_check "RSU -> o$i, 10/10, no duplicates" ping_once rsu "10.77.0.1$i"
done
vn_check "o4 -> RSU, 10/10, no duplicates" ping_once o4 10.77.0.1

sum_tx() { local n s=0; for n in rsu o1 o2 o3 o4; do s=$((s + $(vn_counter "$n" tx_frames))); done; echo "$s"; }
a=$(sum_tx)
sleep 3
b=$(sum_tx)
rate=$(((b - a) / 3))
echo "FIGURES: idle 5-node mesh sends $rate frames/s in all (heartbeats, re-broadcasts, replies)"
vn_check "idle mesh: $rate frames/s <= $VN_MAX_FRAMES_PER_S" test "$rate" -le "$VN_MAX_FRAMES_PER_S"
vn_finish
