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
vn_ctl o2 status >/dev/null
vn_ctl o2 counters >/dev/null
vn_ctl rsu bogus >/dev/null 2>&1

for n in o2 o1 rsu; do
	pid=${VN_PID[$n]}
	vn_stop "$n" TERM 30
	rc=$?
	vn_check "$n under valgrind exits 0 on SIGTERM (got $rc; 99 = valgrind errors)" test "$rc" -eq 0
	f="$VN_TMP/vg-$pid.txt"
	if [[ -s $f ]]; then
		vn_fail "$n: valgrind reported:"
		head -n 60 "$f"
	else
		vn_pass "$n: valgrind log empty (no errors, no definite leaks)"
	fi
done
vn_finish
