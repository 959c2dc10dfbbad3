#!/bin/bash
# 1:1 relay with group and port rewrite, payload intact, other groups and
# ports not relayed, clean exit on SIGTERM and SIGINT with counters that
# match and the input group left; `mcrd -t` on a bad and a good file.
. "$(dirname "$0")/lib.sh"
plan 32

# --- mcrd -t, the binary: one FILE:LINE: reason per problem ----------------------
B=$(conf bad <<'CONF'
rules = (
  { name = "a";
    in  = { dev = "eth0"; group = "239.1.1.300"; port = 5001; };
    out = ( { dev = "eth1"; } ); },
  { name = "b";
    in  = { dev = "eth0"; group = "10.1.1.1"; port = 5002; };
    out = ( { dev = "eth1"; } ); },
  { name = "c";
    in  = { dev = "eth0"; group = "239.1.1.3"; port = 70000; };
    out = ( { dev = "eth1"; } ); },
  { name = "d"; colour = "red";
    in  = { dev = "eth0"; group = "239.1.1.4"; port = 5004; };
    out = ( { dev = "eth1"; } ); },
  { name = "d";
    in  = { dev = "eth0"; group = "239.1.1.5"; port = 5005; };
    out = ( { dev = "eth1"; } ); },
  { name = "f";
    in  = { dev = "eth0"; group = "239.1.1.6"; port = 5006; };
    out = ( { dev = "eth0"; group = "239.1.1.6"; port = 5006; } ); }
);
CONF
)
timeout 10 "$BIN/mcrd" -t -c "$B" >"$TMP/t-bad.out" 2>"$TMP/t-bad.err"
is "$?" 1 "mcrd -t on a file with six problems exits 1"
is "$(wc -l <"$TMP/t-bad.err")" 6 "one line per problem"
is "$(cat "$TMP/t-bad.out")" "" "nothing on stdout"
# Each problem on the line of the offending setting, in file order.
t_line() { sed -n "$1p" "$TMP/t-bad.err" | grep -Eq "^$B:$2: $3"; ok $? "mcrd -t: $4 at line $2"; }
t_line 1 3 'rule "a": .*239\.1\.1\.300.*not a valid IP address' "bad address"
t_line 2 6 'rule "b": .*10\.1\.1\.1 is not a multicast' "non-multicast input group"
t_line 3 9 'rule "c": .*port 70000 out of range' "port out of range"
t_line 4 11 'rule "d": unknown key "colour"' "unknown key"
t_line 5 14 'rule "d": duplicate name' "duplicate name"
t_line 6 19 'rule "f": output 1 is identical to the input' "output identical to its input"

line_topology

C=$(conf relay <<'CONF'
rules = (
  { name = "cam1";
    in  = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; ttl = 4; } ); }
);
CONF
)
timeout 10 "$BIN/mcrd" -t -c "$C" >"$TMP/t-good.out" 2>"$TMP/t-good.err"
is "$?" 0 "mcrd -t on a good file exits 0"
# Silent on stderr (no problems); stdout only confirms.
is "$(cat "$TMP/t-good.err")" "" "and reports no problem"
is "$(cat "$TMP/t-good.out")" "$C: ok, 1 rules" "and only confirms the file on stdout"
mcrd_start relay relay "$C"; ok $? "mcrd starts"
joined() { ip -n "$NS_relay" maddr show dev r-in | grep -Eq "inet +239\.1\.1\.1$"; }
joined; ok $? "the input group 239.1.1.1 is joined on r-in"
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
wait_for 2 eval '! joined'; ok $? "SIGTERM: the input group is left"

# SIGINT: the same clean stop.  (Bash starts background jobs with SIGINT
# ignored; mcrd must take it anyway.)
mcrd_start relay int "$C"; ok $? "mcrd starts again"
joined; ok $? "the input group is joined again"
kill -INT "$MCRD_PID_int"
wait "$MCRD_PID_int"; is "$?" 0 "SIGINT: mcrd exits 0"
wait_for 2 eval '! joined'; ok $? "SIGINT: the input group is left"
done_testing
