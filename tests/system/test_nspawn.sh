#!/usr/bin/env bash
# tests/system/test_nspawn.sh: the Debian package under a real systemd, in a
# Debian 12 container booted with systemd-nspawn (the test machines have no
# systemd as PID 1).
#
#   tests/system/test_nspawn.sh [DEB]    as root; default DEB: scripts/package
#
# 1. A minimal Debian 12 root file system made with debootstrap (systemd,
#    iproute2 and the package's libraries included), cached in
#    $VN_NSPAWN_CACHE (default /var/cache/vanet-nspawn) and reused by later
#    runs; the mirror is the one apt uses here (/etc/apt/sources.list*).
# 2. It is booted with systemd-nspawn --boot --volatile=overlay (every change
#    goes to a tmpfs and is gone at exit: the cache stays pristine), with a
#    private network and /dev/net/tun; commands are run in it with nsenter
#    (no systemd-machined needed on the host).
# 3. In the container: the .deb is installed with apt-get (units not
#    enabled), a veth pair wire0/wire1 is made, rsud is configured on wire0
#    and started: it must be active (READY=1 with Type=notify); a changed
#    mtu is applied by "systemctl reload" (same PID, tun0 MTU changed,
#    reloads 1); with WatchdogSec in the unit (shortened to 2 s by a
#    drop-in), rsud must stay alive, and once stopped with SIGSTOP be
#    restarted by the watchdog (skipped, and said, without WatchdogSec); obud on
#    wire1 finds rsud as its upstream; "systemctl stop" leaves no tun.
# The container is powered off (killed if it does not stop) on any exit.
# Prints PASS/FAIL/SKIP lines and "N passed, N failed"; exits 1 on a failure.
#
# Environment: VN_NSPAWN_CACHE, VN_MIRROR (default: apt's), VN_KEEP_LOG=1.
set -euo pipefail

cd "$(dirname "$0")/../.."
CACHE=${VN_NSPAWN_CACHE:-/var/cache/vanet-nspawn}
ROOTFS=$CACHE/rootfs-bookworm
SUITE=bookworm
# What the root file system holds besides minbase: an init and the tools
# the test uses; the package's dependencies are added below (the container
# has no network for apt to fetch them).
BASE_INCLUDE=systemd,systemd-sysv,dbus,iproute2
MACHINE=vanet-nspawn-$$

passes=0 fails=0
pass() { passes=$((passes + 1)); echo "PASS: $*"; }
fail() { fails=$((fails + 1)); echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }
die() { echo "FAIL: $*"; echo "$passes passed, $((fails + 1)) failed"; exit 1; }
log() { printf '[%3ds] %s\n' $((SECONDS - T0)) "$*"; }
T0=$SECONDS

