#!/usr/bin/env bash
# check_man.sh MANDIR OBUD RSUD VANETCTL CONFDIR: the built man pages
#  - render without a warning (groff -ww, and mandoc -Tlint when installed),
#  - have an entry for every option that obud -h / rsud -h prints, for every
#    command that vanetctl -h lists, and for every key of the example
#    configurations (conf/*.conf, commented-out keys included).
# Exit 77 (skip) without groff. Prints every problem, exits 1 if any.
set -euo pipefail
mandir=$1 obud=$2 rsud=$3 vanetctl=$4 confdir=$5
command -v groff >/dev/null 2>&1 || { echo "groff missing: skip"; exit 77; }
bad=0
problem() { echo "FAIL: $*"; bad=1; }

for page in obud.8 rsud.8 vanetctl.8 vanet.conf.5 vanet-keygen.1; do
	f=$mandir/$page
	[[ -s $f ]] || { problem "$page: not built"; continue; }
	out=$(groff -ww -man -z "$f" 2>&1) || problem "$page: groff failed"
	[[ -z $out ]] || problem "$page: groff warns: $out"
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -Tlint -W warning "$f" 2>&1) || problem "$page: mandoc -Tlint: $out"
	fi
done

# "usage: obud [-c FILE] [-n] [-v]... [-h] [-V]": each -X is an OPTIONS tag.
for d in obud rsud; do
	bin=$obud
	[[ $d = rsud ]] && bin=$rsud
	opts=$("$bin" -h | sed -n 1p | grep -oE '\[-[A-Za-z]' | cut -c3)
	[[ -n $opts ]] || problem "$d -h: no options found in: $("$bin" -h | sed -n 1p)"
	for o in $opts; do
		grep -qE "^\\\\fB\\\\-$o(\\\\fR| |$)" "$mandir/$d.8" ||
			problem "$d.8: no entry for option -$o"
	done
done

# "  COMMAND    status | counters | help"
cmds=$("$vanetctl" -h | sed -n 's/^ *COMMAND  *//p' | tr '|' ' ')
[[ -n $cmds ]] || problem "vanetctl -h: no COMMAND line"
for c in $cmds; do
	awk -v c="$c" 'prev == ".TP" && ($0 == ".B " c || index($0, ".B " c " ") == 1) { found = 1 }
		{ prev = $0 } END { exit !found }' "$mandir/vanetctl.8" ||
		problem "vanetctl.8: no entry for command '$c'"
done

# every key of the example configurations
keys=$(sed -nE 's/^[;#]?([a-z_]+) *=.*/\1/p' "$confdir"/*.conf | sort -u)
[[ -n $keys ]] || problem "no keys found in $confdir/*.conf"
for k in $keys; do
	grep -qxF "\\fB$k\\fR" "$mandir/vanet.conf.5" || problem "vanet.conf.5: no entry for key '$k'"
done

((bad == 0)) && echo "man pages OK ($(wc -w <<<"$keys") keys; commands: $(tr -s " " <<<"$cmds"))"
exit "$bad"
