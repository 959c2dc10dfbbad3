#!/bin/bash
# A 3-hop chain src -> mcrd -> mcrd -> mcrd -> sink, each hop rewriting the
# group, with the payload verified at the end.
. "$(dirname "$0")/lib.sh"
plan 7

ns_new src; ns_new h1; ns_new h2; ns_new h3; ns_new dst
veth src s0 h1 a-in 198.18.1.1/24 198.18.1.2/24
veth h1 a-out h2 b-in 198.18.2.1/24 198.18.2.2/24
veth h2 b-out h3 c-in 198.18.3.1/24 198.18.3.2/24
veth h3 c-out dst d0 198.18.4.1/24 198.18.4.2/24
hop() { # hop NS IN OUT GIN GOUT
	conf "$1" <<CONF
rules = ( { name = "hop"; in = { dev = "$2"; group = "$4"; port = 5001; };
            out = ( { dev = "$3"; group = "$5"; } ); } );
CONF
}
mcrd_start h1 h1 "$(hop h1 a-in a-out 239.1.0.1 239.1.0.2)"; ok $? "hop 1 starts"
mcrd_start h2 h2 "$(hop h2 b-in b-out 239.1.0.2 239.1.0.3)"; ok $? "hop 2 starts"
mcrd_start h3 h3 "$(hop h3 c-in c-out 239.1.0.3 239.1.0.4)"; ok $? "hop 3 starts"
sink_start dst end -i 2 d0:239.1.0.4:5001
gen src -d s0 -g 239.1.0.1 -p 5001 -n 20000 -r 10000 -s 1400
sink_wait end
is "$(sink_get end "j['total']['unique']")" 20000 "all 20000 packets crossed three relays"
is "$(sink_get end "j['total']['lost'] + j['total']['duplicated']")" 0 "no loss, no duplicates"
is "$(sink_get end "j['total']['corrupted']")" 0 "payload intact after three hops"
is "$(mcrd_counter h2 'rule hop active' packets)" 20000 "the middle hop counted 20000"
done_testing
