#!/bin/bash
# Demand-driven relaying (issue 18, IGMP): an output with listeners = true
# is sent only while a host behind its link is a member of the group, as
# mcrd learns it as the link's IGMP querier (or by listening when another
# querier with a lower address is elected); an input with join = "demand"
# is joined only while an output wants the stream.  Hosts join and leave
# with ordinary sockets, in IGMPv2, v3 and v1; mcrctl monitor shows the
# group's first member and its last leaving; forged reports are counted and
# ignored while another rule keeps relaying every packet; /metrics shows the
# IGMP counters (reports, rejects by reason, querier changes).
. "$(dirname "$0")/lib.sh"
plan 54

HOST="python3 $(dirname "$0")/igmphost.py"
FC="$(dirname "$0")/framecount.py"

ns_new src; ns_new relay; ns_new dst
veth src s0 relay r-in 198.18.1.1/24 198.18.1.2/24
# The relay's r-out is .5: a host querier at .2 is lower, one at .9 higher.
veth relay r-out dst d0 198.18.2.5/24 198.18.2.9/24
ip -n "$NS_dst" addr add 198.18.2.2/24 dev d0
ip -n "$NS_dst" route add 224.0.0.0/4 dev d0

# Short timers: query interval 2 s, response 1 s, last member query 200 ms x 2.
PORT=$((20000 + RANDOM % 20000))
C=$(conf relay <<CONF
metrics = "127.0.0.1:$PORT";
igmp = { query_interval_ms = 2000; query_response_ms = 1000; robustness = 2;
         last_member_interval_ms = 200; };
rules = (
  { name = "demand"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; join = "demand"; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; listeners = true; } ); },
  { name = "always"; in = { dev = "r-in"; group = "239.1.1.2"; port = 5002; };
    out = ( { dev = "r-out"; group = "239.2.2.3"; port = 6002; } ); },
  # One output gated, one always on: the input is wanted, hence joined, and
  # only the gated output waits for members.
  { name = "mixed"; in = { dev = "r-in"; group = "239.1.1.3"; port = 5003; join = "demand"; };
    out = ( { dev = "r-out"; group = "239.2.2.4"; port = 6004; listeners = true; },
            { dev = "r-out"; group = "239.2.2.5"; port = 6005; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"

# The same settings at run time, printed back.
ctl relay rule add name rt in dev r-in group 239.1.1.9 port 5009 join demand \
	out dev r-out group 239.2.2.9 port 6009 listeners
ok $? "rule add ... join demand ... listeners"
RT=$(ctl relay rule show name rt)
[[ "$RT" == "rt in r-in 239.1.1.9:5009 join demand -> r-out 239.2.2.9:6009 listeners state pending (no output wants the stream (join demand)) origin runtime"* ]]
ok $? "rule show prints both and why the rule waits"
[ -n "${RT:-}" ] && diag "$RT"

joined_in() { nsx relay cat /proc/net/igmp | grep -q 010101EF; }
members() { ctl relay -j group show | python3 -c "
import json,sys
for l in json.load(sys.stdin):
    if l['dev'] == 'r-out':
        print(sum(1 for g in l['groups'] if g['group'] == '239.2.2.2'))" 2>/dev/null; }
has_member() { [ "$(members)" = 1 ]; }
# metric NAME LABELS: the value of NAME{LABELS} in a scrape of /metrics ("absent": no such series).
metric() { nsx relay curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics" |
	awk -v k="$1{$2}" '$1 == k { v = $2 } END { print v == "" ? "absent" : v }'; }
IG='dev="r-out",protocol="igmp"'
no_member() { [ "$(members)" = 0 ]; }
# frames_on SECONDS [PORT]: UDP frames to PORT (6000) on the host's d0 over that long.
frames_on() {
	local r="$TMP/fc.$RANDOM" pid
	ip netns exec "$NS_dst" python3 "$FC" d0 "${2:-6000}" 1500 "$r" >"$r.out" &
	pid=$!
	wait_for 5 test -e "$r"
	sleep "$1"
	kill -TERM "$pid"; wait "$pid"
	sed -n 's/^frames \([0-9]*\).*/\1/p' "$r.out"
}
# member NAME [GROUP PORT]: a host process joined to GROUP:PORT (239.2.2.2:6000) on d0.
member() {
	ip netns exec "$NS_dst" $HOST member d0 "${2:-239.2.2.2}" "${3:-6000}" "$TMP/$1.ready" \
		>"$TMP/$1.out" &
	eval "MEMBER_$1=$!"
	wait_for 5 test -e "$TMP/$1.ready"
}
# leave NAME: the member leaves; prints how many datagrams it received.  Run
# inside $(...) too, where "wait PID" returns at once (the member is not the
# subshell's child): the count is awaited in its file.
leave() {
	local pid; eval "pid=\$MEMBER_$1"
	kill -TERM "$pid"
	wait_for 5 grep -q '^received ' "$TMP/$1.out"
	sed -n 's/^received //p' "$TMP/$1.out"
}

# Traffic for the whole test on both rules.
gen src -d s0 -g 239.1.1.1 -p 5001 -n 0 -r 200 -D 100 -q &
GEN1=$!
gen src -d s0 -g 239.1.1.3 -p 5003 -n 0 -r 200 -D 100 -q &
GEN3=$!
_PIDS+=("$GEN1" "$GEN3")

# ---- no member: nothing on the link, and the input not joined ----
wait_for 5 no_member; ok $? "group show: r-out listened on, no member of 239.2.2.2"
is "$(frames_on 1)" 0 "no member: no frame on the output link"
joined_in; ok $((! $?)) "join demand: 239.1.1.1 not joined on r-in while nobody wants it"
# A rule with an always-on output: its input is wanted, and only the gated output waits.
cmp_ok "$(frames_on 1 6005)" -ge 150 "always-on output of the mixed rule sends"
is "$(frames_on 1 6004)" 0 "its listeners output sends nothing without a member"
member m 239.2.2.4 6004
sleep 1
cmp_ok "$(frames_on 1 6004)" -ge 150 "with a member of 239.2.2.4 it sends"
leave m >/dev/null

# ---- IGMPv2 host ----
nsx dst sysctl -qw net.ipv4.conf.d0.force_igmp_version=2
# mcrctl monitor (JSON and text) sees the group's first member and its last leaving.
ctl relay -j monitor >"$TMP/mon.json" 2>"$TMP/mon.err" &
MON=$!
ctl relay monitor >"$TMP/mon.txt" 2>>"$TMP/mon.err" &
MONT=$!
_PIDS+=("$MON" "$MONT")
sleep 0.5
R0=$(metric mcrd_membership_reports_total "$IG")
member v2; ok $? "a v2 host joins 239.2.2.2 (ordinary socket)"
wait_for 5 has_member; ok $? "the relay learns the member"
R1=$(metric mcrd_membership_reports_total "$IG")
cmp_ok "$R1" -gt "$R0" "/metrics: mcrd_membership_reports_total{$IG} grew with the join ($R0 -> $R1)"
cmp_ok "$(metric mcrd_membership_group_joins_total "$IG")" -ge 1 \
	"/metrics: mcrd_membership_group_joins_total counts the group's first member"
wait_for 5 joined_in; ok $? "join demand: 239.1.1.1 joined on r-in now that an output wants it"
sleep 1
cmp_ok "$(frames_on 1)" -ge 150 "v2 member: about 200 frames a second on the output link"
N=$(leave v2)
cmp_ok "$N" -ge 150 "the v2 member received the stream ($N datagrams)"
# Leave latency: last member query time 400 ms (plus the plan's pass and the capture).
sleep 1
is "$(frames_on 1)" 0 "v2 leave: no frame on the output link 1 s later"
no_member; ok $? "group show: no member left"
not_joined_in() { ! joined_in; }
wait_for 3 not_joined_in
ok $? "join demand: 239.1.1.1 left on r-in"
kill "$MON" "$MONT"; wait "$MON" "$MONT" 2>/dev/null
events() { python3 -c "
import json,sys
ev=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(' '.join(e['event'] for e in ev if e.get('dev')=='r-out' and e.get('protocol')=='igmp'
               and e.get('group')=='239.2.2.2'))" "$TMP/mon.json"; }
is "$(events)" "member-join member-leave" "mcrctl monitor -j: member-join, then member-leave (r-out igmp 239.2.2.2)"
[ "$(events)" = "member-join member-leave" ] || sed 's/^/#   /' "$TMP/mon.json" "$TMP/mon.err"
is "$(grep -o '\[member-[a-z]*\] r-out igmp 239.2.2.2$' "$TMP/mon.txt" | tr '\n' ' ')" \
	"[member-join] r-out igmp 239.2.2.2 [member-leave] r-out igmp 239.2.2.2 " \
	"mcrctl monitor (text): the same two events"

# ---- IGMPv3 host ----
nsx dst sysctl -qw net.ipv4.conf.d0.force_igmp_version=3
member v3; ok $? "a v3 host joins"
wait_for 5 has_member; ok $? "the relay learns the v3 member"
sleep 1
cmp_ok "$(frames_on 1)" -ge 150 "v3 member: frames on the output link"
is "$(ctl relay -j group show | python3 -c "
import json,sys
print([g['version'] for l in json.load(sys.stdin) for g in l['groups'] if g['group']=='239.2.2.2'][0])")" 3 \
	"the group is in IGMPv3 mode"
leave v3 >/dev/null
sleep 1
is "$(frames_on 1)" 0 "v3 leave (TO_IN {}): no frame 1 s later"

# ---- IGMPv1 host: no leave message; the group times out ----
nsx dst sysctl -qw net.ipv4.conf.d0.force_igmp_version=1
member v1; ok $? "a v1 host joins"
wait_for 5 has_member; ok $? "the relay learns the v1 member"
is "$(ctl relay -j group show | python3 -c "
import json,sys
print([g['version'] for l in json.load(sys.stdin) for g in l['groups'] if g['group']=='239.2.2.2'][0])")" 1 \
	"the group is in IGMPv1 mode"
sleep 1
cmp_ok "$(frames_on 1)" -ge 150 "v1 member: frames on the output link"
leave v1 >/dev/null
# IGMPv1 has no leave: the group lasts its membership interval from the
# last report (robustness 2 x query interval 2 s + response 1 s = 5 s).
wait_for 8 no_member; ok $? "v1 member gone: the group expires within the membership interval"
is "$(frames_on 1)" 0 "and no frame on the output link after it"
nsx dst sysctl -qw net.ipv4.conf.d0.force_igmp_version=0

# ---- querier election ----
querier() { ctl relay -j group show | python3 -c "
import json,sys
l=[l for l in json.load(sys.stdin) if l['dev']=='r-out'][0]
print(l['querier'], l['querier_self'])"; }
is "$(querier)" "198.18.2.5 1" "no other querier: the relay is querier"
cmp_ok "$(nsx dst $HOST queries d0 198.18.2.5 2.5)" -ge 1 "and sends general queries"
# A higher address querying: the relay stays querier.
nsx dst $HOST query d0 198.18.2.9 2 0.5
is "$(querier)" "198.18.2.5 1" "a querier with a higher address does not win"
# A lower address querying every second: the relay falls silent and listens.
ip netns exec "$NS_dst" $HOST query d0 198.18.2.2 9 1 &
Q=$!
sleep 1.5
is "$(querier)" "198.18.2.2 0" "a querier with a lower address wins the election"
is "$(nsx dst $HOST queries d0 198.18.2.5 3)" 0 "the relay sends no query while the other is querier"
member v2b
wait_for 5 has_member; ok $? "members still learned while listening only"
leave v2b >/dev/null
wait "$Q"
# Other querier present interval: 2 x 2 s + 0.5 s.
self_querier() { [ "$(querier)" = "198.18.2.5 1" ]; }
wait_for 8 self_querier; ok $? "the other querier gone: the relay is querier again"
is "$(metric mcrd_membership_querier_changes_total "$IG") $(metric mcrd_membership_querier "$IG")" \
	"2 1" "/metrics: two querier changes (lost, then taken back), and the relay is querier"

# ---- a v3 querier with a longer query interval than the relay's ----
# It queries every 7 s and says so (QQI 7, QRV 2): the relay, not querier,
# adopts them (RFC 3376 4.1.6, 4.1.7).  With its own values (membership
# interval 2 x 2 s + 1 s, other querier present 2 x 2 s + 0.5 s) the member
# would expire between two queries and the relay would start querying.
# glink FIELD...: those fields of r-out's IGMP link in group show -j.
glink() { ctl relay -j group show | python3 -c "
import json,sys
l=[l for l in json.load(sys.stdin) if l['dev']=='r-out'][0]
print(*[l[k] for k in sys.argv[1:]])" "$@"; }
is "$(glink robustness query_interval_ms)" "2 2000" "group show: the relay's own robustness and query interval in use"
member v2c
wait_for 5 has_member
ip netns exec "$NS_dst" $HOST query d0 198.18.2.2 2 7 7 &
Q=$!
sleep 0.5
OTHER=$(glink other_ms)
cmp_ok "$OTHER" -gt 10000 "other querier present follows its QQI and QRV (other_ms $OTHER: 2 x 7 s + 0.5 s)"
is "$(glink robustness query_interval_ms)" "2 7000" "group show: the querier's robustness and query interval in use"
ip netns exec "$NS_dst" $HOST queries d0 198.18.2.5 9 >"$TMP/q.out" &
QN=$!
LOST=0
for _ in $(seq 18); do has_member || LOST=$((LOST + 1)); sleep 0.5; done
is "$LOST" 0 "the member stays through its 7 s query interval (adopted membership interval)"
wait "$QN"
is "$(cat "$TMP/q.out")" 0 "the relay sends no query between its queries"
wait "$Q"
leave v2c >/dev/null
wait_for 17 self_querier; ok $? "the v3 querier gone: the relay is querier again"
is "$(glink robustness query_interval_ms)" "2 2000" "with its own robustness and query interval again"
# The leave, heard while another was querier, did nothing: the group lasts the
# adopted membership interval (2 x 7 s + 1 s) from the answer to its last query.
wait_for 5 no_member; ok $? "and the group expires"

# ---- a flood of forged reports while the other rule relays every packet ----
joins() { ctl relay -j group show | python3 -c "
import json,sys
print([l for l in json.load(sys.stdin) if l['dev']=='r-out'][0]['counters']['joins'])"; }
sink_start dst s -i 2 d0:239.2.2.3:6002
sink_member() { ctl relay -j group show | grep -q '"239.2.2.3"'; }
wait_for 5 sink_member
J0=$(joins)
ip netns exec "$NS_dst" $HOST flood d0 198.18.2.9 239.2.2.2 20000 &
F=$!
gen src -d s0 -g 239.1.1.2 -p 5002 -n 3000 -r 1000
wait "$F"
no_member; ok $? "right after the flood: no member of 239.2.2.2"
sink_wait s
is "$(sink_get s "j['streams'][0]['unique']")" 3000 "the other rule relayed all 3000 packets during the flood"
REJ=$(ctl relay -j group show | python3 -c "
import json,sys
r=[l for l in json.load(sys.stdin) if l['dev']=='r-out'][0]['rejects']
print(' '.join('%s=%d' % (k, r.get(k, 0)) for k in ('checksum','no_router_alert','length','ttl')))")
diag "rejects: $REJ"
ok "$(echo "$REJ" | grep -qE 'checksum=[1-9].*no_router_alert=[1-9].*length=[1-9].*ttl=[1-9]'; echo $?)" \
	"forged reports counted per reason (checksum, router alert, length, TTL)"
is "$(joins)" "$J0" "and none of them made a member (joins counter unchanged)"
# The same counts in /metrics as in group show.
MREJ=$(for k in checksum no_router_alert length ttl; do
	printf '%s=%s ' "$k" "$(metric mcrd_membership_rejected_total "$IG,reason=\"$k\"")"; done)
is "${MREJ% }" "$REJ" "/metrics: mcrd_membership_rejected_total by reason as group show counts them"

kill "$GEN1" "$GEN3" 2>/dev/null
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
