#!/bin/bash
# redundancy = "merge" (SMPTE 2022-7 style, issue 20): one sender, two paths
# into the relay, one merged stream out.  Disjoint gaps on the two paths,
# the sequence wrapping, one path cut and restored under traffic, a path
# delay inside and outside the merge window, non-RTP traffic; each checked
# at a real receiver (every packet exactly once) and in mcrctl's counters.
# Then a real client: ffmpeg sends RTP MPEG-TS over both paths, one of them
# cut for a while, and ffmpeg receives the merged stream without a
# continuity error.  /metrics serves the same per-input counts as mcrctl.
TEST_LIMIT=${TEST_LIMIT:-180}
. "$(dirname "$0")/lib.sh"
plan 38

J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
prom_client
# same NAME: rule NAME's series on /metrics equal mcrctl -j -s rule show's ("ok", else the differences)
same() {
	prom_parse relay && ctl relay -j -s rule show name "$1" >"$TMP/r-$1.json" &&
		$PY "$(dirname "$0")/redundcmp.py" "$TMP/m.json" "$TMP/r-$1.json"
}

# src --s0--> relay r-a (path A), src --s1--> relay r-b (path B), relay r-out --> dst d0
ns_new src; ns_new relay; ns_new dst
veth src s0 relay r-a 198.18.1.1/24 198.18.1.2/24
veth src s1 relay r-b 198.18.3.1/24 198.18.3.2/24
veth relay r-out dst d0 198.18.2.1/24 198.18.2.2/24
ip -n "$NS_src" route add 239.1.1.5/32 dev s0
ip -n "$NS_src" route add 239.1.1.6/32 dev s1
ip -n "$NS_dst" route add 224.0.0.0/4 dev d0

