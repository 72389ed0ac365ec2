#!/usr/bin/env bash
# flood.sh - 64-byte UDP flood through vanet over 1 or 2 hops, the topology
# of peers.sh (bridge "air", veth offloads off, A on CPU 0, B on CPU 1, the
# relay floating, tun TSO/GSO/GRO off as peers.sh does), and where the
# packets go: iperf3's received rate, each daemon's counters, and the drops
# at every queue on the way (A's tun, each packet socket, B's UDP socket).
#
# Usage (root, from the source tree):
#   tests/bench/flood.sh [-b BUILD_DIR] [-u SECS] [-l LEN] [--topo 1hop|2hop]
#                       [--wrap-a CMD] [--wrap-r CMD] [--wrap-b CMD] [--conf TEXT]
#   --wrap-X CMD  run node X's daemon under CMD (e.g. "strace -c -f -o /tmp/r.strace"
#                 or "valgrind --tool=callgrind --callgrind-out-file=/tmp/r.cg")
#   --tcp         one iperf3 TCP flow instead (Mbit/s; per-node CPU per frame)
#   --conf TEXT   appended to every daemon's configuration (e.g. "[tun]\noffload = off")
set -u
BUILD=build SECS=5 LEN=64 TCP=0 TOPO=2hop CONF_EXTRA=""
declare -A WRAP=([a]="" [b]="" [r]="")
while (($#)); do
	case $1 in
	-b) BUILD=$(realpath "$2"); shift ;;
	-u) SECS=$2; shift ;;
	-l) LEN=$2; shift ;;
	--tcp) TCP=1 ;;
	--topo) TOPO=$2; shift ;;
	--wrap-a) WRAP[a]=$2; shift ;;
	--wrap-r) WRAP[r]=$2; shift ;;
	--wrap-b) WRAP[b]=$2; shift ;;
	--conf) CONF_EXTRA=$2; shift ;;
	-h) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
P=fl$$
WORK=$(mktemp -d)
NSES=() PIDS=()
cleanup() {
	local p
	# a wrapped daemon (strace, valgrind) is the wrapper's child
	for p in "${PIDS[@]}"; do kill -TERM $(pgrep -P "$p") "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${NSES[@]}"; do ip netns del "$p" 2>/dev/null; done
	[[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
pin() { case $1 in a) echo "taskset -c 0" ;; b) echo "taskset -c 1" ;; esac; }

ip netns add "$P-air" && NSES+=("$P-air")
ip -n "$P-air" link add br0 type bridge && ip -n "$P-air" link set br0 up
nodes="a b"; [[ $TOPO == 2hop ]] && nodes="a b r"
i=0
for n in a b r; do
	i=$((i + 1))
	ip netns add "$P-$n" && NSES+=("$P-$n")
	ip -n "$P-$n" link set lo up
	ip link add e0 netns "$P-$n" type veth peer name "p$n" netns "$P-air"
	ip -n "$P-air" link set "p$n" master br0 up
	ip -n "$P-$n" link set e0 up
	nsx "$P-$n" ethtool -K e0 tso off gso off gro off 2>/dev/null
	nsx "$P-air" ethtool -K "p$n" tso off gso off gro off 2>/dev/null
done
nsx "$P-air" nft -f - <<EOF
table bridge flood {
  chain links {
    type filter hook forward priority 0; policy accept;
  }
}
EOF
[[ $TOPO == 2hop ]] && nsx "$P-air" nft -f - <<EOF
add rule bridge flood links iifname "pa" oifname "pb" counter drop
add rule bridge flood links iifname "pb" oifname "pa" counter drop
EOF
idx() { case $1 in a) echo 1 ;; b) echo 2 ;; r) echo 3 ;; esac; }
for n in $nodes; do
	role=obu; [[ $n == b ]] && role=rsu
	printf '[wire]\ninterface = e0\n\n[tun]\nname = tun0\naddress = 10.200.4.%s/24\nmtu = 1440\n\n[routing]\nheartbeat_period_ms = 100\n\n[control]\nsocket = %s\n\n[log]\nlevel = warning\n' \
		"$(idx $n)" "$WORK/$n.sock" >"$WORK/$n.conf"
	[[ -n $CONF_EXTRA ]] && printf '%b\n' "$CONF_EXTRA" >>"$WORK/$n.conf"
	# shellcheck disable=SC2046,SC2086
	ip netns exec "$P-$n" $(pin $n) ${WRAP[$n]} "$BUILD/$role/${role}d" -c "$WORK/$n.conf" >"$WORK/$n.log" 2>&1 &
	PIDS+=($!)
