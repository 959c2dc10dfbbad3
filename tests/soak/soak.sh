#!/bin/bash
# Soak under faults (`make soak`; not in CI): SOAK_SECONDS (600) of traffic
# at 80% of the loss-free rate (measured first, on this machine and these
# binaries) over 16 rules and 2 workers, with gso = "on", while on a
# schedule:
#
#   every  1 s  mcrctl rule add, then del, of a scratch rule
#   every  2 s  an unrelated veth created (even second) and deleted (odd)
#   every  5 s  SIGHUP: the file unchanged, or one rule (r14) edited
#   every 10 s  a garbage control message (tests/soak/garbage.py)
#   every 30 s  the output veth of r15 and r16 flapped (down for 0.5 s), at :15 and :45
#   every 60 s  worker 1 killed with SIGKILL, at :30
#
# Pass: the rules no fault touches (not on worker 1, not on the flapped
# veth, not edited) lose 0 packets; each touched rule's longest silence is
# at most 1 s past its fault (1 s; 1.5 s with the 0.5 s flap); mcrd's and
# each worker's RSS and fd count at the end are within 1 MiB / 0 of their
# values after the first minute; every command, reload and garbage message
# is answered; mcrd exits 0.  Sanitizer reports are checked by the caller
# (`make soak` runs it under mk/sanitizers.sh with the ASan build).
#
#   SOAK_SECONDS=600  SOAK_RATE=pps (skips the calibration)  SOAK_OUT=FILE
SOAK_SECONDS=${SOAK_SECONDS:-600}
TEST_LIMIT=$((SOAK_SECONDS + 400))
. "$(dirname "$0")/../netns/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
plan 16

NRULES=16
FLAPPED="r15 r16"
EDITED=r14
EDITED_TTLS=(8 9)
SIZE=1400

line_topology
veth relay r-flap dst d1 198.18.3.1/24 198.18.3.2/24

