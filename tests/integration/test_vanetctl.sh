#!/usr/bin/env bash
# vanetctl for machines and for watching, on a chain RSU - o1 - o2:
# JSON status and counters parse; neighbours and routes (text and JSON) show
# the chain's entries; monitor streams an upstream change when a link is cut
# and a reload; metrics pass a format check and -o writes them atomically;
# malformed requests get an error and the daemon keeps running.
. "$(dirname "$0")/lib.sh"

vn_init python3
vn_chain 2
here=$(dirname "$0")
R=02:77:00:00:00:01 O1=02:77:00:00:00:11 O2=02:77:00:00:00:12
vn_check "o2 -> RSU" vn_ping o2 10.77.0.1 3

# py JSON-TEXT PYTHON-EXPR: true if the expression (on d = the document) holds.
py() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" <<<"$1"; }

# --- status and counters as JSON
for n in rsu o1 o2; do
	s=$(vn_ctl "$n" -j status)
	vn_check "$n: status -j is one JSON document" py "$s" 'isinstance(d, dict)'
	c=$(vn_ctl "$n" -j counters)
	vn_check "$n: counters -j is one JSON object of numbers, rx_frames > 0" \
		py "$c" 'all(isinstance(v, int) for v in d.values()) and d["rx_frames"] > 0'
done
s=$(vn_ctl o2 -j status)
vn_check "o2: status -j: role obud, upstream via o1, 2 hops, interface wire0" \
	py "$s" "d['role'] == 'obud' and d['upstream'] == {'next_hop': '$O1', 'rsu': '$R', 'hops': 2} and d['interface']['name'] == 'wire0' and '10.77.0.12/24' in d['addresses']"
s=$(vn_ctl rsu -j status)
vn_check "rsu: status -j: role rsud, no upstream, 2 routes" \
	py "$s" "d['role'] == 'rsud' and d['upstream'] is None and d['routes'] == 2"
vn_check "counters text and JSON agree on the names" \
	test "$(vn_ctl o1 counters | awk '{print $1}' | sort | tr '\n' ' ')" = \
	"$(vn_ctl o1 -j counters | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin))), end=" ")')"

# --- neighbours and routes
t=$(vn_ctl o2 neighbours); vn_log "o2 neighbours:"; sed 's/^/    /' <<<"$t"
vn_check "o2 neighbours: o1 for the RSU, 2 hops, upstream" \
	grep -qE "^$O1 dev wire0 rsu $R hops 2 ratio [0-9]+% heard [0-9]+ms upstream$" <<<"$t"
t=$(vn_ctl o1 neighbours); vn_log "o1 neighbours:"; sed 's/^/    /' <<<"$t"
vn_check "o1 neighbours: the RSU, 1 hop, upstream" \
	grep -qE "^$R dev wire0 rsu $R hops 1 .* upstream$" <<<"$t"
t=$(vn_ctl rsu neighbours); vn_log "rsu neighbours:"; sed 's/^/    /' <<<"$t"
vn_check "rsu neighbours: o1 only (o2 is 2 hops out)" \
	test "$(awk '{print $1}' <<<"$t")" = "$O1"
t=$(vn_ctl o2 routes); vn_log "o2 routes:"; sed 's/^/    /' <<<"$t"
vn_check "o2 routes: default via o1, rsu, 2 hops" \
	grep -qx "default via $O1 dev wire0 rsu $R hops 2" <<<"$t"
t=$(vn_ctl o1 routes); vn_log "o1 routes:"; sed 's/^/    /' <<<"$t"
vn_check "o1 routes: default via the RSU, and o2 via o2" \
	eval 'grep -qx "default via $R dev wire0 rsu $R hops 1" <<<"$t" &&
	      grep -qE "^$O2 via $O2 dev wire0 seen [0-9]+ms$" <<<"$t"'
t=$(vn_ctl rsu routes); vn_log "rsu routes:"; sed 's/^/    /' <<<"$t"
vn_check "rsu routes: o1 direct, o2 via o1 at 2 hops" \
	eval 'grep -qE "^$O1 via $O1 dev wire0 hops 1 rtt [0-9]+ms seen [0-9]+ms$" <<<"$t" &&
	      grep -qE "^$O2 via $O1 dev wire0 hops 2 rtt [0-9]+ms seen [0-9]+ms$" <<<"$t"'
j=$(vn_ctl rsu -j routes)
vn_check "rsu routes -j: a list with o2 via o1" \
	py "$j" "any(r['dst'] == '$O2' and r['via'] == '$O1' and r['hops'] == 2 for r in d)"
j=$(vn_ctl o2 -j routes)
vn_check "o2 routes -j: the default route" \
	py "$j" "d[0]['dst'] == 'default' and d[0]['via'] == '$O1' and d[0]['dev'] == 'wire0'"
j=$(vn_ctl o2 -j neighbours)
vn_check "o2 neighbours -j: o1 is the upstream" \
	py "$j" "any(r['lladdr'] == '$O1' and r['state'] == 'upstream' for r in d)"

