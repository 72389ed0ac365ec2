#!/bin/sh
# systemd-analyze verify must accept the units. They are checked as
# configured for a throw-away prefix whose sbin holds the built daemons, so
# that the ExecStart= binaries exist. Exit 77 (skip) without systemd-analyze.
set -eu
units=$1 obud=$2 rsud=$3 ctl=$4
command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze missing: skip"; exit 77; }
mkdir -p "$units/sbin"
ln -sf "$obud" "$units/sbin/obud"
ln -sf "$rsud" "$units/sbin/rsud"
ln -sf "$ctl" "$units/sbin/vanetctl"
mkdir -p "$units/textfile"
# The daemons tell systemd when they are ready and feed its watchdog.
for u in obud rsud; do
	for want in Type=notify NotifyAccess=main WatchdogSec=; do
		grep -q "^$want" "$units/$u.service" || { echo "$u.service: no $want"; exit 1; }
	done
done
out=$(systemd-analyze verify "$units/obud.service" "$units/rsud.service" \
	"$units/vanet-metrics.service" "$units/vanet-metrics.timer" 2>&1) || {
	echo "$out"; exit 1; }
# verify returns 0 for some warnings too; any line about our units fails.
if echo "$out" | grep -E '(obud|rsud|vanet-metrics)\.(service|timer)' ; then
	exit 1
fi
echo "units OK"
