#!/bin/bash
# Relay benchmark: mcrd against kernel multicast forwarding (smcroute), socat,
# a plain recvmmsg/sendmmsg relay (tools/mcrrelay-baseline.c) and no relay
# at all (the test bed's ceiling).  `make bench` runs it; see doc/bench/.
#
#   bash tests/bench/bench.sh [--quick] [--repeat N] [--duration SECONDS]
#        [--out DIR] [--relays "mcrd mcrd-socket mcrd-gso mcrd-merge mcrd-ipv6 kernel tc socat baseline none"]
#        [--fanouts "1 8 50"] [--rates "50000 100000 200000 400000 0"]
#        [--keep-logs]
#
# Offered rates in packets/s, 0 = as fast as mcrgen can (-r 0).  Without
# --rates, each fan-out has its own list: 50k 100k 150k 200k 250k 300k 400k
# max for fan-out 1; 10k 20k 30k 40k 50k 60k 75k 100k 150k max for 8; 1k 2k
# 3k 4k 5k 6k 8k 10k 15k 20k max for 50.  Two cores cannot receive 8 or 50
# copies of 50k pps, so without the lower rates every relay, and the ceiling,
# would lose at every point; the steps are fine enough where the relays stop
# being loss-free to tell 1.5x the baseline from 2x.  A full run (3
# repetitions, every relay) takes about 45 minutes on a quiet 2-CPU machine;
# the estimate is printed at the start.
#
# Kernel forwarding needs CONFIG_IP_MROUTE: without it (no
# /proc/net/ip_mr_vif) the "kernel" relay is skipped, and said to be, in the
# output and in results.md, which then quotes the figures recorded earlier on
# a kernel that had it.
#
# "tc" is kernel-side copying without multicast routing: a u32 filter on
# r-in's ingress (clsact) whose mirred actions mirror each matching frame to
# o1..oN (no rewrite, no TTL decrement, the frame cloned in the receive
# softirq on the relay's CPU; 32 actions per filter at most, so fan-out 50
# takes two). It does less than any relay must: a reference, not a peer,
# for what copying inside the kernel does on this test bed
# (CONFIG_NET_CLS_U32, CONFIG_NET_ACT_MIRRED).
#
# --quick: one repeat of 1 s points at 50k pps and at full speed, fan-outs 1
# and 8, relays mcrd, baseline and none.  It checks that the harness works
# end to end (exit 1 if a relay does not start or dies, a tool fails, or a
# relay delivers nothing at all); it asserts nothing about speed.
#
# Binaries come from $MCR_BIN (default build/).  Results go to DIR (default
# doc/bench): raw.csv (every repetition), results.csv (medians), results.md,
# results.png.  Needs root; installs smcroute, socat and gnuplot-nox with
# apt-get when they are missing and needed.  Environment: BENCH_GEN_CPU,
# BENCH_SINK_CPU, BENCH_RELAY_CPU (CPU layout, below), BENCH_LIMIT (seconds
# before the run stops itself), BENCH_BG_TRIES (how many 0.3 s samples of
# the machine's load wait for it to drop below 30% before each point: 6, or 2
# with --quick), BENCH_NOTE (a line added to results.md), BENCH_STATS (a
# directory: after each mcrd point, `mcrctl -s -j` of its workers and rules
# goes to RELAY-fFANOUT-RATE-rREP.{workers,rules}.json there, so a point's
# losses can be told apart by mcrd's own drop counters),
# BENCH_COMMAND (the command shown in results.md; make bench sets it).
#
# Test bed (namespaces bench-$$-{snd,rly,dst}, addresses in 198.18.0.0/15,
# groups in 239/8; no traffic leaves them):
#
#   snd  s0 198.18.0.1 ---- r-in 198.18.0.2  rly  o1..oN 198.19.i.1 ---- d1..dN 198.19.i.2  dst
#   snd  s1 198.18.1.1 ------------------------------------------------- dn 198.18.1.2       dst
#   snd  s2 198.18.2.1 ---- r-in2 198.18.2.2  rly   (mcrd-merge's second path)
#
# mcrgen sends 239.1.0.1:5001 (1400-byte payloads, TTL 8) out of s0; the
# relay in rly copies it to outputs o1..oN (mcrd, socat and the baseline
# rewrite output i to 239.2.0.i:6000; the kernel cannot rewrite, so there it
# stays 239.1.0.1:5001); one mcrsink in dst receives all N streams.  "none"
# sends out of s1 straight to dst, where N sockets on dn receive it (the same
# receive work for the receivers, without a relay).
#
# "mcrd-ipv6" (not in the default list; `--relays "mcrd mcrd-ipv6" --fanouts
# 8` for the IPv6 point) is mcrd relaying IPv6 end to end: IPv6 is turned on
# for its run only, on s0, r-in, o1..oN and d1..dN (addresses in
# 2001:2::/48 without DAD, no link-local addresses, no router
# solicitations); mcrgen sends [ff05::1:1]:5001 (hop limit 8), output i is
# rewritten to [ff05::2:i]:6000 (i in hex), and mcrsink joins them by MLD.
# Its outputs send at layer 2 (egress auto), as mcrd's do.
#
# "mcrd-merge" (not in the default list) is a rule with two inputs and
# redundancy = "merge" (issue 20): mcrgen sends its packets with an RTP
# header over both paths, s0 -> r-in and s2 -> r-in2, and mcrd relays the
# first copy of each.  Its offered and achieved rates are the stream's
# (each path carries that many; the relay receives twice as many), and
# delivered and loss are counted against the stream's packets.
#
# CPUs (2-core machine; BENCH_GEN_CPU, BENCH_SINK_CPU, BENCH_RELAY_CPU):
# the relay's processes on CPU 1, mcrgen and mcrsink on CPU 0.  veth hands a
# frame to netif_rx() on the sending CPU; RPS moves each receive softirq to
# the CPU of whoever owns the receiving end.  On r-in (to CPU 1): kernel
# forwarding, mcrd's AF_PACKET capture and the relays' socket receive run
# on the relay's CPU.  On d1..dN and dn (to CPU 0): the receivers' kernel
# work runs with the receivers, not in the relay's transmit path.  So CPU 1
# does the relay's work and nothing else, and CPU 0 the traffic tools'; the
# ceiling ("none") is what CPU 0 can send and receive without a relay.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${MCR_BIN:-$ROOT/build}
QUICK=0
REPEAT=3
DUR=2
OUT=$ROOT/doc/bench
RELAYS="mcrd mcrd-socket mcrd-gso kernel tc socat baseline none"
FANOUTS="1 8 50"
RATES=""
KEEP_LOGS=0
GEN_CPU=${BENCH_GEN_CPU:-0}
SINK_CPU=${BENCH_SINK_CPU:-0}
RELAY_CPU=${BENCH_RELAY_CPU:-1}
SIZE=1400
TTL=8
IN_GROUP=239.1.0.1
IN_GROUP6=ff05::1:1 # mcrd-ipv6's
IN_PORT=5001
OUT_PORT=6000
BG_MAX=30 # percent: before a point, wait for the machine to be at most this busy
BG_TRIES=${BENCH_BG_TRIES:-6} # ... sampling it at most this many times (0.8 s each)
SETTLE_US=500000 # without a new frame on the receivers' veths: the relay has drained
COMMAND="$0 $*"
set_args=()

