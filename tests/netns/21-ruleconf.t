#!/bin/bash
# mcrctl -c rule show: the running rules, runtime ones included, in
# mcrd.conf syntax.  Runtime rules with every output setting are saved
# into a drop-in file, mcrd restarts, and the rules are back: printed
# again they are the same text, and a restored rule relays.
. "$(dirname "$0")/lib.sh"
plan 14

line_topology
mkdir -p "$TMP/conf.d"
C=$(conf relay <<CONF
rules = (
  { name = "file1";
    in  = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; ttl = 4; } ); }
);
@include "conf.d/*.conf"
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
# Runtime rules with every output setting: group/port rewrite, ttl, fixed-ttl,
# egress packet and socket, source keep, a source-specific input, no name.
ctl relay rule add name rt1 in dev r-in group 239.1.1.2 port 5002 source 198.18.1.1 \
	out dev r-out group 239.3.3.3 port 7000 ttl 9 egress socket \
	out dev r-out group 239.3.3.4 source keep egress packet &&
ctl relay rule add name rt2 in dev r-in group 239.255.255.250 port 1900 \
	out dev r-out fixed-ttl 1 &&
ctl relay rule add in dev r-in group 239.1.1.5 port 5005 out dev r-out port 5006
ok $? "three runtime rules added"

ctl relay -c rule show >"$TMP/all.1"; ok $? "-c rule show exits 0"
ctl relay -c rule show origin runtime >"$TMP/conf.d/runtime.conf"
is "$(grep -c 'name = ' "$TMP/conf.d/runtime.conf")" 3 "origin runtime: the three runtime rules only"
grep -q 'out = ( { dev = "r-out"; group = "239.3.3.3"; port = 7000; ttl = 9; egress = "socket"; },' \
	"$TMP/conf.d/runtime.conf" &&
grep -q '{ dev = "r-out"; group = "239.3.3.4"; port = 5002; egress = "packet"; source = "keep"; } ); }' \
	"$TMP/conf.d/runtime.conf" &&
grep -q 'fixed_ttl = 1;' "$TMP/conf.d/runtime.conf" &&
grep -q 'name = "r-in:239.1.1.5:5005";' "$TMP/conf.d/runtime.conf"
ok $? "every output setting is written out"
timeout 10 "$BIN/mcrd" -t -c "$C" >"$TMP/t.out" 2>&1
ok $? "mcrd -t accepts the file with the saved drop-in ($(cat "$TMP/t.out"))"

# Options that make no sense with it are refused.
ctl relay -c -j rule show >/dev/null 2>"$TMP/err"; rc=$?
is "$rc:$(cat "$TMP/err")" "1:Error: -config prints mcrd.conf syntax: not with -json" "-c with -j is refused"
ctl relay -c link show >/dev/null 2>"$TMP/err"; rc=$?
is "$rc:$(cat "$TMP/err")" "1:Error: -config applies to rule show only, not to \"link\"" \
	"-c with another object is refused"

mcrd_stop relay; is "$MCRD_RC" 0 "mcrd stops"
mcrd_start relay relay2 "$C"; ok $? "mcrd starts again, the drop-in included"
ctl relay2 -c rule show >"$TMP/all.2"
diff -u "$TMP/all.1" "$TMP/all.2" >"$TMP/diff"; ok $? "print, load, print again: the same text"
[ -s "$TMP/diff" ] && sed 's/^/# /' "$TMP/diff"
is "$(ctl relay2 -c rule show origin runtime | grep -c 'name = ')" 0 "the saved rules are file rules now"

# A restored rule relays: rt1's socket output, 239.3.3.3:7000.
sink_start dst s -i 2 d0:239.3.3.3:7000; ok $? "sink joined"
gen src -d s0 -g 239.1.1.2 -p 5002 -n 200 -r 2000 -s 100
sink_wait s
is "$(sink_get s "j['total']['unique']")" 200 "the restored runtime rule relays all 200 packets"
done_testing
