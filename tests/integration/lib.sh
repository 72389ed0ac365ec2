# shellcheck shell=bash
# Harness for the vanet integration tests: real obud/rsud in network namespaces.
#
# Topology: one "air" namespace holds a Linux bridge br0; every node (RSU or OBU)
# is its own namespace whose veth "wire0" has its peer "p_<node>" enslaved to br0.
# An nftables chain (family bridge, forward hook) in the air decides who hears
# whom: the policy is drop, vn_hear adds accept rules, vn_cut and vn_loss insert
# drop rules in front of them. Everything a test creates carries a per-run
# prefix (vn<pid>) and is removed by a trap on EXIT/INT/TERM, even on failure.
#
# Environment:
#   OBUD RSUD VANETCTL  daemon and client binaries (CMake passes the build paths;
#                       default: $VN_BUILD/{obu/obud,rsu/rsud,tools/vanetctl})
#   VN_BUILD            build directory (default <repo>/build)
#   VN_INJECT           frame injector (default $VN_BUILD/tests/integration/vn_inject)
#   VN_WRAP             command prefix for the daemons, e.g.
#                       "valgrind --error-exitcode=99 --leak-check=full"
#   VN_PREFIX           namespace/name prefix (default vn<pid>)
#   VN_KEEP=1           do not tear down on exit (the demo's --keep)
#   VN_TMP              directory for configs, sockets, logs (default: mktemp)
#   VN_VERBOSE=1        echo every command the harness runs
#   VN_SECURITY=1       every node in [security] mode = authenticate (one network
#                       key; each RSU its own signing key, of 4 made in advance
#                       and all trusted by the OBUs, and its own state_dir), so
#                       any test also runs secured; VN_SECURITY=encrypt the same
#                       in mode = encrypt
#   KEYGEN              vanet-keygen (default $VN_BUILD/tools/vanet-keygen)
#
# Source it, then: vn_init; vn_node rsu; vn_node o1; vn_hear rsu o1; vn_start_rsu
# rsu; vn_start_obu o1 11; vn_wait_upstream o1; ... vn_finish.
#
# This file holds the settings, the output, the set-up and the teardown; it
# sources the rest, one file per concern: lib_net.sh (namespaces, the air's
# rules, topologies), lib_daemon.sh (configurations; starting, querying and
# stopping the daemons), lib_ping.sh (traffic) and lib_sec.sh ([security]
# keys, the network key's rotation).

VN_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${VN_BUILD:=$VN_REPO/build}"
: "${OBUD:=$VN_BUILD/obu/obud}"
: "${RSUD:=$VN_BUILD/rsu/rsud}"
: "${VANETCTL:=$VN_BUILD/tools/vanetctl}"
: "${VN_INJECT:=$VN_BUILD/tests/integration/vn_inject}"
: "${VN_WRAP:=}"
: "${VN_PREFIX:=vn$$}"
: "${VN_KEEP:=0}"
: "${VN_SECURITY:=0}"
: "${KEYGEN:=$VN_BUILD/tools/vanet-keygen}"

VN_FAILS=0
VN_PASSES=0
VN_NODES=()		# node names, in creation order
VN_PIDS=()		# daemon pids still to stop
declare -A VN_PID	# node -> daemon pid
declare -A VN_ROLE	# node -> rsu | obu
declare -A VN_IP4 VN_IP6 VN_MACS
: "${VN_TMP:=}"		# per-run directory: configs, sockets, logs (default: mktemp)
VN_CLEANED=0
VN_T0=$EPOCHREALTIME

# The harness's parts, by concern.
# shellcheck source=lib_net.sh
. "$VN_REPO/tests/integration/lib_net.sh"
# shellcheck source=lib_daemon.sh
. "$VN_REPO/tests/integration/lib_daemon.sh"
# shellcheck source=lib_ping.sh
. "$VN_REPO/tests/integration/lib_ping.sh"
# shellcheck source=lib_sec.sh
. "$VN_REPO/tests/integration/lib_sec.sh"

# ---------------------------------------------------------------- output ----

# Seconds since the harness was loaded (bash 5's EPOCHREALTIME, no bc needed).
vn_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
vn_ts() { printf '%6s' "$(vn_since "$VN_T0")"; }
vn_log() { printf '[%s] %s\n' "$(vn_ts)" "$*"; }
vn_pass() { VN_PASSES=$((VN_PASSES + 1)); printf '[%s] PASS: %s\n' "$(vn_ts)" "$*"; }
vn_fail() { VN_FAILS=$((VN_FAILS + 1)); printf '[%s] FAIL: %s\n' "$(vn_ts)" "$*"; }
vn_skip() { printf 'SKIP: %s\n' "$*"; exit 77; }
vn_die() { vn_fail "$*"; exit 1; }

