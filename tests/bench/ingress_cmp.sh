#!/bin/bash
# Measure ingress variants (AF_PACKET: io_uring multishot recvmsg,
# TPACKET_V3, TPACKET_V2, recvmmsg; and AF_XDP) between two network
# namespaces.  See doc/ingress-measurement.md.
#
# Build (done here on every run; mode xdp only where libxdp, libbpf and
# clang's BPF target are installed):
#   cc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib -Imcrd \
#      -o build/ingress_cmp tests/bench/ingress_cmp.c mcrd/filter.c lib/packet.c \
#      lib/addr.c lib/csum.c -luring [-DHAVE_XDP -lxdp -lbpf]
#   clang -O2 -g -target bpf -c tests/bench/ingress_xdp.bpf.c -o build/ingress_xdp.bpf.o
#
# Run as root from anywhere in the repository, with build/mcrgen built:
#   bash tests/bench/ingress_cmp.sh [OUTDIR]
# Raw lines go to OUTDIR/raw.txt (default OUTDIR: a new /tmp/icm-PID.XXXX),
# the summary tables to stdout and OUTDIR/table.md.
#
# Knobs (environment; an empty list skips that part):
#   REPS       repetitions of each throughput point (3; the table shows medians)
#   TP_DUR     receiver window in seconds for throughput points (5)
#   TP_POINTS  throughput points RATE/PAYLOAD, rate 0 = as fast as mcrgen goes
#              ("0/1400 0/64 100000/1400 100000/64")
#   LAT_RATES  latency points in pps, 1400-byte payload ("1000 100")
#   LAT_REPS   repetitions of each latency point (3)
#   LAT_SCHED  receiver policies for latency points: "other" (default
#              scheduling) and/or "fifo" (chrt -f 10; the receiver needs <2%
#              CPU there, this keeps unrelated load off the measurement)
#              ("other fifo")
#   RX_CPU, TX_CPU  CPUs for receiver and sender (1, 0)
#   RPS        1: RPS on the receiving veth sends its receive softirq to RX_CPU (1)
#   JOIN       1: a socket in the receiving namespace holds an IGMP membership
#              of the group for the whole run, as mcrd's helper does, so the
#              kernel's IP receive delivers every frame to UDP as well (0)
#   BG_SECS    seconds of background load sampled before each point (2)
#   BG_MAX, BG_TRIES  wait until both CPUs are below BG_MAX busy+steal (0.10),
#              for at most BG_TRIES samples (30), before each point
#   MODES      LABEL:MODE:ARGS ... with "_" for a space in ARGS
#              ("uring:uring: tpv3-1ms:tpv3:-T_1 tpv3-dflt:tpv3:-T_0 tpv2:tpv2:
#              recvmmsg:recvmmsg:"; add "xdp:xdp:" for AF_XDP).  Mode xdp
#              attaches an XDP program to the receiving veth, which gives it
#              a NAPI context: its receive work would then run on the
#              sender's CPU, so the script makes that NAPI threaded and pins
#              its thread to RX_CPU (RPS does not apply to XDP).  Throughput
#              points only (no kernel timestamps in the UMEM).
#
# Topology: namespace icm-$$-tx (veth 198.18.0.1/24) -- icm-$$-rx (veth
# 198.18.0.2/24).  Traffic goes to 239.1.1.1:5001 with TTL 1 and never
# leaves the two namespaces.  Both are removed on exit, failure or signal,
# and every command is bounded by timeout.
set -euo pipefail

