#!/usr/bin/env bash
# Failover. o2 hears o1 and the RSU directly, but the direct link loses ~40 %
# of its frames, so o2 should prefer the clean 2-hop path through o1. o3
# hangs below o2. o2 pings the RSU at 10/s; the link o2 uses is cut; traffic
# must resume over the other path within a bound.
#
#        rsu ---- o1
#          \  40%  |
#           `---- o2 ---- o3
. "$(dirname "$0")/lib.sh"

: "${VN_LOSS:=40}"
: "${VN_FAILOVER_MAX:=3}"	# seconds from the cut to the first reply after it
: "${VN_SETTLE:=4}"		# seconds for the delivery ratios to build up
: "${VN_PREFER_MAX:=15}"	# seconds more, at most, for o2 to prefer the clean path

vn_init
vn_node rsu 02:77:00:00:00:01
vn_node o1 02:77:00:00:00:11
vn_node o2 02:77:00:00:00:12
vn_node o3 02:77:00:00:00:13
vn_hear rsu o1
vn_hear o1 o2
vn_hear rsu o2
vn_loss rsu o2 "$VN_LOSS"
vn_hear o2 o3
vn_start_rsu rsu 1
vn_start_obu o1 11
vn_start_obu o2 12
vn_start_obu o3 13
vn_wait_upstream o1 20 1 || vn_die "o1 has no upstream"
vn_wait_upstream o2 20 || vn_die "o2 has no upstream"
vn_wait_upstream o3 20 || vn_die "o3 has no upstream"
vn_log "letting delivery ratios settle for ${VN_SETTLE}s"
sleep "$VN_SETTLE"
# With protocol v2, o1 relays only a sparse share of the heartbeats while no
# one depends on it, so o2 gathers evidence for the 2-hop path slowly (about
# one id in relay_sparse periods): wait, bounded, for the preference to form,
# and report how long it took.
prefer_t0=$EPOCHREALTIME prefer_in=none
for ((i = 0; i < VN_PREFER_MAX * 10; i++)); do
	cur=$(vn_upstream_nexthop o2)
	if [[ ${cur,,} == "$(vn_mac o1)" ]]; then
		prefer_in=$(vn_since "$prefer_t0")
		break
	fi
	sleep 0.1
done
vn_log "o2 took the path via o1 ${prefer_in}s after the settling time (bound ${VN_PREFER_MAX}s)"
# Right after the choice o1 densifies, and for one evaluation its ratio may
# dip (docs/routing.md, rule 5, known): the flap check is about the steady
# state, so it starts a second later.
sleep 1

# A static topology must not make o2 flap: sample its next hop for 5 s.
changes=0 prev=$(vn_upstream_nexthop o2) seen="$prev"
for ((i = 0; i < 25; i++)); do
	sleep 0.2
	cur=$(vn_upstream_nexthop o2)
	if [[ $cur != "$prev" ]]; then
		changes=$((changes + 1))
		seen+=" -> $cur"
	fi
	prev=$cur
done
vn_log "o2's next hop over 5 s: $seen"
vn_check "o2 does not flap in a static topology ($changes changes in 5 s, want <= 1)" \
	test "$changes" -le 1
vn_check "o2 -> RSU works before the cut" vn_ping o2 10.77.0.1 5

line=$(vn_upstream_line o2)
vn_log "o2 before the cut: $line"
nh=$(vn_upstream_nexthop o2)
if [[ ${nh,,} == "$(vn_mac o1)" ]]; then
	vn_pass "o2 prefers the clean path via o1 over the ${VN_LOSS}% lossy direct link"
	cut_a=o1 cut_b=o2 after=$(vn_mac rsu) after_hops=1
else
	vn_fail "o2 should prefer o1 ($(vn_mac o1)) over the ${VN_LOSS}% lossy direct link; uses '$nh'"
	# Still exercise a failover: cut the direct link, expect o1 to take over.
	cut_a=rsu cut_b=o2 after=$(vn_mac o1) after_hops=2
fi

