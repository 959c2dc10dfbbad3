#!/bin/bash
# IPv6 end to end: link-local (ff02::), site (ff05::) and global (ff0e::)
# groups relayed between links with group and port rewrite and hop-limit
# semantics, at layer 2 (source keep too), counted at a real receiver in
# another namespace (mcrgen and mcrsink over IPv6, MLD joins); a
# source-specific ff3e:: rule passes its source only, and a source-specific
# sink join only its source;
# malformed IPv6 frames are counted per reason while the rule keeps relaying;
# outputs of the other family translate (4 -> 6 and 6 -> 4: the payload
# relayed from the relay's own address);
# rules read back in text, JSON and config form; the config check says
# file:line; mcrgen/mcrsink over IPv6 on their own: streams stepped by
# group, RTP, hop limit, traffic class, source, unicast, family errors.
. "$(dirname "$0")/lib.sh"
plan 56

U6="$(dirname "$0")/udp6.py"

line_topology
# No duplicate address detection: the addresses are usable at once.
for x in "src s0 2001:db8:1::1" "src s0 2001:db8:1::5" "relay r-in 2001:db8:1::2" \
	 "relay r-out 2001:db8:2::1" "dst d0 2001:db8:2::2"; do
	set -- $x
	ip -n "${PFX}-$1" addr add "$3/64" dev "$2" nodad
done
# Link-local addresses too (ff02:: leaves from one).
lladdr_ready() { ! ip -n "${PFX}-$1" -6 addr show tentative | grep -q inet6; }
for n in src relay dst; do wait_for 10 lladdr_ready "$n"; done

# --- the config check names file and line --------------------------------------
B=$(conf bad <<'CONF'
rules = (
  { name = "a"; in = { dev = "eth0"; group = "ff3e::1"; port = 5001;
                       source = "10.0.0.5"; };
    out = ( { dev = "eth1"; } ); },
  { name = "b"; in = { dev = "eth0"; group = "ff01::1"; port = 5001; };
    out = ( { dev = "eth1"; group = "239.1.1.1"; } ); }
);
CONF
)
timeout 10 "$BIN/mcrd" -t -c "$B" >/dev/null 2>"$TMP/t-bad.err"
is "$?" 1 "mcrd -t on a file with IPv6 problems exits 1"
grep -q "^$B:3: rule \"a\": in.source 10.0.0.5 is IPv4, the group IPv6" "$TMP/t-bad.err"
ok $? "an IPv4 source for an IPv6 group, at its line"
grep -q "^$B:5: rule \"b\": input group ff01::1 is interface-local: it never leaves the host" \
	"$TMP/t-bad.err"
ok $? "an interface-local group, at its line"