cd "$(dirname "$0")/../.."
REPS=${REPS:-3}
TP_DUR=${TP_DUR:-5}
TP_POINTS=${TP_POINTS-"0/1400 0/64 100000/1400 100000/64"}
LAT_RATES=${LAT_RATES-"1000 100"}
LAT_REPS=${LAT_REPS:-3}
LAT_SCHED=${LAT_SCHED-"other fifo"}
RX_CPU=${RX_CPU:-1}
TX_CPU=${TX_CPU:-0}
RPS=${RPS:-1}
JOIN=${JOIN:-0}
BG_SECS=${BG_SECS:-2}
BG_MAX=${BG_MAX:-0.10}
BG_TRIES=${BG_TRIES:-30}
MODES=${MODES:-"uring:uring: tpv3-1ms:tpv3:-T_1 tpv3-dflt:tpv3:-T_0 tpv2:tpv2: recvmmsg:recvmmsg:"}
GROUP=239.1.1.1
PORT=5001
TX="icm-$$-tx"
RX="icm-$$-rx"
OUT=${1:-$(mktemp -d "/tmp/icm-$$.XXXX")}
mkdir -p "$OUT"
RAW="$OUT/raw.txt"
: >"$RAW"

[ "$(id -u)" -eq 0 ] || { echo "ingress_cmp.sh: needs root" >&2; exit 1; }
[ -x build/mcrgen ] || { echo "ingress_cmp.sh: build/mcrgen missing (make)" >&2; exit 1; }
{ [ "$(nproc)" -gt "$RX_CPU" ] && [ "$(nproc)" -gt "$TX_CPU" ]; } ||
	{ echo "ingress_cmp.sh: needs CPUs $TX_CPU and $RX_CPU" >&2; exit 1; }

