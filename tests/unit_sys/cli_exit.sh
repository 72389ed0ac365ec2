#!/bin/sh
# The daemons' and vanetctl's exit codes and messages (DAEMON_CONTRACT.md),
# without starting anything: no root needed.
#   cli_exit.sh OBUD RSUD VANETCTL SOURCE_DIR
set -u
obud=$1 rsud=$2 ctl=$3 src=$4
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect RC CMD...: runs CMD, stdout to $tmp/out, stderr to $tmp/err
expect()
{
	want=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: $* -> exit $rc, want $want"; sed 's/^/  err: /' "$tmp/err"
		fails=$((fails + 1))
	fi
}
# has FILE PATTERN
has()
{
	if ! grep -qE "$2" "$tmp/$1"; then
		echo "FAIL: $1 lacks /$2/:"; sed 's/^/  /' "$tmp/$1"
		fails=$((fails + 1))
	fi
}
empty()
{
	if [ -s "$tmp/$1" ]; then
		echo "FAIL: $1 not empty:"; sed 's/^/  /' "$tmp/$1"
		fails=$((fails + 1))
	fi
}

for d in obud rsud; do
	eval bin=\$$d
	expect 0 "$bin" -V; has out "^$d [0-9]+\.[0-9]+\.[0-9]+$"; empty err
	expect 0 "$bin" -h; has out "^usage: $d "; empty err
	expect 2 "$bin" -x; has err "^usage: $d "; empty out
	expect 2 "$bin" stray; has err "unexpected argument 'stray'"; empty out
	expect 2 "$bin" -c; has err "needs a file name"
	expect 0 "$bin" -n -c "$src/conf/$d.conf"; has out "^$src/conf/$d.conf: configuration OK$"
	expect 1 "$bin" -n -c "$tmp/missing.conf"; has err "^$tmp/missing.conf: cannot open"; empty out
	printf '[wire]\ninterface = eth0\n[tun]\nmtu = 5\n[nope]\n' >"$tmp/bad.conf"
	expect 1 "$bin" -n -c "$tmp/bad.conf"
	has err "^$tmp/bad.conf:4: \[tun\] mtu 5 is out of range"
	has err "^$tmp/bad.conf:5: unknown section \[nope\]"
	empty out
done
# A key of the other daemon.
expect 1 "$rsud" -n -c "$src/conf/obud.conf"; has err "obud.conf:[0-9]+: unknown key 'candidates'"

expect 2 "$ctl"
expect 2 "$ctl" -s
expect 2 "$ctl" status extra
expect 0 "$ctl" -h; has out "^usage: vanetctl"
expect 1 "$ctl" -s "$tmp/none.sock" status; has err "cannot connect to $tmp/none.sock"

[ "$fails" -eq 0 ] && echo "all exit codes OK"
[ "$fails" -eq 0 ]
