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

# VN_SECURITY=1: the keys every node's [security] section names.
vn__sec_keys()
{
	[[ -x $KEYGEN ]] || vn_die "VN_SECURITY=1 needs $KEYGEN"
	local i k=$VN_TMP/seckeys
	mkdir -m 700 "$k"
	"$KEYGEN" network "$k/net.key" >/dev/null || vn_die "vanet-keygen network failed"
	for i in 0 1 2 3; do
		"$KEYGEN" rsu "$k/rsu$i.key" >/dev/null || vn_die "vanet-keygen rsu failed"
		cat "$k/rsu$i.key.pub" >>"$k/rsus.pub"
	done
	vn_log "harness: [security] mode = $(vn__sec_mode) on every node"
}

# The keys and [security] sections of a test of the security layer itself
# (test_security.sh, test_encrypt.sh), in mode $1: sets K (the key folder:
# net.key, the RSU's rsu.key and the trusted rsus.pub) and the sections
# sec_rsu and sec_obu (the right keys), sec_eo (an obud with a wrong
# network key) and sec_ev (an rsud with a wrong network key and its own,
# untrusted signing key).
vn_attack_keys()
{
	local mode=$1
	[[ -x $KEYGEN ]] || vn_die "no $KEYGEN"
	K=$VN_TMP/keys
	mkdir -m 700 "$K"
	"$KEYGEN" network "$K/net.key" >/dev/null || vn_die "keygen network"
	"$KEYGEN" network "$K/wrong.key" >/dev/null || vn_die "keygen network (wrong)"
	"$KEYGEN" rsu "$K/rsu.key" >/dev/null || vn_die "keygen rsu"
	"$KEYGEN" rsu "$K/evil.key" >/dev/null || vn_die "keygen rsu (evil)"
	cp "$K/rsu.key.pub" "$K/rsus.pub"
	sec_rsu="[security]
mode = $mode
network_key = $K/net.key
signing_key = $K/rsu.key
state_dir = $VN_TMP/state"
	sec_obu="[security]
mode = $mode
network_key = $K/net.key
rsu_keys = $K/rsus.pub"
	sec_eo="[security]
mode = $mode
network_key = $K/wrong.key
rsu_keys = $K/rsus.pub"
	sec_ev="[security]
mode = $mode
network_key = $K/wrong.key
signing_key = $K/evil.key
state_dir = $VN_TMP/state-ev"
}

vn__sec_mode() { [[ $VN_SECURITY = encrypt ]] && echo encrypt || echo authenticate; }

# The [security] section of a node under VN_SECURITY=1 or encrypt (nothing
# otherwise).
vn__sec_conf()
{
	local n=$1 role=$2 k=$VN_TMP/seckeys f i
	[[ $VN_SECURITY = 1 || $VN_SECURITY = encrypt ]] || return 0
	echo "[security]"
	echo "mode = $(vn__sec_mode)"
	echo "network_key = $k/net.key"
	if [[ $role = rsu ]]; then
		# the next unused key; a node keeps it across restarts (its
		# epoch counts on). Files, not variables: vn_conf runs in $(...).
		f=$k/key-of-$n
		if [[ ! -e $f ]]; then
			i=$(find "$k" -name 'key-of-*' | wc -l)
			((i < 4)) || vn_die "VN_SECURITY=1: more than 4 RSUs"
			echo "$k/rsu$i.key" >"$f"
		fi
		echo "signing_key = $(cat "$f")"
		echo "state_dir = $VN_TMP/state-$n"
	else
		echo "rsu_keys = $k/rsus.pub"
	fi
}

vn_ns() { echo "${VN_PREFIX}-$1"; }
vn_air() { vn_run ip netns exec "${VN_PREFIX}-air" "$@"; }
# vn_exec NODE CMD...: run CMD inside NODE's namespace.
vn_exec() { local n=$1; shift; vn_run ip netns exec "${VN_PREFIX}-$n" "$@"; }

