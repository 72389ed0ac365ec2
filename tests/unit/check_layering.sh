#!/bin/sh
# Layering check: the protocol library (common/) is below the cores and the
# daemon shell, so no file in it may include a header of obu/, rsu/ or
# shell/ (docs/architecture.md).
#   check_layering.sh SRC_DIR      checks SRC_DIR/common; exit 0 or 1
#   check_layering.sh --self-test  shows that a bad include is caught
set -u

# Headers that live above common/: obu_*.h, rsu_*.h, anything in shell/,
# and any quoted path reaching out of the directory (system headers such as
# <arpa/inet.h> are fine).
forbidden() {
	src=$1
	names=$(cd "$src/shell" 2>/dev/null && ls -- *.h 2>/dev/null | tr '\n' ' ')
	status=0
	for f in "$src"/common/*.c "$src"/common/*.h; do
		[ -e "$f" ] || continue
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$f" | while IFS= read -r line; do
			inc=$(printf '%s\n' "$line" | sed 's/.*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/')
			base=${inc##*/}
			bad=
			if printf '%s\n' "$line" | grep -q 'include[[:space:]]*"'; then
				case $inc in
				*/*) bad="a path outside common/" ;;
				esac
			fi
			case $inc in
			obu/*|rsu/*|shell/*|*/obu/*|*/rsu/*|*/shell/*) bad="a header above common/" ;;
			esac
			case $base in
			obu_*|rsu_*) bad="an OBU/RSU header" ;;
			esac
			for n in $names; do
				[ "$base" = "$n" ] && bad="a shell/ header"
			done
			if [ -n "$bad" ]; then
				echo "$f:${line%%:*}: includes $inc ($bad)"
				echo x
			fi
		done
	done | {
		n=0
		while IFS= read -r l; do
			if [ "$l" = x ]; then n=$((n + 1)); else echo "$l" >&2; fi
		done
		[ "$n" -eq 0 ]
	} || status=1
	return $status
}

if [ "${1:-}" = --self-test ]; then
	t=$(mktemp -d) || exit 1
	trap 'rm -rf "$t"' EXIT
	mkdir -p "$t/common" "$t/shell"
	echo '#include "wire.h"' >"$t/common/ok.c"
	echo '/* clean */' >"$t/shell/log.h"
	forbidden "$t" || { echo "self-test: a clean tree was refused" >&2; exit 1; }
	for inc in '"obu_core.h"' '"rsu_params.h"' '"log.h"' '"../obu/obu_core.h"' '<shell/log.h>'; do
		printf '#include %s\n' "$inc" >"$t/common/bad.h"
		if forbidden "$t" 2>/dev/null; then
			echo "self-test: #include $inc in common/ was not caught" >&2
			exit 1
		fi
	done
	echo "self-test: every forbidden include was caught"
	exit 0
fi

forbidden "${1:?usage: check_layering.sh SRC_DIR | --self-test}" || {
	echo "common/ must not include obu/, rsu/ or shell/ headers" >&2
	exit 1
}
