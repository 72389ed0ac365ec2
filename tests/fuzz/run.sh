#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each one
# for a bounded time on a copy of its seed corpus.
#
#   tests/fuzz/run.sh [SECONDS]
#
# SECONDS applies to every target; without it fuzz_decode runs 60 s,
# fuzz_config 30 s, fuzz_ctl 10 s, fuzz_sec_decode 30 s, fuzz_sec_keys 20 s,
# fuzz_offload 30 s, fuzz_core 30 s. BUILD_DIR (default: build-fuzz in the source tree, which
# git ignores) holds the build, the working corpora and any crash files.
# Exits non-zero if a target crashes, reports a sanitizer error, or leaves
# a crash/leak/timeout artifact; the artifact's path is printed.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build-fuzz}
SECS=${1:-}
case "$SECS" in
'' | *[!0-9]*) [ -z "$SECS" ] || { echo "usage: $0 [SECONDS]" >&2; exit 2; } ;;
esac

mkdir -p "$BUILD_DIR"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_C_COMPILER=clang -DVANET_FUZZ=ON \
	-DVANET_DAEMONS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD_DIR/cmake.log" 2>&1 ||
	{ cat "$BUILD_DIR/cmake.log"; exit 1; }

targets="fuzz_decode"
[ -f "$ROOT/tests/fuzz/fuzz_config.c" ] && targets="$targets fuzz_config"
[ -f "$ROOT/tests/fuzz/fuzz_ctl.c" ] && targets="$targets fuzz_ctl"
targets="$targets fuzz_sec_decode fuzz_sec_keys"
[ -f "$ROOT/tests/fuzz/fuzz_offload.c" ] && targets="$targets fuzz_offload"
[ -f "$ROOT/tests/fuzz/fuzz_core.c" ] && targets="$targets fuzz_core"
for t in $targets; do
	cmake --build "$BUILD_DIR" -j2 --target "$t"
done

status=0
for t in $targets; do
	case "$t" in
	fuzz_decode) secs=${SECS:-60} seeds=decode ;;
	fuzz_config) secs=${SECS:-30} seeds=config ;;
	fuzz_ctl) secs=${SECS:-10} seeds=ctl ;;
	fuzz_sec_decode) secs=${SECS:-30} seeds=sec_decode ;;
	fuzz_sec_keys) secs=${SECS:-20} seeds=sec_keys ;;
	fuzz_offload) secs=${SECS:-30} seeds=offload ;;
	fuzz_core) secs=${SECS:-30} seeds=core ;;
	esac
	work="$BUILD_DIR/fuzz-run/$t"
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	# a copy: libFuzzer adds to the corpus it is given
	if [ -d "$ROOT/tests/fuzz/corpus/$seeds" ]; then
		cp -r "$ROOT/tests/fuzz/corpus/$seeds/." "$work/corpus/"
	fi
	echo "== $t: ${secs}s, $(ls "$work/corpus" | wc -l) seeds, log $work/log"
	rc=0
	"$BUILD_DIR/tests/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$work/corpus" >"$work/log" 2>&1 || rc=$?
	grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$work/log" || true
	if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:' "$work/log" ||
		[ -n "$(ls -A "$work/artifacts")" ]; then
		echo "!! $t FAILED (exit $rc); last lines of $work/log:"
		tail -n 40 "$work/log"
		ls "$work/artifacts"/* 2>/dev/null | sed 's/^/!! artifact: /'
		status=1
	else
		echo "== $t: ok ($(ls "$work/corpus" | wc -l) corpus entries)"
	fi
done
exit $status