C=$(conf relay <<CONF
metrics = "127.0.0.1:$PORT";
rules = (
  { name = "m";
    in  = ( { dev = "r-a"; group = "239.1.1.1"; port = 5000; },
            { dev = "r-b"; group = "239.1.1.1"; port = 5000; } );
    redundancy = "merge"; merge_window_ms = 50;
    out = ( { dev = "r-out"; group = "239.2.2.1"; port = 6000; } ); },
  { name = "tv";
    in  = ( { dev = "r-a"; group = "239.1.1.5"; port = 5004; },
            { dev = "r-b"; group = "239.1.1.6"; port = 5004; } );
    redundancy = "merge";
    out = ( { dev = "r-out"; group = "239.2.2.5"; port = 6004; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts with two merged rules"
m_json() { ctl relay -j -s rule show name "$1"; }
is "$(m_json m | J "[(i['dev'], i['state']) for i in j[0]['inputs']]")" \
   "[('r-a', 'active'), ('r-b', 'active')]" "both inputs of the merged rule are active"
is "$(m_json m | J "(j[0]['redundancy']['mode'], j[0]['redundancy']['merge_window_ms'])")" \
   "('merge', 50)" "mcrctl shows the mode and the window"

# counters NAME EXPR: a Python expression over rule m's JSON (as r), after its traffic
counters() { m_json m | J "(lambda r: $1)(j[0])"; }
# run NAME EXPECT MCRGEN-ARGS...: the sink on the merged output for one run of mcrgen
run() {
	local name=$1 n=$2; shift 2
	sink_start dst "$name" --rtp -i 1.5 -n "$n" d0:239.2.2.1:6000 || return 1
	gen src -d s0 -g 239.1.1.1 -p 5000 --dev2 s1 --rtp -s 400 -n "$n" "$@" || return 1
	sink_wait "$name"
}
# Counters are cumulative: each run's share is the difference.
in_packets() { counters "[i['$1'] for i in r['inputs']]"; }
delta() { python3 -c "import sys; a=eval(sys.argv[1]); b=eval(sys.argv[2]); print([y-x for x, y in zip(a, b)])" "$1" "$2"; }

# --- disjoint gaps: A leaves out 0,1 of every 10, B 5,6 -------------------------
p0=$(in_packets packets); d0=$(in_packets duplicates); f0=$(in_packets filled)
run gaps 20000 -r 10000 --skip 0-1%10 --skip2 5-6%10
is "$(sink_get gaps "(j['total']['unique'], j['total']['lost'], j['total']['duplicated'])")" \
   "(20000, 0, 0)" "disjoint gaps: every one of 20000 sequence numbers arrives exactly once"
is "$(delta "$p0" "$(in_packets packets)")" "[16000, 16000]" "each input counted its 16000 packets"
is "$(delta "$d0" "$(in_packets duplicates)" | J "sum(j)")" 12000 \
   "the 12000 second copies are dropped as duplicates"
is "$(delta "$f0" "$(in_packets filled)")" "[4000, 4000]" \
   "each input had its 4000 gaps filled from the other"
is "$(counters "r['packets']")" 20000 "the rule relayed 20000 packets"

# --- the sequence wraps: from 60000 over 65535 to 0 ------------------------------
run wrap 20000 -r 10000 --rtp-seq 60000 --skip 3%7 --skip2 5%7
is "$(sink_get wrap "(j['total']['unique'], j['total']['lost'], j['total']['duplicated'])")" \
   "(20000, 0, 0)" "wrap: 20000 packets across 65535 -> 0 arrive exactly once"
is "$(counters "r['drops']['late']")" 0 "nothing was taken for late"

# --- path A cut and restored under traffic --------------------------------------
f0=$(in_packets filled)
sink_start dst cut --rtp -i 1.5 -n 30000 d0:239.2.2.1:6000
gen src -d s0 -g 239.1.1.1 -p 5000 --dev2 s1 --rtp -s 400 -n 30000 -r 10000 &
G=$!
sleep 1
tc -n "$NS_src" qdisc replace dev s0 root blackhole
sleep 1
tc -n "$NS_src" qdisc del dev s0 root
wait "$G"; ok $? "mcrgen sent 30000 packets over both paths"
sink_wait cut
is "$(sink_get cut "(j['total']['unique'], j['total']['lost'], j['total']['duplicated'])")" \
   "(30000, 0, 0)" "path A cut for 1 s and restored: every packet arrives exactly once"
is "$(sink_get cut "j['total']['rtp_breaks']")" 0 "and in sequence"
filled=$(delta "$f0" "$(in_packets filled)")
cmp_ok "$(J "j[0]" <<<"$filled")" -gt 5000 "input A had about 10000 packets filled from B"
is "$(J "j[1]" <<<"$filled")" 0 "input B had none filled"

# --- path B 5 ms behind A, inside the 50 ms window ------------------------------
run near 20000 -r 10000 --skip 0-1%10 --skip2 5-6%10 --lag2 50
is "$(sink_get near "(j['total']['unique'], j['total']['lost'], j['total']['duplicated'])")" \
   "(20000, 0, 0)" "B 5 ms late, inside the window: every packet exactly once"

# --- path B 150 ms behind A, outside the 50 ms window ---------------------------
# (The window is measured when the relay reads the copies: a skew well
# beyond it stays beyond it on a loaded machine.)
l0=$(in_packets late)
run far 10000 -r 5000 --skip 0-1%10 --skip2 5-6%10 --lag2 750
is "$(sink_get far "(j['total']['unique'], j['total']['lost'], j['total']['duplicated'])")" \
   "(8000, 2000, 0)" "B 150 ms late, outside the window: A's 2000 gaps stay gaps, no duplicate"
is "$(delta "$l0" "$(in_packets late)")" "[0, 8000]" "B's 8000 packets are counted late"

# --- a restarted sender: a new SSRC right after the old one ---------------------
r0=$(counters "r['redundancy']['resyncs']"); l0=$(in_packets late)
sink_start dst restart --rtp -i 1.5 d0:239.2.2.1:6000
gen src -d s0 -g 239.1.1.1 -p 5000 --dev2 s1 --rtp -s 400 -n 2000 -r 10000 --ssrc 1 --rtp-seq 100 \
	--stream-id 1
gen src -d s0 -g 239.1.1.1 -p 5000 --dev2 s1 --rtp -s 400 -n 2000 -r 10000 --ssrc 2 --rtp-seq 40000 \
	--stream-id 2
sink_wait restart
is "$(sink_get restart "(j['total']['unique'], j['total']['duplicated'])")" "(4000, 0)" \
   "a sender restarted with a new SSRC and sequence is followed at once: 4000 packets, once each"
is "$(( $(counters "r['redundancy']['resyncs']") - r0 ))" 2 \
   "two resyncs: the first sender after a silence, the second by its SSRC"
is "$(delta "$l0" "$(in_packets late)" | J "sum(j)")" 1 \
   "only the new sender's first packet on one path was refused (the other path brought it)"

# --- not RTP: counted, not relayed ----------------------------------------------
n0=$(counters "r['drops']['not_rtp']")
sink_start dst plain -i 1 d0:239.2.2.1:6000
gen src -d s0 -g 239.1.1.1 -p 5000 --dev2 s1 -n 500 -r 10000
sink_wait plain
is "$(sink_get plain "j['total']['received']")" 0 "plain UDP is not relayed by a merged rule"
is "$(( $(counters "r['drops']['not_rtp']") - n0 ))" 1000 "its 1000 datagrams are counted not_rtp"
ctl relay -s rule show name m >"$TMP/show.txt"
grep -q '<- r-a 239.1.1.1:5000 packets [0-9]* duplicates [0-9]* filled [0-9]* late [0-9]*' "$TMP/show.txt"
ok $? "mcrctl -s shows each input's counters"
grep -q 'redundancy merge merge-window-ms 50' "$TMP/show.txt"; ok $? "and the rule's mode"
kill -USR1 "$MCRD_PID_relay"
wait_for 5 grep -q 'stats: rule m in r-b 239.1.1.1:5000 packets' "$TMP/mcrd-relay.log"
ok $? "mcrd's stats dump (SIGUSR1) has a line per input"
is "$(same m)" ok "/metrics: m's per-input packets, duplicates, filled, late and its resyncs equal mcrctl's"
filled=$($PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(sum(v for k, v in j.items() if k.startswith("mcrd_rule_input_filled_total{") and "rule=m," in k) > 0, sum(v for k, v in j.items() if k.startswith("mcrd_rule_input_late_total{") and "rule=m," in k) > 0)' "$TMP/m.json")
is "$filled" "True True" "/metrics: m has inputs' gaps filled and late copies counted"

# --- a real client: ffmpeg, RTP MPEG-TS over both paths -------------------------
if ! command -v ffmpeg >/dev/null; then
	# Not a skip: `make deps` (mk/deps.sh) installs ffmpeg.
	for _ in 1 2 3 4 5 6 7 8 9; do ok 1 "ffmpeg is not installed (make deps)"; done
	mcrd_stop relay
	is "$MCRD_RC" 0 "mcrd exits 0"
	done_testing; exit
fi
# Both outputs of the tee muxer get the same packets, SSRC and first sequence
# number: two identical RTP streams, as a 2022-7 sender makes them.
rtpopt='rtp_muxer_options=ssrc=4660\\\:seq=65000'
nsx dst timeout -s INT 40 ffmpeg -hide_banner -nostdin -loglevel debug \
	-i 'rtp://239.2.2.5:6004?localaddr=198.18.2.2' -map 0:v -f null - >"$TMP/ffrecv.log" 2>&1 &
FR=$!
_PIDS+=("$FR")
wait_for 10 sh -c "ip -n $NS_dst maddr show dev d0 | grep -q 239.2.2.5"
ok $? "the receiving ffmpeg joined the merged stream's group"
nsx src timeout -s INT 30 ffmpeg -hide_banner -nostdin -loglevel info -re \
	-f lavfi -i testsrc=size=320x240:rate=25 -t 6 -c:v mpeg2video -b:v 800k -g 25 -map 0:v \
	-f tee "[f=rtp_mpegts:$rtpopt]rtp://239.1.1.5:5004?ttl=16|[f=rtp_mpegts:$rtpopt]rtp://239.1.1.6:5004?ttl=16" \
	>"$TMP/ffsend.log" 2>&1 &
FS=$!
_PIDS+=("$FS")
sleep 2
tc -n "$NS_src" qdisc replace dev s0 root blackhole
sleep 1.5
tc -n "$NS_src" qdisc del dev s0 root
wait "$FS"; ok $? "ffmpeg sent 6 s of RTP MPEG-TS over both paths"
sleep 1
kill -INT "$FR" 2>/dev/null; wait "$FR"
frames=$(grep -o 'frame= *[0-9]*' "$TMP/ffrecv.log" | tail -n 1 | grep -o '[0-9]*$')
cmp_ok "${frames:-0}" -ge 120 "the receiving ffmpeg decoded ${frames:-0} of the 150 frames (from the first key frame it saw)"
is "$(grep -c 'Continuity check failed' "$TMP/ffrecv.log")" 0 "with no MPEG-TS continuity error"
is "$(grep -Ec 'RTP: missed|RTP: dropping|PES packet size mismatch|corrupt' "$TMP/ffrecv.log")" 0 \
   "no RTP packet missed and nothing corrupt"
tv=$(ctl relay -j -s rule show name tv)
cmp_ok "$(J "j[0]['inputs'][0]['filled']" <<<"$tv")" -gt 0 "input A's cut was filled from B"
is "$(J "j[0]['drops']['late'] + j[0]['drops']['not_rtp']" <<<"$tv")" 0 "nothing late, nothing not RTP"
cmp_ok "$(J "j[0]['inputs'][1]['duplicates']" <<<"$tv")" -gt 0 "B's copies of what A delivered were dropped"
is "$(same tv)" ok "/metrics: tv's inputs (two groups) equal mcrctl's"

mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