usage() { sed -n '2,/^set -uo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--repeat) REPEAT=$2; set_args+=(repeat); shift ;;
	--duration) DUR=$2; set_args+=(duration); shift ;;
	--out) OUT=$2; shift ;;
	--relays) RELAYS=$2; set_args+=(relays); shift ;;
	--fanouts) FANOUTS=$2; set_args+=(fanouts); shift ;;
	--rates) RATES=$2; set_args+=(rates); shift ;;
	--keep-logs) KEEP_LOGS=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
is_set() { [[ " ${set_args[*]} " == *" $1 "* ]]; }
if [ "$QUICK" = 1 ]; then
	is_set repeat || REPEAT=1
	is_set duration || DUR=1
	is_set relays || RELAYS="mcrd baseline none"
	is_set fanouts || FANOUTS="1 8"
	is_set rates || RATES="50000 0"
	BG_TRIES=${BENCH_BG_TRIES:-2}
fi
rates_for() { # rates_for FANOUT: the offered rates of that fan-out
	if [ -n "$RATES" ]; then
		echo "$RATES"
	else
		case $1 in
		1) echo "50000 100000 150000 200000 250000 300000 400000 0" ;;
		8) echo "10000 20000 30000 40000 50000 60000 75000 100000 150000 0" ;;
		50) echo "1000 2000 3000 4000 5000 6000 8000 10000 15000 20000 0" ;;
		*) echo "50000 100000 200000 400000 0" ;;
		esac
	fi
}
case $REPEAT in '' | *[!0-9]* | 0) echo "bench.sh: --repeat N, N >= 1" >&2; exit 2 ;; esac
case $DUR in '' | *[!0-9]* | 0) echo "bench.sh: --duration: whole seconds >= 1" >&2; exit 2 ;; esac
for r in $RELAYS; do
	case $r in mcrd | mcrd-socket | mcrd-gso | mcrd-merge | mcrd-ipv6 | kernel | tc | socat | baseline | none) ;;
	*) echo "bench.sh: unknown relay '$r'" >&2; exit 2 ;; esac
done
MAXFAN=0
for f in $FANOUTS; do
	case $f in '' | *[!0-9]* | 0) echo "bench.sh: bad fan-out '$f'" >&2; exit 2 ;; esac
	[ "$f" -gt 250 ] && { echo "bench.sh: fan-out at most 250" >&2; exit 2; }
	[ "$f" -gt "$MAXFAN" ] && MAXFAN=$f
done
for x in $RATES; do
	case $x in '' | *[!0-9]*) echo "bench.sh: bad rate '$x'" >&2; exit 2 ;; esac
done

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
FAILS=0
fail() { log "HARNESS FAILURE: $*"; FAILS=$((FAILS + 1)); }
die() { log "HARNESS FAILURE: $*"; FAILS=$((FAILS + 1)); exit 1; }

[ "$(id -u)" -eq 0 ] || { echo "bench.sh: needs root (network namespaces)" >&2; exit 1; }
for b in mcrd mcrgen mcrsink mcrrelay-baseline; do
	[ -x "$BIN/$b" ] || { echo "bench.sh: $BIN/$b missing (make all)" >&2; exit 1; }
done
NCPU=$(nproc)
if [ "$NCPU" -lt 2 ] && [ -z "${BENCH_RELAY_CPU:-}" ]; then
	echo "bench.sh: one CPU: everything shares CPU 0" >&2
	RELAY_CPU=0
fi
for c in "$GEN_CPU" "$SINK_CPU" "$RELAY_CPU"; do
	[ "$c" -lt "$NCPU" ] || { echo "bench.sh: CPU $c not online (nproc $NCPU)" >&2; exit 1; }
done

# Kernel forwarding needs multicast routing (CONFIG_IP_MROUTE), which makes
# /proc/net/ip_mr_vif; without it smcrouted cannot add a VIF.  Decided here,
# before smcroute is installed, and reported, never measured as zero.
# drop_relay NAME: NAME is not run (the kernel lacks what it needs)
drop_relay() {
	local r keep=""
	for r in $RELAYS; do [ "$r" = "$1" ] || keep+="$r "; done
	RELAYS=${keep% }
}
KERNEL_FWD="" # measured | unavailable | "" (not asked for)
if [[ " $RELAYS " == *" kernel "* ]]; then
	if [ -e /proc/net/ip_mr_vif ]; then
		KERNEL_FWD=measured
	else
		KERNEL_FWD=unavailable
		log "kernel multicast forwarding: not available on this kernel ($(uname -r): no CONFIG_IP_MROUTE, no /proc/net/ip_mr_vif); relay 'kernel' skipped"
		drop_relay kernel
		[ -n "$RELAYS" ] || { echo "bench.sh: kernel multicast forwarding is not available on this kernel; no other relay to run" >&2; exit 1; }
	fi
fi

