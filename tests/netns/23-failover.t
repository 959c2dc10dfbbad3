#!/bin/bash
# redundancy = "failover" (issue 20): the first input is relayed while it
# delivers; after failover_ms of silence the second takes over, and the
# first is taken back once it has been healthy for revert_ms (never with
# revert_ms = 0).  Checked at a real receiver, in mcrctl's counters and in
# the monitor's events, and on /metrics (the same counts as mcrctl's).
TEST_LIMIT=${TEST_LIMIT:-120}
. "$(dirname "$0")/lib.sh"
plan 28

J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
prom_client
# same NAME: rule NAME's series on /metrics equal mcrctl -j -s rule show's ("ok", else the differences)
same() {
	prom_parse relay && ctl relay -j -s rule show name "$1" >"$TMP/r-$1.json" &&
		$PY "$(dirname "$0")/redundcmp.py" "$TMP/m.json" "$TMP/r-$1.json"
}
IN_A='dev=r-a,group=239.1.1.4,port=5003,rule=g,source='
IN_B='dev=r-b,group=239.1.1.4,port=5003,rule=g,source='

# src --s0--> relay r-a (primary), src --s1--> relay r-b (standby), relay r-out --> dst d0
ns_new src; ns_new relay; ns_new dst
veth src s0 relay r-a 198.18.1.1/24 198.18.1.2/24
veth src s1 relay r-b 198.18.3.1/24 198.18.3.2/24
veth relay r-out dst d0 198.18.2.1/24 198.18.2.2/24

C=$(conf relay <<CONF
metrics = "127.0.0.1:$PORT";
rules = (
  { name = "f";
    in  = ( { dev = "r-a"; group = "239.1.1.3"; port = 5003; },
            { dev = "r-b"; group = "239.1.1.3"; port = 5003; } );
    redundancy = "failover"; failover_ms = 100; revert_ms = 1000;
    out = ( { dev = "r-out"; group = "239.2.2.3"; port = 6003; } ); },
  { name = "g";
    in  = ( { dev = "r-a"; group = "239.1.1.4"; port = 5003; },
            { dev = "r-b"; group = "239.1.1.4"; port = 5003; } );
    redundancy = "failover"; failover_ms = 100; revert_ms = 0;
    out = ( { dev = "r-out"; group = "239.2.2.4"; port = 6003; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts with two failover rules"
rule() { ctl relay -j -s rule show name "$1" | J "(lambda r: $2)(j[0])"; }
is "$(rule f "(r['redundancy']['mode'], r['redundancy']['failover_ms'], r['redundancy']['revert_ms'], r['redundancy']['active_input'])")" \
   "('failover', 100, 1000, 0)" "mcrctl shows the mode, its times and the first input active"
wait_for 5 prom_parse relay; ok $? "/metrics answers"
is "$(M "mcrd_rule_input_relayed{$IN_A}"):$(M "mcrd_rule_input_relayed{$IN_B}")" "1:0" \
   "/metrics: g relays its first input, the second is on standby"

ctl relay monitor >"$TMP/monitor.out" 2>&1 &
MON=$!
_PIDS+=("$MON")
sink_start dst f -i 1.5 -n 40000 d0:239.2.2.3:6003
sink_start dst g -i 1.5 -n 40000 d0:239.2.2.4:6003
# 4 s of traffic on both groups over both paths; the primary path is cut
# from 1 s to 2 s.
gen src -d s0 -g 239.1.1.3 -p 5003 --dev2 s1 --streams 2 --step group -n 40000 -r 20000 -s 500 &
G=$!
sleep 1
tc -n "$NS_src" qdisc replace dev s0 root blackhole
sleep 1
tc -n "$NS_src" qdisc del dev s0 root
wait "$G"; ok $? "mcrgen sent 40000 packets per group over both paths"
sink_wait f; sink_wait g

lost=$(sink_get f "j['total']['lost']")
cmp_ok "$lost" -gt 0 "f: the primary's silence shows as a short loss ($lost packets)"
cmp_ok "$lost" -le 3000 "f: no more than about failover_ms of it"
cmp_ok "$(sink_get f "j['total']['duplicated']")" -le 50 "f: next to no duplicates across the switches"
is "$(rule f "(r['redundancy']['switches'], r['redundancy']['active_input'])")" "(2, 0)" \
   "f: switched to the standby and back to the primary"
is "$(rule f "r['inputs'][1]['packets']")" 40000 "f: the standby counted all its 40000 packets"
cmp_ok "$(rule f "r['inputs'][0]['packets']")" -lt 40000 "f: the primary fewer (cut)"
cmp_ok "$(rule f "r['inputs'][1]['duplicates']")" -gt 15000 "f: the standby's packets are dropped while the primary is relayed"
ctl relay -s rule show name f >"$TMP/show-f.txt"
grep -q 'redundancy failover failover-ms 100 revert-ms 1000 relaying input 1' "$TMP/show-f.txt"
ok $? "mcrctl -s: the mode, the times and the input relayed"

lost=$(sink_get g "j['total']['lost']")
cmp_ok "$lost" -le 3000 "g: a short loss only ($lost packets)"
is "$(rule g "(r['redundancy']['switches'], r['redundancy']['active_input'])")" "(1, 1)" \
   "g (revert_ms = 0): switched to the standby and stays there"
cmp_ok "$(rule g "r['inputs'][0]['duplicates']")" -gt 15000 "g: the primary's packets after the switch are dropped"
is "$(same f)" ok "/metrics: f's inputs' counters, the input relayed and its switches equal mcrctl's"
is "$(same g)" ok "/metrics: g's equal mcrctl's"
is "$(M "mcrd_rule_input_relayed{$IN_A}"):$(M "mcrd_rule_input_relayed{$IN_B}")" "0:1" \
   "/metrics: after the failover g relays its second input"
is "$(M 'mcrd_rule_input_switches_total{rule=g}')" 1 "/metrics: g switched once"
kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null
grep -q '^\[rule-switch\] f .*relaying input 2' "$TMP/monitor.out"; ok $? "monitor: f switched to input 2"
grep -q '^\[rule-switch\] f .*relaying input 1' "$TMP/monitor.out"; ok $? "monitor: f switched back to input 1"
is "$(grep -c '^\[rule-switch\] g ' "$TMP/monitor.out")" 1 "monitor: g switched once"
grep -q 'rule "f": relaying input 2 (r-b)' "$TMP/mcrd-relay.log"; ok $? "mcrd logs the switch"
grep -q 'rule "f": relaying input 1 (r-a)' "$TMP/mcrd-relay.log"; ok $? "and the switch back"
ip -n "$NS_relay" link set r-b down
wait_for 5 eval 'prom_parse relay && [ "$(M "mcrd_rule_input_active{$IN_B}")" = 0 ]'
ok $? "/metrics: an input whose interface goes down is pending (mcrd_rule_input_active 0)"
is "$(M "mcrd_rule_input_active{$IN_A}"):$(same g)" "1:ok" "/metrics: the other stays active; all as mcrctl shows"

mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
