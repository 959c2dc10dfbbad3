#!/bin/bash
# mcrctl rule trace: the frames a rule receives (and with "out", what each
# output sends) as pcap that tcpdump reads back, with timestamps; it stops
# by itself at count frames or at bytes; text lines, pcap on stdout;
# Ctrl-C stops it in mcrd; at most 4 at once; a removed rule ends its
# trace; and a rule that is not traced loses nothing meanwhile.
TEST_LIMIT=150
. "$(dirname "$0")/lib.sh"
plan 31

command -v tcpdump >/dev/null || { echo "Bail out! tcpdump is missing (sh mk/deps.sh)"; exit 1; }
line_topology
C=$(conf relay <<'CONF'
workers = 2;
spread_outputs = 3;
rules = (
  { name = "cam1";
    in  = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; },
            { dev = "r-out"; group = "239.2.2.3"; port = 6001; egress = "socket"; } ); },
  { name = "other";
    in  = { dev = "r-in"; group = "239.1.1.7"; port = 5007; };
    out = ( { dev = "r-out"; group = "239.2.2.7"; port = 7007; } ); },
  { name = "wide";
    in  = { dev = "r-in"; group = "239.1.1.3"; port = 5003; };
    out = ( { dev = "r-out"; group = "239.2.2.4"; port = 6004; },
            { dev = "r-out"; group = "239.2.2.5"; port = 6005; },
            { dev = "r-out"; group = "239.2.2.6"; port = 6006; } ); },
  { name = "quiet";
    in  = { dev = "r-in"; group = "239.1.1.8"; port = 5008; };
    out = ( { dev = "r-out"; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
rd() { tcpdump -r "$1" -nn -tt ${2:-} 2>/dev/null; }

ctl relay rule trace name nope count 5 >/dev/null 2>"$TMP/err"; rc=$?
is "$rc:$(cat "$TMP/err")" "2:Error: rule \"nope\" not found" "no such rule: exit 2, named"

# Traffic on cam1 for the traces, and on "other", which must lose nothing.
sink_start dst other -i 3 d0:239.2.2.7:7007; ok $? "sink on the untraced rule's output"
gen src -d s0 -g 239.1.1.7 -p 5007 -n 20000 -r 2000 -s 200 --stream-id 7 &
GO=$!
gen src -d s0 -g 239.1.1.1 -p 5001 -n 20000 -r 2000 -s 300 &
G=$!
sleep 0.5

# --- count, pcap, timestamps ------------------------------------------------
t0=$(date +%s)
ctl relay rule trace name cam1 count 50 file "$TMP/c.pcap" 2>"$TMP/c.err"; rc=$?
is "$rc" 0 "trace count 50: ends by itself, exit 0"
is "$(cat "$TMP/c.err")" "trace of rule cam1: 50 frames in, 0 out; count reached; written to $TMP/c.pcap" \
	"and says why, and where"
rd "$TMP/c.pcap" >"$TMP/c.txt"
is "$(wc -l <"$TMP/c.txt")" 50 "tcpdump reads back 50 frames"
is "$(grep -c 'IP 198\.18\.1\.1\.[0-9]* > 239\.1\.1\.1\.5001: UDP, length 300$' "$TMP/c.txt")" 50 \
	"each the input datagram as received (source, group, port, length)"
ts=$(head -1 "$TMP/c.txt" | cut -d' ' -f1); ts=${ts%.*}
[ "$ts" -ge $((t0 - 5)) ] && [ "$ts" -le $((t0 + 30)) ]; ok $? "with real timestamps ($ts, now $t0)"
sorted=$(cut -d' ' -f1 "$TMP/c.txt" | sort -n | uniq | wc -l)
is "$sorted" 50 "50 distinct timestamps"
cut -d' ' -f1 "$TMP/c.txt" | sort -c -n; ok $? "in order"

# --- out: what each output sends ----------------------------------------------
ctl relay rule trace name cam1 count 20 out file "$TMP/o.pcap" 2>"$TMP/o.err"; rc=$?
is "$rc:$(cat "$TMP/o.err")" "0:trace of rule cam1: 20 frames in, 40 out; count reached; written to $TMP/o.pcap" \
	"trace out: 20 frames in, 2 x 20 out"
rd "$TMP/o.pcap" -v >"$TMP/o.txt"
is "$(grep -c '> 239\.1\.1\.1\.5001:' "$TMP/o.txt")" 20 "the frames received"
is "$(grep -c '198\.18\.2\.1\.[0-9]* > 239\.2\.2\.2\.6000:' "$TMP/o.txt")" 20 \
	"the layer-2 output's frames, from the output's address, rewritten"
is "$(grep -c '0\.0\.0\.0\.[0-9]* > 239\.2\.2\.3\.6001:' "$TMP/o.txt")" 20 \
	"the socket output's datagrams (the kernel fills in the source)"
is "$(grep -c 'ttl 15,' "$TMP/o.txt")" 40 "sent with the TTL one less than received (16)"

# --- a rule spread over both workers: its own worker's share, by rule number ----
gen src -d s0 -g 239.1.1.3 -p 5003 -n 3000 -r 1000 -s 100 &
GW=$!
ctl relay rule trace name wide count 5 out >"$TMP/w.txt" 2>"$TMP/w.err"; rc=$?
is "$rc:$(cat "$TMP/w.err")" "0:trace of rule wide: 5 frames in, 10 out; count reached" \
	"spread rule: its worker's two outputs of three traced"
is "$(grep -c ' out 1 .*> 239\.2\.2\.4:6004 ' "$TMP/w.txt"):$(grep -c ' out 2 ' "$TMP/w.txt"):$(grep -c ' out 3 .*> 239\.2\.2\.6:6006 ' "$TMP/w.txt")" \
	"5:0:5" "outputs 1 and 3, each under its number in the rule"
wait "$GW"

# --- text lines, pcap on stdout, a bytes bound -----------------------------------
ctl relay rule trace name cam1 count 3 >"$TMP/t.txt" 2>/dev/null
grep -Ec '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} in     198\.18\.1\.1:[0-9]+ > 239\.1\.1\.1:5001 ttl 16 tos 0x00 len 300$' \
	"$TMP/t.txt" | grep -qx 3
ok $? "without a file: one line per frame"
ctl relay rule trace name cam1 count 10 file - 2>/dev/null | tcpdump -r - -nn 2>/dev/null | wc -l >"$TMP/n"
is "$(cat "$TMP/n")" 10 "file -: pcap on stdout, into tcpdump -r -"
ctl relay rule trace name cam1 count 100000 bytes 3000 file "$TMP/b.pcap" 2>"$TMP/b.err"; rc=$?
n=$(rd "$TMP/b.pcap" | wc -l)
[ "$rc" = 0 ] && grep -q "bytes reached" "$TMP/b.err" && [ "$n" -ge 1 ] && [ "$n" -le 8 ]
ok $? "bytes 3000: stops by itself at the bytes bound ($n frames; $(cat "$TMP/b.err"))"

# --- Ctrl-C, at most 4, a removed rule ---------------------------------------
# In the background as a simple command, so that $! is the timeout process
# itself (which passes SIGINT on to mcrctl): a function (ctl) would run in a
# subshell, and a non-interactive shell's background subshell ignores SIGINT.
BG=(timeout 20 "$BIN/mcrctl" -S "$TMP/relay.sock")
"${BG[@]}" rule trace name quiet count 1000 >/dev/null 2>"$TMP/i.err" &
T=$!
sleep 0.5
kill -INT "$T"; wait "$T"; rc=$?
is "$rc:$(cat "$TMP/i.err")" "0:trace of rule quiet: 0 frames in, 0 out; interrupted" "Ctrl-C: exit 0"
wait_for 2 log_more "$TMP/mcrd-relay.log" 'of rule "quiet" ended: stopped' 0
ok $? "and the trace is stopped in mcrd"
for i in 1 2 3 4; do
	"${BG[@]}" rule trace name quiet count 1000 >/dev/null 2>"$TMP/q$i.err" &
	eval "Q$i=$!"
done
sleep 0.5
ctl relay rule trace name quiet >/dev/null 2>"$TMP/err"; rc=$?
is "$rc:$(cat "$TMP/err")" "2:Error: 4 traces run already, the most there can be" "a 5th trace is refused"
ctl relay rule add name rt in dev r-in group 239.1.1.9 port 5009 out dev r-out
kill -INT "$Q1"; wait "$Q1"
"${BG[@]}" rule trace name rt count 1000 >/dev/null 2>"$TMP/r.err" &
R=$!
sleep 3
ctl relay rule del name rt
wait "$R"; rc=$?
is "$rc:$(cat "$TMP/r.err")" "0:trace of rule rt: 0 frames in, 0 out; rule removed" \
	"deleting the rule ends its trace"
rcs=""
for q in "$Q2" "$Q3" "$Q4"; do kill -INT "$q"; wait "$q"; rcs="$rcs$?"; done
is "$rcs:$(cat "$TMP/q2.err")" "000:trace of rule quiet: 0 frames in, 0 out; interrupted" \
	"the other three end on Ctrl-C too"

# --- the untraced rule lost nothing ------------------------------------------------
wait "$G"; wait "$GO"; sink_wait other
is "$(sink_get other "j['total']['unique']")" 20000 "the untraced rule relayed all 20000 packets meanwhile"
is "$(sink_get other "j['total']['lost']")" 0 "no loss"
is "$(mcrd_drop relay 'rule cam1 active' no_tx_slot)" 0 "and the traced rule dropped nothing either"
is "$(mcrd_counter relay 'rule cam1 out r-out 239.2.2.2' packets)" 20000 \
	"all 20000 sent on the traced rule's output"
grep -q "worker .* (pid" "$TMP/mcrd-relay.log"; is "$?" 1 "no worker died"
mcrd_stop relay; is "$MCRD_RC" 0 "mcrd stops"
done_testing
