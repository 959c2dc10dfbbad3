#!/bin/bash
# Fragments and malformed frames are counted, each under its own reason, and
# never relayed, while valid traffic on the same rule keeps flowing.  Frames
# the kernel filter discards are counted nowhere, not even as frames: cut
# before the destination or the port, a bad IHL (unless a fragment), TCP,
# the IPv6 EtherType, another VLAN (mcrd(8), COUNTERS).
. "$(dirname "$0")/lib.sh"
plan 15

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
# What the filter lets through although malformed: a bad IHL on a
# fragment, an IP version of 6 under the IPv4 EtherType.
nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 bad_ihl_fragment 30
nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 version6 40
# What it discards, uncounted, all to the rule's group and port.
for k in short noport bad_ihl tcp ipv6; do
	nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 "$k" 50
done
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
is "$(mcrd_drop relay 'link r-in' bad_ip_header)" 30 "bad IHL counted only on the 30 fragments"
is "$(mcrd_drop relay 'link r-in' not_ipv4)" 40 "40 IPv4 EtherType frames of version 6 counted as not_ipv4"
is "$(mcrd_drop relay 'link r-in' truncated)" 0 "frames cut before the destination or the port: not truncated, not counted"
is "$(mcrd_drop relay 'link r-in' not_udp)" 0 "TCP to the rule's group and port: not counted as not_udp"
# Every frame that reached mcrd is a valid packet or a counted drop; the
# 250 discarded in the kernel (and the 60 of VLAN 100) are not among them.
is "$(mcrd_counter relay 'link r-in' frames)" $((4000 + 100 + 110 + 270 + 30 + 40)) \
   "link frames: exactly the valid and the counted frames"
is "$(grep 'stats: link r-in' "$TMP/mcrd-relay.log" | tail -n 1 | grep -o '[a-z0-9_]*=' | sort | tr -d '\n')" \
   "bad_ip_header=bad_ip_length=bad_udp_length=fragment=not_ipv4=" "no other drop reason counted"
is "$(mcrd_counter relay 'rule r active' packets)" 4000 "the rule counted exactly the valid packets: no VLAN 100 frame"
is "$(mcrd_counter relay 'rule r out r-out' errors)" 0 "no send errors"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
