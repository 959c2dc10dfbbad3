#!/bin/bash
# Prometheus metrics: /metrics served by an unprivileged process (not the
# parent), read with prometheus_client's parser; its counters match what
# real receivers counted; runtime rules, reloads, worker and metrics
# process restarts show up; IPv6; bad addresses refused; slow and
# malformed HTTP clients bounded (tests/netns/httpprobe.py).
TEST_LIMIT=180
. "$(dirname "$0")/lib.sh"
plan 74

prom_client
scrape() { nsx relay curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics"; }

# --- the setting -----------------------------------------------------------
B=$(conf bad <<'CONF'
metrics = "localhost:9810";
CONF
)
timeout 10 "$BIN/mcrd" -t -c "$B" 2>"$TMP/t.err"; rc=$?
is "$rc:$(cat "$TMP/t.err")" "1:$B:1: metrics \"localhost:9810\": not an IPv4 address" \
	"mcrd -t: a name, not an address, is refused with its line"

line_topology
C=$(conf relay <<CONF
workers = 2;
spread_outputs = 3;
metrics = "127.0.0.1:$PORT";
rules = (
  { name = "cam1";
    in  = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; },
            { dev = "r-out"; group = "239.2.2.3"; port = 6001; egress = "socket"; } ); },
  { name = "wide";
    in  = { dev = "r-in"; group = "239.1.1.3"; port = 5003; };
    out = ( { dev = "r-out"; group = "239.2.2.4"; port = 6004; },
            { dev = "r-out"; group = "239.2.2.5"; port = 6005; },
            { dev = "r-out"; group = "239.2.2.6"; port = 6006; } ); },
  { name = "waits";
    in  = { dev = "nothere"; group = "239.1.1.9"; port = 5009; };
    out = ( { dev = "r-out"; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts with metrics on 127.0.0.1:$PORT"
wait_for 5 eval 'scrape >/dev/null'; ok $? "/metrics answers"

# --- who serves it ---------------------------------------------------------
MP=$(pgrep -P "$MCRD_PID_relay" -x mcrd-metrics)
[ -n "$MP" ]; ok $? "the metrics process is a child of mcrd named mcrd-metrics"
st=/proc/$MP/status
uid=$(id -u mcrd 2>/dev/null || id -u nobody)
is "$(awk '/^Uid:/ {print $2 $3 $4 $5}' "$st")" "$uid$uid$uid$uid" "it runs as the workers' user"
is "$(awk '/^Cap(Eff|Prm|Bnd|Amb):/ {printf "%s", $2}' "$st")" \
	"0000000000000000000000000000000000000000000000000000000000000000" "with no capability at all"
is "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" 1 "and no_new_privs"
# Of the shared memory it maps only the counters (rules, outputs, input
# links, redundancy, IGMP/MLD links), read-only, and the catalog; none of
# the parent's io_uring rings (whose SQ it could fill).
maps=/proc/$MP/maps
is "$(awk '$2 ~ /w.s$/ && $6 ~ /^\/dev\/zero/' "$maps" | wc -l):$(awk '$2 == "r--s" && $6 ~ /^\/dev\/zero/' "$maps" | wc -l)" \
	"0:5" "it maps the counters read-only and no trace buffer"
is "$(grep -c io_uring "$maps")" 0 "and none of the parent's io_uring rings"
# A connection held open shows who accepted it.
nsx relay $PY -c "
import socket, time
s = socket.create_connection(('127.0.0.1', $PORT)); s.sendall(b'GET /metr'); time.sleep(2)" &
HOLD=$!
sleep 1
owners=$(nsx relay ss -Htnp state established "( sport = :$PORT )" | grep -o 'pid=[0-9]*' | sort -u)
is "$owners" "pid=$MP" "the connection is the metrics process's, not the parent's"
wait "$HOLD"

# --- counters against real receivers -----------------------------------------
sink_start dst s -i 2 d0:239.2.2.2:6000 d0:239.2.2.3:6001; ok $? "sink joined both outputs"
gen src -d s0 -g 239.1.1.1 -p 5001 -n 3000 -r 5000 -s 500 --stream-id 1
sink_wait s
got0=$(sink_get s "[x['unique'] for x in j['streams'] if x['group'] == '239.2.2.2'][0]")
got1=$(sink_get s "[x['unique'] for x in j['streams'] if x['group'] == '239.2.2.3'][0]")
is "$got0:$got1" "3000:3000" "the receiver got 3000 on each output"
prom_parse relay; ok $? "prometheus_client parses the exposition"
is "$(M 'mcrd_rule_packets_total{rule=cam1}')" 3000 "mcrd_rule_packets_total matches the receiver"
is "$(M 'mcrd_rule_bytes_total{rule=cam1}')" 1500000 "mcrd_rule_bytes_total: 3000 x 500 bytes"
is "$(M 'mcrd_output_packets_total{dev=r-out,group=239.2.2.2,port=6000,rule=cam1}')" "$got0" \
	"mcrd_output_packets_total, layer-2 output, matches the receiver"
is "$(M 'mcrd_output_packets_total{dev=r-out,group=239.2.2.3,port=6001,rule=cam1}')" "$got1" \
	"mcrd_output_packets_total, socket output, matches the receiver"
is "$(M 'mcrd_output_layer2{dev=r-out,group=239.2.2.2,port=6000,rule=cam1}'):$(M 'mcrd_output_layer2{dev=r-out,group=239.2.2.3,port=6001,rule=cam1}')" \
	"1:0" "mcrd_output_layer2 names the path of each output"
frames=$(M 'mcrd_input_frames_total{dev=r-in}')
cmp_ok "$frames" -ge 3000 "mcrd_input_frames_total counts the input's frames ($frames)"
is "$(M 'mcrd_input_drops_total{dev=r-in,reason=no_rule}')" 0 "and its drops by reason"
is "$(M 'mcrd_rule_active{rule=cam1}'):$(M 'mcrd_rule_active{rule=waits}')" "1:0" \
	"mcrd_rule_active: the pending rule is 0"
W=$(python3 "$(dirname "$0")/hash.py" 239.1.1.1 5001 2)
is "$(M "mcrd_worker_packets_out_total{worker=$W}")" 6000 "the owning worker's packets out"
is "$(M 'mcrd_build_info{version=0.1.0}')" 1 "mcrd_build_info"
types=$($PY -c 'import json,sys; t=json.load(open(sys.argv[1]))["#types"]; print(t["mcrd_rule_packets"], t["mcrd_rule_active"], len(t))' "$TMP/m.json")
is "$types" "counter gauge 45" "45 families, typed (counters as counters)"
# Redundancy (22-merge.t, 23-failover.t): declared, but none of these rules has several inputs.
is "$(grep -Ec '^# TYPE mcrd_rule_(input_[a-z_]+|resyncs_total) ' "$TMP/m.txt"):$(grep -Ec '^mcrd_rule_(input_[a-z_]+|resyncs_total)[{ ]' "$TMP/m.txt")" \
	"8:0" "the 8 families of rules with several inputs are declared, no series for rules with one"
# Every metric the shipped dashboard and alert examples use exists: a
# family mcrd declares (the membership ones have series only on links of
# outputs with listeners, which this relay has none of).
D="$(dirname "$0")/../../doc"
missing=$(grep -oh 'mcrd_[a-z_]*' "$D/grafana-dashboard.json" "$D/prometheus-scrape.yml" | sort -u |
	while read -r m; do grep -q "^# TYPE $m " "$TMP/m.txt" || echo "$m"; done)
is "$missing" "" "every metric doc/grafana-dashboard.json and doc/prometheus-scrape.yml use is served"
ctl relay -j -s rule show name cam1 >"$TMP/r.json"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["packets"])' "$TMP/r.json")" \
	"$(M 'mcrd_rule_packets_total{rule=cam1}')" "the same count as mcrctl -s"

# --- a rule spread over both workers (spread_outputs = 3) ---------------------
# Outputs 1 and 3 are its own worker's to send, output 2 the other's: each
# worker's packets out are what it sent, as mcrctl -s worker show counts.
WW=$(python3 "$(dirname "$0")/hash.py" 239.1.1.3 5003 2); WO=$((1 - WW))
b_own=$(M "mcrd_worker_packets_out_total{worker=$WW}"); b_other=$(M "mcrd_worker_packets_out_total{worker=$WO}")
sink_start dst w -i 2 d0:239.2.2.4:6004 d0:239.2.2.5:6005 d0:239.2.2.6:6006; ok $? "sink joined the spread rule's outputs"
gen src -d s0 -g 239.1.1.3 -p 5003 -n 1000 -r 5000 -s 100
sink_wait w
is "$(sink_get w "j['total']['unique']")" 3000 "the receiver got 1000 on each of its 3 outputs"
prom_parse relay
is "$(( $(M "mcrd_worker_packets_out_total{worker=$WW}") - b_own )):$(( $(M "mcrd_worker_packets_out_total{worker=$WO}") - b_other ))" \
	"2000:1000" "a spread rule's outputs count on the worker that sends them"
W1=$(python3 "$(dirname "$0")/hash.py" 239.1.1.1 5001 2)
is "$(M 'mcrd_worker_rules{worker=0}'):$(M 'mcrd_worker_rules{worker=1}')" \
	"$(( (W1 == 0) + 1 )):$(( (W1 == 1) + 1 ))" "and the rule counts on both workers"

# --- changes show up -------------------------------------------------------
ctl relay rule add name rt in dev r-in group 239.1.1.4 port 5004 out dev r-out
wait_for 4 eval 'prom_parse relay && [ "$(M "mcrd_rule_active{rule=rt}")" = 1 ]'
ok $? "a runtime rule appears within the tick"
is "$(M 'mcrd_rule_info{dev=r-in,group=239.1.1.4,origin=runtime,port=5004,rule=rt,source=,worker='"$(python3 "$(dirname "$0")/hash.py" 239.1.1.4 5004 2)"'}')" \
	1 "mcrd_rule_info labels: input, origin, worker"
ctl relay rule del name rt
wait_for 4 eval 'prom_parse relay && [ "$(M "mcrd_rule_active{rule=rt}")" = absent ]'
ok $? "and goes when deleted"
cp "$C" "$TMP/good.conf"
echo 'rules = ( { name = "x"; } );' >>"$C"
kill -HUP "$MCRD_PID_relay"
wait_for 4 eval 'prom_parse relay && [ "$(M "mcrd_reloads_total{result=refused}")" = 1 ]'
ok $? "a refused reload counts as refused"
is "$(M 'mcrd_last_reload_successful{}')" 0 "mcrd_last_reload_successful is 0"
before=$(M 'mcrd_last_reload_success_timestamp_seconds{}')
cp "$TMP/good.conf" "$C"
sleep 1
ctl relay reload >/dev/null
wait_for 4 eval 'prom_parse relay && [ "$(M "mcrd_reloads_total{result=applied}")" = 1 ]'
ok $? "an applied reload counts as applied"
is "$(M 'mcrd_last_reload_successful{}')" 1 "mcrd_last_reload_successful is 1 again"
cmp_ok "$(M 'mcrd_last_reload_success_timestamp_seconds{}')" -gt "$before" "and its time moved on"

# --- restarts --------------------------------------------------------------
kill -9 "$(pgrep -P "$MCRD_PID_relay" -x mcrd-worker | head -1)"
wait_for 5 eval 'prom_parse relay && [ "$(( $(M "mcrd_worker_restarts_total{worker=0}") + $(M "mcrd_worker_restarts_total{worker=1}") ))" = 1 ]'
ok $? "a killed worker shows in mcrd_worker_restarts_total"
rings=$(for w in $(pgrep -P "$MCRD_PID_relay" -x mcrd-worker); do
	grep io_uring "/proc/$w/maps" | awk '{print $5}' | sort -u | wc -l; done | sort -u)
is "$rings" 1 "every worker, the restarted one too, maps its own io_uring only, not the parent's"
kill -9 "$MP"
wait_for 2 log_more "$TMP/mcrd-relay.log" "metrics process (pid $MP) was killed by signal 9" 0
ok $? "the parent logs the metrics process's death"
wait_for 6 eval 'prom_parse relay'; ok $? "it is restarted and serves again"
MP2=$(pgrep -P "$MCRD_PID_relay" -x mcrd-metrics)
[ -n "$MP2" ] && [ "$MP2" != "$MP" ]; ok $? "as a new process"
is "$(M 'mcrd_rule_packets_total{rule=cam1}')" 3000 "the counters live on in shared memory"

# --- slow and malformed clients (httpprobe.py) --------------------------------
nsx relay $PY "$(dirname "$0")/httpprobe.py" 127.0.0.1 "$PORT" trickle >"$TMP/trickle.out" 2>&1 &
TR=$!
nsx relay $PY "$(dirname "$0")/httpprobe.py" 127.0.0.1 "$PORT" requests perip >"$TMP/probe.out" 2>&1
while read -r verdict desc; do
	[ "$verdict" = PASS ]; ok $? "http: $desc"
done <"$TMP/probe.out"
wait "$TR"
while read -r verdict desc; do
	[ "$verdict" = PASS ]; ok $? "http: $desc"
done <"$TMP/trickle.out"
scrape >/dev/null; ok $? "/metrics still answers after all of them"
kill -0 "$MP2"; ok $? "and the same metrics process serves it"

# --- IPv6, and an address in use --------------------------------------------
C6=$(conf v6 <<CONF
metrics = "[::1]:$PORT";
rules = ( );
CONF
)
mcrd_start relay v6 "$C6"; ok $? "a second mcrd with metrics on [::1]:$PORT"
nsx relay curl -sfg --max-time 5 "http://[::1]:$PORT/metrics" | grep -q '^mcrd_build_info{version="0.1.0"} 1$'
ok $? "/metrics over IPv6"
C2=$(conf busy <<CONF
metrics = "127.0.0.1:$PORT";
rules = ( );
CONF
)
nsx relay timeout 10 "$BIN/mcrd" -f -c "$C2" -S "$TMP/busy.sock" >"$TMP/busy.log" 2>&1; rc=$?
is "$rc:$(grep -c "metrics: cannot listen on 127.0.0.1:$PORT: Address already in use" "$TMP/busy.log")" \
	"1:1" "an address in use stops the start, with the reason"
mcrd_stop relay; is "$MCRD_RC" 0 "mcrd stops"
pgrep -x mcrd-metrics -P "$MCRD_PID_relay" >/dev/null; is "$?" 1 "and its metrics process with it"
done_testing
