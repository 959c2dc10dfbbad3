#!/bin/bash
# SIGHUP re-reads the rule file and applies only the difference: a rule that
# did not change loses nothing while others are edited, added or removed; a
# file with errors changes nothing and its problems are logged FILE:LINE.
. "$(dirname "$0")/lib.sh"
plan 31

line_topology

write_conf() { # write_conf OUTPORT_OF_B [extra rule text]
	cat >"$TMP/relay.conf" <<CONF
rules = (
  { name = "a"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; port = 6001; } ); },
  { name = "b"; in = { dev = "r-in"; group = "239.1.1.2"; port = 5001; };
    out = ( { dev = "r-out"; port = $1; } ); }${2:-}
);
CONF
}
reload() { # reload: SIGHUP and wait for the log line it produces
	local n; n=$(grep -c 'reload' "$TMP/mcrd-relay.log")
	kill -HUP "$MCRD_PID_relay"
	wait_for 5 log_more "$TMP/mcrd-relay.log" 'reload' "$n"
}
write_conf 6002
mcrd_start relay relay "$TMP/relay.conf"; ok $? "mcrd starts"

# Phase 1: 100k packets over rules a and b while the unchanged file is
# reloaded 20 times: every rule must lose nothing.
sink_start dst p1 -i 3 -n 50000 d0:239.1.1.1:6001 d0:239.1.1.2:6002
gen src -d s0 -g 239.1.1.1 -p 5001 -n 50000 -r 10000 --stream-id 1 &
GA=$!
gen src -d s0 -g 239.1.1.2 -p 5001 -n 50000 -r 10000 --stream-id 2 &
GB=$!
sleep 0.3
for i in $(seq 1 20); do reload || diag "reload $i not logged"; sleep 0.1; done
is "$(grep -c 'reloaded .*: 0 added, 0 removed, 0 changed, 2 unchanged' "$TMP/mcrd-relay.log")" 20 \
	"20 reloads of an unchanged file while 100k packets flow, each applying nothing"
wait $GA $GB
sink_wait p1
is "$(sink_get p1 "[s['unique'] for s in j['streams']]")" "[50000, 50000]" "zero loss on every rule across 20 reloads"
is "$(sink_get p1 "j['total']['lost'] + j['total']['duplicated']")" 0 "no loss, no duplicates"

# Phase 2: edit b, add c, refuse a bad file, all while a keeps flowing.
# A long idle timeout: the reloads below may be slow (sanitizer builds).
sink_start dst s -i 8 d0:239.1.1.1:6001 d0:239.1.1.2:6002 d0:239.1.1.2:6012 d0:239.1.1.3:6003
gen src -d s0 -g 239.1.1.1 -p 5001 -n 20000 -r 10000 --stream-id 1 &
GEN=$!
sleep 0.3
# Edit b (new output port), add c, then a bad file, all while a keeps flowing.
write_conf 6012 ',
  { name = "c"; in = { dev = "r-in"; group = "239.1.1.3"; port = 5001; };
    out = ( { dev = "r-out"; port = 6003; } ); }'
reload
grep -q "reloaded .*: 1 added, 0 removed, 1 changed, 1 unchanged" "$TMP/mcrd-relay.log"
ok $? "edit: 1 added, 1 changed, 1 unchanged"
gen src -d s0 -g 239.1.1.2 -p 5001 -n 300 -r 3000 --stream-id 2
gen src -d s0 -g 239.1.1.3 -p 5001 -n 200 -r 3000 --stream-id 3
cp "$TMP/relay.conf" "$TMP/good.conf"
printf 'rules = ( { name = "a"; in = { dev = "r-in"; group = "300.1.1.1"; port = 5001; };\n out = ( { dev = "r-out"; } ); } );\n' >"$TMP/relay.conf"
reload
grep -q "relay.conf:1: rule \"a\": in.group \"300.1.1.1\" is not a valid IP address" "$TMP/mcrd-relay.log"
ok $? "bad file: the problem is logged as FILE:LINE: reason"
grep -q "reload refused, the running rules stay" "$TMP/mcrd-relay.log"; ok $? "bad file refused"
gen src -d s0 -g 239.1.1.3 -p 5001 -n 200 -r 3000 --stream-id 3
wait $GEN
sink_wait s
is "$(sink_get s "j['streams'][0]['unique']")" 20000 "rule a lost nothing across an edit, an addition and a refused file"
is "$(sink_get s "j['streams'][0]['duplicated']")" 0 "rule a: no duplicates"
is "$(sink_get s "j['streams'][1]['received']")" 0 "edited rule b no longer sends to its old port"
is "$(sink_get s "j['streams'][2]['unique']")" 300 "edited rule b sends to its new port"
is "$(sink_get s "j['streams'][3]['received']")" 400 "added rule c relays, and still does after the refused file"
# A libconfig syntax error (a missing brace on line 2; libconfig allows a
# missing semicolon), by SIGHUP and by mcrctl reload: refused with FILE:LINE, and every rule keeps relaying.
sed '2s/in = {/in = /' "$TMP/good.conf" >"$TMP/relay.conf"
reload
grep -q 'relay.conf:2: .*syntax error' "$TMP/mcrd-relay.log"; ok $? "SIGHUP, syntax error: logged as FILE:LINE: syntax error"
out=$(ctl relay reload 2>&1); rc=$?
is "$rc" 2 "mcrctl reload of a file with a syntax error exits 2"
echo "$out" | grep -q "relay.conf:2: .*syntax error"; ok $? "mcrctl reload prints FILE:LINE: and the syntax error"
[ "$rc" -eq 2 ] || diag "mcrctl reload: $out"
is "$(ctl relay -j rule show | python3 -c 'import json,sys; print(sorted((r["name"], r["state"]) for r in json.load(sys.stdin)))')" \
	"[('a', 'active'), ('b', 'active'), ('c', 'active')]" "after the syntax error rules a, b and c are all still active"
