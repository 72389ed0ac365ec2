#!/usr/bin/env bash
# The chain RSU - o1 - o2 with every daemon under valgrind (memcheck): short
# pings in both directions, SIGTERM, then valgrind must report no errors and
# no definitely lost memory.
. "$(dirname "$0")/lib.sh"

[[ ${VN_SANITIZE:-0} = 1 ]] && vn_skip "valgrind cannot run sanitizer builds"
vn_init valgrind
VN_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --track-origins=yes --log-file=$VN_TMP/vg-%p.txt"
VN_START_TIMEOUT=60
VN_UP_TIMEOUT=60
vn_log "daemons under: $VN_WRAP"
vn_chain 2
vn_check "o2 -> RSU under valgrind" vn_ping o2 10.77.0.1 5
vn_check "RSU -> o2 under valgrind" vn_ping rsu 10.77.0.12 5
vn_check "IPv6 o2 -> RSU under valgrind" vn_ping o2 fd77::1 3
vn_check "o1 -> o2 under valgrind" vn_ping o1 10.77.0.12 3
vn_check "o2 -> RSU, 40 pings at 20/s" vn_ping o2 10.77.0.1 40 -i 0.05
vn_ctl o2 status >/dev/null
vn_ctl o2 counters >/dev/null
vn_ctl rsu bogus >/dev/null 2>&1
for cmd in "-j status" "-j counters" neighbours "-j neighbours" routes "-j routes" metrics; do
	# shellcheck disable=SC2086 # two words on purpose
	vn_ctl o1 $cmd >/dev/null
	# shellcheck disable=SC2086
	vn_ctl rsu $cmd >/dev/null
done

# Reloads (good, then bad) and a few hostile frames, under valgrind too,
# with a monitor on the RSU's reload events (and one left to the tear-down).
"$VANETCTL" -s "$(vn_sock rsu)" -j monitor >"$VN_TMP/mon.rsu" 2>&1 &
mon=$!
"$VANETCTL" -s "$(vn_sock o1)" monitor >"$VN_TMP/mon.o1" 2>&1 &
VN_PIDS+=("$mon" "$!")
# Both subscribed before the reload, and its event out before the check
# (bounded waits: under valgrind on a loaded machine a second may not do).
subscribed() { grep -qs subscribed "$VN_TMP/mon.rsu" && grep -qs subscribed "$VN_TMP/mon.o1"; }
vn_wait_for 10 subscribed
kill -HUP "${VN_PID[rsu]}" "${VN_PID[o1]}"
vn_wait_for 10 grep -q '"type":"reload"' "$VN_TMP/mon.rsu"
kill -INT "$mon"
vn_check "monitor under valgrind saw the reload" grep -q '"type":"reload"' "$VN_TMP/mon.rsu"
echo "[log]" >>"$VN_TMP/o2.conf"
echo "no_such_key = 1" >>"$VN_TMP/o2.conf"
kill -HUP "${VN_PID[o2]}"
reload_refused() { (($(vn_counter o2 reload_failures) > 0)); }
vn_wait_for 10 reload_refused
vn_node x 02:77:00:00:00:99
vn_hear x rsu
vn_hear x o1
vn_exec x "$VN_INJECT" -i wire0 -n 3 runt unknown-type short-heartbeat trailer \
	two-heartbeats >/dev/null
vn_exec x "$VN_INJECT" -i wire0 -n 3 -d 02:77:00:00:00:01 short-reply data-bad-version \
	data-bad-length data-v6-short >/dev/null
vn_exec x "$VN_INJECT" -i wire0 -w 3 -n 3 -d 02:77:00:00:00:01 reply-future-uptime \
	reply-huge-uptime >/dev/null
sleep 0.5
vn_check "o2 -> RSU after reloads and hostile frames" vn_ping o2 10.77.0.1 5

for n in o2 o1 rsu; do
	pid=${VN_PID[$n]}
	vn_stop "$n" TERM 30
	rc=$?
	vn_check "$n under valgrind exits 0 on SIGTERM (got $rc; 99 = valgrind errors)" test "$rc" -eq 0
	f="$VN_TMP/vg-$pid.txt"
	if [[ ! -e $f ]]; then
		vn_fail "$n: no valgrind log $f (did valgrind run?)"
	elif [[ -s $f ]]; then
		vn_fail "$n: valgrind reported:"
		head -n 60 "$f"
	else
		vn_pass "$n: valgrind log empty (no errors, no definite leaks)"
	fi
done
vn_finish
