#!/bin/bash
# Two mcrd instances in one namespace, on the same input interface, with
# different rules: each relays its own stream and neither disturbs the other.
# One on a live control socket exits before it starts any rule.  Two with
# the same input both relay it, and the one that finds it claimed warns.
. "$(dirname "$0")/lib.sh"
plan 35

line_topology
A=$(conf a <<'CONF'
rules = ( { name = "a"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
            out = ( { dev = "r-out"; group = "239.5.5.1"; } ); } );
CONF
)
B=$(conf b <<'CONF'
rules = ( { name = "b"; in = { dev = "r-in"; group = "239.1.1.2"; port = 5001; };
            out = ( { dev = "r-out"; group = "239.5.5.2"; } ); } );
CONF
)
mcrd_start relay a "$A"; ok $? "instance a starts"
mcrd_start relay b "$B"; ok $? "instance b starts beside it, on its own control socket"
# A third instance on a's socket is refused, and a keeps running.
nsx relay timeout 10 "$BIN/mcrd" -f -c "$B" -S "$TMP/a.sock" >"$TMP/third.log" 2>&1
is "$?" 1 "a third instance on a live control socket exits 1"
grep -q "control socket $TMP/a.sock is in use by a running mcrd" "$TMP/third.log"
ok $? "and says the socket is in use"
kill -0 "$MCRD_PID_a" 2>/dev/null; ok $? "instance a is unaffected"
# It refuses before starting any rule.  Started on a's socket while a's input
# carries traffic, with a rule of its own on that input (first, ahead of 300
# more rules that make its start-up last), it relays not one packet, and a
# relays everything.
fill=""
for i in $(seq 1 300); do
	fill="$fill, { name = \"f$i\"; in = { dev = \"r-in\"; group = \"239.3.0.1\"; port = $((10000 + i)); };
	  out = ( { dev = \"r-out\"; } ); }"
done
D=$(conf dup <<CONF
rules = ( { name = "dup"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
            out = ( { dev = "r-out"; group = "239.5.5.9"; } ); } $fill );
CONF
)
sink_start dst refused -i 2 d0:239.5.5.1:5001 d0:239.5.5.9:5001
gen src -d s0 -g 239.1.1.1 -p 5001 -n 20000 -r 10000 &
GEN=$!
sleep 0.3
rcs=""
for i in 1 2 3; do
	nsx relay timeout 10 "$BIN/mcrd" -f -w 1 -c "$D" -S "$TMP/a.sock" >"$TMP/fourth.log" 2>&1
	rcs="$rcs$? "
done
wait $GEN
sink_wait refused
is "$rcs" "1 1 1 " "an instance with a rule, on a live socket, exits 1 each time"
is "$(grep -c 'rule "dup"' "$TMP/fourth.log")" 0 "and never mentions its rule (it did not start it)"
grep -q "control socket $TMP/a.sock is in use by a running mcrd" "$TMP/fourth.log"
ok $? "and says the socket is in use"
is "$(sink_get refused "j['streams'][1]['received']")" 0 "no packet of its rule was relayed"
is "$(sink_get refused "j['streams'][0]['unique']")" 20000 "while a relayed all 20000 of its own"
is "$(ctl a rule show | cut -d' ' -f1)" a "mcrctl on a's socket sees only a's rule"
is "$(ctl b rule show | cut -d' ' -f1)" b "mcrctl on b's socket sees only b's rule"
sink_start dst s -i 2 d0:239.5.5.1:5001 d0:239.5.5.2:5001
gen src -d s0 -g 239.1.1.1 -p 5001 -n 3000 -r 10000 --stream-id 1 &
GEN=$!
gen src -d s0 -g 239.1.1.2 -p 5001 -n 2000 -r 10000 --stream-id 2
wait $GEN
sink_wait s
is "$(sink_get s "j['streams'][0]['unique']")" 3000 "instance a relayed its 3000"
is "$(sink_get s "j['streams'][1]['unique']")" 2000 "instance b relayed its 2000"
is "$(sink_get s "j['total']['duplicated']")" 0 "no stream relayed twice"
mcrd_stop a
is "$MCRD_RC" 0 "stopping a exits 0"
kill -0 "$MCRD_PID_b" 2>/dev/null; ok $? "b keeps running after a stops"
mcrd_stop b
is "$MCRD_RC" 0 "stopping b exits 0"

# --- one input in two instances: both relay it, and the second one warns -------
# (an abstract socket per input claims it in the namespace; see mcrd/claim.h)
J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
S=$(conf same <<'CONF'
rules = ( { name = "same"; in = { dev = "r-in"; group = "239.1.1.3"; port = 5001; };
            out = ( { dev = "r-out"; group = "239.5.5.3"; } ); } );
CONF
)
WARN='rule "same": another mcrd in this network namespace relays its input (r-in 239.1.1.3:5001) too'
NOTE="another mcrd in this network namespace relays this input"
mcrd_start relay s1 "$S"; ok $? "instance s1 starts with rule same"
mcrd_start relay s2 "$S"; ok $? "instance s2 starts with the same rule: not refused"
grep -q "$WARN" "$TMP/mcrd-s2.log"; ok $? "s2 warns, naming the rule and the input"
is "$(grep -c 'another mcrd' "$TMP/mcrd-s1.log")" 0 "s1, first, does not"
is "$(ctl s2 -j rule show | J "j[0]['note']")" "$NOTE" "s2's rule show carries the note"
is "$(ctl s1 -j rule show | J "j[0]['note']")" None "s1's does not"
ctl s2 rule show | grep -q " note ($NOTE)"; ok $? "and the text form of s2's shows it"
sink_start dst same -i 2 d0:239.5.5.3:5001
gen src -d s0 -g 239.1.1.3 -p 5001 -n 1000 -r 5000
sink_wait same
is "$(sink_get same "(j['total']['unique'], j['total']['duplicated'])")" "(1000, 1000)" \
   "both relay it: every packet arrives twice"
# The claim goes with the rule: deleted in s1, s2 takes it (on its next tick).
ctl s1 rule del name same
wait_for 4 grep -q 'rule "same": no other mcrd relays its input now' "$TMP/mcrd-s2.log"
ok $? "rule deleted in s1: s2 takes the claim and says so"
is "$(ctl s2 -j rule show | J "j[0]['note']")" None "s2's note is gone"
ctl s1 rule add name same in dev r-in group 239.1.1.3 port 5001 out dev r-out group 239.5.5.3
grep -q "$WARN" "$TMP/mcrd-s1.log"; ok $? "added again at runtime in s1: now s1 warns"
# And with the daemon: s2 stopped, s1 takes it.
mcrd_stop s2
wait_for 4 grep -q 'rule "same": no other mcrd relays its input now' "$TMP/mcrd-s1.log"
ok $? "s2 stopped: s1 takes the claim"
mcrd_stop s1

# A socket file left by a dead daemon (bound, closed, never unlinked) is replaced.
mksock() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$1"; }
mksock "$TMP/stale.sock"
[ -S "$TMP/stale.sock" ]; ok $? "a stale socket file is left behind"
mcrd_start relay stale "$A"; ok $? "mcrd starts on the stale socket's path"
is "$(ctl stale rule show | cut -d' ' -f1)" a "and serves mcrctl there"
mcrd_stop stale
# A socket it may not connect to cannot be judged stale: the error says why,
# not "in use by a running mcrd".  Without CAP_DAC_OVERRIDE, root gets EACCES.
mksock "$TMP/locked.sock"; chmod 000 "$TMP/locked.sock"
nsx relay timeout 10 setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search \
	"$BIN/mcrd" -f -c "$A" -S "$TMP/locked.sock" >"$TMP/locked.log" 2>&1
is "$?" 1 "a socket mcrd may not connect to: exit 1"
grep -q "control socket $TMP/locked.sock: Permission denied" "$TMP/locked.log"
ok $? "and says permission denied, not in use"
done_testing