count=150	# 15 s at 10/s
cut_at=4	# seconds after the first ping
vn_exec o2 ping -n -D -i 0.1 -c "$count" -W 1 10.77.0.1 >"$VN_TMP/ping.out" 2>&1 &
ppid=$!
t0=$EPOCHREALTIME
sleep "$cut_at"
vn_cut "$cut_a" "$cut_b"
tcut=$EPOCHREALTIME
vn_log "cut $cut_a <-> $cut_b"
# How long o2 keeps the dead next hop (polled every 50 ms, at most 5 s).
switched=none
for ((i = 0; i < 100; i++)); do
	cur=$(vn_upstream_nexthop o2)
	if [[ -n $cur && ${cur,,} != "${nh,,}" ]]; then
		switched=$(vn_since "$tcut")
		break
	fi
	sleep 0.05
done
vn_log "o2 switched its upstream ${switched}s after the cut"
wait "$ppid"

# Replies: "[1700000000.123456] 64 bytes from 10.77.0.1: icmp_seq=12 ttl=64 time=0.5 ms"
read -r sent recv <<<"$(awk '/packets transmitted/ { print $1, $4 }' "$VN_TMP/ping.out")"
read -r before after_n first_after maxgap <<<"$(awk -v c="$tcut" -v s="$t0" '
	/icmp_seq=/ {
		t = substr($1, 2, length($1) - 2) + 0
		if (t < c) { b++ } else { a++; if (first == "") first = t - c }
		if (last != "" && t - last > g) g = t - last
		last = t
	}
	END { printf "%d %d %s %.2f\n", b, a, (first == "" ? "none" : sprintf("%.2f", first)), g }
	' "$VN_TMP/ping.out")"
echo
echo "FIGURES: $sent pings at 10/s, $recv replies, $((sent - recv)) lost"
echo "  replies before the cut: $before (of ~$((cut_at * 10))), after: $after_n"
echo "  o2 changed its upstream ${switched} s after the cut"
echo "  first reply after the cut: ${first_after} s; longest gap between replies: ${maxgap} s"
if [[ $cut_a = o1 ]]; then
	echo "  (after the cut every ping crosses the ${VN_LOSS}%-lossy link twice: ~$(( (100 - VN_LOSS) * (100 - VN_LOSS) / 100 ))% get through)"
fi
echo
vn_check "o2 changed its upstream after the cut" test "$switched" != none
vn_check "traffic resumed after the cut" test "$first_after" != none
if [[ $first_after != none ]]; then
	vn_check "resumed within ${VN_FAILOVER_MAX}s (took ${first_after}s)" \
		awk -v f="$first_after" -v m="$VN_FAILOVER_MAX" 'BEGIN { exit !(f < m) }'
fi

# On the lossy link o2 may be between two heartbeats with no upstream at the
# moment we look ("upstream: none" after a run of lost heartbeats): poll.
via_after()
{
	local i
	for ((i = 0; i < 30; i++)); do
		line=$(vn_upstream_line o2)
		grep -qiE "^upstream: $after .*hops $after_hops($|[^0-9])" <<<"$line" && return 0
		sleep 0.1
	done
	return 1
}
vn_check "o2 now goes through $after, hops $after_hops" via_after
vn_log "o2 after the cut: $line"
# After the cut (and maybe after healing) the path may cross the 40%-lossy
# link twice: ~36 % of pings come back, so 10 pings all go unanswered 1 %
# of the time (CI saw it under ASan). A ping every 0.2 s until the first
# reply, bounded at 6 s (~30 requests: 0.64^30), judges the same thing --
# the node reaches the RSU -- without that chance.
reaches() { vn_ping "$1" 10.77.0.1 1 -w 6; }
vn_check "o3 still reaches the RSU" reaches o3

# Heal the link: nothing should break (and o2 may move back, with hysteresis).
vn_hear "$cut_a" "$cut_b"
sleep 2
vn_check "o2 -> RSU after healing" reaches o2
vn_log "o2 after healing: $(vn_upstream_line o2)"
vn_finish
