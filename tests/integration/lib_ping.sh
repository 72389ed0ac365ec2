# shellcheck shell=bash
# The integration harness (lib.sh sources this): traffic (bounded pings) and
# waiting for a condition.

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