# --- monitor: o2's upstream goes when o1 - o2 is cut, and comes back; the
# RSU's text monitor shows a reload.
"$VANETCTL" -s "$(vn_sock o2)" -j monitor >"$VN_TMP/mon.o2" 2>"$VN_TMP/mon.o2.err" &
mon_o2=$!
"$VANETCTL" -s "$(vn_sock rsu)" monitor >"$VN_TMP/mon.rsu" 2>&1 &
mon_rsu=$!
VN_PIDS+=("$mon_o2" "$mon_rsu")
subscribed() { grep -qs subscribed "$VN_TMP/mon.o2" && grep -qs subscribed "$VN_TMP/mon.rsu"; }
for ((i = 0; i < 50; i++)); do subscribed && break; sleep 0.1; done
vn_check "both monitors subscribed" subscribed
vn_cut o1 o2
vn_check "o2 loses its upstream" eval '! vn_wait_upstream o2 1 >/dev/null; for ((i = 0; i < 30; i++)); do [[ $(vn_upstream_line o2) = "upstream: none" ]] && break; sleep 0.1; done; [[ $(vn_upstream_line o2) = "upstream: none" ]]'
# mon_has FILE REGEX [SECONDS]: until the monitor's output matches.
mon_has()
{
	local end=$((SECONDS + ${3:-5}))
	while ((SECONDS < end)); do
		grep -qE "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}
vn_check "o2 monitor: the RSU gone (silent for its history)" \
	mon_has "$VN_TMP/mon.o2" "\"type\":\"rsu_gone\".*rsu $R gone"
vn_hear o1 o2
vn_check "o2 has its upstream again" vn_wait_upstream o2 10 2
vn_check "o2 monitor: the RSU found again" \
	mon_has "$VN_TMP/mon.o2" "\"type\":\"rsu_found\",\"level\":\"info\",\"message\":\"rsu $R found\""
kill -HUP "${VN_PID[rsu]}"
# Until the events checked below are out (bounded; they are judged there).
mon_has "$VN_TMP/mon.rsu" ' reload ' 5
mon_has "$VN_TMP/mon.o2" "\"type\":\"upstream\".*via $O1" 5
kill -INT "$mon_o2"
wait "$mon_o2"; rc=$?
vn_check "vanetctl monitor exits 0 on SIGINT (got $rc)" test "$rc" -eq 0
kill -INT "$mon_rsu"; wait "$mon_rsu"
vn_log "o2's monitor:"; sed 's/^/    /' "$VN_TMP/mon.o2"
vn_log "rsu's monitor:"; sed 's/^/    /' "$VN_TMP/mon.rsu"
vn_check "o2 monitor: every line is a JSON object with a type" \
	python3 -c 'import json,sys; [json.loads(l)["type"] for l in open(sys.argv[1])]' "$VN_TMP/mon.o2"
# The loss shows as "upstream now none", or (protocol v2 keeps a dead
# upstream as the last resort until its RSU is gone) as the RSU gone; either
# way an upstream event via o1 follows.
vn_check "o2 monitor: upstream lost, then upstream via o1 again" \
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
lost = lambda e: e["type"] == "rsu_gone" or (e["type"] == "upstream" and "now none" in e["message"])
i = next(i for i, e in enumerate(ev) if lost(e))
assert any(e["type"] == "upstream" and sys.argv[2] in e["message"] for e in ev[i + 1:]), ev' "$VN_TMP/mon.o2" "via $O1"
vn_check "rsu monitor: the reload, one line" grep -qE '^[0-9:.]+ reload configuration reloaded$' "$VN_TMP/mon.rsu"

# --- metrics
for n in rsu o2; do
	m=$(vn_ctl "$n" metrics)
	pfx=vanet_obu_; [[ $n = rsu ]] && pfx=vanet_rsu_
	vn_check "$n: metrics pass the exposition format check" \
		python3 "$here/check_metrics.py" "$pfx" <<<"$m"
done
vn_check "o2: metrics carry rx_frames and the upstream gauge" \
	eval 'grep -qE "^vanet_obu_rx_frames_total\{interface=\"wire0\"\} [1-9][0-9]*$" <<<"$m" &&
	      grep -qx "vanet_obu_upstream_hops{interface=\"wire0\"} 2" <<<"$m"'
mkdir -p "$VN_TMP/textfile"
vn_check "vanetctl -o writes the file" vn_ctl o2 -o "$VN_TMP/textfile/vanet.prom" metrics
vn_check "... which passes the check, with no temporary file left" \
	eval 'python3 "$here/check_metrics.py" <"$VN_TMP/textfile/vanet.prom" >/dev/null &&
	      test "$(ls "$VN_TMP/textfile")" = vanet.prom'
vn_check "vanetctl -o keeps the old file on an error answer" \
	eval '! vn_ctl o2 -o "$VN_TMP/textfile/vanet.prom" nosuch >/dev/null &&
	      grep -q "^# HELP" "$VN_TMP/textfile/vanet.prom" && test "$(ls "$VN_TMP/textfile")" = vanet.prom'

# --- malformed requests: an error each, the daemon unharmed
for req in 'status yaml' 'json status' 'monitor json json' $'\x01\x02\xff' "$(head -c 300 /dev/zero | tr '\0' x)"; do
	a=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode("utf-8", "surrogateescape") + b"\n"); s.shutdown(socket.SHUT_WR)
print(s.makefile(errors="replace").read(), end="")' "$(vn_sock o1)" "$req")
	vn_check "o1 answers '${req:0:20}' with one error line (${a:0:60})" \
		eval '[[ $a = error:* && $(wc -l <<<"$a") = 1 ]]'
done
vn_check "vanetctl status extra word: usage (2)" eval 'vn_ctl o1 status x >/dev/null 2>&1; test $? -eq 2'
vn_check "o1 still answers" vn_wait_upstream o1 2 1
vn_finish
