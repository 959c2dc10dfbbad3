#!/bin/bash
# 1:1 relay with group and port rewrite, payload intact, other groups and
# ports not relayed, clean exit on SIGTERM with counters that match.
. "$(dirname "$0")/lib.sh"
plan 14

line_topology

C=$(conf relay <<'CONF'
rules = (
  { name = "cam1";
    in  = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; ttl = 4; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
# The parent keeps CAP_NET_RAW, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID,
# CAP_SETPCAP and CAP_KILL (bits 13, 12, 7, 6, 8, 5), nothing else.
is "$(sed -n 's/^CapEff:\t//p' "/proc/$MCRD_PID_relay/status")" 00000000000031e0 "the parent's capabilities are limited to what it needs"
is "$(sed -n 's/^CapBnd:\t//p' "/proc/$MCRD_PID_relay/status")" 00000000000031e0 "and the bounding set too"

# The sink listens on the rewritten stream and on the original group/port,
# which must stay silent: only the rewrite leaves the relay.
sink_start dst rw -i 2 d0:239.2.2.2:6000; ok $? "sink joined the rewritten group"
sink_start dst orig -i 2 d0:239.1.1.1:5001 d0:239.2.2.2:5001
gen src -d s0 -g 239.1.1.1 -p 5001 -n 5000 -r 20000 -s 1000
ok $? "mcrgen sent 5000 packets"
# Traffic for another port and another group must not be relayed.
gen src -d s0 -g 239.1.1.1 -p 5002 -n 500 -r 20000
gen src -d s0 -g 239.1.1.9 -p 5001 -n 500 -r 20000
sink_wait rw; sink_wait orig

is "$(sink_get rw "j['total']['unique']")" 5000 "all 5000 packets arrive rewritten to 239.2.2.2:6000"
is "$(sink_get rw "j['total']['lost']")" 0 "no loss"
is "$(sink_get rw "j['total']['duplicated']")" 0 "no duplicates"
is "$(sink_get rw "j['total']['corrupted']")" 0 "payload intact end to end"
is "$(sink_get rw "j['total']['bytes']")" 5000000 "each payload keeps its exact length"
is "$(sink_get orig "j['total']['received']")" 0 "nothing relayed to the original group/port"

is "$(mcrd_counter relay 'rule cam1 active' packets)" 5000 "daemon counted 5000 packets on the rule"
is "$(mcrd_counter relay 'rule cam1 out r-out' packets)" 5000 "daemon counted 5000 packets on the output"
mcrd_stop relay
is "$MCRD_RC" 0 "SIGTERM: mcrd exits 0"
done_testing