# vn_node NAME [MAC]: a namespace with wire0 on the air (hearing nobody yet).
vn_node()
{
	local n=$1 mac=${2:-} ns="${VN_PREFIX}-$1"
	if [[ -z $mac ]]; then
		mac=$(printf '02:77:00:00:00:%02x' $((${#VN_NODES[@]} + 1)))
	fi
	vn_run ip netns add "$ns"
	VN_NODES+=("$n")
	vn_run ip link add wire0 netns "$ns" address "$mac" type veth \
		peer name "p_$n" netns "${VN_PREFIX}-air"
	vn_air sysctl -qw "net.ipv6.conf.p_$n.disable_ipv6=1"
	vn_air ip link set "p_$n" master br0 up
	vn_exec "$n" ip link set lo up
	# The wire carries only 0x3030 frames: keep the kernel's own IPv6 off it.
	vn_exec "$n" sysctl -qw net.ipv6.conf.wire0.disable_ipv6=1
	# New interfaces (tun0) get their IPv6 address at once, without DAD.
	vn_exec "$n" sysctl -qw net.ipv6.conf.default.accept_dad=0
	vn_exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0
	vn_exec "$n" ip link set wire0 up
	VN_MACS[$n]=$mac
}

vn_mac() { echo "${VN_MACS[$1]}"; }

# ------------------------------------------------------------------- the air ----

# Rules carry a comment "<kind>:<from>:<to>" so they can be found and removed.
vn__rule_handles()
{
	vn_air nft -a list chain bridge vn air |
		sed -n "s/.*comment \"$1\" # handle \([0-9]*\).*/\1/p"
}

vn__del_rules()
{
	local h
	for h in $(vn__rule_handles "$1"); do
		vn_air nft delete rule bridge vn air handle "$h"
	done
}

# vn_hear A B: A and B hear each other (both directions).
vn_hear()
{
	local a=$1 b=$2
	vn__del_rules "cut:$a:$b"; vn__del_rules "cut:$b:$a"
	vn__del_rules "hear:$a:$b"; vn__del_rules "hear:$b:$a"
	vn_air nft add rule bridge vn air iifname "p_$a" oifname "p_$b" accept comment "\"hear:$a:$b\""
	vn_air nft add rule bridge vn air iifname "p_$b" oifname "p_$a" accept comment "\"hear:$b:$a\""
}

# vn_hear_all: everybody hears everybody (for the nodes created so far).
vn_hear_all()
{
	local i j
	for ((i = 0; i < ${#VN_NODES[@]}; i++)); do
		for ((j = i + 1; j < ${#VN_NODES[@]}; j++)); do
			vn_hear "${VN_NODES[i]}" "${VN_NODES[j]}"
		done
	done
}

# vn_cut A B: A and B no longer hear each other (inserted before any accept).
vn_cut()
{
	local a=$1 b=$2
	vn__del_rules "cut:$a:$b"; vn__del_rules "cut:$b:$a"
	vn_air nft insert rule bridge vn air iifname "p_$a" oifname "p_$b" drop comment "\"cut:$a:$b\""
	vn_air nft insert rule bridge vn air iifname "p_$b" oifname "p_$a" drop comment "\"cut:$b:$a\""
}

# vn_loss A B PERCENT: each frame between A and B (either direction) is lost
# with probability PERCENT/100. PERCENT 0 removes the loss.
vn_loss()
{
	local a=$1 b=$2 pct=$3
	vn__del_rules "loss:$a:$b"; vn__del_rules "loss:$b:$a"
	((pct > 0)) || return 0
	vn_air nft insert rule bridge vn air iifname "p_$a" oifname "p_$b" \
		numgen random mod 100 \< "$pct" drop comment "\"loss:$a:$b\""
	vn_air nft insert rule bridge vn air iifname "p_$b" oifname "p_$a" \
		numgen random mod 100 \< "$pct" drop comment "\"loss:$b:$a\""
}

vn_show_air() { vn_air nft list chain bridge vn air; }

# ----------------------------------------------------------------- daemons ----

# vn_conf NODE ROLE HOSTNUM [EXTRA-INI]: writes $VN_TMP/NODE.conf and prints
# its path. EXTRA-INI lines are appended (a "[section]" in them starts a new
# section; the generated [log] section comes last so they may add to it).
vn_conf()
{
	local n=$1 role=$2 num=$3 extra=${4:-} f="$VN_TMP/$1.conf"
	{
		echo "; generated by tests/integration/lib.sh for node $n ($role)"
		echo "[wire]"
		echo "interface = wire0"
		echo "[tun]"
		echo "name = tun0"
		echo "address = 10.77.0.$num/24"
		echo "address = fd77::$num/64"
		echo "[routing]"
		echo "heartbeat_period_ms = ${VN_PERIOD_MS:-100}"
		echo "history = 10"
		[[ $role = obu ]] && echo "candidates = 3"
		echo "[control]"
		echo "socket = $VN_TMP/$n.sock"
		vn__sec_conf "$n" "$role"
		echo "[log]"
		echo "level = ${VN_LOG_LEVEL:-info}"
		[[ -n $extra ]] && printf '%s\n' "$extra"
	} >"$f"
	echo "$f"
}

vn_sock() { echo "$VN_TMP/$1.sock"; }
vn_logfile() { echo "$VN_TMP/$1.log"; }
vn_ip4() { echo "${VN_IP4[$1]}"; }
vn_ip6() { echo "${VN_IP6[$1]}"; }

# vn_start NODE ROLE HOSTNUM [EXTRA-INI]: starts rsud/obud in NODE's namespace
# in the background (logs to $VN_TMP/NODE.log) and waits for its socket.
vn_start()
{
	local n=$1 role=$2 num=$3 extra=${4:-} conf bin pid
	conf=$(vn_conf "$n" "$role" "$num" "$extra")
	if [[ $role = rsu ]]; then
		bin=$RSUD
		# The RSU is a gateway: packets from an OBU for an address it has not
		# learnt yet come out of its tun0 and must be routed back into it.
		vn_exec "$n" sysctl -qw net.ipv4.ip_forward=1
		vn_exec "$n" sysctl -qw net.ipv6.conf.all.forwarding=1
	else
		bin=$OBUD
	fi
	VN_ROLE[$n]=$role
	VN_IP4[$n]=10.77.0.$num
	VN_IP6[$n]=fd77::$num
	vn_start_conf "$n" "$bin" "$conf"
}

# vn_start_conf NODE BINARY CONF: start with a given configuration file.
vn_start_conf()
{
	local n=$1 bin=$2 conf=$3 pid
	# shellcheck disable=SC2086 # VN_WRAP is a command line, split on purpose
	if [[ $VN_KEEP = 1 ]]; then
		setsid ip netns exec "$(vn_ns "$n")" $VN_WRAP "$bin" -c "$conf" \
			</dev/null >>"$(vn_logfile "$n")" 2>&1 &
	else
		ip netns exec "$(vn_ns "$n")" $VN_WRAP "$bin" -c "$conf" \
			</dev/null >>"$(vn_logfile "$n")" 2>&1 &
	fi
	pid=$!
	VN_PID[$n]=$pid
	VN_PIDS+=("$pid")
	echo "$pid" >"$VN_TMP/$n.pid"
	vn_log "started $(basename "$bin") on $n (pid $pid, $(vn_mac "$n"))"
	vn_wait_sock "$n" || vn_die "$n: control socket did not answer"
}

# vn_rotate_network_key KEYFILE PAUSE COUNT PINGER DEST NODE...: rotates the
# network key of KEYFILE (ids 1 -> 2) as an operator does, every NODE
# reloading (SIGHUP) after each step: key 2 added, then made the sending
# key, then key 1 retired, PAUSE seconds apart, while PINGER pings DEST
# COUNT times 50 ms apart (vn_ping_seq: late replies waited for, bounded).
# Prints "sent received" of those pings: COUNT and how many of icmp_seq
# 1..COUNT were answered.
vn_rotate_network_key()
{
	local key=$1 pause=$2 count=$3 pinger=$4 dest=$5 n pid got
	shift 5
	vn_ping_seq "$pinger" "$dest" "$count" >"$VN_TMP/rot.ping" &
	pid=$!
	sleep "$pause"
	"$KEYGEN" network-add "$key" --id 2 >/dev/null
	for n in "$@"; do kill -HUP "${VN_PID[$n]}"; done
	sleep "$pause"
	sed -i -e 's/^\(key 1 [0-9a-f]*\) send$/\1/' -e 's/^\(key 2 [0-9a-f]*\)$/\1 send/' "$key"
	for n in "$@"; do kill -HUP "${VN_PID[$n]}"; done
	sleep "$pause"
	sed -i '/^key 1 /d' "$key"
	for n in "$@"; do kill -HUP "${VN_PID[$n]}"; done
	wait "$pid"
	read -r got _ <"$VN_TMP/rot.ping"
	echo "$count $got"
}

vn_start_rsu() { vn_start "$1" rsu "${2:-1}" "${3:-}"; }
vn_start_obu() { vn_start "$1" obu "$2" "${3:-}"; }

vn_alive() { local p=${VN_PID[$1]:-}; [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }

# vn_ctl NODE CMD: vanetctl against NODE's socket (run in the host namespace:
# the socket is a file, no network involved).
vn_ctl() { local n=$1; shift; "$VANETCTL" -s "$(vn_sock "$n")" "$@"; }

# vn_wait_sock NODE [SECONDS]
vn_wait_sock()
{
	local n=$1 t=${2:-${VN_START_TIMEOUT:-20}} end
	end=$((SECONDS + t))
	while ((SECONDS < end)); do
		vn_alive "$n" || { vn_log "$n: daemon exited"; return 1; }
		vn_ctl "$n" status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# The obud status line "upstream: <nexthop> rsu <rsu> hops <n>".
vn_upstream_line() { vn_ctl "$1" status 2>/dev/null | grep -m1 -E '^[[:space:]]*upstream:' | sed 's/^[[:space:]]*//'; }
vn_upstream_nexthop() { vn_upstream_line "$1" | awk '{print $2}'; }
vn_hops() { vn_upstream_line "$1" | sed -n 's/.* hops \([0-9]*\).*/\1/p'; }

# vn_wait_upstream NODE [SECONDS] [HOPS]: until NODE has an upstream (with HOPS).
vn_wait_upstream()
{
	local n=$1 t=${2:-15} want=${3:-} end line
	end=$((SECONDS + t))
	while ((SECONDS < end)); do
		line=$(vn_upstream_line "$n")
		if [[ $line =~ ^upstream:\ [0-9a-fA-F]{2}: ]]; then
			if [[ -z $want || $line =~ hops\ $want($|[^0-9]) ]]; then
				return 0
			fi
		fi
		vn_alive "$n" || return 1
		sleep 0.1
	done
	vn_log "$n: no upstream after ${t}s (status: ${line:-nothing})"
	return 1
}

# vn_counter NODE NAME: the counter's value (0 when absent).
vn_counter()
{
	local v
	v=$(vn_ctl "$1" counters 2>/dev/null | awk -v k="$2" '$1 == k {print $2; exit}')
	echo "${v:-0}"
}

# vn_stop NODE [SIGNAL] [SECONDS]: signals the daemon, waits for it, returns its
# exit status (124 if it did not exit in time; it is then killed).
vn_stop() { vn__stop "$@" 2>/dev/null; }	# (bash's "Killed" job notices: muted)
vn__stop()
{
	local n=$1 sig=${2:-TERM} t=${3:-10} p=${VN_PID[$1]:-} i rc
	[[ -n $p ]] || return 0
	kill -s "$sig" "$p" 2>/dev/null
	for ((i = 0; i < t * 10; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		kill -KILL "$p" 2>/dev/null
		{ wait "$p"; } 2>/dev/null
		rc=124
	else
		{ wait "$p"; } 2>/dev/null
		rc=$?
	fi
	unset "VN_PID[$n]"
	return $rc
}

# vn_sanitizer_errors: prints sanitizer reports found in the daemon logs.
vn_sanitizer_errors()
{
	[[ -n $VN_TMP ]] || return 0
	grep -l -E 'ERROR: (Address|Leak|Memory|Thread)Sanitizer|runtime error:' \
		"$VN_TMP"/*.log 2>/dev/null
}

vn_dump_logs()
{
	local f
	[[ -n $VN_TMP && -d $VN_TMP ]] || return 0
	for f in "$VN_TMP"/*.log; do
		[[ -f $f ]] || continue
		echo "----- last lines of $(basename "$f") -----"
		tail -n "${VN_LOG_LINES:-40}" "$f"
	done
}

# ----------------------------------------------------------------- traffic ----

# vn_ping NODE DEST [COUNT] [extra ping args]: quiet bounded ping; returns
# ping's status (0 when at least one reply came back).
vn_ping()
{
	local n=$1 dst=$2 c=${3:-3}
	shift 3 2>/dev/null || shift $#
	vn_exec "$n" ping -q -n -c "$c" -W 1 -i 0.2 "$@" "$dst" >/dev/null 2>&1
}

# vn_ping_until NODE DEST SECONDS: one ping per 0.2 s until a reply; prints the
# seconds it took. Returns 1 on timeout.
vn_ping_until()
{
	local n=$1 dst=$2 t=$3 start end
	start=$EPOCHREALTIME
	end=$((SECONDS + t))
	while ((SECONDS < end)); do
		if vn_exec "$n" ping -q -n -c 1 -W 1 "$dst" >/dev/null 2>&1; then
			vn_since "$start"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# vn_ping_stats NODE DEST COUNT [args]: prints "sent received loss%".
vn_ping_stats()
{
	local n=$1 dst=$2 c=$3 out
	shift 3
	out=$(vn_exec "$n" ping -q -n -c "$c" -W 1 "$@" "$dst" 2>&1)
	echo "$out" | awk '/packets transmitted/ {
		sub(/%/, "", $6); print $1, $4, $6 }' | head -n1
}

# vn_ping_seq NODE DEST COUNT [args]: COUNT pings 50 ms apart; prints
# "answered duplicates": how many of icmp_seq 1..COUNT were answered (each
# once) and how many "DUP!" replies came. With -c alone ping gives up on the
# replies still out max(2 RTTs, the interval) after its last request, so a
# daemon descheduled for 50 ms near the end (ASan, a loaded CI machine)
# would read as a loss; -w waits for them, bounded (COUNT/20 + 5 s), while
# ping sends more requests, which are not judged.
vn_ping_seq()
{
	local n=$1 dst=$2 c=$3 out
	shift 3
	out=$(vn_exec "$n" ping -n -c "$c" -i 0.05 -w $((c / 20 + 5)) "$@" "$dst" 2>&1)
	echo "$(grep -o 'icmp_seq=[0-9]*' <<<"$out" | awk -F= -v n="$c" '$2 <= n' | sort -u | wc -l)" \
		"$(grep -c 'DUP!' <<<"$out")"
}

# vn_wait_for SECONDS CMD...: until CMD succeeds (polled every 0.1 s); false
# if it does not within SECONDS.
vn_wait_for()
{
	local end=$((SECONDS + $1))
	shift
	while ! "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}

# ----------------------------------------------------------------- topology ----

# vn_chain N: RSU "rsu" and OBUs o1..oN in a line, each hearing only its
# neighbours; o1 is one hop from the RSU, oN is N hops. Starts every daemon
# and waits until each OBU has its upstream at the right distance.
vn_chain()
{
	local n=$1 i prev=rsu
	vn_node rsu 02:77:00:00:00:01
	for ((i = 1; i <= n; i++)); do
		vn_node "o$i" "02:77:00:00:00:1$i"
		vn_hear "$prev" "o$i"
		prev=o$i
	done
	vn_start_rsu rsu 1
	for ((i = 1; i <= n; i++)); do
		vn_start_obu "o$i" "1$i"
	done
	for ((i = 1; i <= n; i++)); do
		vn_wait_upstream "o$i" "${VN_UP_TIMEOUT:-20}" "$i" ||
			vn_die "o$i did not find its upstream at $i hops"
	done
	vn_log "chain rsu$(for ((i = 1; i <= n; i++)); do printf ' - o%d' "$i"; done) is up"
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
