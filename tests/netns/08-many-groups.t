#!/bin/bash
# Many groups on one input: when the exact kernel filter exceeds the socket
# option memory the kernel allows (net.core.optmem_max, 20 KiB by default
# before Linux 6.9), mcrd falls back to passing all multicast and filtering
# in userspace, and every rule still relays.
. "$(dirname "$0")/lib.sh"
plan 5

line_topology
if ! nsx relay sysctl -qw net.core.optmem_max=20480 2>/dev/null; then
	diag "optmem_max is not per namespace on this kernel; testing at its value"
fi
rules=""
for i in $(seq 1 60); do
	rules="$rules{ name = \"g$i\"; in = { dev = \"r-in\"; group = \"239.7.0.$i\"; port = 5001; };
	  out = ( { dev = \"r-out\"; port = 6000; } ); },"
done
C=$(conf relay <<CONF
rules = ( ${rules%,} );
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts with 60 groups on one input"
is "$(grep -c 'cannot open the ingress socket' "$TMP/mcrd-relay.log")" 0 "the ingress socket opened"
sink_start dst s -i 2 d0:239.7.0.1:6000 d0:239.7.0.60:6000
gen src -d s0 -g 239.7.0.1 -p 5001 -n 500 -r 5000 --stream-id 1
gen src -d s0 -g 239.7.0.60 -p 5001 -n 500 -r 5000 --stream-id 2
gen src -d s0 -g 239.7.0.99 -p 5001 -n 100 -r 5000 --stream-id 3
sink_wait s
is "$(sink_get s "[x['unique'] for x in j['streams']]")" "[500, 500]" "first and last group both relayed"
# Past the exact filter each worker sees all multicast and drops what it
# does not own; nothing without a rule is relayed.
is "$(ctl relay -j -s rule show | python3 -c 'import json,sys; print(sum(r["packets"] for r in json.load(sys.stdin)))')" \
   1000 "a group without a rule is dropped, not relayed: only the 1000 are"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
