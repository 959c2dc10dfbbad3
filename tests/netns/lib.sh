# Shared helpers for the netns tests: TAP output, namespaces unique to the
# run, teardown in a trap, a watchdog bounding the run, and wrappers that
# start mcrd / mcrsink / mcrgen inside namespaces.
#
# A test sources this file, calls `plan N`, builds its topology with
# ns_new/veth, and asserts with ok/is.  Traffic never leaves the run's own
# namespaces: addresses come from 198.18.0.0/15, groups from 239/8 and 232/8.

set -u

BIN=${MCR_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
RUN_ID="$(printf '%04x%04x' $$ $RANDOM)"
PFX="mcrt${RUN_ID}"
TMP=$(mktemp -d "/tmp/mcrt-${RUN_ID}.XXXX")
TEST_LIMIT=${TEST_LIMIT:-120}
_NS=()
_PIDS=()
_T=0
_FAILED=0

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP netns tests need root"
	exit 0
fi

plan() { echo "1..$1"; }
diag() { printf '# %s\n' "$@"; }

ok() { # ok CONDITION_EXIT_CODE DESCRIPTION
	_T=$((_T + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_T - $2"
	else
		echo "not ok $_T - $2"
		_FAILED=$((_FAILED + 1))
	fi
}

is() { # is GOT EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got: '$1'" "expected: '$2'"
	fi
}

cmp_ok() { # cmp_ok A OP B DESCRIPTION, OP one of -eq -ne -lt -le -gt -ge
	if [ "$1" "$2" "$3" ] 2>/dev/null; then
		ok 0 "$4"
	else
		ok 1 "$4"
		diag "got: '$1' $2 '$3' is false"
	fi
}

cleanup() {
	local p n
	for p in "${_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for n in "${_NS[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	for n in "${_NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	# Its sleep first (which then ends the watchdog without a kill): an
	# orphaned sleep would hold the netns lock's descriptor, inherited from
	# flock, for the rest of TEST_LIMIT after the test is done.
	[ -n "${_WATCHDOG:-}" ] && { pkill -P "$_WATCHDOG" sleep; kill "$_WATCHDOG"; } 2>/dev/null
	if [ "$_FAILED" -gt 0 ] || [ -n "${KEEP_LOGS:-}" ]; then
		for f in "$TMP"/*.log; do
			[ -f "$f" ] || continue
			diag "---- $f" && sed 's/^/#   /' "$f" | tail -n 40
		done
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "not ok - interrupted (watchdog after ${TEST_LIMIT}s, or a signal)"; exit 1' INT TERM
# The reader is gone (prove killed) or the terminal hung up: nobody reads
# the report any more, but the namespaces must still go.
trap 'exec >/dev/null 2>&1; exit 1' PIPE HUP

# The whole test is bounded: the watchdog ends it (and the trap cleans up).
# Its output is detached so a leftover sleep never holds prove's pipe open,
# and its sleep dies with it, so that nothing of the test outlives it.
( trap 'kill "$s" 2>/dev/null; exit 0' TERM
  sleep "$TEST_LIMIT" & s=$!
  wait "$s" && kill -TERM $$ ) >/dev/null 2>&1 &
_WATCHDOG=$!

# ns_new SHORT: creates namespace $PFX-SHORT; prints nothing; name in NS_SHORT
ns_new() {
	local n="${PFX}-$1"
	ip netns add "$n" || { echo "Bail out! cannot create namespace $n"; exit 1; }
	_NS+=("$n")
	ip -n "$n" link set lo up
	ip netns exec "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.igmp_max_memberships=1024 >/dev/null
	eval "NS_$1=$n"
}

nsx() { local n="${PFX}-$1"; shift; ip netns exec "$n" "$@"; }

# veth NS1 IF1 NS2 IF2 [ADDR1/LEN ADDR2/LEN]: a veth pair between namespaces.
veth() {
	ip link add "$2" netns "${PFX}-$1" type veth peer name "$4" netns "${PFX}-$3" ||
		{ echo "Bail out! cannot create veth $2/$4"; exit 1; }
	[ -n "${5:-}" ] && ip -n "${PFX}-$1" addr add "$5" dev "$2"
	[ -n "${6:-}" ] && ip -n "${PFX}-$3" addr add "$6" dev "$4"
	ip -n "${PFX}-$1" link set "$2" up
	ip -n "${PFX}-$3" link set "$4" up
	nsx "$1" sysctl -qw "net.ipv4.conf.$2.rp_filter=0" >/dev/null 2>&1
	nsx "$3" sysctl -qw "net.ipv4.conf.$4.rp_filter=0" >/dev/null 2>&1
	return 0
}

# line_topology: namespaces src, relay and dst in a line; the sender's s0
# (198.18.1.1) faces the relay's r-in, the relay's r-out (198.18.2.1) faces
# the receiver's d0 (198.18.2.2).
line_topology() {
	ns_new src; ns_new relay; ns_new dst
	veth src s0 relay r-in 198.18.1.1/24 198.18.1.2/24
	veth relay r-out dst d0 198.18.2.1/24 198.18.2.2/24
}

# cap_start NAME NS DEV PORT: count the UDP frames to PORT arriving on DEV,
# and those longer than MTU 1500 (framecount.py), until cap_stop NAME; then
# cap_frames NAME and cap_oversized NAME print the counts.
cap_start() {
	ip netns exec "${PFX}-$2" python3 "$(dirname "${BASH_SOURCE[0]}")/framecount.py" "$3" "$4" 1500 \
		"$TMP/cap-$1.ready" >"$TMP/cap-$1.out" 2>"$TMP/cap-$1.log" &
	eval "CAP_PID_$1=$!"
	_PIDS+=("$!")
	wait_for 10 test -e "$TMP/cap-$1.ready" || diag "capture $1 did not start"
}
cap_stop() { local pid; eval "pid=\$CAP_PID_$1"; kill -TERM "$pid"; wait "$pid"; }
cap_frames() { sed -n 's/^frames \([0-9]*\) .*/\1/p' "$TMP/cap-$1.out"; }
cap_oversized() { sed -n 's/.* oversized \([0-9]*\)$/\1/p' "$TMP/cap-$1.out"; }

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# log_more FILE PATTERN N: more than N lines of FILE match PATTERN.  For
# wait_for, which must re-count each try (a "$(grep -c ...)" argument would
# be counted once, before waiting).
log_more() {
	[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -gt "$3" ]
}

# mcrd_start NS NAME CONF [ARGS]: start mcrd -f with control socket $TMP/NAME.sock;
# pid in MCRD_PID_NAME, log in $TMP/mcrd-NAME.log
mcrd_start() {
	local ns=$1 name=$2 conf=$3; shift 3
	local log="$TMP/mcrd-$name.log"
	# ip netns exec execs the command, so $! is mcrd itself (signals reach it);
	# MCR_WRAP (e.g. valgrind and its options, `make valgrind`) execs it too.
	# shellcheck disable=SC2086
	ip netns exec "${PFX}-$ns" ${MCR_WRAP:-} "$BIN/mcrd" -f -c "$conf" -S "$TMP/$name.sock" -l info "$@" \
		>"$log" 2>&1 &
	local pid=$!
	_PIDS+=("$pid")
	eval "MCRD_PID_$name=$pid"
	wait_for "${MCR_START_WAIT:-10}" grep -q "started: [0-9]* rules" "$log" ||
		{ diag "mcrd $name did not start"; return 1; }
}

# ctl NAME ARGS...: mcrctl against instance NAME's socket
ctl() {
	local name=$1; shift
	timeout 20 "$BIN/mcrctl" -S "$TMP/$name.sock" "$@"
}

# mcrd_stop NAME: SIGTERM, wait for exit; exit status in MCRD_RC
mcrd_stop() {
	local pid; eval "pid=\$MCRD_PID_$1"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"; MCRD_RC=$?
}

# mcrd_counter NAME PATTERN FIELD: send SIGUSR1 and read the last matching stats line's FIELD value.
#   e.g. mcrd_counter relay "rule cam1 active" packets
mcrd_counter() {
	local name=$1 pat=$2 field=$3 pid log="$TMP/mcrd-$1.log" before
	eval "pid=\$MCRD_PID_$name"
	before=$(grep -c "stats:" "$log")
	kill -USR1 "$pid"
	wait_for 5 test "$(grep -c 'stats:' "$log")" -gt "$before" >/dev/null
	sleep 0.1
	grep "stats: $pat" "$log" | tail -n 1 | sed -n "s/.* $field \([0-9][0-9]*\).*/\1/p"
}

# mcrd_drop NAME LINKPATTERN REASON: a drop counter from the last stats dump
mcrd_drop() {
	grep "stats: $2" "$TMP/mcrd-$1.log" | tail -n 1 | sed -n "s/.* $3=\([0-9][0-9]*\).*/\1/p" |
		grep . || echo 0
}

# sink_start NS NAME ARGS...: mcrsink -j in the background, ready when joined.
sink_start() {
	local ns=$1 name=$2; shift 2
	local ready="$TMP/sink-$name.ready"
	ip netns exec "${PFX}-$ns" "$BIN/mcrsink" -j --ready-file "$ready" "$@" \
		>"$TMP/sink-$name.json" 2>"$TMP/sink-$name.log" &
	local pid=$!
	_PIDS+=("$pid")
	eval "SINK_PID_$name=$pid"
	wait_for 10 test -e "$ready" || { diag "mcrsink $name did not get ready"; return 1; }
}

# sink_wait NAME: wait for the sink to exit (idle timeout); its JSON is in $TMP/sink-NAME.json
sink_wait() {
	local pid rc; eval "pid=\$SINK_PID_$1"
	wait "$pid"; rc=$?
	[ "$rc" -eq 0 ] || { ok 1 "mcrsink $1 exited $rc"; sed 's/^/#   /' "$TMP/sink-$1.log"; }
	return "$rc"
}

# sink_get NAME EXPR: evaluate a Python expression over the sink's JSON (as j).
sink_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$TMP/sink-$1.json" "$2"
}

# gen NS ARGS...: run mcrgen to completion (quiet).  Bounded only by the
# test's watchdog: a fixed bound shorter than the schedule (it was 60 s)
# cut 120k packets at 2000 pps short by the start-up time, 20 to 40 packets
# that looked like loss in the relay (issue 16).  mcrgen now reports any
# packets a signal left unsent.
gen() {
	local ns=$1 rc; shift
	timeout "$TEST_LIMIT" ip netns exec "${PFX}-$ns" "$BIN/mcrgen" -q "$@"; rc=$?
	[ "$rc" -eq 0 ] || ok 1 "mcrgen $* exited $rc"
	return "$rc"
}

# conf NAME <<EOF ... EOF: write a config file, print its path.
# prom_client: PY, Debian's python3 with prometheus_client (mk/deps.sh
# installs it), and PORT, one for a metrics listener; bails out without it.
prom_client() {
	PY=/usr/bin/python3
	$PY -c 'import prometheus_client' 2>/dev/null ||
		{ echo "Bail out! python3-prometheus-client is missing (sh mk/deps.sh)"; exit 1; }
	PORT=$((20000 + RANDOM % 20000))
}
# prom_parse NS: /metrics of NS's mcrd on PORT into $TMP/m.txt, parsed
# (promparse.py: series -> value) into $TMP/m.json.
prom_parse() {
	nsx "$1" curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics" >"$TMP/m.txt" &&
		$PY "$(dirname "${BASH_SOURCE[0]}")/promparse.py" <"$TMP/m.txt" >"$TMP/m.json"
}
# M KEY: one series' value from $TMP/m.json (KEY as promparse.py prints it), or "absent".
M() { $PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(int(j[sys.argv[2]]) if sys.argv[2] in j else "absent")' "$TMP/m.json" "$1"; }

conf() {
	cat >"$TMP/$1.conf"
	echo "$TMP/$1.conf"
}

done_testing() {
	[ "$_FAILED" -eq 0 ]
}