PFX="bench-$$"
NS_SND="$PFX-snd"
NS_RLY="$PFX-rly"
NS_DST="$PFX-dst"
TMP=$(mktemp -d "/tmp/bench-$$.XXXX")
_NS=()
_PIDS=()

# shellcheck disable=SC2317 # called from the trap
cleanup() {
	local rc=$? n p
	trap - EXIT INT TERM
	[ -n "${_WATCHDOG:-}" ] && kill "$_WATCHDOG" 2>/dev/null
	for p in "${_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for n in "${_NS[@]}"; do
		timeout 5 ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	for n in "${_NS[@]}"; do timeout 10 ip netns del "$n" 2>/dev/null; done
	[ "$FAILS" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
	if [ "$rc" -ne 0 ] || [ "$KEEP_LOGS" = 1 ]; then
		log "logs kept in $TMP"
		if [ "$rc" -ne 0 ]; then
			for f in "$TMP"/*.log; do
				[ -s "$f" ] || continue
				echo "---- $f" >&2
				tail -n 15 "$f" >&2
			done
		fi
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted (signal or watchdog)"; exit 130' INT TERM

# The whole run is bounded; the watchdog's output is detached so that it
# never holds a pipe open.
points=0
starts=0
for f in $FANOUTS; do
	for r in $RELAYS; do
		[ "$r" = kernel ] && [ "$f" -gt 31 ] && continue
		starts=$((starts + 1))
		for x in $(rates_for "$f"); do points=$((points + 1)); done
	done
done
# Expected length on a quiet machine: a point sends for DUR s, longer when
# mcrgen cannot keep the offered rate (1.2 x DUR on average over the default
# grids, by the rates mcrgen reached in the 2026-12-02 run), then takes about
# 2.2 s more (load sample, mcrsink start, the receivers settling); each start
# and stop of a relay about 1 s.  A recorded run of 32 points took 4.5 s per
# point at DUR 2.  A busy machine adds up to BG_TRIES x 0.8 s per point; the
# watchdog allows far more: DUR x 3 + 12 s per point.
ESTIMATE=$(((points * (5 * DUR + 9) / 4 + starts) * REPEAT + 30))
BUSY_EXTRA=$((points * REPEAT * BG_TRIES * 8 / 10))
LIMIT=$((120 + points * REPEAT * (DUR * 3 + 12)))
[ "$QUICK" = 1 ] && LIMIT=200 # under 95-bench-smoke.t's TEST_LIMIT of 300
LIMIT=${BENCH_LIMIT:-$LIMIT}
( trap 'kill "$s" 2>/dev/null; exit 0' TERM
  sleep "$LIMIT" & s=$!
  wait "$s" && kill -TERM $$ ) >/dev/null 2>&1 &
_WATCHDOG=$!

# --- packages -----------------------------------------------------------
APT_UPDATED=0
need() { # need COMMAND PACKAGE: install PACKAGE if COMMAND is missing
	command -v "$1" >/dev/null 2>&1 && return 0
	log "installing $2"
	export DEBIAN_FRONTEND=noninteractive
	if [ "$APT_UPDATED" = 0 ]; then
		timeout 300 apt-get update -q >/dev/null 2>&1
		APT_UPDATED=1
	fi
	timeout 600 apt-get install -y -q --no-install-recommends "$2" >"$TMP/apt-$2.log" 2>&1
	command -v "$1" >/dev/null 2>&1
}
[[ " $RELAYS " == *" kernel "* ]] && { need smcrouted smcroute || die "cannot install smcroute"; }
[[ " $RELAYS " == *" socat "* ]] && { need socat socat || die "cannot install socat"; }
HAVE_GNUPLOT=1
need gnuplot gnuplot-nox || { HAVE_GNUPLOT=0; log "gnuplot missing: no chart"; }
need python3 python3 || die "python3 missing"

# --- test bed -------------------------------------------------------------
T() { timeout 10 "$@"; }
ns_add() {
	T ip netns add "$1" || die "cannot create namespace $1"
	_NS+=("$1")
	T ip -n "$1" link set lo up
	T ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.igmp_max_memberships=1024 >/dev/null
	# No IPv6: its neighbour discovery and MLD frames would count as the
	# receivers' frames.  (Absent when the kernel has no IPv6: nothing to do.)
	# mcrd-ipv6 turns it on for its own run, on its links only (v6 below).
	T ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
}
rps() { # rps NS DEV CPU: receive softirq of DEV on CPU
	T ip netns exec "$1" sh -c "printf %x $((1 << $3)) > /sys/class/net/$2/queues/rx-0/rps_cpus" ||
		die "cannot set RPS on $2"
}

log "test bed: $NS_SND -> $NS_RLY -> $NS_DST with $MAXFAN outputs; logs in $TMP"
ns_add "$NS_SND"
ns_add "$NS_RLY"
ns_add "$NS_DST"
{
	echo "link add s0 netns $NS_SND type veth peer name r-in netns $NS_RLY"
	echo "link add s1 netns $NS_SND type veth peer name dn netns $NS_DST"
	echo "link add s2 netns $NS_SND type veth peer name r-in2 netns $NS_RLY"
	for i in $(seq 1 "$MAXFAN"); do
		echo "link add o$i netns $NS_RLY type veth peer name d$i netns $NS_DST"
	done
} >"$TMP/links.batch"
T ip -batch "$TMP/links.batch" || die "cannot create the veth pairs"
{
	echo "addr add 198.18.0.1/24 dev s0"
	echo "addr add 198.18.1.1/24 dev s1"
	echo "addr add 198.18.2.1/24 dev s2"
	echo "link set s0 up"
	echo "link set s1 up"
	echo "link set s2 up"
} | T ip -n "$NS_SND" -batch - || die "cannot configure $NS_SND"
{
	echo "addr add 198.18.0.2/24 dev r-in"
	echo "link set r-in up"
	echo "addr add 198.18.2.2/24 dev r-in2"
	echo "link set r-in2 up"
	for i in $(seq 1 "$MAXFAN"); do
		echo "addr add 198.19.$i.1/24 dev o$i"
		echo "link set o$i up"
	done
} | T ip -n "$NS_RLY" -batch - || die "cannot configure $NS_RLY"
{
	echo "addr add 198.18.1.2/24 dev dn"
	echo "link set dn up"
	for i in $(seq 1 "$MAXFAN"); do
		echo "addr add 198.19.$i.2/24 dev d$i"
		echo "link set d$i up"
	done
} | T ip -n "$NS_DST" -batch - || die "cannot configure $NS_DST"
for n in "$NS_SND" "$NS_RLY" "$NS_DST"; do
	# rp_filter is max(all, interface): clear every interface's.
	# shellcheck disable=SC2016 # $f is the inner shell's
	T ip netns exec "$n" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > "$f"; done'
done
# The outputs stand in for NICs without UDP segmentation offload: a GSO
# send is cut into datagrams by the relay's kernel before the device, and
# the receivers see one frame per datagram.  (A veth takes UDP GSO itself
# by default and hands a run to its peer whole, as no NIC does.)  No other
# relay sends GSO; this changes nothing for them.
for i in $(seq 1 "$MAXFAN"); do
	T ip netns exec "$NS_RLY" ethtool -K "o$i" tx-udp-segmentation off >/dev/null ||
		die "cannot turn tx-udp-segmentation off on o$i"
done
rps "$NS_RLY" r-in "$RELAY_CPU"
rps "$NS_RLY" r-in2 "$RELAY_CPU"
rps "$NS_DST" dn "$SINK_CPU"
for i in $(seq 1 "$MAXFAN"); do rps "$NS_DST" "d$i" "$SINK_CPU"; done

# --- process CPU time -----------------------------------------------------
HZ=$(getconf CLK_TCK)
# tree_pids PID...: the PIDs and all their descendants
tree_pids() {
	local all=" $* " added=1 p pp map
	map=$(ps -e -o pid=,ppid=)
	while [ "$added" = 1 ]; do
		added=0
		while read -r p pp; do
			if [[ "$all" == *" $pp "* && "$all" != *" $p "* ]]; then
				all+="$p "
				added=1
			fi
		done <<<"$map"
	done
	echo "$all"
}
# cpu_ticks PID...: utime+stime (+ reaped children's) of the process trees, in clock ticks
cpu_ticks() {
	local sum=0 p line
	[ $# -eq 0 ] && { echo 0; return; }
	for p in $(tree_pids "$@"); do
		line=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		# shellcheck disable=SC2206
		local f=(${line##*) }) # fields from 3 (state) on: utime is f[11]
		sum=$((sum + f[11] + f[12] + f[13] + f[14]))
	done
	echo "$sum"
}
# bg_busy SECONDS: percent of all CPUs busy (anyone's work) over SECONDS
bg_busy() {
	local a b
	a=$(head -n 1 /proc/stat)
	sleep "$1"
	b=$(head -n 1 /proc/stat)
	awk -v a="$a" -v b="$b" 'BEGIN { n = split(a, x); split(b, y); t = 0
		for (i = 2; i <= n; i++) t += y[i] - x[i]
		idle = (y[5] - x[5]) + (y[6] - x[6])
		printf "%.0f", (t > 0 ? 100 * (t - idle) / t : 0) }'
}
# Busy time of one CPU: wall time less the time /proc/stat calls idle,
# iowait (an io_uring waiting for completions is counted there) and steal
# (the hypervisor ran something else).  On a NO_HZ kernel idle and iowait
# are kept exactly, to the microsecond (printed in 10 ms units), and stop
# while an interrupt is handled, so a softirq that runs on an idle CPU (a
# kernel relay's whole work) counts as busy.  Two other readings are wrong:
# /proc/stat's busy columns are samples taken at the tick, which on a CPU
# that wakes and sleeps in step with the traffic are off by up to 2x either
# way; and cpuidle residency counts the interrupts that end a halt as idle.
# core_all CPU: "busy total" microseconds of one CPU (busy is since an
# arbitrary origin: use differences)
core_all() {
	local now=${EPOCHREALTIME/./}
	awk -v c="cpu$1" -v hz="$HZ" -v now="$now" '$1 == c {
		printf "%.0f %.0f\n", now - ($5 + $6 + $9) * 1e6 / hz, now }' /proc/stat
}
# core_us CPU: busy microseconds of one CPU so far
core_us() {
	local busy
	read -r busy _ < <(core_all "$1")
	echo "$busy"
}
wait_for() { # wait_for SECONDS COMMAND...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null || return 1; done; }
# pin_tree CPU PID...: every thread of the process trees onto CPU.  The relay
# starts under taskset, but a relay may set its own affinity (mcrd's workers
# pin themselves to CPU i), which would put it on the traffic tools' CPU.
pin_tree() {
	local cpu=$1 p
	shift
	[ $# -eq 0 ] && return 0
	for p in $(tree_pids "$@"); do
		taskset -a -p -c "$cpu" "$p" >/dev/null 2>&1
	done
	return 0
}

# --- relays ---------------------------------------------------------------
# ready_or_dead PATTERN: the relay logged PATTERN, or one of its processes is gone
# shellcheck disable=SC2317 # called through wait_for
ready_or_dead() { grep -q "$1" "$RELAY_LOG" || ! alive "${RELAY_PIDS[@]}"; }
# start_relay RELAY FANOUT: sets RELAY_PIDS; returns non-zero if it did not start.
# The variants of mcrd: its global settings and what each output adds.
mcrd_settings() {
	case $1 in
	mcrd-gso) echo 'gso = "on";' ;;
	mcrd-socket) echo 'gso = "off";' ;; # one sendmsg per datagram and output
	esac
}
mcrd_out() {
	case $1 in
	mcrd-socket | mcrd-gso) echo ' egress = "socket";' ;;
	esac
}
mcrd_in() {
	local a="{ dev = \"r-in\"; group = \"$IN_GROUP\"; port = $IN_PORT; }"
	case $1 in
	mcrd-ipv6) echo "{ dev = \"r-in\"; group = \"$IN_GROUP6\"; port = $IN_PORT; }" ;;
	mcrd-merge) echo "( $a, { dev = \"r-in2\"; group = \"$IN_GROUP\"; port = $IN_PORT; } ); redundancy = \"merge\"" ;;
	*) echo "$a" ;;
	esac
}
# out_group RELAY I: the group output i is rewritten to
out_group() {
	case $1 in
	mcrd-ipv6) printf 'ff05::2:%x' "$2" ;;
	*) echo "239.2.0.$2" ;;
	esac
}
# v6 on|off N: IPv6 on the links of mcrd-ipv6 with N outputs (the test bed
# runs without it otherwise); off takes the addresses away again.
v6() {
	local on=$1 n=$2 i ns dev addr link
	local links=("$NS_SND s0 2001:2::1" "$NS_RLY r-in 2001:2::2")
	for i in $(seq 1 "$n"); do
		links+=("$NS_RLY o$i 2001:2:0:$i::1" "$NS_DST d$i 2001:2:0:$i::2")
	done
	for link in "${links[@]}"; do
		read -r ns dev addr <<<"$link"
		if [ "$on" = on ]; then
			T ip -n "$ns" link set dev "$dev" addrgenmode none &&
				T ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_ra=0" \
					"net.ipv6.conf.$dev.router_solicitations=0" \
					"net.ipv6.conf.$dev.disable_ipv6=0" >/dev/null &&
				T ip -n "$ns" addr add "$addr/64" dev "$dev" nodad || return 1
		else
			T ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" >/dev/null ||
				return 1
		fi
	done
}
# tc_relay N: r-in's ingress mirrors the input group's UDP frames to o1..oN.
# A filter holds 32 actions at most (TCA_ACT_MAX_PRIO): each but the last
# filter ends with "continue" to the next; the last copy is a redirect,
# which ends the frame's way into the relay's own IP stack.
tc_relay() {
	local n=$1 i=1 pref=1 acts k
	T tc -n "$NS_RLY" qdisc add dev r-in clsact || return 1
	while [ "$i" -le "$n" ]; do
		acts=()
		for k in $(seq 1 32); do
			[ "$i" -le "$n" ] || break
			if [ "$i" -eq "$n" ]; then
				acts+=(action mirred egress redirect dev "o$i")
			elif [ "$k" -eq 32 ]; then
				acts+=(action mirred egress mirror dev "o$i" continue)
			else
				acts+=(action mirred egress mirror dev "o$i")
			fi
			i=$((i + 1))
		done
		T tc -n "$NS_RLY" filter add dev r-in ingress pref "$pref" protocol ip u32 \
			match ip dst "$IN_GROUP/32" match ip protocol 17 0xff match ip dport "$IN_PORT" 0xffff \
			"${acts[@]}" >>"$RELAY_LOG" 2>&1 || return 1
		pref=$((pref + 1))
	done
}
RELAY_PIDS=()
RELAY_LOG=
start_relay() {
	local relay=$1 n=$2 i outs="" to=""
	RELAY_PIDS=()
	RELAY_LOG="$TMP/$relay-f$n.log"
	: >"$RELAY_LOG"
	case $relay in
	mcrd*)
		if [ "$relay" = mcrd-ipv6 ]; then
			v6 on "$n" || { log "cannot turn IPv6 on for $relay"; return 1; }
		fi
		for i in $(seq 1 "$n"); do
			outs+="{ dev = \"o$i\"; group = \"$(out_group "$relay" "$i")\"; port = $OUT_PORT; ttl = $TTL;$(mcrd_out "$relay") },"
		done
		cat >"$TMP/mcrd.conf" <<-EOF
			$(mcrd_settings "$relay")
			rules = (
			  { name = "bench";
			    in = $(mcrd_in "$relay");
			    out = ( ${outs%,} ); }
			);
		EOF
		# ip netns exec and taskset exec, so $! is mcrd itself.
		taskset -c "$RELAY_CPU" ip netns exec "$NS_RLY" "$BIN/mcrd" -f -c "$TMP/mcrd.conf" \
			-S "$TMP/mcrd.sock" -l notice >"$RELAY_LOG" 2>&1 &
		RELAY_PIDS=($!)
		wait_for 10 ready_or_dead "started: [0-9]* rules" || return 1
		;;
	kernel)
		# At most 32 VIFs (MAXVIFS) in all, the input's included.
		[ "$n" -le 31 ] || return 1
		{
			echo "phyint r-in enable"
			for i in $(seq 1 "$n"); do
				echo "phyint o$i enable"
				to+=" o$i"
			done
			# (S,G): installed at start, no upcall on the first packet.
			echo "mroute from r-in source 198.18.0.1 group $IN_GROUP to$to"
		} >"$TMP/smcroute.conf"
		T ip netns exec "$NS_RLY" sysctl -qw net.ipv4.ip_forward=1 >/dev/null
		# -n foreground, -N no VIF but the phyint ones, own pid file and socket.
		taskset -c "$RELAY_CPU" ip netns exec "$NS_RLY" smcrouted -n -N -l notice \
			-f "$TMP/smcroute.conf" -P "$TMP/smcroute.pid" -u "$TMP/smcroute.sock" \
			>"$RELAY_LOG" 2>&1 &
		RELAY_PIDS=($!)
		wait_for 10 sh -c "ip -n '$NS_RLY' mroute show 2>/dev/null | grep -q '198.18.0.1,$IN_GROUP'" ||
			return 1
		;;
	tc)
		tc_relay "$n" || return 1
		;;
	socat)
		# One process per output, each joined to the input group on r-in and
		# bound to it (so it gets a copy of every packet), sending out of o$i.
		for i in $(seq 1 "$n"); do
			taskset -c "$RELAY_CPU" ip netns exec "$NS_RLY" socat -u \
				"UDP4-RECV:$IN_PORT,bind=$IN_GROUP,reuseaddr,so-bindtodevice=r-in,ip-add-membership=$IN_GROUP:198.18.0.2,rcvbuf=8388608" \
				"UDP4-DATAGRAM:239.2.0.$i:$OUT_PORT,so-bindtodevice=o$i,ip-multicast-if=198.19.$i.1,ip-multicast-ttl=$TTL,ip-multicast-loop=0,sndbuf=4194304" \
				>>"$RELAY_LOG" 2>&1 &
			RELAY_PIDS+=($!)
		done
		wait_for 10 sh -c "[ \$(ip netns exec '$NS_RLY' ss -Huan src '$IN_GROUP:$IN_PORT' | wc -l) -ge $n ]" ||
			return 1
		;;
	baseline)
		for i in $(seq 1 "$n"); do outs+=" -o o$i:239.2.0.$i:$OUT_PORT"; done
		# shellcheck disable=SC2086
		taskset -c "$RELAY_CPU" ip netns exec "$NS_RLY" "$BIN/mcrrelay-baseline" \
			-i "r-in:$IN_GROUP:$IN_PORT" $outs -t "$TTL" >"$RELAY_LOG" 2>&1 &
		RELAY_PIDS=($!)
		wait_for 10 ready_or_dead "ready:" || return 1
		;;
	none) return 0 ;;
	esac
	_PIDS+=("${RELAY_PIDS[@]}")
	pin_tree "$RELAY_CPU" "${RELAY_PIDS[@]}"
	for i in $(tree_pids "${RELAY_PIDS[@]}"); do # where each process may run
		echo "pid $i ($(cat "/proc/$i/comm" 2>/dev/null)): $(taskset -p "$i" 2>&1)"
	done >"${RELAY_LOG%.log}.pins"
	alive "${RELAY_PIDS[@]}"
}

# stop_relay RELAY: SIGTERM, wait (bounded); non-zero if it had died or exits badly.
stop_relay() {
	local relay=$1 p rc bad=0 live=()
	for p in "${RELAY_PIDS[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p"
			live+=("$p")
		else
			wait "$p"
			fail "$relay (pid $p) had exited with status $? before it was stopped"
			bad=1
		fi
	done
	for p in "${live[@]}"; do
		wait_for 10 sh -c "! kill -0 $p 2>/dev/null" || { kill -9 "$p"; fail "$relay ignored SIGTERM"; bad=1; }
		wait "$p" 2>/dev/null
		rc=$?
		# socat ends on SIGTERM with 143; mcrd and the baseline exit 0.
		case $relay in
		mcrd* | baseline) [ "$rc" -eq 0 ] || { fail "$relay exited $rc on SIGTERM"; bad=1; } ;;
		esac
	done
	[ "$relay" = kernel ] && T ip netns exec "$NS_RLY" sysctl -qw net.ipv4.ip_forward=0 >/dev/null
	if [ "$relay" = tc ]; then
		T tc -n "$NS_RLY" qdisc del dev r-in clsact || { fail "cannot remove tc's filters from r-in"; bad=1; }
	fi
	if [ "$relay" = mcrd-ipv6 ]; then
		v6 off "$MAXFAN" || { fail "cannot turn IPv6 off after $relay"; bad=1; }
	fi
	# Leftovers would disturb the next relay.
	wait_for 5 sh -c "[ -z \"\$(ip netns pids '$NS_RLY')\" ]" ||
		{ fail "processes left in $NS_RLY"; ip netns pids "$NS_RLY" | xargs -r kill -9; bad=1; }
	RELAY_PIDS=()
	return "$bad"
}

# --- one point ------------------------------------------------------------
# rx_frames: frames received so far on the receiver namespace's veths.  A
# GSO super-frame that crosses a veth whole counts once, however many
# datagrams the receiving socket later cuts it into.
rx_frames() {
	T ip netns exec "$NS_DST" sh -c 'cat /sys/class/net/d[0-9]*/statistics/rx_packets /sys/class/net/dn/statistics/rx_packets' |
		awk '{ s += $1 } END { print s + 0 }'
}
# settle SECONDS: wait (at most SECONDS) until no frame arrives for SETTLE_US.
# Sets DRAIN_US: from the call (the sender's end) to the last look that saw
# new frames on the receivers' veths, looking every 0.1 s: how long the
# relay went on delivering what it had queued (0: nothing after the sender).
settle() {
	local end=$((SECONDS + $1)) t0=${EPOCHREALTIME/./} prev cur now last
	prev=$(rx_frames)
	last=$t0
	DRAIN_US=0
	while [ "$SECONDS" -lt "$end" ]; do
		sleep 0.1
		cur=$(rx_frames)
		now=${EPOCHREALTIME/./}
		if [ "$cur" != "$prev" ]; then
			prev=$cur
			last=$now
			DRAIN_US=$((now - t0))
		elif [ $((now - last)) -ge "$SETTLE_US" ]; then
			return 0
		fi
	done
	return 1
}
RAW="$TMP/raw.csv"
# rx_frames, rx_core_busy_pct and drain_s (last, so older readers of the
# columns before them still work): frames the receivers' veths received
# during the point, how busy the receivers' CPU (mcrsink's) was while it
# ran, in percent of that CPU's time (the receive softirq of every copy runs
# there), and for how long after the sender's end new frames still reached
# the receivers (settle's DRAIN_US, to 0.1 s).
echo "relay,fanout,offered_pps,rep,sent,send_seconds,achieved_pps,send_errors,delivered,expected,loss_pct,duplicated,corrupted,relay_cpu_s,cpu_ns_per_pkt,core_busy_s,core_ns_per_pkt,bg_busy_pct,rx_frames,rx_core_busy_pct,drain_s" >"$RAW"

# stats_dump RELAY FANOUT RATE REP: mcrd's own counters after a point, when
# BENCH_STATS names a directory (counters are cumulative over the relay's
# run: subtract the previous rate's file for one point's share).
stats_dump() {
	[ -n "${BENCH_STATS:-}" ] && [[ "$1" == mcrd* ]] || return 0
	local base="$BENCH_STATS/$1-f$2-$3-r$4"
	mkdir -p "$BENCH_STATS"
	"$BIN/mcrctl" -S "$TMP/mcrd.sock" -s -j worker show >"$base.workers.json" 2>&1
	"$BIN/mcrctl" -S "$TMP/mcrd.sock" -s -j rule show >"$base.rules.json" 2>&1
	return 0
}

# point RELAY FANOUT RATE REP: one measurement, appended to $RAW
point() {
	local relay=$1 n=$2 rate=$3 rep=$4 i streams=() dev=s0 count gen_args bg c0 c1 k0 k1 f0 f1 r0 r1 rt0 rt1
	local sink_json="$TMP/sink.json" gen_json="$TMP/gen.json" ready="$TMP/sink.ready" spid
	for i in $(seq 1 "$n"); do
		case $relay in
		kernel | tc) streams+=("d$i:$IN_GROUP:$IN_PORT") ;;
		none) streams+=("dn:$IN_GROUP:$IN_PORT") ;;
		mcrd-ipv6) streams+=("d$i:[$(out_group "$relay" "$i")]:$OUT_PORT") ;;
		*) streams+=("d$i:239.2.0.$i:$OUT_PORT") ;;
		esac
	done
	[ "$relay" = none ] && dev=s1
	local group=$IN_GROUP
	[ "$relay" = mcrd-ipv6 ] && group=$IN_GROUP6
	local paths=() rtp=()
	[ "$relay" = mcrd-merge ] && paths=(--rtp --dev2 s2) && rtp=(--rtp)
	if [ "$rate" -gt 0 ]; then
		count=$((rate * DUR))
		gen_args=(-r "$rate" -n "$count")
	else
		count=0
		gen_args=(-r 0 -n 0 -D "$DUR")
	fi
	alive "${RELAY_PIDS[@]}" || { fail "$relay died before point fanout=$n rate=$rate"; return 1; }
	pin_tree "$RELAY_CPU" "${RELAY_PIDS[@]}"
	# On a shared machine, wait a little for other work to calm down.
	for i in $(seq 1 "$BG_TRIES"); do
		bg=$(bg_busy 0.3)
		[ "$bg" -le "$BG_MAX" ] && break
		[ "$i" -lt "$BG_TRIES" ] && sleep 0.5
	done
	rm -f "$ready" "$sink_json" "$gen_json"
	# mcrsink runs until stopped: after mcrgen ends, once the receivers' veths
	# have had no new frame for 0.5 s, whatever the relay had queued has
	# arrived. It counts (as delivered, late) in its own point and never
	# reaches the next point's receivers, where it would pass for theirs.
	# shellcheck disable=SC2046
	taskset -c "$SINK_CPU" timeout $((DUR * 4 + 60)) ip netns exec "$NS_DST" "$BIN/mcrsink" -j -i 0 \
		-T $((DUR * 4 + 50)) --ready-file "$ready" $([ "$count" -gt 0 ] && echo "-n $count") \
		"${rtp[@]}" "${streams[@]}" >"$sink_json" 2>>"$TMP/sink.log" &
	spid=$!
	_PIDS+=("$spid")
	wait_for 10 test -e "$ready" || { fail "mcrsink not ready"; kill "$spid"; wait "$spid"; return 1; }
	f0=$(rx_frames)
	c0=$(cpu_ticks "${RELAY_PIDS[@]}")
	k0=$(core_us "$RELAY_CPU")
	read -r r0 rt0 < <(core_all "$SINK_CPU")
	if ! taskset -c "$GEN_CPU" timeout $((DUR * 3 + 20)) ip netns exec "$NS_SND" "$BIN/mcrgen" \
		-d "$dev" -g "$group" -p "$IN_PORT" -s "$SIZE" -t "$TTL" "${gen_args[@]}" "${paths[@]}" -j \
		>"$gen_json" 2>>"$TMP/gen.log"; then
		fail "mcrgen failed ($relay fanout=$n rate=$rate)"
		kill "$spid"; wait "$spid"
		return 1
	fi
	settle 30 || log "receivers still getting frames 30 s after the sender ended ($relay fanout=$n rate=$rate)"
	stats_dump "$relay" "$n" "$rate" "$rep"
	sleep 0.3 # for mcrsink to read what is queued on its sockets
	kill -TERM "$spid"
	wait "$spid" || { fail "mcrsink exited $? ($relay fanout=$n rate=$rate)"; return 1; }
	c1=$(cpu_ticks "${RELAY_PIDS[@]}")
	k1=$(core_us "$RELAY_CPU")
	read -r r1 rt1 < <(core_all "$SINK_CPU")
	f1=$(rx_frames)
	python3 - "$gen_json" "$sink_json" "$relay" "$n" "$rate" "$rep" "$((c1 - c0))" "$HZ" "$bg" "$((k1 - k0))" \
		"$((f1 - f0))" "$((r1 - r0))" "$((rt1 - rt0))" "$DRAIN_US" >>"$RAW" <<-'PY' || { fail "unreadable tool output"; return 1; }
		import json, sys
		gen = json.load(open(sys.argv[1])); sink = json.load(open(sys.argv[2]))
		relay, n, rate, rep, ticks, hz, bg, kus, frames, rbusy, rtotal, drain_us = sys.argv[3:]
		n = int(n); ticks = int(ticks); hz = int(hz); core = int(kus) / 1e6
		streams = sink["streams"]
		if len(streams) != n:
		    sys.exit("sink has %d streams, expected %d" % (len(streams), n))
		delivered = sum(s["unique"] for s in streams)
		# mcrd-merge: the stream's packets, each sent once per path
		paths = gen.get("paths", 1)
		gen["sent"] //= paths; gen["pps"] /= paths
		expected = n * gen["sent"]
		loss = 100.0 * (expected - delivered) / expected if expected else 100.0
		cpu = ticks / hz
		kernel_side = relay in ("kernel", "tc", "none")
		print(",".join(str(x) for x in [
		    relay, n, rate, rep, gen["sent"], "%.3f" % gen["seconds"], "%.0f" % gen["pps"],
		    gen["errors"], delivered, expected, "%.4f" % loss,
		    sum(s["duplicated"] for s in streams), sum(s["corrupted"] for s in streams),
		    "" if kernel_side else "%.2f" % cpu,
		    "" if kernel_side or not delivered else "%.0f" % (cpu * 1e9 / delivered),
		    "" if relay == "none" else "%.2f" % core,
		    "" if relay == "none" or not delivered else "%.0f" % (core * 1e9 / delivered), bg,
		    frames, "%.0f" % (100.0 * int(rbusy) / int(rtotal)) if int(rtotal) > 0 else "",
		    "%.1f" % (int(drain_us) / 1e6)]))
	PY
	# frames/dgram: frames on the receivers' veths per datagram delivered (for
	# no relay, per datagram sent: one frame on dn feeds all N sockets).
	tail -n 1 "$RAW" | awk -F, '{ fpd = ($9 > 0 ? $19 * ($1 == "none" ? $2 : 1) / $9 : 0)
		printf "[bench] %-11s fan-out %2s offered %7s achieved %7s pps  delivered %9s  loss %7.3f%%  drain %s s  frames/dgram %.2f  cpu %s ns/pkt  core %s ns/pkt  rx core %s%%  bg %s%%\n",
		$1, $2, ($3 == 0 ? "max" : $3), $7, $9, $11, $21, fpd, ($15 == "" ? "n/a" : $15), ($17 == "" ? "n/a" : $17), $20, $18 }' >&2
	return 0
}