cleanup() {
	local rc=$? n
	trap - EXIT INT TERM
	for n in "$TX" "$RX"; do
		timeout 5 ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		timeout 10 ip netns del "$n" 2>/dev/null || true
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

XDP_CFLAGS="" XDP_LIBS=""
if [ -e /usr/include/xdp/xsk.h ] && [ -e /usr/include/bpf/libbpf.h ] &&
	timeout 60 clang -O2 -g -target bpf -I"/usr/include/$(gcc -print-multiarch)" \
		-c tests/bench/ingress_xdp.bpf.c -o build/ingress_xdp.bpf.o; then
	XDP_CFLAGS=-DHAVE_XDP XDP_LIBS="-lxdp -lbpf"
elif [[ $MODES == *:xdp:* ]]; then
	echo "ingress_cmp.sh: mode xdp needs libxdp-dev, libbpf-dev and clang" >&2
	exit 1
fi
# shellcheck disable=SC2086
timeout 60 cc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE $XDP_CFLAGS -Ilib -Imcrd \
	-o build/ingress_cmp tests/bench/ingress_cmp.c mcrd/filter.c lib/packet.c lib/addr.c \
	lib/csum.c -luring $XDP_LIBS

T="timeout 10"
$T ip netns add "$TX"
$T ip netns add "$RX"
for n in "$TX" "$RX"; do
	$T ip -n "$n" link set lo up
	$T ip netns exec "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 >/dev/null
done
$T ip -n "$TX" link add veth type veth peer name veth netns "$RX"
$T ip -n "$TX" addr add 198.18.0.1/24 dev veth
$T ip -n "$RX" addr add 198.18.0.2/24 dev veth
$T ip -n "$TX" link set veth up
$T ip -n "$RX" link set veth up
for n in "$TX" "$RX"; do
	$T ip netns exec "$n" sysctl -qw net.ipv4.conf.veth.rp_filter=0 >/dev/null
done
if [ "$RPS" = 1 ]; then
	# veth (no NAPI) hands frames to netif_rx() on the sender's CPU; RPS
	# moves the receive softirq (BPF filter, copy into the socket queue or
	# the TPACKET ring) to the receiver's CPU, so all receive work is there.
	$T ip netns exec "$RX" sh -c \
		"printf %x $((1 << RX_CPU)) > /sys/class/net/veth/queues/rx-0/rps_cpus"
fi

if [ "$JOIN" = 1 ]; then
	# Bound to another port than the stream's: the membership alone, as mcrd's helper.
	timeout 3600 ip netns exec "$RX" python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4s", socket.inet_aton(sys.argv[1]), socket.inet_aton("198.18.0.2")))
time.sleep(3600)' "$GROUP" 2>/dev/null &
	disown
	for _ in $(seq 50); do
		$T ip -n "$RX" maddr show dev veth | grep -Eq "inet +$GROUP\$" && break
		sleep 0.1
	done
	$T ip -n "$RX" maddr show dev veth | grep -Eq "inet +$GROUP\$" ||
		{ echo "ingress_cmp.sh: the membership of $GROUP did not show" >&2; exit 1; }
fi

# The machine may be shared: before each point, sample both CPUs for
# BG_SECS with none of our traffic and wait (at most BG_TRIES samples) until
# each is below BG_MAX busy (including steal).  Prints "BG QUIET": BG is
# RX_CPU's busy fraction, subtracted in the table; QUIET is 1 when the gate
# was passed, 0 when we gave up waiting.  Busy is 1 - (idle + iowait
# [+ steal]) / wall: /proc/stat's idle columns come from the NO_HZ idle
# clock, its user/system columns are tick samples (see ingress_cmp.c).
cpu_sample() { echo "$(date +%s.%N) $(grep -E "^cpu($RX_CPU|$TX_CPU) " /proc/stat | sort | tr '\n' ' ')"; }
background() {
	local a b r try
	for try in $(seq "$BG_TRIES"); do
		a=$(cpu_sample)
		sleep "$BG_SECS"
		b=$(cpu_sample)
		r=$(echo "$a $b" | awk -v hz="$(getconf CLK_TCK)" -v rx="cpu$RX_CPU" -v max="$BG_MAX" '
			# $1 time, cpu lines of 11 fields at $2 and $13; then the same at $24..
			function f(base, i) { return $(base + i) }
			{ w = $24 - $1
			  for (c = 0; c < 2; c++) {
				  o = 2 + 11 * c; n = 25 + 11 * c
				  idle = (f(n, 4) + f(n, 5) - f(o, 4) - f(o, 5)) / hz / w
				  steal = (f(n, 8) - f(o, 8)) / hz / w
				  if (f(o, 0) == rx) bg = 1 - idle - steal
				  if (1 - idle > max) loud = 1
			  } }
			END { if (bg < 0) bg = 0; printf "%.3f %d", bg, !loud }')
		[ "${r#* }" = 1 ] && break
		[ "$try" = "$BG_TRIES" ] || echo "# waiting for a quiet machine ($r)" >&2
	done
	echo "$r"
}

# The receiving veth's NAPI (it has one while an XDP program is attached)
# runs as a thread on RX_CPU, where RPS puts the other modes' receive work.
napi_to_rx_cpu() {
	local p
	$T ip netns exec "$RX" sh -c 'echo 1 > /sys/class/net/veth/threaded'
	for p in $(pgrep '^napi/veth-'); do taskset -p -c "$RX_CPU" "$p" >/dev/null; done
	pgrep -c '^napi/veth-' >/dev/null || { echo "no NAPI thread for veth" >&2; return 1; }
}

# Frames the sender's veth could not hand over (with XDP on the receiving
# end: its 256-entry ring was full), over the whole point.
veth_drops() { $T ip netns exec "$TX" cat /sys/class/net/veth/statistics/tx_dropped; }

# point LABEL MODE "ARGS" KIND RATE SIZE RX_SECONDS REP [SCHED]
point() {
	local label=$1 mode=$2 args=$3 kind=$4 rate=$5 size=$6 dur=$7 rep=$8 sched=${9:-other}
	local ready="$OUT/ready" rxout="$OUT/rx.out" txout="$OUT/tx.out" lat="" rxpid line bg
	local pre="" quiet vd0
	[ "$kind" = lat ] && lat=-l
	[ "$sched" = fifo ] && pre="chrt -f 10"
	[ "$mode" = xdp ] && args+=" -X build/ingress_xdp.bpf.o"
	rm -f "$ready"
	read -r bg quiet < <(background)
	vd0=$(veth_drops)
	# shellcheck disable=SC2086
	timeout $((dur + 40)) ip netns exec "$RX" $pre taskset -c "$RX_CPU" build/ingress_cmp \
		-m "$mode" $args $lat -i veth -g $GROUP -p $PORT -D "$dur" -c "$RX_CPU" \
		-W 15 -R "$ready" >"$rxout" 2>"$OUT/rx.err" &
	rxpid=$!
	for _ in $(seq 100); do [ -e "$ready" ] && break; sleep 0.05; done
	[ -e "$ready" ] || { echo "receiver not ready: $(cat "$OUT/rx.err")" >&2; return 1; }
	[ "$mode" = xdp ] && napi_to_rx_cpu
	# The sender runs 2 s longer than the receiver's window, so the window
	# (which opens at the first frame) is under load from start to end.
	timeout $((dur + 20)) ip netns exec "$TX" taskset -c "$TX_CPU" build/mcrgen \
		-d veth -g $GROUP -p $PORT -s "$size" -r "$rate" -n 0 -D $((dur + 2)) -j \
		>"$txout" 2>"$OUT/tx.err" || { echo "mcrgen failed: $(cat "$OUT/tx.err")" >&2; return 1; }
	wait "$rxpid" || { echo "receiver failed: $(cat "$OUT/rx.err")" >&2; return 1; }
	line="label=$label kind=$kind sched=$sched rate=$rate size=$size rep=$rep bg=$bg"
	line+=" quiet=$quiet"
	line+=" $(cat "$rxout")"
	line+=" tx_pps=$(sed -n 's/.*"pps":\([0-9.]*\).*/\1/p' "$txout")"
	line+=" veth_drops=$(($(veth_drops) - vd0))"
	echo "$line" | tee -a "$RAW"
}

# Modes are interleaved within each repetition so that drifting background
# load on a shared machine hits every mode alike.
for p in $TP_POINTS; do
	rate=${p%/*} size=${p#*/}
	for rep in $(seq "$REPS"); do
		for m in $MODES; do
			IFS=: read -r label mode args <<<"$m"
			point "$label" "$mode" "${args//_/ }" tput "$rate" "$size" "$TP_DUR" "$rep"
		done
	done
done
for sched in $LAT_SCHED; do
	for rate in $LAT_RATES; do
		dur=$((rate >= 1000 ? 5 : 10)) # >= 1000 samples
		for rep in $(seq "$LAT_REPS"); do
			for m in $MODES; do
				IFS=: read -r label mode args <<<"$m"
				point "$label" "$mode" "${args//_/ }" lat "$rate" 1400 "$dur" "$rep" "$sched"
			done
		done
	done
done

{
echo
echo "machine: nproc=$(nproc) kernel=$(uname -r) rx_cpu=$RX_CPU tx_cpu=$TX_CPU rps=$RPS join=$JOIN"
echo "raw: $RAW"
echo
awk '
function kv(s,   n, i, a, b) { delete F; n = split(s, a, " ");
	for (i = 1; i <= n; i++) { split(a[i], b, "="); F[b[1]] = b[2] } }
function med(arr, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && arr[j-1] > arr[j]; j--) {
		t = arr[j]; arr[j] = arr[j-1]; arr[j-1] = t }
	return n % 2 ? arr[(n+1)/2] : (arr[n/2] + arr[n/2+1]) / 2 }
{ kv($0) }
F["kind"] == "tput" {
	k = F["rate"] SUBSEP F["size"] SUBSEP F["label"]
	if (!(k in cnt)) order[++no] = k
	c = ++cnt[k]
	for (f in F) V[k, f, c] = F[f]
	# receive-CPU time less the background measured just before
	V[k, "net_ns", c] = (F["cpu_busy_s"] - F["bg"] * F["wall_s"]) * 1e9 / (F["pkts"] ? F["pkts"] : 1)
	V[k, "steal_pct", c] = F["steal_s"] * 100 / F["secs"]
	noisy[k] += !F["quiet"]
}
F["kind"] == "lat" {
	k = F["sched"] SUBSEP F["rate"] SUBSEP F["label"]
	if (!(k in lcnt)) lorder[++nl] = k
	c = ++lcnt[k]
	for (f in F) L[k, f, c] = F[f]
	lnoisy[k] += !F["quiet"]
}
END {
	if (no) {
	print "Throughput: median of each column over the repetitions (and the minimum of"
	print "the background-corrected receive-CPU cost, the run least disturbed by others)"
	print ""
	print "| offered pps | payload | mode      | rx pps  | tx pps  | proc ns/pkt | rx-CPU ns/pkt | rx-CPU net ns/pkt (min) | sock drops | backlog drops | veth drops | bg % | steal % | not quiet |"
	print "|-------------|---------|-----------|---------|---------|-------------|---------------|-------------------------|------------|---------------|------------|------|---------|-----------|"
	split("pps tx_pps ns_pkt cpu_ns_pkt net_ns drops backlog_drops bg steal_pct veth_drops", cols, " ")
	for (i = 1; i <= no; i++) {
		k = order[i]; n = cnt[k]; split(k, kk, SUBSEP)
		for (ci = 1; ci <= 10; ci++) { delete a; for (r = 1; r <= n; r++) a[r] = V[k, cols[ci], r] + 0
			m[ci] = med(a, n); lo[ci] = a[1] }
		printf "| %11s | %7s | %-9s | %7.0f | %7.0f | %11.0f | %13.0f | %11.0f (%5.0f) | %10.0f | %13.0f | %10.0f | %4.0f | %7.1f | %5d of %d |\n",
			kk[1] == 0 ? "max" : kk[1], kk[2], kk[3], m[1], m[2], m[3], m[4], m[5], lo[5], m[6], m[7],
			m[10], m[8] * 100, m[9], noisy[k], n
	}
	print ""
	}
	if (nl) {
	print "Latency: kernel receive timestamp -> frame in userspace (1400-byte payload);"
	print "median over the repetitions of each run\47s median and p99, and the range over runs"
	print ""
	print "| sched | pps  | mode      | runs | median us | (range)         | p99 us   | (range)           | max us   | drops | not quiet |"
	print "|-------|------|-----------|------|-----------|-----------------|----------|-------------------|----------|-------|-----------|"
	for (i = 1; i <= nl; i++) {
		k = lorder[i]; n = lcnt[k]; split(k, kk, SUBSEP)
		lo1 = hi1 = L[k, "lat_med_us", 1] + 0; lo2 = hi2 = L[k, "lat_p99_us", 1] + 0
		mx = 0; dr = 0
		for (r = 1; r <= n; r++) {
			a1[r] = L[k, "lat_med_us", r] + 0; a2[r] = L[k, "lat_p99_us", r] + 0
			if (a1[r] < lo1) lo1 = a1[r]; if (a1[r] > hi1) hi1 = a1[r]
			if (a2[r] < lo2) lo2 = a2[r]; if (a2[r] > hi2) hi2 = a2[r]
			if (L[k, "lat_max_us", r] + 0 > mx) mx = L[k, "lat_max_us", r] + 0
			dr += L[k, "drops", r]
		}
		printf "| %-5s | %4s | %-9s | %4d | %9.1f | %6.1f..%-7.1f | %8.1f | %7.1f..%-8.1f | %8.1f | %5d | %9d |\n",
			kk[1], kk[2], kk[3], n, med(a1, n), lo1, hi1, med(a2, n), lo2, hi2, mx, dr, lnoisy[k]
	}
	}
}' "$RAW"
} | tee "$OUT/table.md"
