#!/usr/bin/env bash
# SIGHUP reloads the configuration: a new log level or routing parameter is
# taken while the daemon keeps running and routing; an invalid file is refused
# (logged, naming the file) and the old configuration stays in force.
. "$(dirname "$0")/lib.sh"

vn_init
vn_chain 2
vn_check "o2 -> RSU before any reload" vn_ping o2 10.77.0.1 3

# rate NODE: frames sent per second over 2 s (no other traffic meanwhile).
rate()
{
	local a b
	a=$(vn_counter "$1" tx_frames)
	sleep 2
	b=$(vn_counter "$1" tx_frames)
	echo $(((b - a) / 2))
}

# hup NODE: SIGHUP, then the daemon must still be there a second later.
hup()
{
	kill -HUP "${VN_PID[$1]}"
	sleep 1
	vn_alive "$1"
}

lines() { wc -l <"$(vn_logfile "$1")"; }

# 1. Log level info -> debug on o1.
n0=$(lines o1)
VN_LOG_LEVEL=debug vn_conf o1 obu 11 >/dev/null
vn_check "o1 alive after SIGHUP with level = debug" hup o1
vn_log "o1 logged after the reload:"
tail -n +"$((n0 + 1))" "$(vn_logfile o1)" | head -n 5 | sed 's/^/    /'
vn_check "o2 -> RSU after o1's reload" vn_ping o2 10.77.0.1 3

# 2. A routing parameter: heartbeat period 100 -> 250 ms on every node.
r1=$(rate rsu)
VN_PERIOD_MS=250 vn_conf rsu rsu 1 >/dev/null
VN_PERIOD_MS=250 vn_conf o1 obu 11 >/dev/null
VN_PERIOD_MS=250 vn_conf o2 obu 12 >/dev/null
for n in o2 o1 rsu; do
	vn_check "$n alive after SIGHUP with heartbeat_period_ms = 250" hup "$n"
done
r2=$(rate rsu)
vn_log "rsud heartbeats: $r1/s at 100 ms, $r2/s after the reload to 250 ms"
vn_check "rsud took the new period ($r1/s -> $r2/s)" test "$((r2 * 10))" -lt "$((r1 * 6))"
vn_check "o2 still 2 hops out" vn_wait_upstream o2 5 2
vn_check "o2 -> RSU after the period change" vn_ping o2 10.77.0.1 3

# 3. An invalid file on SIGHUP: refused, logged, the old one kept.
good=$(cat "$VN_TMP/rsu.conf")
n0=$(lines rsu)
printf '[routing]\nheartbeat_period_ms = 100\nno_such_key = 1\n' >>"$VN_TMP/rsu.conf"
vn_check "rsud alive after SIGHUP with an invalid file" hup rsu
new=$(tail -n +"$((n0 + 1))" "$(vn_logfile rsu)")
vn_log "rsud logged:"
sed 's/^/    /' <<<"$new" | head -n 5
vn_check "rsud logged why, naming file and line" grep -qE "$VN_TMP/rsu.conf:[0-9]+: " <<<"$new"
r3=$(rate rsu)
vn_check "rsud kept the old period ($r3/s, was $r2/s)" \
	test "$((r3 * 10))" -lt "$((r1 * 6))"
vn_check "o2 -> RSU after the refused reload" vn_ping o2 10.77.0.1 3

n0=$(lines o1)
sed -i 's|^address = 10.77.0.11/24|address = 10.77.0.311/24|' "$VN_TMP/o1.conf"
vn_check "o1 alive after SIGHUP with a bad address" hup o1
new=$(tail -n +"$((n0 + 1))" "$(vn_logfile o1)")
sed 's/^/    /' <<<"$new" | head -n 5
vn_check "o1 logged why, naming file and line" grep -qE "$VN_TMP/o1.conf:[0-9]+: " <<<"$new"
vn_check "o2 -> RSU through o1 after its refused reload" vn_ping o2 10.77.0.1 3
vn_check "RSU -> o1 (its address unchanged)" vn_ping rsu 10.77.0.11 3

# 4. Back to a good file.
printf '%s\n' "$good" >"$VN_TMP/rsu.conf"
vn_check "rsud alive after SIGHUP with the good file again" hup rsu
vn_check "o2 -> RSU at the end" vn_ping o2 10.77.0.1 3

for n in o2 o1 rsu; do
	vn_stop "$n" TERM 10
	rc=$?
	vn_check "$n exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
done
vn_finish
