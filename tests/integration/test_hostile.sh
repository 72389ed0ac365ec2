#!/usr/bin/env bash
# Hostile frames injected on the wire (EtherType 0x3030: other EtherTypes are
# filtered by the kernel before the daemons see them). For each kind the
# matching rx_drop_* counter must rise; afterwards every daemon must be alive
# and routing.
#
#   rsu - o1 - o2        x (the attacker, no daemon) hears rsu and o1
. "$(dirname "$0")/lib.sh"

N=5		# copies of each frame
FAKE_RSU=02:66:66:66:66:66

vn_init
vn_node rsu 02:77:00:00:00:01
vn_node o1 02:77:00:00:00:11
vn_node o2 02:77:00:00:00:12
vn_node x 02:77:00:00:00:99
vn_hear rsu o1
vn_hear o1 o2
vn_hear x rsu
vn_hear x o1
vn_start_rsu rsu 1
vn_start_obu o1 11
vn_start_obu o2 12
vn_wait_upstream o1 20 1 || vn_die "o1 has no upstream"
vn_wait_upstream o2 20 2 || vn_die "o2 has no upstream"
vn_check "o2 -> RSU before the attack" vn_ping o2 10.77.0.1 3
[[ -x $VN_INJECT ]] || vn_die "$VN_INJECT is not built"

rsu_mac=$(vn_mac rsu)
o1_mac=$(vn_mac o1)
o1_up_before=$(vn_upstream_line o1)

inject() { vn_exec x "$VN_INJECT" -i wire0 -n "$N" -g 2 "$@" >/dev/null; }

# risen_by NODE COUNTER BEFORE N: COUNTER on NODE is at least BEFORE + N
# (sets after).
risen_by() { after=$(vn_counter "$1" "$2"); ((after - $3 >= $4)); }

# expect NODE COUNTER "what" INJECT-ARGS...: inject, then COUNTER on NODE must
# rise by at least N within 5 s (at once, unless the daemon is descheduled).
expect()
{
	local node=$1 ctr=$2 what=$3 before after
	shift 3
	before=$(vn_counter "$node" "$ctr")
	if ! inject "$@"; then
		vn_fail "$what: vn_inject $* failed"
		return
	fi
	vn_wait_for 5 risen_by "$node" "$ctr" "$before" "$N"
	if ((after - before >= N)); then
		vn_pass "$what: $node $ctr +$((after - before))"
	else
		vn_fail "$what: $node $ctr went $before -> $after, want +$N"
	fi
}

vn_log "counters of the RSU before:"
vn_ctl rsu counters | sed 's/^/    /'
for c in rx_frames tx_frames tun_rx_packets tun_tx_packets rx_drop_truncated rx_drop_runt \
	rx_drop_ethertype rx_drop_unknown_type rx_drop_short rx_drop_trailer \
	rx_drop_ip_version rx_drop_ip_length; do
	vn_check "counter $c is listed" bash -c "'$VANETCTL' -s '$(vn_sock rsu)' counters | grep -q '^$c '"
done

rx0=$(vn_counter o1 rx_frames)
expect o1 rx_drop_runt "runt (15 bytes)" -r "$FAKE_RSU" runt
vn_check "o1 rx_frames counts frames before validation" test "$(vn_counter o1 rx_frames)" -gt "$rx0"
expect rsu rx_drop_runt "runt, at the RSU" -r "$FAKE_RSU" runt
expect o1 rx_drop_unknown_type "unknown type 02/07" -r "$FAKE_RSU" unknown-type
expect o1 rx_drop_unknown_type "unknown subtype 00/05" -r "$FAKE_RSU" unknown-subtype
expect o1 rx_drop_short "short heartbeat (30 bytes)" -r "$FAKE_RSU" short-heartbeat
expect rsu rx_drop_short "short reply (48 bytes)" -d "$rsu_mac" -r "$rsu_mac" short-reply
expect o1 rx_drop_short "short downstream (24 bytes)" -d "$o1_mac" -r "$rsu_mac" short-data
expect o1 rx_drop_trailer "heartbeat + 5 stray bytes" -r "$FAKE_RSU" trailer
expect rsu rx_drop_ip_version "upstream data, IP version 5" -d "$rsu_mac" data-bad-version
expect rsu rx_drop_ip_version "upstream data, no IP packet" -d "$rsu_mac" data-empty
expect o1 rx_drop_ip_version "downstream data, IP version 0" -d "$o1_mac" -r "$rsu_mac" down-bad-version
expect rsu rx_drop_ip_length "upstream data, IPv4 total length beyond the frame" -d "$rsu_mac" data-bad-length
expect rsu rx_drop_ip_length "upstream data, IPv4 header longer than the packet" -d "$rsu_mac" data-bad-ihl
expect rsu rx_drop_ip_length "upstream data, IPv6 shorter than its header" -d "$rsu_mac" data-v6-short
expect o1 rx_drop_ip_length "downstream data, IPv4 total length < header" -d "$o1_mac" -r "$rsu_mac" down-bad-length

