# shellcheck shell=bash
# The integration harness (lib.sh sources this): the [security] keys and
# sections (VN_SECURITY, the tests of the layer itself) and the network
# key's rotation.

# ---------------------------------------------------------------- security ----

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
