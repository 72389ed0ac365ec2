#!/usr/bin/env bash
# systemd notification (sd_notify): with NOTIFY_SOCKET pointing at a socket
# the test reads (notify_listen.py plays systemd), a daemon says READY=1 once
# it is up, a STATUS= summary that follows its state, WATCHDOG=1 at half of
# WATCHDOG_USEC (only when that is set, and not while the process is
# stopped), RELOADING=1 then READY=1 around SIGHUP, STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.sh"

vn_init python3
vn_node rsu 02:77:00:00:00:01
vn_node o1 02:77:00:00:00:11
vn_hear rsu o1

# listen NODE: a listener for NODE's notifications in $VN_TMP/NODE.notify.
listen()
{
	python3 "$(dirname "$0")/notify_listen.py" "$VN_TMP/$1.nsock" "$VN_TMP/$1.notify" &
	VN_PIDS+=("$!")
	for ((i = 0; i < 50; i++)); do
		[[ -S $VN_TMP/$1.nsock ]] && return 0
		sleep 0.1
	done
	vn_die "notify listener for $1 did not start"
}
msgs() { cat "$VN_TMP/$1.notify" 2>/dev/null; }
# drained NODE: the listener has read every notification sent to NODE's
# socket (its receive queue, as ss shows it, is empty): what a daemon sent
# before a point is then in the file.
drained() { ss -xan 2>/dev/null | awk -v p="$VN_TMP/$1.nsock" '$5 == p { q = $3 } END { exit q != 0 }'; }
# stopped NODE: NODE's daemon is in the stopped state (after SIGSTOP).
stopped() { [[ $(awk '{ print $3 }' "/proc/${VN_PID[$1]}/stat" 2>/dev/null) = T ]]; }
count() { msgs "$1" | grep -c -- "$2"; }
# wait_msg NODE REGEX [SECONDS]
wait_msg()
{
	local t=${3:-5} end
	end=$((SECONDS + t))
	while ((SECONDS < end)); do
		msgs "$1" | grep -qE -- "$2" && return 0
		sleep 0.1
	done
	vn_log "$1 sent: $(msgs "$1" | tail -n 5 | tr '\n' ' ')"
	return 1
}

listen rsu
listen o1
# The RSU without a watchdog, the OBU with a 1 s one.
NOTIFY_SOCKET=$VN_TMP/rsu.nsock vn_start_rsu rsu 1
NOTIFY_SOCKET=$VN_TMP/o1.nsock WATCHDOG_USEC=1000000 vn_start_obu o1 11

vn_check "rsud: READY=1" wait_msg rsu '^[0-9.]+ READY=1'
vn_check "obud: READY=1" wait_msg o1 '^[0-9.]+ READY=1'
vn_check "obud: STATUS=upstream none at first, or its upstream" \
	wait_msg o1 ' STATUS=upstream (none|02:77:00:00:00:01)'
vn_check "obud: STATUS= follows the upstream" \
	wait_msg o1 ' STATUS=upstream 02:77:00:00:00:01 rsu 02:77:00:00:00:01 hops 1$' 10
vn_check "rsud: STATUS= counts its routes (1 route to OBUs)" \
	wait_msg rsu ' STATUS=1 route to OBUs$' 10

# The watchdog: every 0.5 s with WATCHDOG_USEC=1000000.
w0=$(count o1 WATCHDOG=1)
sleep 3
w1=$(count o1 WATCHDOG=1)
vn_log "obud: $((w1 - w0)) WATCHDOG=1 in 3 s"
vn_check "obud: WATCHDOG=1 about every 0.5 s (5..8 in 3 s: $((w1 - w0)))" \
	test "$((w1 - w0))" -ge 5 -a "$((w1 - w0))" -le 8
vn_check "rsud: no WATCHDOG=1 without WATCHDOG_USEC" test "$(count rsu WATCHDOG=1)" -eq 0
# A stopped process sends none (what lets systemd catch a hung daemon).
# (One sent just before the stop may still be on its way to the file.)
kill -STOP "${VN_PID[o1]}"
vn_wait_for 5 stopped o1
vn_wait_for 5 drained o1
w0=$(count o1 WATCHDOG=1)
sleep 1.5
w1=$(count o1 WATCHDOG=1)
kill -CONT "${VN_PID[o1]}"
vn_check "obud: no WATCHDOG=1 while stopped ($((w1 - w0)))" test "$((w1 - w0))" -eq 0
watchdog_again() { (($(count o1 WATCHDOG=1) > w1)); }
vn_check "obud: WATCHDOG=1 again after SIGCONT" vn_wait_for 3 watchdog_again

# Reload: RELOADING=1, then READY=1 after it (and a refused reload too).
# reloaded NODE LINES: NODE sent RELOADING=1, then READY=1, after line LINES.
reloaded() { msgs "$1" | tail -n +"$(($2 + 1))" | tr '\n' ' ' | grep -qE 'RELOADING=1.* READY=1'; }
for n in o1 rsu; do
	r0=$(msgs "$n" | wc -l)
	kill -HUP "${VN_PID[$n]}"
	vn_wait_for 5 reloaded "$n" "$r0"
	after=$(msgs "$n" | tail -n +"$((r0 + 1))" | grep -v WATCHDOG=1 | awk '{print $2}')
	vn_log "$n after SIGHUP: $(echo $after)"
	vn_check "$n: RELOADING=1 then READY=1 on SIGHUP" \
		grep -qzE 'RELOADING=1\|MONOTONIC_USEC=[0-9]+.*READY=1' <<<"$(echo $after)"
done
printf 'no_such_key = 1\n' >>"$VN_TMP/rsu.conf"
r0=$(msgs rsu | wc -l)
kill -HUP "${VN_PID[rsu]}"
vn_wait_for 5 reloaded rsu "$r0"
after=$(msgs rsu | tail -n +"$((r0 + 1))" | awk '{print $2}')
vn_check "rsud: READY=1 again after a refused reload" \
	grep -qzE 'RELOADING=1.*READY=1' <<<"$(echo $after)"

for n in o1 rsu; do
	vn_stop "$n" TERM 10
	rc=$?
	vn_check "$n exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
	vn_wait_for 5 drained "$n"
	vn_check "$n: STOPPING=1 is its last message" \
		test "$(msgs "$n" | tail -n 1 | awk '{print $2}')" = STOPPING=1
done
vn_finish
