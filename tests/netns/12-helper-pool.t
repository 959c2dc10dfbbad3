#!/bin/bash
# Helper-socket pooling: the kernel lets one socket hold at most
# net.ipv4.igmp_max_memberships groups (lib.sh raises it to 1024, which
# hides the pool).  With the limit at 10 and 40 groups on one input, mcrd
# must spread the joins over several helper sockets: every group joined on
# the input interface and the last one relayed.
. "$(dirname "$0")/lib.sh"
plan 8

line_topology
nsx relay sysctl -qw net.ipv4.igmp_max_memberships=10
is "$(nsx relay sysctl -n net.ipv4.igmp_max_memberships)" 10 "igmp_max_memberships is 10 in the relay namespace"
# The limit is real: one socket cannot join an 11th group.
nsx relay python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
idx = socket.if_nametoindex("r-in")
for i in range(1, 12):
    try:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                     struct.pack("4s4si", socket.inet_aton("239.8.1.%d" % i), b"\0" * 4, idx))
    except OSError:
        sys.exit(0 if i == 11 else 1)
sys.exit(1)'
ok $? "a single socket is refused its 11th group"

rules=""
for i in $(seq 1 40); do
	rules="$rules{ name = \"g$i\"; in = { dev = \"r-in\"; group = \"239.8.0.$i\"; port = 5001; };
	  out = ( { dev = \"r-out\"; port = 6000; } ); },"
done
C=$(conf relay <<CONF
rules = ( ${rules%,} );
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts with 40 groups on one input"
is "$(grep -c 'cannot join' "$TMP/mcrd-relay.log")" 0 "no join failed"
joined() { ip -n "$NS_relay" maddr show dev r-in | grep -Ec 'inet +239\.8\.0\.'; }
is "$(joined)" 40 "all 40 groups are joined on r-in (4+ helper sockets of at most 10)"
sink_start dst s -i 2 d0:239.8.0.1:6000 d0:239.8.0.40:6000
gen src -d s0 -g 239.8.0.1 -p 5001 -n 300 -r 5000 --stream-id 1
gen src -d s0 -g 239.8.0.40 -p 5001 -n 300 -r 5000 --stream-id 2
sink_wait s
is "$(sink_get s "[x['unique'] for x in j['streams']]")" "[300, 300]" "first and last group both relayed"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
is "$(joined)" 0 "every group left after SIGTERM"
done_testing
