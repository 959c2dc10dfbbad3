#!/bin/bash
# Head-end replication: 1:3 onto three interfaces, 1:50 onto fifty interfaces
# (beyond the kernel's 32 VIFs), and one input to 1000 outputs.
TEST_LIMIT=180
. "$(dirname "$0")/lib.sh"
plan 11

ns_new src; ns_new relay; ns_new dst
veth src s0 relay r-in 198.18.1.1/24 198.18.1.2/24
outs=""
for i in $(seq 1 50); do
	veth relay "o$i" dst "d$i" "198.19.$i.1/24" "198.19.$i.2/24"
	outs="$outs{ dev = \"o$i\"; group = \"239.3.0.$i\"; port = 7000; },"
done
thousand=""
for i in $(seq 0 999); do
	thousand="$thousand{ dev = \"o$((i % 4 + 1))\"; group = \"239.4.$((i / 250)).$((i % 250 + 1))\"; port = 8000; },"
done
C=$(conf relay <<CONF
rules = (
  { name = "three"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "o1"; }, { dev = "o2"; }, { dev = "o3"; group = "239.9.9.9"; port = 9000; } ); },
  { name = "fifty"; in = { dev = "r-in"; group = "239.1.1.2"; port = 5002; };
    out = ( ${outs%,} ); },
  { name = "thousand"; in = { dev = "r-in"; group = "239.1.1.3"; port = 5003; };
    out = ( ${thousand%,} ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts with 1:3, 1:50 and 1:1000 rules"

sink_start dst three -i 2 d1:239.1.1.1:5001 d2:239.1.1.1:5001 d3:239.9.9.9:9000
gen src -d s0 -g 239.1.1.1 -p 5001 -n 2000 -r 5000
sink_wait three
is "$(sink_get three "[s['unique'] for s in j['streams']]")" "[2000, 2000, 2000]" "1:3: every output got all 2000"
is "$(sink_get three "j['total']['corrupted'] + j['total']['duplicated']")" 0 "1:3: no corruption, no duplicates"

args=""; for i in $(seq 1 50); do args="$args d$i:239.3.0.$i:7000"; done
sink_start dst fifty -i 2 $args
gen src -d s0 -g 239.1.1.2 -p 5002 -n 1000 -r 2000
sink_wait fifty
is "$(sink_get fifty "len(j['streams'])")" 50 "1:50: fifty streams joined on fifty interfaces"
is "$(sink_get fifty "sum(1 for s in j['streams'] if s['unique'] == 1000)")" 50 "1:50: all fifty outputs got all 1000"
is "$(sink_get fifty "j['total']['lost'] + j['total']['duplicated'] + j['total']['corrupted']")" 0 "1:50: no loss, duplicates or corruption"

args=""; for i in $(seq 0 999); do args="$args d$((i % 4 + 1)):239.4.$((i / 250)).$((i % 250 + 1)):8000"; done
sink_start dst thousand -i 3 $args
gen src -d s0 -g 239.1.1.3 -p 5003 -n 100 -r 50
sink_wait thousand
is "$(sink_get thousand "len(j['streams'])")" 1000 "1:1000: a thousand streams joined"
is "$(sink_get thousand "sum(1 for s in j['streams'] if s['unique'] == 100)")" 1000 "1:1000: every output got all 100 packets"
is "$(mcrd_counter relay 'rule thousand active' packets)" 100 "1:1000: the rule counted 100 input packets"
is "$(mcrd_drop relay 'rule thousand active' no_tx_slot)" 0 "1:1000: no copy dropped for lack of send slots"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
