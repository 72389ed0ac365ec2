#!/usr/bin/env bash
# tests/system/test_deb.sh: the Debian package, installed and removed for
# real on this machine (as root, Debian 12):
#
#   tests/system/test_deb.sh [DEB]     default: builds it with scripts/package
#
# 1. apt-get install ./vanet_<version>_<arch>.deb,
# 2. obud -V / rsud -V print the version, man -w finds the four man pages,
#    systemd-analyze verify accepts the installed units, the units are not
#    enabled, /etc/vanet/{obud,rsud}.conf are the package's conffiles,
# 3. apt-get remove: nothing of the package is left but its conffiles (and
#    the directories that hold them or belong to other packages),
# 4. apt-get purge: the conffiles and /etc/vanet are gone too.
# The package is purged on any exit. It refuses to run (exit 77, skip) when
# vanet is installed already or a file of the package exists (e.g. from
# cmake --install), so that it never removes what it did not install.
# Prints PASS/FAIL lines and "N passed, N failed"; exits 1 on a failure.
set -euo pipefail

cd "$(dirname "$0")/../.."
passes=0 fails=0
pass() { passes=$((passes + 1)); echo "PASS: $*"; }
fail() { fails=$((fails + 1)); echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; exit 77; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# apt_get ARGS...: apt-get, its output shown only when it fails
apt_get()
{
	local out
	if out=$(apt-get -y -q "$@" 2>&1); then
		return 0
	fi
	echo "$out" | tail -n 20
	return 1
}

[[ $(id -u) = 0 ]] || skip "needs root (installs a package)"
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
	skip "not a Debian system"
fi

deb=${1:-}
if [[ -z $deb ]]; then
	deb=$(scripts/package build-deb | tail -n 1)
fi
[[ -f $deb ]] || { echo "FAIL: no package: $deb"; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
version=$(dpkg-deb -f "$deb" Version)
echo "package: $deb ($version)"

status() { dpkg-query -W -f='${db:Status-Abbrev}' vanet 2>/dev/null || true; }
[[ $(status) = "" || $(status) = "un " ]] || skip "vanet is installed already (dpkg status '$(status)'): not touching it"
mapfile -t payload < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^$')
present=()
for p in "${payload[@]}"; do
	[[ -e $p && ! -d $p ]] && present+=("$p")
done
((${#present[@]} == 0)) || skip "files of the package exist already (cmake --install?): ${present[*]}"

installed=0
cleanup()
{
	if ((installed)); then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q vanet >/dev/null 2>&1 ||
			echo "cleanup: apt-get purge vanet failed" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DEBIAN_FRONTEND=noninteractive
t0=$SECONDS
installed=1
check "apt-get install $(basename "$deb")" apt_get install --no-install-recommends "$deb"
echo "   ($((SECONDS - t0)) s)"
[[ $(status) = "ii " ]] || { fail "dpkg status after install is '$(status)', not 'ii '"; exit 1; }

for d in obud rsud; do
	out=$("/usr/sbin/$d" -V 2>&1 || true)
	check "$d -V prints '$d $version'" test "$out" = "$d $version"
done
check "vanetctl -h" sh -c '/usr/sbin/vanetctl -h | grep -q "^usage: vanetctl"'
check "vanet-keygen --help" sh -c '/usr/bin/vanet-keygen --help | grep -q "^Usage: vanet-keygen network FILE"'
kd=$(mktemp -d)
check "vanet-keygen rsu writes a 0600 key and its .pub" \
	sh -c "/usr/bin/vanet-keygen rsu $kd/r.key >/dev/null && test \"\$(stat -c %a $kd/r.key)\" = 600 && grep -q '^rsu ' $kd/r.key.pub"
rm -rf "$kd"
for page in obud rsud vanetctl vanet.conf vanet-keygen; do
	where=$(man -w "$page" 2>/dev/null || true)
	check "man -w $page: $where" test -n "$where"
done
warnings=$(MANWIDTH=80 man --warnings vanet.conf 2>&1 >/dev/null || echo "man failed")
check "man vanet.conf renders without a warning${warnings:+: $warnings}" test -z "$warnings"
units=(/lib/systemd/system/obud.service /lib/systemd/system/rsud.service)
check "units installed" test -f "${units[0]}" -a -f "${units[1]}"
out=$(systemd-analyze verify "${units[@]}" 2>&1) || fail "systemd-analyze verify: $out"
if grep -E '(obud|rsud)\.service' <<<"$out"; then
	fail "systemd-analyze verify complains about the units"
else
	pass "systemd-analyze verify of the installed units"
fi
check "units not enabled" sh -c '! ls /etc/systemd/system/*.wants/obud.service /etc/systemd/system/*.wants/rsud.service 2>/dev/null | grep -q .'
conffiles=$(dpkg-query -W -f='${Conffiles}' vanet | awk 'NF { print $1 }')
check "conffiles are /etc/vanet/obud.conf and rsud.conf" \
	test "$(sort <<<"$conffiles" | tr '\n' ' ')" = "/etc/vanet/obud.conf /etc/vanet/rsud.conf "
check "obud -n accepts the installed example configuration" \
	sh -c '/usr/sbin/obud -n -c /etc/vanet/obud.conf >/dev/null'
check "docs in /usr/share/doc/vanet" test -f /usr/share/doc/vanet/operations.md -a -f /usr/share/doc/vanet/copyright

mapfile -t files < <(dpkg -L vanet)
check "apt-get remove vanet" apt_get remove vanet
if [[ $(status) = "rc " ]]; then
	pass "dpkg status after remove: rc (conffiles kept)"
else
	fail "dpkg status after remove is '$(status)', not 'rc '"
fi
left=()
for p in "${files[@]}"; do
	[[ $p != /. && -e $p ]] || continue
	if grep -qxF "$p" <<<"$conffiles"; then
		continue
	elif [[ -d $p ]] && { grep -q "^$p/" <<<"$conffiles" || dpkg-query -S "$p" >/dev/null 2>&1; }; then
		continue	# holds a conffile, or belongs to another package too
	fi
	left+=("$p")
done
if ((${#left[@]})); then
	fail "left after remove: ${left[*]}"
else
	pass "nothing left after remove but the conffiles ($(wc -l <<<"$conffiles") files)"
fi
for c in $conffiles; do
	check "conffile $c kept after remove" test -f "$c"
done

check "apt-get purge vanet" apt_get purge vanet
installed=0
check "dpkg knows no vanet after purge" test -z "$(dpkg-query -W -f='${Status}' vanet 2>/dev/null | grep -v not-installed)"
check "/etc/vanet gone after purge" test ! -e /etc/vanet

echo "$passes passed, $fails failed"
((fails == 0))