# write_conf TTL: the 16 rules; r14's output TTL is what a reload edits.
write_conf() {
	local i dev ttl rules=""
	for i in $(seq 1 $NRULES); do
		dev=r-out; ttl=8
		[[ " $FLAPPED " == *" r$i "* ]] && dev=r-flap
		[ "r$i" = "$EDITED" ] && ttl=$1
		rules="$rules{ name = \"r$i\"; in = { dev = \"r-in\"; group = \"239.10.0.$i\"; port = 5000; };
	  out = ( { dev = \"$dev\"; group = \"239.20.0.$i\"; port = 6000; ttl = $ttl; } ); },
"
	done
	# gso on: the faults hit the GSO send path too (veths take runs whole).
	printf 'workers = 2;\ngso = "on";\nrules = (\n%s);\n' "${rules%,$'\n'}" >"$TMP/relay.conf.new"
	mv "$TMP/relay.conf.new" "$TMP/relay.conf"
}
write_conf "${EDITED_TTLS[0]}"
mcrd_start relay relay "$TMP/relay.conf"; ok $? "mcrd starts with 16 rules and 2 workers"

# The sink's streams: r1..r16 in order, each on the device its output faces.
STREAMS=()
for i in $(seq 1 $NRULES); do
	d=d0; [[ " $FLAPPED " == *" r$i "* ]] && d=d1
	STREAMS+=("$d:239.20.0.$i:6000")
done
J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# run_traffic NAME RATE SECONDS STREAMID: the 16 streams at RATE pps in all,
# in the background; the sink is $TMP/sink-NAME.json.
run_traffic() {
	local name=$1 rate=$2 secs=$3 id=$4 n
	n=$((rate * secs / NRULES))
	sink_start dst "$name" -i 5 -T $((secs + 60)) -n "$n" "${STREAMS[@]}" || return 1
	ip netns exec "${PFX}-src" "$BIN/mcrgen" -q -d s0 -g 239.10.0.1 -p 5000 \
		--streams $NRULES --step group --stream-id "$id" -s $SIZE -n "$n" -r "$rate" &
	GEN_PID=$!
	_PIDS+=("$GEN_PID")
}

# --- calibration: the highest loss-free rate of these binaries here -----------
if [ -n "${SOAK_RATE:-}" ]; then
	RATE=$SOAK_RATE
	diag "rate: $RATE pps (SOAK_RATE)"
else
	best=0; id=100
	for r in 20000 40000 60000 80000 100000 120000 160000 200000; do
		run_traffic cal "$r" 4 "$id"; wait "$GEN_PID"; sink_wait cal
		lost=$(sink_get cal "j['total']['lost']")
		diag "calibration: $r pps over 16 rules, lost $lost"
		[ "$lost" = 0 ] || break
		best=$r; id=$((id + 100))
	done
	RATE=$((best * 8 / 10))
	diag "loss-free up to $best pps of those tried; soak at 80%: $RATE pps"
fi
cmp_ok "$RATE" -gt 0 "a loss-free rate was found ($RATE pps at 80%)"

ctl relay -j rule show >"$TMP/rules.json"
declare -A WORKER
for i in $(seq 1 $NRULES); do
	WORKER[r$i]=$(J "[r['worker'] for r in j if r['name'] == 'r$i'][0]" <"$TMP/rules.json")
done

# snapshot: "rss_kb fds" for the parent, worker 0, worker 1.
snapshot() {
	local pids p ws
	ws=$(ctl relay -j worker show)
	pids="$MCRD_PID_relay $(echo "$ws" | J "j[0]['pid']") $(echo "$ws" | J "j[1]['pid']")"
	sleep 0.3 # until mcrd has closed the connection that asked
	for p in $pids; do
		printf '%s %s ' "$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")" \
			"$(find "/proc/$p/fd" -mindepth 1 -maxdepth 1 | wc -l)"
	done
}

# --- the soak ------------------------------------------------------------------
declare -A COUNT FAIL
for k in scratch veth hup edit garbage flap kill; do COUNT[$k]=0; FAIL[$k]=0; done
note_fail() { FAIL[$1]=$((FAIL[$1] + 1)); diag "t=$2 s: $1: $3"; }

fault() { # fault T: what happens at second T
	local t=$1 u=u$((t / 2 % 1000)) k pid
	COUNT[scratch]=$((COUNT[scratch] + 1))
	if ((t % 2)); then
		ctl relay rule add name scratch in dev r-in group 239.30.0.1 port 7000 \
			out dev r-out group 239.31.0.1 port 7000 >/dev/null 2>"$TMP/ctl.err" ||
			note_fail scratch "$t" "rule add: $(cat "$TMP/ctl.err")"
		ip -n "${PFX}-relay" link del "$u" 2>/dev/null
	else
		ctl relay rule del name scratch >/dev/null 2>"$TMP/ctl.err" ||
			note_fail scratch "$t" "rule del: $(cat "$TMP/ctl.err")"
		ip -n "${PFX}-relay" link add "$u" type veth peer name "v$u" &&
			ip -n "${PFX}-relay" link set "$u" up || note_fail veth "$t" "cannot create $u"
		COUNT[veth]=$((COUNT[veth] + 1))
	fi
	if ((t % 5 == 0)); then
		# A cycle of four: unchanged, r14 edited, unchanged, edited back.
		k=$((t / 5 % 4))
		write_conf "${EDITED_TTLS[$((k == 1 || k == 2))]}"
		kill -HUP "$MCRD_PID_relay"
		COUNT[hup]=$((COUNT[hup] + 1))
		((k % 2)) && COUNT[edit]=$((COUNT[edit] + 1))
	fi
	if ((t % 10 == 0)); then
		python3 "$HERE/garbage.py" "$TMP/relay.sock" "$t" >"$TMP/garbage.out" 2>&1 ||
			note_fail garbage "$t" "$(cat "$TMP/garbage.out")"
		COUNT[garbage]=$((COUNT[garbage] + 1))
	fi
	if ((t % 30 == 15)); then
		ip -n "${PFX}-relay" link set r-flap down
		(sleep 0.5; ip -n "${PFX}-relay" link set r-flap up) &
		COUNT[flap]=$((COUNT[flap] + 1))
	fi
	if ((t % 60 == 30)); then
		pid=$(ctl relay -j worker show | J "j[1]['pid']")
		kill -KILL "$pid" || note_fail kill "$t" "no worker 1 to kill"
		COUNT[kill]=$((COUNT[kill] + 1))
	fi
}

hups_before=$(grep -c "reloaded " "$TMP/mcrd-relay.log")
run_traffic soak "$RATE" "$SOAK_SECONDS" 10000
t0=$(date +%s.%N)
for t in $(seq 1 "$SOAK_SECONDS"); do
	# Sleep to the absolute second, so slow faults do not stretch the schedule.
	s=$(python3 -c "import sys; print(max(0, $t0 + $t - float(sys.argv[1])))" "$(date +%s.%N)")
	sleep "$s"
	fault "$t"
	((t == 60)) && SNAP1=$(snapshot)
done
SNAP2=$(snapshot)
wait "$GEN_PID"; ok $? "mcrgen sent $((RATE * SOAK_SECONDS / NRULES)) packets per rule"
sink_wait soak

# Let the last reload and restart settle, then stop.
wait_for 10 log_more "$TMP/mcrd-relay.log" "reloaded " $((hups_before + COUNT[hup] - 1)) || true
hups=$(($(grep -c "reloaded " "$TMP/mcrd-relay.log") - hups_before))
refused=$(grep -c "reload refused" "$TMP/mcrd-relay.log")
kills=$(grep -c "worker 1 (pid [0-9]*) killed by signal 9" "$TMP/mcrd-relay.log")
mcrd_stop relay

# --- verdict -------------------------------------------------------------------
touched() { # touched RULE: the faults that reach it, or nothing
	local f=""
	[ "${WORKER[$1]}" = 1 ] && f="kill"
	[[ " $FLAPPED " == *" $1 "* ]] && f="$f${f:+,}flap"
	[ "$1" = "$EDITED" ] && f="$f${f:+,}edit"
	echo "$f"
}
SUMMARY="$TMP/summary.md"
{
	echo "## mcrd soak: $SOAK_SECONDS s at $RATE pps over $NRULES rules ($((RATE / NRULES)) pps each), $SIZE-byte payloads"
	echo
	echo "| rule | worker | faults | received | lost | longest silence (ms) | limit (ms) | verdict |"
	echo "|---|---|---|---|---|---|---|---|"
} >"$SUMMARY"
untouched=0; bad_untouched=0; bad_touched=0
for i in $(seq 1 $NRULES); do
	r=r$i; f=$(touched "$r")
	row=$(sink_get soak "'%d %d %.0f' % (j['streams'][$((i - 1))]['unique'], j['streams'][$((i - 1))]['lost'], j['streams'][$((i - 1))]['max_silence_ms'])")
	read -r got lost silence <<<"$row"
	if [ -z "$f" ]; then
		untouched=$((untouched + 1)); limit="-"
		if [ "$lost" = 0 ]; then v=pass; else v=FAIL; bad_untouched=$((bad_untouched + 1)); fi
	else
		limit=1000; [[ "$f" == *flap* ]] && limit=1500
		if [ "$silence" -le "$limit" ]; then v=pass; else v=FAIL; bad_touched=$((bad_touched + 1)); fi
	fi
	echo "| $r | ${WORKER[$r]} | ${f:-none} | $got | $lost | $silence | $limit | $v |" >>"$SUMMARY"
done
read -r p1r p1f w01r w01f w11r w11f <<<"$SNAP1"
read -r p2r p2f w02r w02f w12r w12f <<<"$SNAP2"
{
	echo
	echo "| process | RSS after 60 s (KiB) | RSS at end (KiB) | change | fds after 60 s | fds at end |"
	echo "|---|---|---|---|---|---|"
	echo "| mcrd (parent) | $p1r | $p2r | $((p2r - p1r)) | $p1f | $p2f |"
	echo "| worker 0 | $w01r | $w02r | $((w02r - w01r)) | $w01f | $w02f |"
	echo "| worker 1 (restarted) | $w11r | $w12r | $((w12r - w11r)) | $w11f | $w12f |"
	echo
	echo "| fault | times | failed |"
	echo "|---|---|---|"
	for k in scratch veth hup edit garbage flap kill; do
		echo "| $k | ${COUNT[$k]} | ${FAIL[$k]} |"
	done
	echo
	echo "reloads logged: $hups of ${COUNT[hup]} SIGHUPs, $refused refused; worker 1 deaths logged: $kills; mcrd exit status: $MCRD_RC"
} >>"$SUMMARY"
sed 's/^/# /' "$SUMMARY"
[ -n "${SOAK_OUT:-}" ] && cp "$SUMMARY" "$SOAK_OUT"

cmp_ok "$untouched" -ge 1 "some rules ($untouched) are touched by no fault"
is "$bad_untouched" 0 "the untouched rules lost 0 packets"
is "$bad_touched" 0 "every touched rule resumed within 1 s of its fault"
d=$((p2r - p1r)); cmp_ok "${d#-}" -le 1024 "mcrd's RSS stayed within 1 MiB after the first minute ($d KiB)"
is "$p2f" "$p1f" "mcrd's fd count did not change"
d=$((w02r - w01r)); cmp_ok "${d#-}" -le 1024 "worker 0's RSS stayed within 1 MiB ($d KiB)"
is "$w02f" "$w01f" "worker 0's fd count did not change"
is "$w12f" "$w11f" "worker 1 (restarted) has as many fds as its predecessor"
is "$((FAIL[scratch] + FAIL[veth]))" 0 "every scratch rule add/del and unrelated veth succeeded"
is "${FAIL[garbage]}" 0 "every garbage message was answered"
is "$hups/$refused" "${COUNT[hup]}/0" "every SIGHUP reloaded, none refused"
is "$kills" "${COUNT[kill]}" "every worker kill was noticed"
is "$MCRD_RC" 0 "mcrd exits 0 at the end"
done_testing
