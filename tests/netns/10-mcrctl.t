#!/bin/bash
# mcrctl against a running mcrd: every command and option, JSON read with a
# real parser, live counters that match what the receiver got, runtime rules
# added and removed under traffic without disturbing others, every kind of
# bad argument, batch files, monitor, reload, and garbage on the socket.
TEST_LIMIT=240
. "$(dirname "$0")/lib.sh"
plan 100

line_topology
C=$(conf relay <<'CONF'
rules = (
  { name = "cam1";
    in  = { dev = "r-in"; group = "239.1.1.1"; port = 5001; source = "198.18.1.1"; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; ttl = 4; }, { dev = "r-out"; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
is "$(stat -c %a "$TMP/relay.sock")" 660 "the control socket is created mode 0660"
J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

# --- help ----------------------------------------------------------------------
out=$(ctl relay help); rc=$?
[ "$rc" -eq 0 ] && [[ "$out" == *"OBJECT  := { rule | link | group | worker | monitor | reload }"* ]] &&
	[[ "$out" == *"mcrctl rule add"* ]] && [[ "$out" == *"mcrctl monitor"* ]] &&
	[[ "$out" == *"mcrctl group show [ dev IFNAME ]"* ]]
ok $? "help: exit 0, usage of every object on stdout"
out=$(ctl relay rule help); rc=$?
[ "$rc" -eq 0 ] && [[ "$out" == *"mcrctl rule del { name NAME | in INPUT }"* ]] &&
	[[ "$out" == *"mcrctl rule flush"* ]] && [[ "$out" != *"mcrctl monitor"* ]]
ok $? "rule help: exit 0, the rule commands only"

# --- show: text and JSON -----------------------------------------------------
W=$(python3 "$(dirname "$0")/hash.py" 239.1.1.1 5001 "$(nproc)")  # the worker the hash predicts
is "$(ctl relay rule show)" \
   "cam1 in r-in 239.1.1.1:5001 source 198.18.1.1 -> r-out 239.2.2.2:6000 ttl 4 via packet, r-out 239.1.1.1:5001 via packet state active worker $W" \
   "rule show: one stable line per rule, naming the rule's worker"
is "$(ctl relay show)" "$(ctl relay rule show)" "show is short for rule show"
is "$(ctl relay ru sh)" "$(ctl relay rule show)" "objects and commands by unique prefix"
out=$(ctl relay -j rule show)
is "$(echo "$out" | J "sorted(j[0].keys())")" "['in', 'name', 'note', 'origin', 'out', 'reason', 'state', 'worker']" \
   "JSON rule object keys"
is "$(echo "$out" | J "(j[0]['in'], j[0]['out'][0], j[0]['state'], j[0]['reason'], j[0]['origin'])")" \
   "({'dev': 'r-in', 'group': '239.1.1.1', 'port': 5001, 'source': '198.18.1.1'}, {'dev': 'r-out', 'group': '239.2.2.2', 'port': 6000, 'ttl': 4, 'fixed_ttl': None, 'egress': 'auto', 'source': None, 'path': 'packet', 'state': 'active', 'reason': None}, 'active', None, 'config')" \
   "JSON values"
ctl relay -j -p rule show | python3 -m json.tool >/dev/null; ok $? "-j -p is valid JSON"
ctl relay -j -p rule show | grep -q '^  '; ok $? "-j -p indents"
is "$(ctl relay -j rule show | wc -l)" 1 "-j alone is one line"

# --- live counters -----------------------------------------------------------
sink_start dst s1 -i 2 d0:239.2.2.2:6000 d0:239.1.1.1:5001
# 6 s of traffic, so that "mid-run" below is mid-run even on a loaded machine.
gen src -d s0 -g 239.1.1.1 -p 5001 -n 60000 -r 10000 -s 1000 --stream-id 1 &
G=$!
sleep 1.6
# The rate over the last second, not a total (which is past 16000 by now):
# a wide band around the 10000 pps offered, since a loaded machine slows
# the sender; and the bit rate of that same second (the worker may count
# one packet between the tick's two reads).
st=$(ctl relay -j -s rule show)
pps=$(echo "$st" | J "j[0]['pps']")
bps=$(echo "$st" | J "j[0]['bps']")
[ "$pps" -ge 3000 ] && [ "$pps" -le 12000 ]
ok $? "-s: pps over the last second while traffic flows ($pps)"
d=$((bps - pps * 8000))
[ "${d#-}" -le 8000 ]
ok $? "-s: bit rate over the same second, 8 x 1000-byte payloads ($bps)"
mid=$(ctl relay -j -s rule show | J "j[0]['packets']")
wait $G; sink_wait s1
got=$(sink_get s1 "j['streams'][0]['unique']")
is "$got" 60000 "receiver got all 60000"
st=$(ctl relay -j -s rule show)
cmp_ok "$mid" -lt 60000 "counters grow while traffic flows (mid-run: $mid)"
is "$(echo "$st" | J "j[0]['packets']")" "$got" "rule packets match what mcrsink received"
is "$(echo "$st" | J "[o['packets'] for o in j[0]['out']]")" "[60000, 60000]" "per-output packets"
is "$(echo "$st" | J "j[0]['bytes']")" 60000000 "rule bytes"
is "$(echo "$st" | J "sorted(j[0]['drops'])")" \
   "['bad_ext_header', 'bad_ip_checksum', 'bad_ip_header', 'bad_ip_length', 'bad_udp_checksum', 'bad_udp_length', 'duplicate', 'fragment', 'jumbogram', 'late', 'loop', 'no_rule', 'no_tx_slot', 'not_ipv4', 'not_rtp', 'not_udp', 'socket_queue', 'truncated', 'ttl_expired', 'zero_udp_checksum']" \
   "-s: every drop reason present"
ctl relay -s rule show | grep -q "    -> r-out 239.2.2.2:6000 packets 60000 bytes 60000000 errors 0"
ok $? "-s text: per-output counters under the rule"

# --- runtime rules under traffic -----------------------------------------------
sink_start dst s2 -i 2 d0:239.2.2.2:6000 d0:239.3.3.3:7000
gen src -d s0 -g 239.1.1.1 -p 5001 -n 20000 -r 10000 --stream-id 2 &
G=$!
sleep 0.3
ctl relay rule add name rt1 in dev r-in group 239.1.1.5 port 5005 out dev r-out group 239.3.3.3 port 7000 ttl 2
is "$?" 0 "rule add under traffic"
gen src -d s0 -g 239.1.1.5 -p 5005 -n 1000 -r 5000 --stream-id 3
ctl relay rule show name rt1 | grep -q "origin runtime"; ok $? "the added rule is origin runtime"
ctl relay rule del name rt1; is "$?" 0 "rule del under traffic"
gen src -d s0 -g 239.1.1.5 -p 5005 -n 500 -r 5000 --stream-id 3
wait $G; sink_wait s2
is "$(sink_get s2 "j['streams'][0]['unique']")" 20000 "the config rule lost nothing while another was added and removed"
is "$(sink_get s2 "j['streams'][1]['received']")" 1000 "the runtime rule relayed while it existed, not after"

# --- filters, link, worker -----------------------------------------------------
ctl relay add name rt2 in dev r-in group 239.1.1.6 port 5006 out dev r-out
ctl relay add in dev r-in group 239.1.1.7 port 5007 out dev r-out
is "$(ctl relay rule show name rt2 | cut -d' ' -f1)" rt2 "show name NAME"
is "$(ctl relay rule show group 239.1.1.7 | cut -d' ' -f1)" "r-in:239.1.1.7:5007" "show group G; default name dev:group:port"
is "$(ctl relay rule show dev r-out | wc -l)" 3 "show dev IF matches outputs too"
is "$(ctl relay -j link show | J "[(l['name'], l['state'], l['rules']) for l in j]")" \
   "[('r-in', 'up', 3), ('r-out', 'up', 3)]" "link show: interfaces, state, rules using them"
is "$(ctl relay worker show | grep -cE '^worker [0-9]+ pid [0-9]+ cpu ([0-9]+|any) uid [0-9]+ rules [0-9]+ packets in [0-9]+ out [0-9]+ drops [0-9]+$')" \
   "$(nproc)" "worker show text: one line per worker with pid, cpu, uid, rules, packets"
ctl relay link show | grep -qE "^r-in ifindex [0-9]* state up addr 198.18.1.2 fe80:[0-9a-f:]+ rules 3$"
ok $? "link show text: IPv4, then IPv6 addresses"
is "$(ctl relay -j worker show | J "(len(j), sum(w['rules'] for w in j))")" "($(nproc), 3)" "worker show: one per CPU, owning the 3 rules between them"
ctl relay rule del in dev r-in group 239.1.1.7 port 5007; is "$?" 0 "rule del by input"

# --- bad arguments: exit 1 with the reason -------------------------------------
chk() { # chk EXPECTED_RC MESSAGE_PART DESC ARGS...
	local rc=$1 msg=$2 desc=$3 err; shift 3
	err=$(ctl relay "$@" 2>&1 >/dev/null); local got=$?
	if [ "$got" -eq "$rc" ] && [[ "$err" == *"$msg"* ]]; then ok 0 "$desc"; else
		ok 1 "$desc"; diag "rc $got, stderr: $err"; fi
}
chk 1 'Error: "300.1.1.1" is not a valid IP address' "bad address: exit 1" \
	rule add in dev r-in group 300.1.1.1 port 1 out dev r-out
chk 1 '"70000"' "port out of range: exit 1" rule add in dev r-in group 239.1.1.8 port 70000 out dev r-out
chk 1 '"300"' "ttl out of range: exit 1" rule add in dev r-in group 239.1.1.8 port 1 out dev r-out ttl 300
chk 1 'unknown keyword "frob"' "unknown keyword: exit 1" rule add in dev r-in group 239.1.1.8 port 1 frob out dev r-out
chk 1 'Error: "out" needs "dev"' "output without dev: exit 1" rule add in dev r-in group 239.1.1.8 port 1 out group 239.9.9.9
chk 1 'Error: unknown command "frob" for "rule"' "unknown command: exit 1" rule frob
chk 1 'Error: unknown option "-Q"' "unknown option: exit 1" -Q show
chk 1 'Error: missing argument after "dev"' "keyword without its value: exit 1" rule add in dev
chk 1 'Error: "r-in-with-a-long-name" is not a valid interface name (longer than 15 characters)' \
	"interface name too long: exit 1" rule add in dev r-in-with-a-long-name group 239.1.1.8 port 1 out dev r-out
chk 1 'Error: duplicate "port"' "duplicated keyword: exit 1" rule add in dev r-in group 239.1.1.8 port 1 port 2 out dev r-out
chk 1 "Error: cannot open $TMP/no-such-batch: No such file or directory" "-b with a missing file: exit 1" \
	-b "$TMP/no-such-batch"
chk 1 'frobnicate' "unknown object: exit 1" frobnicate show
chk 1 'Error: output 2 duplicates output 1 (dev r-out group 239.1.1.8 port 1)' \
	"the same output twice, only the TTL differing: exit 1" \
	rule add in dev r-in group 239.1.1.8 port 1 out dev r-out ttl 2 out dev r-out ttl 3
err=$(ctl relay rule add in dev r-in group 239.1.1.8 port 0 out dev r-out ttl 0 2>&1); rc=$?
[ "$rc" -eq 1 ] && [[ "$err" == *'Error: "0" is not a valid port'* ]] &&
	[[ "$err" == *'Error: argument "0" is wrong: ttl must be 1..255'* ]]
ok $? "every bad value of a rule is reported, the input's and the outputs'"
err=$(ctl relay rule add name $'cam\e[2J' in dev r-in group 239.1.1.8 port 1 out dev r-out 2>&1); rc=$?
[ "$rc" -eq 1 ] && [[ "$err" == *'Error: "cam\x1b[2J" is not a valid rule name'* ]] && [[ "$err" != *$'\e'* ]]
ok $? "a control byte in an argument is escaped in the message, never printed raw"
long=$(head -c 100000 /dev/zero | tr '\0' n)
err=$(ctl relay rule add name "$long" in dev r-in group 239.1.1.8 port 1 out dev r-out 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "${#err}" -lt 200 ] && [[ "$err" == *'nnnn..." is not a valid rule name'* ]]
ok $? "a 100 kB argument is cut to 64 characters in the message"
# Endless input: refused at once, never read forever (bounded by timeout).
err=$(timeout 10 "$BIN/mcrctl" -b /dev/zero 2>&1); rc=$?
[ "$rc" -eq 1 ] && [[ "$err" == "/dev/zero:1: Error: line holds a NUL byte" ]]; ok $? "-b /dev/zero: exit 1 at once"
err=$(head -c 1100000 /dev/zero | tr '\0' a | timeout 10 "$BIN/mcrctl" -b - 2>&1); rc=$?
[ "$rc" -eq 1 ] && [[ "$err" == *"<stdin>:1: Error: line is longer than 1048576 bytes"* ]]; ok $? "-b with a 1.1 MB line: exit 1"
# --- refusals: exit 2 with the daemon's reason ---------------------------------
chk 2 'rule "rt2": duplicate name' "duplicate name: exit 2" rule add name rt2 in dev r-in group 239.1.1.9 port 1 out dev r-out
chk 2 'not a multicast address' "non-multicast input group refused: exit 2" rule add in dev r-in group 10.1.1.1 port 1 out dev r-out
chk 2 'rule "nope" not found' "del of an unknown rule: exit 2" rule del name nope
err=$(ctl relay rule add name rt2 in dev r-in group 10.1.1.1 port 1 out dev r-out group 127.0.0.1 2>&1); rc=$?
[ "$rc" -eq 2 ] && [[ "$err" == *'input group 10.1.1.1 is not a multicast address'* ]] &&
	[[ "$err" == *'output 1: 127.0.0.1 is not a usable destination'* ]] &&
	[[ "$err" == *'rule "rt2": duplicate name'* ]]
ok $? "mcrd refuses a rule with every one of its problems: exit 2"
[ "$rc" -eq 2 ] || diag "rc $rc: $err"
err=$("$BIN/mcrctl" -S "$TMP/none.sock" show 2>&1); rc=$?
is "$rc" 2 "unreachable daemon: exit 2"
[[ "$err" == *"cannot connect to $TMP/none.sock"* ]]; ok $? "and says which socket and why"

# --- batch ---------------------------------------------------------------------
cat >"$TMP/batch" <<'B'
# comment, then a blank line

rule add name b1 in dev r-in group 239.1.4.1 port 1 out dev r-out
rule add name b1 in dev r-in group 239.1.4.2 port 1 out dev r-out
rule add name b3 in dev r-in group 239.1.4.3 port 1 out dev r-out
B
err=$(ctl relay -b "$TMP/batch" 2>&1); rc=$?
is "$rc" 2 "-b stops at the first failure with its exit code"
[[ "$err" == *"$TMP/batch:4"* ]]; ok $? "and names FILE:LINE"
ctl relay rule show name b3 | grep -q b3; ok $((! $?)) "lines after the failure did not run"
ctl relay -b "$TMP/batch" -force >/dev/null 2>&1
ctl relay rule show name b3 | grep -q b3; ok $? "-force runs every line"
out=$(printf '# from stdin\nrule add name sb in dev r-in group 239.1.4.9 port 1 out dev r-out\nshow name sb\n' |
	ctl relay -b -); rc=$?
[ "$rc" -eq 0 ] && [[ "$out" == "sb in r-in 239.1.4.9:1 -> r-out"* ]]; ok $? "-b - reads commands from stdin"
ctl relay del name sb; is "$?" 0 "del is short for rule del"
ctl relay rule show name sb | grep -q sb; ok $((! $?)) "and the rule is gone"

# --- monitor -------------------------------------------------------------------
# r-in without IPv6 here: its link-local address, dropped on down and added on
# up, would be announced as further [link] changes as the kernel's timing
# falls (09-links.t covers IPv6 addresses).
nsx relay sysctl -qw net.ipv6.conf.r-in.disable_ipv6=1; sleep 0.3
ctl relay monitor >"$TMP/monitor.out" 2>&1 &
MON=$!
sleep 0.3
ctl relay rule add name m1 in dev r-in group 239.1.5.1 port 1 out dev r-out
ctl relay rule del name m1
ip -n "$NS_relay" link set r-in down; sleep 0.3
ip -n "$NS_relay" link set r-in up; sleep 0.5
ctl relay reload >/dev/null; sleep 0.3
kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null
grep '^\[link\]' "$TMP/monitor.out" | sed 's/^/# /'
grep -q '^\[rule-added\] m1 in r-in 239.1.5.1:1' "$TMP/monitor.out"; ok $? "monitor: rule added"
is "$(grep -c ' m1 ' "$TMP/monitor.out")" 2 "monitor: a new rule is announced once, as added"
grep -q '^\[rule-removed\] m1 ' "$TMP/monitor.out"; ok $? "monitor: rule removed"
grep -q '^\[rule-pending\] cam1 .*state pending (input interface down)' "$TMP/monitor.out"
ok $? "monitor: link down makes the rule pending"
grep -q '^\[rule-active\] cam1 ' "$TMP/monitor.out"; ok $? "monitor: link up makes it active again"
# One state may still be announced twice if the kernel reports one change in
# two messages that mcrd reads apart, but each line must be a change.
is "$(awk '/^\[link\]/ { print $2, $5, $6 }' "$TMP/monitor.out" | uniq | paste -sd,)" "r-in state down,r-in state up" \
   "monitor: [link] lines for r-in going down, then up, and nothing else"
is "$(grep '^\[link\]' "$TMP/monitor.out" | uniq -d | wc -l)" 0 "monitor: no [link] line repeats the one before (each is a change)"
grep -qE '^\[link\] r-in ifindex [1-9][0-9]* state down addr 198\.18\.1\.2( [0-9a-f:]+)* rules [0-9]+$' "$TMP/monitor.out"
ok $? "monitor: the link line is printed as link show prints it"
grep -q '^\[reload\] ok$' "$TMP/monitor.out"; ok $? "monitor: [reload] event for a reload"

# --- reload --------------------------------------------------------------------
ctl relay reload >/dev/null; is "$?" 0 "reload of a good file: exit 0"
is "$(ctl relay -j rule show name rt2 | J "[(r['name'], r['origin']) for r in j]")" "[('rt2', 'runtime')]" \
   "a runtime rule survives reload, still origin runtime"
cp "$C" "$TMP/good.conf"
printf 'rules = ( { name = "x"; in = { dev = "r-in"; group = "239.1.1.1"; port = 99999; }; out = ( { dev = "r-out"; } ); } );\n' >"$C"
err=$(ctl relay reload 2>&1); rc=$?
is "$rc" 2 "reload of a bad file: exit 2"
[[ "$err" == *"relay.conf:1: rule \"x\": in.port 99999 out of range"* ]]; ok $? "and prints FILE:LINE: reason"
ctl relay rule show name cam1 | grep -q "state active"; ok $? "the running rules stay"
cp "$TMP/good.conf" "$C"

# --- garbage on the socket -------------------------------------------------------
before=$(ctl relay -j rule show)
while read -r verdict desc; do
	case $verdict in
	PASS) ok 0 "$desc" ;;
	*) ok 1 "${desc%%: *}"; diag "${desc#*: }" ;;
	esac
done < <(python3 "$(dirname "$0")/ctlwire.py" "$TMP/relay.sock" "$BIN/mcrctl" 2>&1)
is "$(ctl relay -j rule show)" "$before" "the garbage changed no rule"
is "$(ctl relay rule show name cam1 | cut -d' ' -f1)" cam1 "after garbage and truncated messages the daemon keeps serving"
kill -0 "$MCRD_PID_relay"; ok $? "mcrd is still running"

ctl relay rule flush; is "$(ctl relay rule show | wc -l)" 0 "rule flush removes every rule"
done_testing