# vn_check "what" CMD...: runs CMD, PASS if it succeeds, FAIL otherwise.
vn_check()
{
	local what=$1; shift
	if "$@"; then vn_pass "$what"; return 0; fi
	vn_fail "$what"
	return 1
}

vn_run() { [[ ${VN_VERBOSE:-0} = 1 ]] && echo "+ $*" >&2; "$@"; }

# ------------------------------------------------------------ prerequisites ----

# Exit 77 (ctest: skipped) unless we can run: root, tools, namespaces, TUN.
vn_require()
{
	local t
	[[ $(id -u) = 0 ]] || vn_skip "needs root (network namespaces)"
	for t in ip nft ping awk "$@"; do
		command -v "$t" >/dev/null 2>&1 || vn_skip "tool '$t' is missing"
	done
	[[ -c /dev/net/tun ]] || vn_skip "/dev/net/tun is missing"
	if ! ip netns add "${VN_PREFIX}probe" 2>/dev/null; then
		vn_skip "cannot create network namespaces here"
	fi
	ip netns del "${VN_PREFIX}probe"
}

# The daemons are part of the build under test: missing ones are a failure.
vn_require_daemons()
{
	local b
	for b in "$OBUD" "$RSUD" "$VANETCTL"; do
		[[ -x $b ]] || { echo "FAIL: $b is not built" >&2; exit 1; }
	done
}

# ------------------------------------------------------------------ set-up ----

# vn_init_tmp: only the temp dir and the cleanup trap (tests without an air).
vn_init_tmp()
{
	if [[ -n $VN_TMP ]]; then
		mkdir -p "$VN_TMP"
	else
		VN_TMP=$(mktemp -d "/tmp/${VN_PREFIX}.XXXXXX")
	fi
	trap vn_cleanup EXIT
	trap 'vn_log "interrupted"; exit 130' INT
	trap 'vn_log "terminated"; exit 143' TERM
}

# vn_init [TOOL...]: check prerequisites, create the air (bridge + rules).
vn_init()
{
	vn_require "$@"
	vn_require_daemons
	vn_init_tmp
	vn_run ip netns add "${VN_PREFIX}-air"
	vn_air ip link set lo up
	vn_air ip link add br0 type bridge stp_state 0 forward_delay 0
	vn_air sysctl -qw net.ipv6.conf.br0.disable_ipv6=1
	vn_air ip link set br0 up
	vn_air nft -f - <<-EOF
	table bridge vn {
		chain air {
			type filter hook forward priority 0; policy drop;
		}
	}
	EOF
	vn_log "harness: prefix $VN_PREFIX, temp dir $VN_TMP"
	[[ $VN_SECURITY = 1 || $VN_SECURITY = encrypt ]] && vn__sec_keys
}

# ------------------------------------------------------------------ teardown ----

vn_cleanup()
{
	local rc=$? p n
	((VN_CLEANED)) && return
	VN_CLEANED=1
	trap - EXIT INT TERM
	if [[ $VN_KEEP = 1 ]]; then
		return $rc
	fi
	if ((rc != 0 && rc != 77)) || ((VN_FAILS > 0)); then
		vn_dump_logs
	fi
	for p in "${VN_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for ((n = 0; n < 30; n++)); do
		local alive=0
		for p in "${VN_PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		((alive)) || break
		sleep 0.1
	done
	for p in "${VN_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	# Helpers started inside a namespace (iperf3, ping) die with it only if
	# killed: ip netns pids lists whatever is still running there.
	for n in "${VN_NODES[@]}" air; do
		for p in $(ip netns pids "${VN_PREFIX}-$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "${VN_PREFIX}-$n" 2>/dev/null
	done
	[[ -n $VN_TMP && -d $VN_TMP ]] && rm -rf "$VN_TMP"
	return $rc
}

# vn_finish: the test's verdict; exit status 0 only when nothing failed.
vn_finish()
{
	local f n rc
	# Every daemon still running must stop cleanly: exit 0 on SIGTERM (under
	# ASan this is also when LeakSanitizer reports, with a non-zero status).
	for n in "${VN_NODES[@]}"; do
		[[ -n ${VN_PID[$n]:-} ]] || continue
		vn_stop "$n" TERM 15
		rc=$?
		if ((rc != 0)); then
			vn_fail "$n exited with status $rc on SIGTERM (want 0)"
		fi
	done
	f=$(vn_sanitizer_errors)
	if [[ -n $f ]]; then
		vn_fail "sanitizer reports in: $f"
		grep -h -A20 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' $f | head -60
	fi
	echo
	if ((VN_FAILS == 0)); then
		echo "RESULT: PASS ($VN_PASSES checks) $(basename "$0")"
		exit 0
	fi
	echo "RESULT: FAIL ($VN_FAILS of $((VN_PASSES + VN_FAILS)) checks failed) $(basename "$0")"
	exit 1
}
