#!/bin/bash
# Fragments and malformed frames are counted, each under its own reason, and
# never relayed, while valid traffic on the same rule keeps flowing.
. "$(dirname "$0")/lib.sh"
plan 9

line_topology

C=$(conf relay <<'CONF'
rules = ( { name = "r"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
            out = ( { dev = "r-out"; port = 6000; } ); } );
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
sink_start dst v -i 2 d0:239.1.1.1:6000

# Valid traffic in the background while the garbage goes in.
gen src -d s0 -g 239.1.1.1 -p 5001 -n 4000 -r 4000 --stream-id 7 &
GEN=$!
nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 bad_ip_length 100
nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 bad_udp_length 110
nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 fragment 120
# Tagged for VLAN 100, which has no interface on the relay: another VLAN's
# traffic, never to be relayed by a rule on the untagged interface.
nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 vlan 60
# Real fragments: a 3000-byte datagram over a 1500-byte MTU.
gen src -d s0 -g 239.1.1.1 -p 5001 -n 50 -r 1000 -s 3000 --stream-id 8
wait $GEN
sink_wait v

is "$(sink_get v "j['total']['unique']")" 4000 "all 4000 valid packets relayed during the garbage"
is "$(sink_get v "j['total']['corrupted'] + j['total']['foreign']")" 0 "nothing malformed reached the receiver"
mcrd_counter relay 'link r-in' frames >/dev/null
is "$(mcrd_drop relay 'link r-in' bad_ip_length)" 100 "100 bad IP lengths counted"
is "$(mcrd_drop relay 'link r-in' bad_udp_length)" 110 "110 bad UDP lengths counted"
# 120 injected first fragments + 50 datagrams in 3 fragments each
is "$(mcrd_drop relay 'link r-in' fragment)" 270 "270 fragments counted"
is "$(mcrd_counter relay 'rule r active' packets)" 4000 "the rule counted exactly the valid packets: no VLAN 100 frame"
is "$(mcrd_counter relay 'rule r out r-out' errors)" 0 "no send errors"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