sink_start dst se -i 1.5 -T 20 d0:239.1.1.1:6001 d0:239.1.1.2:6012 d0:239.1.1.3:6003
for g in 1 2 3; do gen src -d s0 -g "239.1.1.$g" -p 5001 -n 300 -r 3000 --stream-id "$g"; done
sink_wait se
is "$(sink_get se "[s['unique'] for s in j['streams']]")" "[300, 300, 300]" "and all three still relay"
cp "$TMP/good.conf" "$TMP/relay.conf"

# A drop-in file appears in conf.d: a reload picks its rule up.
printf '@include "relay.d/*.conf"\n' >>"$TMP/relay.conf"
mkdir -p "$TMP/relay.d"
printf 'rules = ( { name = "d"; in = { dev = "r-in"; group = "239.1.1.4"; port = 5001; };\n out = ( { dev = "r-out"; port = 6004; } ); } );\n' >"$TMP/relay.d/50-d.conf"
reload
grep -q "reloaded .*: 1 added, 0 removed, 0 changed, 3 unchanged" "$TMP/mcrd-relay.log"
ok $? "a drop-in file's rule is added by a reload"

# A FIFO among the drop-ins, then as the file itself: the parent must never
# block reading it (its control socket would die with it).  Refused with
# the file's name; the daemon keeps answering and relaying.
mkfifo "$TMP/relay.d/60-fifo.conf"
reload; rc=$?
ok $rc "SIGHUP with a FIFO drop-in: the reload is over at once"
grep -q "relay.d/60-fifo.conf: not a regular file" "$TMP/mcrd-relay.log"
ok $? "and refused, naming the FIFO"
is "$(timeout 5 "$BIN/mcrctl" -S "$TMP/relay.sock" show | cut -d' ' -f1 | sort | paste -sd,)" "a,b,c,d" \
   "mcrctl show still answers, the four rules running"
out=$(timeout 5 "$BIN/mcrctl" -S "$TMP/relay.sock" reload 2>&1); rc=$?
[ "$rc" -eq 2 ] && [[ "$out" == *"60-fifo.conf: not a regular file"* ]]
ok $? "mcrctl reload: exit 2 with the reason"
rm "$TMP/relay.d/60-fifo.conf"
mv "$TMP/relay.conf" "$TMP/good.conf"
mkfifo "$TMP/relay.conf"
reload; ok $? "SIGHUP with the file itself a FIFO: over at once"
grep -q "relay.conf: not a regular file" "$TMP/mcrd-relay.log"; ok $? "and refused, naming it"
err=$(timeout 5 "$BIN/mcrd" -t -c "$TMP/relay.conf" 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "$TMP/relay.conf: not a regular file" ]
ok $? "mcrd -t on a FIFO: exit 1 at once, naming it"
err=$("$BIN/mcrd" -t -c "$TMP" 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "$TMP: is a directory" ]; ok $? "mcrd -t on a directory: \"is a directory\""
err=$("$BIN/mcrd" -t -c '' 2>&1); rc=$?
[ "$rc" -eq 1 ] && [ "$err" = "mcrd: -c: the rule file path is empty" ]; ok $? "mcrd -c '': the path is empty"
rm "$TMP/relay.conf"
mv "$TMP/good.conf" "$TMP/relay.conf"
sink_start dst sf -i 1.5 -T 20 d0:239.1.1.1:6001
gen src -d s0 -g 239.1.1.1 -p 5001 -n 300 -r 3000 --stream-id 1
sink_wait sf
is "$(sink_get sf "j['streams'][0]['unique']")" 300 "rule a still relays after both"
# A name with terminal control bytes: escaped in the log, never written raw.
printf 'rules = ( { name = "x\033]0;pwned\007"; in = { dev = "r-in"; group = "239.1.1.9"; port = 1; };\n out = ( { dev = "r-out"; } ); } );\n' \
	>"$TMP/relay.d/70-esc.conf"
reload
grep -qF 'name "x\x1b]0;pwned\x07" must be' "$TMP/mcrd-relay.log"; ok $? "a control byte in a name is logged escaped"
grep -q $'\e' "$TMP/mcrd-relay.log"; ok $((! $?)) "and no raw control byte reaches the log"
rm "$TMP/relay.d/70-esc.conf"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
