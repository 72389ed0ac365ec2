#!/usr/bin/env bash
# Bad configurations and bad command lines, for obud and rsud: exit status and
# message (DAEMON_CONTRACT: "FILE:LINE: message" on stderr, exit 1; usage
# errors exit 2; -n prints "FILE: configuration OK"; -V "obud 0.1.0").
. "$(dirname "$0")/lib.sh"

vn_require_daemons
vn_init_tmp
version=$(sed -n 's/^project(vanet VERSION \([0-9.]*\).*/\1/p' "$VN_REPO/CMakeLists.txt")

# The reference configuration; the cases below refer to its line numbers.
base()
{
	local role=$1
	cat <<-EOF
	[wire]
	interface = wire0
	[tun]
	name = tun0
	address = 10.77.0.11/24
	address = fd77::11/64
	mtu = 1472
	[routing]
	heartbeat_period_ms = 100
	history = 10
	$([[ $role = obud ]] && echo "candidates = 3" || echo "; no candidates in rsud")
	[control]
	socket = $VN_TMP/never-created.sock
	[log]
	level = info
	EOF
}

# run BIN ARGS...: sets rc, out, err.
run()
{
	out=$("$@" 2>"$VN_TMP/stderr")
	rc=$?
	err=$(cat "$VN_TMP/stderr")
}

show() { printf '      exit %s, stdout: %s, stderr: %s\n' "$rc" "${out:-(none)}" "${err:-(none)}"; }

# bad BIN "what" LINES TOKEN SED-EXPR: the base file edited by SED-EXPR must be
# refused with exit 1 and "FILE:LINE: ..." (LINE one of LINES, a regex) on
# stderr, the message naming TOKEN if given.
bad()
{
	local bin=$1 what=$2 lines=$3 token=$4 expr=$5 f ok=1
	f="$VN_TMP/$(basename "$bin")-$RANDOM.conf"
	base "$(basename "$bin")" | sed -e "$expr" >"$f"
	run "$bin" -n -c "$f"
	[[ $rc = 1 ]] || ok=0
	grep -qE "^$f:($lines): " <<<"$err" || ok=0
	if [[ -n $token ]] && ! grep -qiF -- "$token" <<<"$err"; then ok=0; fi
	[[ -z $out ]] || ok=0
	if ((ok)); then
		vn_pass "$(basename "$bin"): $what -> exit 1, $(head -n1 <<<"$err" | sed "s|$VN_TMP/||")"
	else
		vn_fail "$(basename "$bin"): $what: want exit 1 and '$f:$lines: ...${token:+ ($token)}' on stderr"
		show
	fi
}

