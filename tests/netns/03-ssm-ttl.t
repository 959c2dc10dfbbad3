#!/bin/bash
# A source-specific rule relays only its source; an any-source rule on the
# same group takes the rest.  A datagram leaves with its TTL minus one;
# input TTL 1 (link-local style) is dropped as ttl_expired, or relayed by
# an output with a fixed TTL.
. "$(dirname "$0")/lib.sh"
plan 12

J_rule() { "$BIN/mcrctl" -S "$TMP/relay.sock" -j -s rule show name "$1" |
	python3 -c "import json,sys; print(json.load(sys.stdin)[0]['drops']['$2'])"; }

line_topology
ip -n "$NS_src" addr add 198.18.1.5/24 dev s0  # a second source

C=$(conf relay <<'CONF'
rules = (
  { name = "ssm"; in = { dev = "r-in"; group = "232.1.1.1"; port = 5001; source = "198.18.1.5"; };
    out = ( { dev = "r-out"; port = 6001; } ); },
  { name = "asm"; in = { dev = "r-in"; group = "232.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; port = 6002; } ); },
  { name = "ttl1"; in = { dev = "r-in"; group = "239.255.255.250"; port = 1900; };
    out = ( { dev = "r-out"; group = "239.255.255.251"; fixed_ttl = 1; } ); },
  { name = "router"; in = { dev = "r-in"; group = "239.255.255.252"; port = 1900; };
    out = ( { dev = "r-out"; group = "239.255.255.253"; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
grep -q 'cannot join' "$TMP/mcrd-relay.log"; ok $((! $?)) "source-specific and any-source joins both succeed"

sink_start dst s -i 2 d0:232.1.1.1:6001 d0:232.1.1.1:6002 d0:239.255.255.251:1900 \
	d0:239.255.255.253:1900
gen src -d s0 -S 198.18.1.5 -g 232.1.1.1 -p 5001 -n 300 -r 5000 --stream-id 1
gen src -d s0 -S 198.18.1.1 -g 232.1.1.1 -p 5001 -n 200 -r 5000 --stream-id 2
gen src -d s0 -g 239.255.255.250 -p 1900 -n 400 -r 5000 -t 1
gen src -d s0 -g 239.255.255.252 -p 1900 -n 300 -r 5000 -t 1
gen src -d s0 -g 239.255.255.252 -p 1900 -n 200 -r 5000 -t 2 --stream-id 9
sink_wait s
is "$(sink_get s "j['streams'][0]['unique']")" 300 "SSM rule: all 300 packets from its source"
is "$(sink_get s "j['streams'][0]['received']")" 300 "SSM rule: nothing from the other source"
is "$(sink_get s "j['streams'][1]['received']")" 200 "ASM rule: only the other source's 200 (S,G wins over *,G)"
is "$(sink_get s "j['streams'][2]['unique']")" 400 "TTL 1 input, fixed_ttl output: all 400 relayed"
is "$(sink_get s "j['streams'][2]['ttl_max']")" 1 "with TTL 1"
is "$(sink_get s "j['streams'][3]['unique']")" 200 "TTL 1 input, router semantics: none relayed, TTL 2 all 200"
is "$(sink_get s "j['streams'][3]['ttl_min']")/$(sink_get s "j['streams'][3]['ttl_max']")" 1/1 \
   "TTL 2 leaves with 1"
is "$(J_rule router ttl_expired)" 300 "the 300 with TTL 1 counted as ttl_expired"
is "$(sink_get s "j['total']['corrupted']")" 0 "no corruption"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