done
for n in $nodes; do
	for _ in $(seq 100); do ip -n "$P-$n" link show tun0 >/dev/null 2>&1 && break; sleep 0.1; done
	for f in tso gso gro; do nsx "$P-$n" ethtool -K tun0 $f off >/dev/null 2>&1; done
done
for _ in $(seq 100); do nsx "$P-a" ping -c1 -W1 10.200.4.2 >/dev/null 2>&1 && break; sleep 0.2; done
nsx "$P-b" taskset -c 1 iperf3 -s -1 -B 10.200.4.2 >/dev/null 2>&1 &
srv=$!
sleep 0.5
nsx "$P-a" nstat -n; nsx "$P-b" nstat -n
# cpu PID: utime+stime in clock ticks; ctx PID: voluntary+involuntary switches
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ctx() { awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$1/status"; }
declare -A C0 X0
k=0
for n in $nodes; do C0[$n]=$(cpu "${PIDS[$k]}"); X0[$n]=$(ctx "${PIDS[$k]}"); k=$((k + 1)); done
if ((TCP)); then
	out=$(nsx "$P-a" taskset -c 0 timeout $((SECS + 10)) iperf3 -c 10.200.4.2 -t "$SECS" -J)
else
	out=$(nsx "$P-a" taskset -c 0 timeout $((SECS + 10)) iperf3 -c 10.200.4.2 -u -b 0 -l "$LEN" -t "$SECS" -J)
fi
k=0
declare -A C1 X1
for n in $nodes; do C1[$n]=$(cpu "${PIDS[$k]}"); X1[$n]=$(ctx "${PIDS[$k]}"); k=$((k + 1)); done
wait $srv 2>/dev/null
((TCP)) && echo "$out" | jq -r '.end.sum_received | "TCP \(.bits_per_second / 1e6 | floor) Mbit/s received"'
((TCP)) || echo "$out" | jq -r '.end.sum | "received \(.packets - .lost_packets) of \(.packets) in \(.seconds|floor) s: \(((.packets - .lost_packets) / .seconds / 1000)*10|floor/10) kpps received (loss \(.lost_percent|floor) %)"'
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A tun0 TX dropped (not read in time): $(nsx "$P-a" cat /sys/class/net/tun0/statistics/tx_dropped)"
for n in $nodes; do
	c=$("$BUILD/tools/vanetctl" -s "$WORK/$n.sock" counters 2>/dev/null | tr '\n' ' ' | grep -oE '(rx_frames|tx_frames|tx_batches|tun_rx_packets|tun_tx_packets|tun_tx_writes|rx_errors|tx_errors|rx_ring[a-z_]*)[ =:]+[0-9]+' | tr -s ' ' | tr '\n' ' ')
	d=$(nsx "$P-$n" ss -0 -m -a 2>/dev/null | grep -oE 'd[0-9]+\)' | tr -d 'd)' | paste -sd+ | bc)
	pk=$(echo "$c" | grep -oE 'tun_rx_packets [0-9]+|rx_frames [0-9]+' | awk -v n="$n" '
		n == "a" && $1 == "tun_rx_packets" { print $2 } n != "a" && $1 == "rx_frames" { print $2 }')
	echo "$n: CPU $(awk -v c=$((C1[$n] - C0[$n])) -v p="$pk" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f us/packet", c / hz * 1e6 / (p > 0 ? p : 1) }'), $(awk -v x=$((X1[$n] - X0[$n])) -v p="$pk" 'BEGIN { printf "%.1f packets/context switch", p / (x > 0 ? x : 1) }'); packet socket drops ${d:-?}"
	echo "   $c"
done
echo "B UDP: $(nsx "$P-b" nstat -az UdpRcvbufErrors UdpInDatagrams 2>/dev/null | awk 'NR>1 {printf "%s %s  ", $1, $2}')"
