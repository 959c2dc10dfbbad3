#!/bin/bash
# A rule with many outputs (spread_outputs; 16 by default, 8 here) is served by every
# worker: each reads the input and sends its share of the outputs, so one
# hot rule uses more than one core.  Every output gets every datagram once,
# the rule's counters count each datagram once, and a worker killed and
# restarted gets its share back.
TEST_LIMIT=180
. "$(dirname "$0")/lib.sh"
plan 13

J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

ns_new src; ns_new relay; ns_new dst
veth src s0 relay r-in 198.18.1.1/24 198.18.1.2/24
outs=""; streams=()
for i in $(seq 1 8); do
	veth relay "o$i" dst "d$i" "198.19.$i.1/24" "198.19.$i.2/24"
	outs+="{ dev = \"o$i\"; group = \"239.2.0.$i\"; port = 6000; },"
	streams+=("d$i:239.2.0.$i:6000")
done
C=$(conf relay <<CONF
spread_outputs = 8;
rules = ( { name = "wide"; in = { dev = "r-in"; group = "239.1.0.1"; port = 5001; };
            out = ( ${outs%,} ); },
          { name = "narrow"; in = { dev = "r-in"; group = "239.1.0.2"; port = 5002; };
            out = ( { dev = "o1"; group = "239.3.0.1"; port = 6000; } ); } );
CONF
)
mcrd_start relay relay "$C" -w 2; ok $? "mcrd starts with 2 workers"
ws=$(ctl relay -j worker show)
is "$(echo "$ws" | J "[w['rules'] for w in j]" | tr -d ' ')" "$(
	[ "$(ctl relay -j rule show name narrow | J "j[0]['worker']")" = 0 ] && echo "[2,1]" || echo "[1,2]")" \
	"the wide rule is on both workers, the narrow one on its owner"

# CPU time of each worker (utime + stime, clock ticks) while the rule relays.
pids=($(echo "$ws" | J "' '.join(str(w['pid']) for w in j)"))
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
c0=($(cpu "${pids[0]}") $(cpu "${pids[1]}"))
sink_start dst s -i 2 "${streams[@]}"
gen src -d s0 -g 239.1.0.1 -p 5001 -n 40000 -r 20000 -s 1000 --stream-id 1
sink_wait s
c1=($(cpu "${pids[0]}") $(cpu "${pids[1]}"))
is "$(sink_get s "[x['unique'] for x in j['streams']]" | tr -d ' ')" \
   "[40000,40000,40000,40000,40000,40000,40000,40000]" "every output gets every datagram"
is "$(sink_get s "j['total']['duplicated'] + j['total']['corrupted']")" 0 "none twice, none corrupted"
st=$(ctl relay -j -s rule show name wide)
is "$(echo "$st" | J "j[0]['packets']")" 40000 "the rule counts each datagram once"
is "$(echo "$st" | J "[o['packets'] for o in j[0]['out']]" | tr -d ' ')" \
   "[40000,40000,40000,40000,40000,40000,40000,40000]" "per-output counters"
ws=$(ctl relay -j -s worker show)
is "$(echo "$ws" | J "[w['packets_out'] >= 160000 for w in j]")" "[True, True]" \
   "each worker sent its share: 4 outputs x 40000"
cmp_ok "$((c1[0] - c0[0]))" -gt 0 "worker 0 used CPU ($((c1[0] - c0[0])) ticks)"
cmp_ok "$((c1[1] - c0[1]))" -gt 0 "worker 1 used CPU ($((c1[1] - c0[1])) ticks)"

# A worker killed: restarted with its share, the other's outputs never stop.
kill -9 "${pids[1]}"
wait_for 10 sh -c "grep -q 'worker 1 started' '$TMP/mcrd-relay.log' && [ \$(grep -c 'worker 1 started' '$TMP/mcrd-relay.log') -ge 2 ]"
ok $? "worker 1 is restarted"
sleep 0.5
sink_start dst s2 -i 2 "${streams[@]}"
gen src -d s0 -g 239.1.0.1 -p 5001 -n 10000 -r 20000 -s 1000 --stream-id 2
sink_wait s2
is "$(sink_get s2 "[x['unique'] for x in j['streams']]" | tr -d ' ')" \
   "[10000,10000,10000,10000,10000,10000,10000,10000]" "after the restart every output gets every datagram"
is "$(ctl relay -j -s rule show name wide | J "j[0]['packets']")" 50000 \
   "and the rule still counts each once"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