for bin in "$OBUD" "$RSUD"; do
	name=$(basename "$bin")
	good="$VN_TMP/$name-good.conf"
	base "$name" >"$good"

	# Good file, -n: OK on stdout, exit 0, nothing created.
	run "$bin" -n -c "$good"
	if [[ $rc = 0 && $out = "$good: configuration OK" ]]; then
		vn_pass "$name -n on a good file: '$out'"
	else
		vn_fail "$name -n on a good file: want exit 0 and '$good: configuration OK'"; show
	fi
	vn_check "$name -n created no control socket" test ! -e "$VN_TMP/never-created.sock"

	bad "$bin" "unknown key in [routing]" 11 bogus_key '11i\bogus_key = 1'
	bad "$bin" "unknown key in [wire]" 3 colour '3i\colour = red'
	bad "$bin" "unknown section" '12|13' bogus_section '12i\[bogus_section]\nfoo = 1'
	bad "$bin" "bad IPv4 address" 5 '' '5s|.*|address = 10.77.0.300/24|'
	bad "$bin" "address that is not one" 5 '' '5s|.*|address = hello/24|'
	bad "$bin" "IPv4 prefix /33" 5 '' '5s|.*|address = 10.77.0.11/33|'
	bad "$bin" "IPv6 prefix /129" 6 '' '6s|.*|address = fd77::11/129|'
	bad "$bin" "empty prefix" 5 '' '5s|.*|address = 10.77.0.11/|'
	bad "$bin" "address without a prefix length" 5 '' '5s|.*|address = 10.77.0.11|'
	bad "$bin" "number that is not one" 9 '' '9s|.*|heartbeat_period_ms = abc|'
	bad "$bin" "number with a unit" 9 '' '9s|.*|heartbeat_period_ms = 100ms|'
	bad "$bin" "period out of range" 9 60001 '9s|.*|heartbeat_period_ms = 60001|'
	bad "$bin" "negative number" 10 '' '10s|.*|history = -3|'
	bad "$bin" "number that overflows" 10 '' '10s|.*|history = 99999999999999999999999|'
	bad "$bin" "mtu out of range" 7 '' '7s|.*|mtu = 70000|'
	bad "$bin" "unknown log level" 15 '' '15s|.*|level = chatty|'
	bad "$bin" "line that is not key = value" 8 '' '8i\this is not ini'
	bad "$bin" "empty interface" 2 '' '2s|.*|interface =|'

	# Missing required key: no line to point at, but the file and the key.
	f="$VN_TMP/$name-noif.conf"
	base "$name" | sed '2d' >"$f"
	run "$bin" -n -c "$f"
	if [[ $rc = 1 ]] && grep -qE "^$f(:[0-9]+)?: " <<<"$err" && grep -qi interface <<<"$err"; then
		vn_pass "$name: missing interface key -> exit 1, $(sed "s|$VN_TMP/||" <<<"$err")"
	else
		vn_fail "$name: missing interface key: want exit 1 and '$f: ...interface...'"; show
	fi

	# Missing file.
	run "$bin" -n -c /nonexistent/vanet.conf
	if [[ $rc = 1 ]] && grep -qE '^/nonexistent/vanet.conf(:[0-9]+)?: ' <<<"$err"; then
		vn_pass "$name: missing file -> exit 1, $err"
	else
		vn_fail "$name: missing file: want exit 1 and '/nonexistent/vanet.conf: ...'"; show
	fi

	# Command line.
	run "$bin" -x
	if [[ $rc = 2 && -z $out ]] && grep -qi usage <<<"$err"; then
		vn_pass "$name -x: exit 2, usage on stderr"
	else
		vn_fail "$name -x: want exit 2 and usage on stderr only"; show
	fi
	run "$bin" -n -c "$good" stray
	if [[ $rc = 2 ]] && grep -qi usage <<<"$err"; then
		vn_pass "$name with a stray argument: exit 2"
	else
		vn_fail "$name with a stray argument: want exit 2 and usage on stderr"; show
	fi
	run "$bin" -c
	if [[ $rc = 2 ]]; then vn_pass "$name -c without a file: exit 2"
	else vn_fail "$name -c without a file: want exit 2"; show; fi
	run "$bin" -V
	if [[ $rc = 0 && $out = "$name $version" ]]; then
		vn_pass "$name -V: '$out'"
	else
		vn_fail "$name -V: want exit 0 and '$name $version'"; show
	fi
	run "$bin" -h
	if [[ $rc = 0 ]] && grep -qi usage <<<"$out" && grep -q -- '-c' <<<"$out"; then
		vn_pass "$name -h: exit 0, usage on stdout"
	else
		vn_fail "$name -h: want exit 0 and usage on stdout"; show
	fi
done

# rsud knows no "candidates".
bad "$RSUD" "candidates (an obud-only key)" 11 candidates '11s|.*|candidates = 3|'
# A zero period: rsud refuses it; for obud 0 means "learn the RSUs' periods".
bad "$RSUD" "zero period" 9 '' '9s|.*|heartbeat_period_ms = 0|'
good0="$VN_TMP/obud-learn.conf"
base obud | sed '9s|.*|heartbeat_period_ms = 0|' >"$good0"
run "$OBUD" -n -c "$good0"
if [[ $rc = 0 && $out = "$good0: configuration OK" ]]; then
	vn_pass "obud -n with heartbeat_period_ms = 0 (learn): '$(sed "s|$VN_TMP/||" <<<"$out")'"
else
	vn_fail "obud -n with heartbeat_period_ms = 0: want exit 0 (0 = learn)"; show
fi
# The v2 keys, each refused with its line.
bad "$OBUD" "relay_sparse not a power of two" 11 relay_sparse '11s|.*|relay_sparse = 12|'
bad "$OBUD" "dead_periods below 2" 11 dead_periods '11s|.*|dead_periods = 1|'
bad "$RSUD" "obu_timeout_periods out of range" 11 obu_timeout_periods '11s|.*|obu_timeout_periods = 1|'
bad "$RSUD" "stale_periods above obu_timeout_periods" 11 stale_periods '11s|.*|stale_periods = 66|'
bad "$RSUD" "relay_sparse (an obud-only key)" 11 relay_sparse '11s|.*|relay_sparse = 16|'

# Run-time set-up failure: a good file naming an interface that does not
# exist must end quickly with exit 1 and a one-line message.
if [[ $(id -u) = 0 ]] && ip netns add "${VN_PREFIX}-bc" 2>/dev/null; then
	VN_NODES+=(bc)
	for bin in "$OBUD" "$RSUD"; do
		name=$(basename "$bin")
		f="$VN_TMP/$name-noif.conf"
		base "$name" | sed '2s|.*|interface = nosuch0|' >"$f"
		run timeout 10 ip netns exec "${VN_PREFIX}-bc" "$bin" -c "$f"
		if [[ $rc = 1 && -n $err ]]; then
			vn_pass "$name with a missing interface: exit 1, $(tail -n1 <<<"$err")"
		else
			vn_fail "$name with a missing interface: want exit 1 and a message"; show
		fi
	done
fi

vn_finish
