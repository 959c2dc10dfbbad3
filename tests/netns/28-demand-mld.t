#!/bin/bash
# Demand-driven relaying over MLD (issue 18, IPv6 half): an IPv6 output
# with listeners = true is sent only while a host behind its link listens
# to the group, as mcrd learns it as the link's MLD querier (or by
# listening when another querier with a lower link-local address is
# elected); an IPv6 input with join = "demand" is joined only while an
# output wants the stream.  Hosts join and leave with ordinary sockets, in
# MLDv1 and MLDv2; forged MLD is counted and ignored while another rule
# keeps relaying every packet.
. "$(dirname "$0")/lib.sh"
plan 39

H="python3 $(dirname "$0")/mldhost.py"
U6="$(dirname "$0")/udp6.py"

ns_new src; ns_new relay; ns_new dst
# No duplicate address detection: link-local addresses are usable at once.
for n in src relay dst; do nsx "$n" sysctl -qw net.ipv6.conf.default.accept_dad=0; done
veth src s0 relay r-in
veth relay r-out dst d0
for x in "src s0 2001:db8:1::1" "relay r-in 2001:db8:1::2" "relay r-out 2001:db8:2::1" \
	 "dst d0 2001:db8:2::2"; do
	set -- $x
	ip -n "${PFX}-$1" addr add "$3/64" dev "$2" nodad
done
lladdr_ready() { ip -n "${PFX}-$1" -6 addr show dev "$2" scope link | grep -q inet6 &&
	! ip -n "${PFX}-$1" -6 addr show tentative | grep -q inet6; }
wait_for 10 lladdr_ready relay r-out
wait_for 10 lladdr_ready dst d0