[[ $(id -u) = 0 ]] || { echo "SKIP: needs root"; exit 77; }

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v nsenter >/dev/null || need+=(util-linux)
if ((${#need[@]})); then
	log "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
		{ apt-get update -q >/dev/null &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; } ||
		die "cannot install ${need[*]}"
fi

deb=${1:-}
[[ -n $deb ]] || deb=$(scripts/package build-deb | tail -n 1)
[[ -f $deb ]] || die "no package: $deb"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
log "package $deb"
# The package's Depends (names only; no alternatives in them) joins the
# list: a new dependency makes the cached root file system anew.
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\(.*\)//; s/^ +| +$//g' | grep -v '^$' | paste -sd, -)
INCLUDE=$(tr ',' '\n' <<<"$BASE_INCLUDE,$deps" | sort -u | paste -sd, -)

# The Debian mirror apt is configured with (deb822 .sources, or sources.list).
mirror()
{
	local m
	m=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / '"$SUITE"'( |$)/ { print u; exit }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[[ -n $m ]] || m=$(awk '$1 == "deb" { sub(/^\[[^]]*\] */, "", $0) }
		$1 == "deb" && $3 == "'"$SUITE"'" { print $2; exit }' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
	echo "${m:-http://deb.debian.org/debian}"
}

# ---------------------------------------------------------------- rootfs ----
stamp="$SUITE $INCLUDE"
if [[ -f $ROOTFS/.vanet-rootfs && $(cat "$ROOTFS/.vanet-rootfs") = "$stamp" ]]; then
	log "root file system: $ROOTFS (cached)"
else
	m=${VN_MIRROR:-$(mirror)}
	log "debootstrap $SUITE from $m into $ROOTFS (once; cached for later runs)"
	mkdir -p "$CACHE"
	rm -rf "$ROOTFS" "$ROOTFS.tmp"
	debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$ROOTFS.tmp" "$m" \
		>"$CACHE/debootstrap.log" 2>&1 || { tail -n 20 "$CACHE/debootstrap.log"; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
	# No getty on the container's console, a hostname, the package's
	# directory for the bind mount.
	ln -sf /dev/null "$ROOTFS.tmp/etc/systemd/system/console-getty.service"
	echo vanet-nspawn >"$ROOTFS.tmp/etc/hostname"
	echo "$stamp" >"$ROOTFS.tmp/.vanet-rootfs"
	mv "$ROOTFS.tmp" "$ROOTFS"
	log "root file system ready ($(du -sh "$ROOTFS" | cut -f1))"
fi

# ------------------------------------------------------------------ boot ----
bootlog=$(mktemp /tmp/vanet-nspawn.XXXXXX.log)
nspawn_pid=
cleanup()
{
	local i
	if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
		# SIGTERM: nspawn asks the container's systemd to power off.
		kill -TERM "$nspawn_pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$nspawn_pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$nspawn_pid" 2>/dev/null; then
			echo "container did not power off in 20 s: killing it" >&2
			kill -KILL "$nspawn_pid" 2>/dev/null || true
		fi
		wait "$nspawn_pid" 2>/dev/null || true
	fi
	if [[ ${VN_KEEP_LOG:-0} = 1 ]]; then
		echo "boot log: $bootlog"
	else
		rm -f "$bootlog"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "booting $MACHINE (systemd-nspawn --boot --volatile=overlay)"
T_BOOT=$SECONDS
systemd-nspawn --quiet --boot --directory="$ROOTFS" --volatile=overlay \
	--machine="$MACHINE" --register=no --keep-unit --private-network \
	--bind=/dev/net/tun --bind-ro="$deb:/root/vanet.deb" \
	--console=read-only >"$bootlog" 2>&1 </dev/null &
nspawn_pid=$!

# The container's PID 1: the descendant of nspawn running systemd in
# another PID namespace.
leader=
own_pidns=$(readlink /proc/self/ns/pid)
for ((i = 0; i < 150; i++)); do
	kill -0 "$nspawn_pid" 2>/dev/null || { cat "$bootlog"; die "systemd-nspawn exited"; }
	for p in $(ps -e -o pid=,ppid= | awk -v n="$nspawn_pid" '$2 == n { print $1 }'); do
		if [[ $(cat "/proc/$p/comm" 2>/dev/null) = systemd &&
			$(readlink "/proc/$p/ns/pid" 2>/dev/null) != "$own_pidns" ]]; then
			leader=$p
		fi
	done
	[[ -n $leader ]] && break
	sleep 0.2
done
[[ -n $leader ]] || { cat "$bootlog"; die "no systemd in the container after 30 s"; }

# ct CMD...: runs CMD inside the container (all its namespaces, its root).
ct() { nsenter --target "$leader" --all env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
# ct_check WHAT CMD...
ct_check() { local what=$1; shift; if ct "$@"; then pass "$what"; else fail "$what"; fi; }

# Right after PID 1 appears its bus may not answer yet: systemctl then fails
# at once with no state, so ask again until it gives one (60 s at most).
state=
for ((i = 0; i < 60; i++)); do
	state=$(ct timeout 60 systemctl is-system-running --wait 2>/dev/null || true)
	[[ -n $state ]] && break
	sleep 1
done
case $state in
running) pass "container booted: systemd $(ct systemctl --version | awk 'NR == 1 { print $2 }') is running (booted in $((SECONDS - T_BOOT)) s)" ;;
degraded)
	pass "container booted (degraded: $(ct systemctl --failed --no-legend --plain | awk '{ printf "%s ", $1 }'))" ;;
*) tail -n 30 "$bootlog"; die "container did not finish booting: state '$state'" ;;
esac

# --------------------------------------------------------------- install ----
out=$(ct apt-get install -y -q --no-install-recommends /root/vanet.deb 2>&1) ||
	{ echo "$out" | tail -n 20; die "apt-get install in the container failed"; }
pass "apt-get install $(basename "$deb") in the container"
for u in obud rsud; do
	st=$(ct systemctl is-enabled "$u" 2>/dev/null || true)
	if [[ $st = disabled ]]; then pass "$u.service installed, not enabled"; else fail "$u.service is '$st', not disabled"; fi
	st=$(ct systemctl is-active "$u" 2>/dev/null || true)
	if [[ $st = inactive ]]; then pass "$u.service not started by the installation"; else fail "$u.service is '$st' after the installation"; fi
done

ct ip link add wire0 type veth peer name wire1
ct ip link set wire0 up
ct ip link set wire1 up
ct sed -i 's/^interface = .*/interface = wire0/' /etc/vanet/rsud.conf
ct sed -i 's/^interface = .*/interface = wire1/; s/^name = tun0/name = tun1/' /etc/vanet/obud.conf

journal() { ct journalctl --no-pager -n 30 -u "$1" | sed 's/^/    /'; }
prop() { ct systemctl show -p "$2" --value "$1"; }

# ------------------------------------------------------------------ start ----
type=$(prop rsud Type)
if ct timeout 30 systemctl start rsud; then
	if [[ $type = notify ]]; then
		pass "systemctl start rsud: READY=1 received (Type=notify), status '$(prop rsud StatusText)'"
	else
		pass "systemctl start rsud (Type=$type: no READY=1 in this version; checked is-active)"
	fi
else
	journal rsud
	die "systemctl start rsud failed"
fi
sleep 0.5
ct_check "rsud is active" test "$(ct systemctl is-active rsud)" = active
ct_check "tun0 exists" sh -c 'ip link show tun0 >/dev/null'
ct_check "vanetctl status answers (role rsud)" sh -c 'vanetctl -s /run/vanet/rsud.sock status | grep -qx "role: rsud"'

# ----------------------------------------------------------------- reload ----
pid=$(prop rsud MainPID)
ct sed -i 's/^mtu = .*/mtu = 1400/' /etc/vanet/rsud.conf
if ct timeout 30 systemctl reload rsud; then pass "systemctl reload rsud"; else journal rsud; fail "systemctl reload rsud"; fi
for ((i = 0; i < 50; i++)); do
	ct ip -o link show tun0 | grep -q ' mtu 1400 ' && break
	sleep 0.1
done
ct_check "reload applied: tun0 mtu 1400" sh -c 'ip -o link show tun0 | grep -q " mtu 1400 "'
ct_check "reload counted: reloads 1" sh -c 'vanetctl -s /run/vanet/rsud.sock counters | grep -qx "reloads 1"'
ct_check "same process after the reload (pid $pid)" test "$(prop rsud MainPID)" = "$pid"
ct_check "rsud is active after the reload" test "$(ct systemctl is-active rsud)" = active

# ------------------------------------------------------------------- obud ----
if ct timeout 30 systemctl start obud; then pass "systemctl start obud (Type=$(prop obud Type))"; else journal obud; fail "systemctl start obud"; fi
up=
for ((i = 0; i < 50; i++)); do
	up=$(ct vanetctl -s /run/vanet/obud.sock status 2>/dev/null | sed -n 's/^upstream: //p')
	[[ -n $up && $up != none ]] && break
	sleep 0.1
done
if [[ -n $up && $up != none ]]; then pass "obud found rsud: upstream $up"; else fail "obud has no upstream ('$up')"; fi
ct_check "systemctl stop obud" timeout 30 systemctl stop obud
ct_check "no tun1 after stopping obud" sh -c '! ip link show tun1 2>/dev/null'

# --------------------------------------------------------------- watchdog ----
# The unit's WatchdogSec is replaced by 2 s (a drop-in) to keep the test
# short: first rsud must live through 3 s (it feeds the watchdog), then,
# stopped with SIGSTOP, be killed by the watchdog and restarted.
wd=$(prop rsud WatchdogUSec)
if [[ -z $wd || $wd = 0 || $wd = infinity ]]; then
	skip "watchdog: rsud.service has no WatchdogSec (WatchdogUSec=${wd:-unset}): the SIGSTOP test needs the units with sd_notify/WatchdogSec"
else
	ct mkdir -p /run/systemd/system/rsud.service.d
	ct sh -c 'printf "[Service]\nWatchdogSec=2s\n" >/run/systemd/system/rsud.service.d/zz-test-watchdog.conf'
	ct systemctl daemon-reload
	ct timeout 30 systemctl restart rsud || { journal rsud; fail "systemctl restart rsud (WatchdogSec=2s)"; }
	pid=$(prop rsud MainPID)
	restarts=$(prop rsud NRestarts)
	i=0
	sleep 3
	if [[ $(prop rsud MainPID) = "$pid" && $(ct systemctl is-active rsud) = active ]]; then
		pass "rsud feeds the watchdog (unit WatchdogSec $wd; 3 s alive with WatchdogSec=2s)"
	else
		journal rsud
		fail "rsud was not kept alive by its watchdog pings (pid $pid -> $(prop rsud MainPID))"
	fi
	pid=$(prop rsud MainPID)
	# (never "kill -STOP 0": that would stop this script's process group)
	until [[ $pid =~ ^[1-9][0-9]*$ ]] || ((i++ > 100)); do
		sleep 0.1
		pid=$(prop rsud MainPID)
	done
	[[ $pid =~ ^[1-9][0-9]*$ ]] || die "rsud has no main process to stop (MainPID '$pid')"
	log "SIGSTOP to rsud (pid $pid)"
	ct kill -STOP "$pid"
	newpid=$pid
	for ((i = 0; i < 150; i++)); do
		newpid=$(prop rsud MainPID)
		[[ $newpid != "$pid" && $newpid != 0 && $(ct systemctl is-active rsud) = active ]] && break
		sleep 0.1
	done
	if [[ $newpid != "$pid" && $newpid != 0 ]]; then
		pass "watchdog restarted the stopped rsud (pid $pid -> $newpid, NRestarts $restarts -> $(prop rsud NRestarts))"
		ct journalctl --no-pager -u rsud | grep -i -m1 'watchdog' | sed 's/^/    /' || true
	else
		journal rsud
		fail "rsud (pid $pid) stopped with SIGSTOP was not restarted within 15 s"
		ct kill -CONT "$pid" 2>/dev/null || true
	fi
fi

# ------------------------------------------------------------------- stop ----
ct_check "systemctl stop rsud" timeout 30 systemctl stop rsud
ct_check "rsud is inactive" test "$(ct systemctl is-active rsud)" = inactive
ct_check "no tun0 after stopping rsud" sh -c '! ip link show tun0 2>/dev/null'
ct_check "control socket removed" test ! -e /run/vanet/rsud.sock
if ct journalctl --no-pager -u rsud -u obud | grep -E ' (error|crit|alert|emerg)' | grep -v 'Watchdog\|watchdog\|core-dump\|dumped core\|SIGABRT\|code=killed\|code=dumped'; then
	fail "errors in the journal of rsud/obud (above)"
else
	pass "no errors in the daemons' journal"
fi

log "done"
echo "$passes passed, $fails failed"
((fails == 0))