# Kernel-side copying ("tc") needs the u32 classifier and the mirred action:
# its set-up for one output is tried once; without them the relay is
# skipped and said to be.
TC_COPY="" # measured | unavailable | "" (not asked for)
if [[ " $RELAYS " == *" tc "* ]]; then
	if RELAY_LOG=/dev/null tc_relay 1 2>/dev/null; then
		TC_COPY=measured
	else
		TC_COPY=unavailable
		log "kernel tc mirred: not available on this kernel (no u32 classifier or mirred action); relay 'tc' skipped"
		drop_relay tc
		[ -n "$RELAYS" ] || die "no relay left to run"
	fi
	T tc -n "$NS_RLY" qdisc del dev r-in clsact 2>/dev/null
fi

# --- the sweep ------------------------------------------------------------
# Relays are interleaved within each repetition, so that drifting load from
# elsewhere on a shared machine hits each of them alike.
log "relays: $RELAYS; fan-outs: $FANOUTS; $points points x $REPEAT x ${DUR}s"
log "estimate: about $(((ESTIMATE + 59) / 60)) min ($ESTIMATE s) on a quiet machine, up to $(((BUSY_EXTRA + 59) / 60)) min more on a busy one; the watchdog stops the run after ${LIMIT} s"
for f in $FANOUTS; do log "fan-out $f: rates $(rates_for "$f") (0 = max)"; done
START=$SECONDS
SKIPPED=""
for f in $FANOUTS; do
	for rep in $(seq 1 "$REPEAT"); do
		for relay in $RELAYS; do
			if [ "$relay" = kernel ] && [ "$f" -gt 31 ]; then
				[[ "$SKIPPED" == *"kernel:$f"* ]] || SKIPPED+=" kernel:$f"
				continue
			fi
			if ! start_relay "$relay" "$f"; then
				fail "$relay did not start (fan-out $f)"
				stop_relay "$relay"
				continue
			fi
			for x in $(rates_for "$f"); do
				point "$relay" "$f" "$x" "$rep" || break
			done
			stop_relay "$relay"
		done
	done