C=$(conf relay <<'CONF'
rules = (
  { name = "ll"; in = { dev = "r-in"; group = "ff02::fb"; port = 5353; };
    out = ( { dev = "r-out"; port = 6000; fixed_ttl = 1; } ); },
  { name = "site"; in = { dev = "r-in"; group = "ff05::1:3"; port = 5001; };
    out = ( { dev = "r-out"; group = "ff05::2:3"; port = 6000; ttl = 4; } ); },
  { name = "global"; in = { dev = "r-in"; group = "ff0e::1234"; port = 6000; };
    out = ( { dev = "r-out"; } ); },
  { name = "ssm"; in = { dev = "r-in"; group = "ff3e::8000:1"; port = 5004;
                         source = "2001:db8:1::5"; };
    out = ( { dev = "r-out"; group = "ff3e::8000:2"; port = 6000; } ); },
  { name = "x46"; in = { dev = "r-in"; group = "239.4.6.1"; port = 5046; };
    out = ( { dev = "r-out"; group = "ff05::46"; port = 6000; ttl = 5; } ); },
  { name = "x64"; in = { dev = "r-in"; group = "ff05::64"; port = 5064; };
    out = ( { dev = "r-out"; group = "239.6.4.1"; port = 6000; } ); },
  { name = "keep6"; in = { dev = "r-in"; group = "ff0e::5"; port = 5005; };
    out = ( { dev = "r-out"; group = "ff0e::6"; port = 6000; source = "keep"; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
wait_for 10 grep -q "started: 7 rules, 7 active" "$TMP/mcrd-relay.log"
ok $? "all seven rules active (source keep on IPv6 too)"
bad=""
for r in ll site global ssm keep6; do
	ctl relay rule show name "$r" | grep -q " via packet" || bad+=" $r"
done
is "$bad" "" "IPv6 outputs of IPv6 inputs send at layer 2 (egress auto)"
grep -q 'cannot join' "$TMP/mcrd-relay.log"; ok $((! $?)) "MLD joins (ASM and SSM) succeed"
nsx relay ip -6 maddr show dev r-in | grep -q "ff3e::8000:1"; ok $? "the relay joined ff3e::8000:1 on r-in"

# --- relaying: mcrgen and mcrsink over IPv6 (udp6.py makes the malformed frames) ---
SSM6=ff3e::8000:2
# All on port 6000, each its own socket; the SSM group twice: the relay's
# source, and a source that never sends.
sink_start dst all -i 2 "d0:[ff02::fb]:6000" "d0:[ff05::2:3]:6000" "d0:[ff0e::1234]:6000" \
	"d0:[$SSM6]:6000:2001:db8:2::1" "d0:[$SSM6]:6000:[2001:db8:2::99]" "d0:[ff05::46]:6000" \
	"d0:239.6.4.1:6000" "d0:[ff0e::6]:6000"
ok $? "mcrsink joined the IPv6 groups (MLD, source-specific for $SSM6) and an IPv4 one"
gen src -d s0 -g ff02::fb -p 5353 -n 400 -t 1 -S 2001:db8:1::1
gen src -d s0 -g ff05::1:3 -p 5001 -n 500 -t 8 -S 2001:db8:1::1
gen src -d s0 -g ff0e::1234 -p 6000 -n 300 -t 8 -S 2001:db8:1::1
gen src -d s0 -g ff3e::8000:1 -p 5004 -n 300 -t 8 -S 2001:db8:1::5
gen src -d s0 -g ff3e::8000:1 -p 5004 -n 200 -t 8 -S 2001:db8:1::1 --stream-id 1
gen src -d s0 -g 239.4.6.1 -p 5046 -n 250 -t 9
gen src -d s0 -g ff05::64 -p 5064 -n 150 -t 3 -S 2001:db8:1::1
gen src -d s0 -g ff0e::5 -p 5005 -n 200 -t 8 -S 2001:db8:1::1

# --- malformed frames to the site group, counted, while valid ones pass -----------
for k in "ext_chain 50" "ext_cut 40" "hbh_late 30" "frag 20" "jumbo 25" "bad_plen 35" \
	 "zero_csum 45"; do
	set -- $k
	nsx src python3 "$U6" inject s0 ff05::1:3 5001 "$1" "$2"
done
sink_wait all
# S GROUP[/SOURCE] FIELD: a field of the sink's stream for that group (and source).
S() {
	sink_get all "[s['$2'] for s in j['streams'] if '/'.join(filter(None, (s['group'], s['source']))) == '$1'][0]"
}
is "$(S ff02::fb unique)" 400 "ff02:: link-local: all 400 relayed to the other link"
is "$(S ff02::fb ttl_min)/$(S ff02::fb ttl_max)" 1/1 "with the fixed hop limit 1 (input hop limit 1)"
is "$(S ff05::2:3 unique)" 500 "ff05:: site: 500 relayed to the rewritten group and port"
is "$(S ff05::2:3 received)/$(S ff05::2:3 foreign)" 550/50 \
   "and the 50 behind an extension-header chain (udp6.py's payload: foreign to mcrsink)"
is "$(S ff05::2:3 ttl_max)" 4 "hop limit 8 - 1 capped at 4"
is "$(S ff0e::1234 unique)" 300 "ff0e:: global: all 300"
is "$(S ff0e::1234 ttl_min)/$(S ff0e::1234 ttl_max)" 7/7 "router semantics: hop limit 8 leaves as 7"
is "$(S $SSM6/2001:db8:2::1 received)/$(S $SSM6/2001:db8:2::1 unique)" 300/300 \
   "ff3e:: SSM: only its source's 300"
is "$(S $SSM6/2001:db8:2::1 from)" 2001:db8:2::1 "from the relay's address, as the sink saw it"
is "$(S $SSM6/2001:db8:2::99 received)" 0 "a source-specific sink join of another source: nothing"
is "$(S ff05::46 unique)" 250 "4 -> 6: the 250 IPv4 datagrams arrive as IPv6"
is "$(S ff05::46 ttl_min)/$(S ff05::46 ttl_max)" 5/5 "TTL 9 - 1 capped at 5 becomes the hop limit"
is "$(S 239.6.4.1 unique)" 150 "6 -> 4: the 150 IPv6 datagrams arrive as IPv4"
is "$(S 239.6.4.1 ttl_min)/$(S 239.6.4.1 ttl_max)" 2/2 "hop limit 3 - 1 becomes the TTL"
is "$(S ff0e::6 unique)/$(S ff0e::6 from)" 200/2001:db8:1::1 \
   "source keep: all 200, from the sender's own address (a layer-2 frame)"
is "$(sink_get all "j['total']['corrupted']")" 0 "no datagram corrupted"
ctl relay rule show name x46 | grep -q "via socket"; ok $? "a translating output sends through its socket"
ctl relay -s rule show name x64 | grep -q "^    -> r-out 239.6.4.1:6000 packets 150 "
ok $? "and counts what it sent"

mcrd_counter relay "link r-in" frames >/dev/null
d() { mcrd_drop relay 'link r-in' "$1"; }
is "$(d bad_ext_header)" 70 "extension header beyond the payload or hop-by-hop late: bad_ext_header"
is "$(d fragment)" 20 "IPv6 fragments: fragment, not relayed"
is "$(d jumbogram)" 25 "payload length 0: jumbogram"
is "$(d bad_ip_length)" 35 "payload length past the frame: bad_ip_length"
is "$(d zero_udp_checksum)" 45 "UDP checksum 0: zero_udp_checksum"
is "$(d no_rule)" 200 "the other source's 200 to the SSM group: no_rule"

# --- trace out: IPv6 and translated output copies ---------------------------------
gen src -d s0 -g ff05::1:3 -p 5001 -n 2000 -r 1000 -t 8 -S 2001:db8:1::1 &
G1=$!
gen src -d s0 -g 239.4.6.1 -p 5046 -n 2000 -r 1000 -t 9 &
G2=$!
gen src -d s0 -g ff05::64 -p 5064 -n 2000 -r 1000 -t 3 -S 2001:db8:1::1 &
G3=$!
T='^[0-9:.]+ out 1  '
for k in "site \[2001:db8:2::1\]:[0-9]+ > \[ff05::2:3\]:6000 hlim 4 " \
	 "x46 \[::\]:[0-9]+ > \[ff05::46\]:6000 hlim 5 " \
	 "x64 0\.0\.0\.0:[0-9]+ > 239\.6\.4\.1:6000 ttl 2 "; do
	r=${k%% *}
	ctl relay rule trace name "$r" count 5 out >"$TMP/t-$r.txt" 2>"$TMP/t-$r.err"; rc=$?
	is "$rc:$(cat "$TMP/t-$r.err")" "0:trace of rule $r: 5 frames in, 5 out; count reached" \
	   "trace out of rule $r: 5 frames in, 5 out"
	is "$(grep -Ec "$T${k#* }" "$TMP/t-$r.txt")" 5 "each output copy as sent: ${k#* }"
done
wait "$G1" "$G2" "$G3"

# --- mcrgen/mcrsink over IPv6 on their own (relay ns -> dst, no rule) -----------
sink_start dst feat -i 1 -n 200 --streams 3 --step group --rtp "d0:[ff0e::77:0]:7700"
ok $? "mcrsink --streams 3 --step group --rtp on an IPv6 group"
gen relay -d r-out -g "[ff0e::77:0]" -p 7700 -n 200 -r 20000 --streams 3 --step group --rtp \
	-t 3 --tos 184 -S 2001:db8:2::1
sink_wait feat
is "$(sink_get feat "' '.join(s['group'] for s in j['streams'])")" "ff0e::77:0 ff0e::77:1 ff0e::77:2" \
   "three IPv6 groups stepped in the last bits"
is "$(sink_get feat "[j['total'][k] for k in ('unique', 'lost', 'rtp_breaks', 'corrupted')]")" \
   "[600, 0, 0, 0]" "every packet of the three streams, RTP in sequence"
is "$(sink_get feat "sorted({(s['ttl_min'], s['ttl_max'], s['tos_min'], s['tos_max'], s['from']) for s in j['streams']})")" \
   "[(3, 3, 184, 184, '2001:db8:2::1')]" "mcrgen's hop limit, traffic class and source, as mcrsink saw them"
sink_start dst uni -i 1 -n 100 "d0:[2001:db8:2::2]:7800"
gen relay -d r-out -g 2001:db8:2::2 -p 7800 -n 100 -s 200 -r 2000
sink_wait uni
is "$(sink_get uni "j['total']['unique'], j['total']['lost']")" "(100, 0)" "IPv6 unicast: all 100"
err=$(nsx relay "$BIN/mcrgen" -d r-out -g ff0e::1 -p 7000 -S 198.18.2.1 2>&1)
[ $? -eq 1 ] && [[ "$err" == *"-S 198.18.2.1 is IPv4, -g ff0e::1 IPv6"* ]]
ok $? "mcrgen: a source of the other family, exit 1 with the reason"
err=$("$BIN/mcrsink" d0:ff0e::1:7000 2>&1)
[ $? -eq 1 ] && [[ "$err" == *"an IPv6 GROUP goes in brackets"* ]]
ok $? "mcrsink: a bare IPv6 group, exit 1 with the reason"

# --- rules read back -------------------------------------------------------------
ctl relay rule add name rt6 in dev r-in group ff3e::9 port 7000 source 2001:db8:1::5 \
	out dev r-out group ff0e::9 port 7001 ttl 3
ok $? "mcrctl rule add with IPv6 addresses"
is "$(ctl relay rule show name rt6 | cut -d' ' -f1-9)" \
   "rt6 in r-in [ff3e::9]:7000 source 2001:db8:1::5 -> r-out [ff0e::9]:7001" "text: [G]:P"
is "$(ctl relay -j rule show name rt6 | python3 -c 'import json,sys; r=json.load(sys.stdin)[0]
print(r["in"]["group"], r["in"]["source"], r["out"][0]["group"], r["out"][0]["ttl"])')" \
   "ff3e::9 2001:db8:1::5 ff0e::9 3" "JSON: groups and source as text"
is "$(ctl relay rule show group ff0e::9 | cut -d' ' -f1)" rt6 "show group G6 matches an output group"
ctl relay -c rule show >"$TMP/all.conf"; ok $? "-c rule show"
timeout 10 "$BIN/mcrd" -t -c "$TMP/all.conf" >/dev/null 2>"$TMP/all.err"
ok $? "its output passes the config check"
grep -q 'source = "2001:db8:1::5"' "$TMP/all.conf"; ok $? "with the IPv6 source"
err=$(ctl relay rule add in dev r-in group ff3e::9 port 7000 source 10.0.0.1 out dev r-out 2>&1)
[ $? -ne 0 ] && [[ "$err" == *"source 10.0.0.1 is IPv4, the group IPv6"* ]]
ok $? "an IPv4 source for an IPv6 group is refused with the reason"
is "$(ctl relay rule show | wc -l)" 8 "and nothing else changed"

mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