# Replies with absurd uptimes, built from a real heartbeat (recent id). The
# reply-drop counters are the core's own (drop_reply_*): their sum must rise
# for uptimes from the future; an uptime of 0 is merely very old.
reply_drops() { vn_ctl rsu counters | awk '$1 ~ /^drop_reply/ { s += $2 } END { print s + 0 }'; }
reply_drops_rose() { (($(reply_drops) - d0 >= N)); }
for t in reply-future-uptime reply-huge-uptime reply-zero-uptime; do
	before=$(vn_counter rsu rx_frames)
	d0=$(reply_drops)
	if vn_exec x "$VN_INJECT" -i wire0 -w 3 -n "$N" -g 2 -d "$rsu_mac" "$t" >/dev/null; then
		if [[ $t != reply-zero-uptime ]]; then
			vn_wait_for 5 reply_drops_rose
		else
			sleep 0.2
		fi
		after=$(vn_counter rsu rx_frames)
		d1=$(reply_drops)
		vn_check "$t: the RSU received it ($before -> $after frames) and is alive" \
			eval '((after > before)) && vn_alive rsu'
		if [[ $t != reply-zero-uptime ]]; then
			vn_check "$t: counted as dropped (drop_reply_* +$((d1 - d0)))" \
				test $((d1 - d0)) -ge "$N"
		fi
	else
		vn_fail "$t: vn_inject could not learn a heartbeat"
	fi
done

# A frame that claims to come from o1 itself must be ignored by o1.
if vn_ctl o1 counters | grep -q '^drop_own_frame '; then
	expect o1 drop_own_frame "heartbeat with o1's own MAC as from (ignored)" -s "$o1_mac" -r "$FAKE_RSU" own-mac
else
	expect o1 rx_frames "heartbeat with o1's own MAC as from (ignored)" -s "$o1_mac" -r "$FAKE_RSU" own-mac
fi
vn_check "o1's upstream unchanged after its own MAC was forged" \
	test "$(vn_upstream_line o1 | awk '{print $2, $4}')" = "$(awk '{print $2, $4}' <<<"$o1_up_before")"

# Frames larger than the receive buffer: jumbo MTU on x -> rsu, 60000 bytes.
if vn_exec x ip link set wire0 mtu 65000 2>/dev/null &&
	vn_air ip link set p_x mtu 65000 && vn_air ip link set p_rsu mtu 65000 &&
	vn_exec rsu ip link set wire0 mtu 65000; then
	big=$(head -c 59986 /dev/zero | tr '\0' '\253' | od -An -v -tx1 | tr -d ' \n')
	big_sum() {
		echo $(( $(vn_counter rsu rx_drop_truncated) + $(vn_counter rsu rx_drop_trailer) +
			$(vn_counter rsu rx_drop_unknown_type) ))
	}
	before=$(big_sum)
	vn_exec x "$VN_INJECT" -i wire0 -n 3 "${rsu_mac//:/}$(vn_mac x | tr -d :)3030$big" >/dev/null
	big_rose() { after=$(big_sum); ((after - before >= 3)); }
	vn_wait_for 5 big_rose
	t=$(vn_counter rsu rx_drop_truncated)
	after=$(big_sum)
	vn_check "60000-byte frame: dropped and counted (truncated now $t)" test $((after - before)) -ge 3
	vn_exec rsu ip link set wire0 mtu 1500
else
	vn_log "cannot raise the MTU for the jumbo-frame case: skipped"
fi

# Random garbage: 300 frames of random length (16..300) and content.
before=$(vn_counter o1 rx_frames)
frames=()
xmac=$(vn_mac x | tr -d :)
for ((i = 0; i < 300; i++)); do
	len=$((16 + RANDOM % 285))
	body=$(head -c "$len" /dev/urandom | od -An -v -tx1 | tr -d ' \n')
	# keep the header valid so that the frames reach the decoder; 1 in 4
	# starts with a real type
	case $((i % 4)) in
	0) body="0000${body:4}" ;; 1) body="0001${body:4}" ;;
	2) body="0100${body:4}" ;; 3) body="0101${body:4}" ;;
	esac
	frames+=("ffffffffffff${xmac}3030$body")
done
vn_exec x "$VN_INJECT" -i wire0 "${frames[@]}" >/dev/null
vn_wait_for 5 risen_by o1 rx_frames "$before" 300
vn_check "o1 received the 300 random frames" test $(($(vn_counter o1 rx_frames) - before)) -ge 300

for n in rsu o1 o2; do
	vn_check "$n is still alive" vn_alive "$n"
done
vn_check "o2 -> RSU still works after the attack" vn_ping o2 10.77.0.1 5
vn_check "RSU -> o2 still works after the attack" vn_ping rsu "$(vn_ip4 o2)" 5
vn_check "o2 is still 2 hops out" vn_wait_upstream o2 5 2

vn_log "drop counters after the attack:"
for n in rsu o1; do
	echo "  $n: $(vn_ctl "$n" counters | grep '^rx_drop' | tr '\n' ' ')"
done
for n in rsu o1 o2; do
	vn_stop "$n" TERM 10
	rc=$?
	vn_check "$n exits 0 on SIGTERM after the attack (got $rc)" test "$rc" -eq 0
done
vn_finish