done
DONE=$((SECONDS - START))
log "sweep done in $DONE s ($(awk -v t="$DONE" -v n="$((points * REPEAT))" 'BEGIN { printf "%.1f", n ? t / n : 0 }') s per point; estimate was $ESTIMATE s)"

# Sanity: every relay measured must have delivered something, and nothing corrupt.
for relay in $RELAYS; do
	d=$(awk -F, -v r="$relay" '$1 == r { s += $9; n++ } END { print n ? s : -1 }' "$RAW")
	if [ "$d" = -1 ]; then
		# Only the kernel may have been skipped everywhere (all fan-outs > 31).
		if [ "$relay" != kernel ] || [ -n "$(for f in $FANOUTS; do [ "$f" -le 31 ] && echo y; done)" ]; then
			fail "$relay: no point measured"
		fi
	elif [ "$d" = 0 ]; then
		fail "$relay delivered no packet at all"
	fi
done
c=$(awk -F, 'NR > 1 { s += $13 } END { print s + 0 }' "$RAW")
[ "$c" -eq 0 ] || fail "$c corrupted packets"

# --- reports --------------------------------------------------------------
mkdir -p "$OUT" || die "cannot create $OUT"
cp "$RAW" "$OUT/raw.csv"
MCRD_DESC="$("$BIN/mcrd" -V 2>&1 | head -n 1), \`$BIN/mcrd\`"
case $(realpath "$BIN") in
"$ROOT"/*) MCRD_DESC+=", built from this tree ($(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "not a git tree"))" ;;
esac
MCRD_DESC+="${BENCH_NOTE:+; $BENCH_NOTE}"
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
python3 "$ROOT/tests/bench/report.py" --raw "$RAW" --out "$OUT" --chart-dir "$TMP/chart" \
	--nproc "$NCPU" --kernel "$(uname -r)" --cpu-model "$CPU_MODEL" --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
	--command "${BENCH_COMMAND:-$COMMAND}" --repeat "$REPEAT" --duration "$DUR" \
	--cpus "$GEN_CPU,$SINK_CPU,$RELAY_CPU" --skipped "$SKIPPED" --quick "$QUICK" \
	--kernel-fwd "$KERNEL_FWD" --tc-copy "$TC_COPY" \
	--mcrd "$MCRD_DESC" \
	--versions "smcroute $(dpkg-query -W -f='${Version}' smcroute 2>/dev/null || echo -), socat $(dpkg-query -W -f='${Version}' socat 2>/dev/null || echo -)" ||
	die "report.py failed"
if [ "$HAVE_GNUPLOT" = 1 ]; then
	timeout 60 gnuplot -e "dir='$TMP/chart'; out='$OUT/results.png'" "$ROOT/tests/bench/chart.gp" \
		2>"$TMP/gnuplot.log" || die "gnuplot failed: $(cat "$TMP/gnuplot.log")"
fi
log "results: $OUT/results.md $OUT/results.csv$([ "$HAVE_GNUPLOT" = 1 ] && echo " $OUT/results.png")"
[ "$FAILS" -eq 0 ] || exit 1
exit 0