# Short timers: query interval 2 s, response 1 s, last listener query 200 ms x 2.
PORT=$((20000 + RANDOM % 20000))
C=$(conf relay <<CONF
metrics = "127.0.0.1:$PORT";
igmp = { query_interval_ms = 2000; query_response_ms = 1000; robustness = 2;
         last_member_interval_ms = 200; };
rules = (
  { name = "demand6"; in = { dev = "r-in"; group = "ff3e::1:1"; port = 5001; join = "demand"; };
    out = ( { dev = "r-out"; group = "ff3e::2:2"; port = 6000; listeners = true; } ); },
  { name = "always6"; in = { dev = "r-in"; group = "ff3e::1:3"; port = 5003; };
    out = ( { dev = "r-out"; group = "ff3e::2:4"; port = 6004; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts with an IPv6 listeners output"

# The same at run time (refused before the MLD querier), printed back.
ctl relay rule add name rt in dev r-in group ff3e::1:9 port 5009 join demand \
	out dev r-out group ff3e::2:9 port 6009 listeners
ok $? "rule add ... IPv6 ... join demand ... listeners"
RT=$(ctl relay rule show name rt)
[[ "$RT" == "rt in r-in [ff3e::1:9]:5009 join demand -> r-out [ff3e::2:9]:6009 listeners state pending (no output wants the stream (join demand))"* ]]
ok $? "rule show prints both and why the rule waits"
[ -n "${RT:-}" ] && diag "$RT"

# link FIELD: the r-out MLD link's FIELD in group show -j.
link() { ctl relay -j group show | python3 -c "
import json,sys
l=[l for l in json.load(sys.stdin) if l['dev']=='r-out' and l.get('protocol')=='mld'][0]
print($1)" 2>/dev/null; }
members() { link "sum(1 for g in l['groups'] if g['group'] == '${1:-ff3e::2:2}')"; }
has_member() { [ "$(members)" = 1 ]; }
no_member() { [ "$(members)" = 0 ]; }
# /proc/net/igmp6: the relay's input joined to ff3e::1:1 on r-in.
joined_in() { nsx relay cat /proc/net/igmp6 | grep -q "r-in *ff3e0000000000000000000000010001"; }
not_joined_in() { ! joined_in; }
frames_on() { nsx dst $H frames d0 "${2:-6000}" "$1"; }
# member NAME [GROUP PORT]: a host process joined to GROUP:PORT (ff3e::2:2 6000) on d0.
member() {
	ip netns exec "$NS_dst" $H member d0 "${2:-ff3e::2:2}" "${3:-6000}" "$TMP/$1.ready" \
		>"$TMP/$1.out" &
	eval "MEMBER_$1=$!"
	wait_for 5 test -e "$TMP/$1.ready"
}
# leave NAME: the listener leaves; prints how many datagrams it received.  Run
# inside $(...) too, where "wait PID" returns at once (the listener is not the
# subshell's child): the count is awaited in its file.
leave() {
	local pid; eval "pid=\$MEMBER_$1"
	kill -TERM "$pid"
	wait_for 5 grep -q '^received ' "$TMP/$1.out"
	sed -n 's/^received //p' "$TMP/$1.out"
}

# Traffic for the whole test on the demand rule and the always-on one.
ip netns exec "$NS_src" $H send s0 ff3e::1:1 5001 200 &
S1=$!
ip netns exec "$NS_src" $H send s0 ff3e::1:3 5003 200 &
S3=$!
_PIDS+=("$S1" "$S3")

# ---- no listener: nothing on the link, the input not joined; mcrd is querier ----
wait_for 5 no_member; ok $? "group show: r-out listened on with MLD, no listener of ff3e::2:2"
SELF=$(link "l['self']")
[[ "$SELF" == fe80:* ]]; ok $? "mcrd's address there is link-local ($SELF)"
is "$(link "l['querier'], l['querier_self']")" "$SELF 1" "no other querier: the relay is querier"
cmp_ok "$(nsx dst $H queries d0 "$SELF" 2.5)" -ge 1 "and sends MLD queries (with Router Alert)"
is "$(frames_on 1)" 0 "no listener: no frame on the output link"
joined_in; ok $((! $?)) "join demand: ff3e::1:1 not in the relay's /proc/net/igmp6 on r-in"
cmp_ok "$(frames_on 1 6004)" -ge 150 "the always-on IPv6 output sends"

# ---- MLDv1 host ----
nsx dst sysctl -qw net.ipv6.conf.d0.force_mld_version=1
member v1; ok $? "an MLDv1 host joins ff3e::2:2 (ordinary socket)"
wait_for 5 has_member; ok $? "the relay learns the listener"
is "$(link "[g['version'] for g in l['groups'] if g['group']=='ff3e::2:2'][0]")" 1 \
	"the group is in MLDv1 mode"
wait_for 5 joined_in; ok $? "join demand: ff3e::1:1 joined on r-in now that an output wants it"
sleep 1
cmp_ok "$(frames_on 1)" -ge 150 "MLDv1 listener: about 200 frames a second on the output link"
N=$(leave v1)
cmp_ok "$N" -ge 150 "the MLDv1 listener received the stream ($N datagrams)"
# Leave latency: last listener query time 400 ms (plus the plan's pass).
sleep 1
is "$(frames_on 1)" 0 "MLDv1 done: no frame on the output link 1 s later"
no_member; ok $? "group show: no listener left"
wait_for 3 not_joined_in; ok $? "join demand: ff3e::1:1 left on r-in"

# ---- MLDv2 host ----
nsx dst sysctl -qw net.ipv6.conf.d0.force_mld_version=2
# mcrctl monitor sees the group's first listener and its last leaving.
ctl relay -j monitor >"$TMP/mon.json" 2>"$TMP/mon.err" &
MON=$!
_PIDS+=("$MON")
sleep 0.5
member v2; ok $? "an MLDv2 host joins"
wait_for 5 has_member; ok $? "the relay learns the MLDv2 listener"
is "$(link "[g['version'] for g in l['groups'] if g['group']=='ff3e::2:2'][0]")" 2 \
	"the group is in MLDv2 mode"
sleep 1
cmp_ok "$(frames_on 1)" -ge 150 "MLDv2 listener: frames on the output link"
leave v2 >/dev/null
sleep 1
is "$(frames_on 1)" 0 "MLDv2 leave (TO_IN {}): no frame 1 s later"
kill "$MON"; wait "$MON" 2>/dev/null
events() { python3 -c "
import json,sys
ev=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(' '.join(e['event'] for e in ev if e.get('dev')=='r-out' and e.get('protocol')=='mld'
               and e.get('group')=='ff3e::2:2'))" "$TMP/mon.json"; }
is "$(events)" "member-join member-leave" "mcrctl monitor: member-join, then member-leave (r-out mld ff3e::2:2)"
[ "$(events)" = "member-join member-leave" ] || sed 's/^/#   /' "$TMP/mon.json" "$TMP/mon.err"

# ---- querier election by link-local address ----
nsx dst $H query d0 fe80::ffff:ffff:ffff:ffff 2 0.5
is "$(link "l['querier'], l['querier_self']")" "$SELF 1" "a querier with a higher address does not win"
# It says QQI 3 s (QRV 2): the relay adopts them (RFC 3810 5.1.8, 5.1.9), so its
# other querier present interval is 2 x 3 s + 0.5 s, not its own 2 x 2 s + 0.5 s.
ip netns exec "$NS_dst" $H query d0 fe80::1 9 1 3 &
Q=$!
sleep 1.5
is "$(link "l['querier'], l['querier_self']")" "fe80::1 0" "a querier with a lower address wins"
OTHER=$(link "l['other_ms']")
cmp_ok "$OTHER" -gt 4500 "other querier present follows its QQI and QRV (other_ms $OTHER > 4500)"
is "$(link "l['robustness'], l['query_interval_ms']")" "2 3000" "group show: the querier's robustness and query interval in use"
is "$(nsx dst $H queries d0 "$SELF" 3)" 0 "the relay sends no query while the other is querier"
member v2b
wait_for 5 has_member; ok $? "listeners still learned while listening only"
leave v2b >/dev/null
wait "$Q"
# Other querier present interval, adopted: 2 x 3 s + 0.5 s.
self_querier() { [ "$(link "l['querier'], l['querier_self']")" = "$SELF 1" ]; }
wait_for 10 self_querier; ok $? "the other querier gone: the relay is querier again"
is "$(link "l['robustness'], l['query_interval_ms']")" "2 2000" "with its own robustness and query interval again"

# ---- forged MLD while the other rule relays every packet ----
kill "$S3"; wait "$S3" 2>/dev/null
nsx dst python3 "$U6" recv d0 6004 5 "$TMP/recv.ready" ff3e::2:4 >"$TMP/recv.json" &
RECV=$!
_PIDS+=("$RECV")
wait_for 10 test -e "$TMP/recv.ready"
# The host's reports after the relay took over again (and the receiver's) settle first.
sleep 2
J0=$(link "l['counters']['joins']")
ip netns exec "$NS_dst" $H flood d0 fe80::99 ff3e::2:7 5000 &
F=$!
nsx src python3 "$U6" send s0 ff3e::1:3 5003 1000
wait "$F"
wait "$RECV"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ff3e::2:4"]["unique"])' \
	"$TMP/recv.json")" 1000 "the other rule relayed all 1000 datagrams during the flood"
REJ=$(link "' '.join('%s=%d' % (k, l['rejects'].get(k, 0)) for k in
	('checksum', 'hop_limit', 'no_router_alert', 'length', 'source'))")
diag "rejects: $REJ"
echo "$REJ" | grep -qE 'checksum=[1-9].*hop_limit=[1-9].*no_router_alert=[1-9].*length=[1-9].*source=[1-9]'
ok $? "forged MLD counted per reason (checksum, hop limit, router alert, length, source)"
# The same counts in /metrics, labelled protocol="mld" with MLD's reason names.
MREJ=$(nsx relay curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics" | python3 -c "
import re,sys
v={}
for ln in sys.stdin:
    m=re.match(r'mcrd_membership_rejected_total\{dev=\"r-out\",protocol=\"mld\",reason=\"(\w+)\"\} (\d+)$', ln)
    if m: v[m.group(1)]=int(m.group(2))
print(' '.join('%s=%s' % (k, v.get(k, 'absent')) for k in
	('checksum', 'hop_limit', 'no_router_alert', 'length', 'source')))")
is "$MREJ" "$REJ" "/metrics: mcrd_membership_rejected_total{protocol=\"mld\"} by reason as group show counts them"
is "$(link "l['counters']['joins']")" "$J0" "and none of it made a listener (joins unchanged)"
is "$(members ff3e::2:7)" 0 "no listener of the flooded group"

kill "$S1" 2>/dev/null
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
