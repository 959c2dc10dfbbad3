#!/bin/bash
# An IPv6 output sends only from a usable IPv6 address of its interface:
# with none (addrgenmode none), while its address is tentative (slow
# duplicate address detection), after DAD failed, or with disable_ipv6 it
# waits with "no IPv6 address" (mcrctl text and JSON, the log), and it
# comes alive by itself when DAD completes or a nodad address is added.
# Counted at a real receiver, with the sources it saw: nothing leaves
# before, and then only from the address that passed DAD.  A 4 -> 6
# output (socket egress) waits alike; one that keeps the datagram's source
# needs no address and sends throughout.  The MLD querier takes a
# link-local address as its own only once DAD is done.
. "$(dirname "$0")/lib.sh"
plan 39

U6="$(dirname "$0")/udp6.py"

ns_new src; ns_new relay; ns_new dst
veth src s0 relay r-in 198.18.1.1/24 198.18.1.2/24
# r-out: no address of its own until the test adds one (no link-local
# either), and a DAD of 10 probes 1 s apart, so an address stays tentative
# some 10 s.
ip link add r-out netns "$NS_relay" type veth peer name d0 netns "$NS_dst" ||
	{ echo "Bail out! cannot create veth r-out/d0"; exit 1; }
ip -n "$NS_relay" link set r-out addrgenmode none
nsx relay sysctl -qw net.ipv6.conf.r-out.accept_dad=1 net.ipv6.conf.r-out.dad_transmits=10 \
	net.ipv6.neigh.r-out.retrans_time_ms=1000 >/dev/null
ip -n "$NS_relay" link set r-out up
ip -n "$NS_dst" link set d0 up
for x in "src s0 2001:db8:1::1" "relay r-in 2001:db8:1::2"; do
	set -- $x
	ip -n "${PFX}-$1" addr add "$3/64" dev "$2" nodad
done
lladdr_ready() { ip -n "${PFX}-$1" -6 addr show dev "$2" scope link | grep -q inet6 &&
	! ip -n "${PFX}-$1" -6 addr show dev "$2" tentative | grep -q inet6; }
wait_for 10 lladdr_ready dst d0
wait_for 10 lladdr_ready src s0

C=$(conf relay <<'CONF'
rules = (
  { name = "g6"; in = { dev = "r-in"; group = "ff0e::1:1"; port = 5001; };
    out = ( { dev = "r-out"; group = "ff0e::1234"; port = 6000; } ); },
  { name = "x46"; in = { dev = "r-in"; group = "239.4.6.1"; port = 5046; };
    out = ( { dev = "r-out"; group = "ff05::46"; port = 6000; } ); },
  { name = "keep6"; in = { dev = "r-in"; group = "ff0e::5"; port = 5005; };
    out = ( { dev = "r-out"; group = "ff0e::6"; port = 6000; source = "keep"; } ); },
  { name = "d6"; in = { dev = "r-in"; group = "ff0e::7"; port = 5007; };
    out = ( { dev = "r-out"; group = "ff0e::8"; port = 6000; listeners = true; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"

# outstate RULE: what rule show -s says of its output after its counters
# ("" while it sends, " state pending (REASON)" while it waits).
outstate() { ctl relay -s rule show name "$1" | sed -n 's/^    -> r-out .* errors [0-9]*//p'; }
# paths: each rule's output path in rule show -j (None while it waits).
paths() { ctl relay -j rule show | python3 -c 'import json,sys
print(" ".join("%s:%s" % (r["name"], r["out"][0]["path"]) for r in json.load(sys.stdin)))'; }
# outjson RULE: its output's state and reason in rule show -j ("state:reason").
outjson() { ctl relay -j rule show name "$1" | python3 -c 'import json,sys
o = json.load(sys.stdin)[0]["out"][0]; print("%s:%s" % (o["state"], o["reason"]))'; }
addr6() { ctl relay -j link show dev r-out | python3 -c 'import json,sys
print(" ".join(a for a in json.load(sys.stdin)[0]["addr"] if ":" in a) or "none")'; }
tentative() { ip -n "$NS_relay" -6 addr show dev r-out tentative | grep -q "inet6 $1/"; }
sending() { ctl relay rule show name "$1" | grep -q " via $2 "; }
W='no IPv6 address'

# phase TAG N: the receiver on d0 counts what arrives while src sends N
# datagrams to each rule's input (the three senders at once, so that the
# receiver's idle time, 3 s, does not run out between them on a busy
# machine); results in $TMP/r-TAG.json (see got).
phase() {
	nsx dst python3 "$U6" recv d0 6000 3 "$TMP/r-$1.ready" ff0e::1234 ff05::46 ff0e::6 \
		>"$TMP/r-$1.json" &
	local pid=$! s1 s2 s3
	_PIDS+=("$pid")
	wait_for 5 test -e "$TMP/r-$1.ready"
	nsx src python3 "$U6" send s0 ff0e::1:1 5001 "$2" 8 2001:db8:1::1 & s1=$!
	nsx src python3 "$U6" send s0 239.4.6.1 5046 "$2" 8 & s2=$!
	nsx src python3 "$U6" send s0 ff0e::5 5005 "$2" 8 2001:db8:1::1 & s3=$!
	wait "$s1" "$s2" "$s3" "$pid"
}
# got TAG GROUP FIELD: a field the receiver reported for GROUP in phase TAG.
got() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' \
		"$TMP/r-$1.json" "$2" "$3"
}

# --- no IPv6 address at all ----------------------------------------------------------
is "$(outstate g6)" " state pending ($W)" "no IPv6 address on r-out: the IPv6 output waits"
is "$(outstate x46)" " state pending ($W)" "and so does the 4 -> 6 output (socket egress)"
is "$(outstate keep6)" "" "an output that keeps the source needs none: it sends"
is "$(paths)" "g6:None x46:None keep6:packet d6:None" "rule show -j: no path for the waiting outputs"
is "$(outjson g6)" "pending:$W" "rule show -j: the output's state and why it waits"
grep -q "rule \"g6\": output dev r-out: $W; this output waits" "$TMP/mcrd-relay.log"
ok $? "the log says why the output waits"
phase none 100
is "$(got none ff0e::1234 received)/$(got none ff05::46 received)" 0/0 \
   "nothing leaves the waiting outputs (not even from another interface's address)"
is "$(got none ff0e::6 unique)" 100 "the source-keeping output relays all 100 meanwhile"

# --- an address in duplicate address detection ----------------------------------------
ip -n "$NS_relay" addr add 2001:db8:2::1/64 dev r-out
tentative 2001:db8:2::1; ok $? "r-out's new address is tentative (DAD running)"
is "$(addr6)" none "mcrctl link show: a tentative address is not the link's"
is "$(outstate g6)" " state pending ($W)" "the IPv6 output still waits while DAD runs"
phase dad 100
tentative 2001:db8:2::1; ok $? "the address was tentative all through the traffic"
is "$(got dad ff0e::1234 received)/$(got dad ff05::46 received)" 0/0 \
   "nothing leaves during DAD (no frame from a tentative source)"
wait_for 20 eval '! tentative 2001:db8:2::1'; ok $? "DAD completes"
wait_for 5 sending g6 packet; ok $? "then the IPv6 output sends by itself (layer 2)"
wait_for 5 sending x46 socket; ok $? "and the 4 -> 6 one (socket)"
is "$(paths)" "g6:packet x46:socket keep6:packet d6:None" \
   "rule show -j: every output has its path (d6's waits for listeners)"
is "$(outjson g6)" "active:None" "rule show -j: the output is active, no reason"
is "$(addr6)" 2001:db8:2::1 "link show: the address, now usable"
log_more "$TMP/mcrd-relay.log" 'rule "g6": output dev r-out is sending (packet)' 0
ok $? "logged: the output is sending"
phase live 200
is "$(got live ff0e::1234 unique)/$(got live ff0e::1234 received)" 200/200 \
   "all 200 relayed after DAD"
is "$(got live ff0e::1234 sources)" "['2001:db8:2::1']" "from the address that passed DAD"
is "$(got live ff05::46 unique)/$(got live ff05::46 sources)" "200/['2001:db8:2::1']" \
   "4 -> 6: all 200, from the same address"

# --- removed, then an address whose DAD fails -------------------------------------------
ip -n "$NS_relay" addr del 2001:db8:2::1/64 dev r-out
wait_for 5 eval '[ "$(outstate g6)" = " state pending ($W)" ]'; ok $? "address removed: the output waits again"
ip -n "$NS_dst" addr add 2001:db8:2::99/64 dev d0 nodad
ip -n "$NS_relay" addr add 2001:db8:2::99/64 dev r-out
dadfailed() { ip -n "$NS_relay" -6 addr show dev r-out dadfailed | grep -q "inet6 2001:db8:2::99/"; }
wait_for 10 dadfailed; ok $? "an address d0 already has: DAD fails on r-out"
is "$(outstate g6)/$(addr6)" " state pending ($W)/none" "a DAD-failed address is not used: still waiting"
phase failed 100
is "$(got failed ff0e::1234 received)/$(got failed ff05::46 received)" 0/0 "nothing leaves"

# --- a nodad address: at once ----------------------------------------------------------
ip -n "$NS_relay" addr add 2001:db8:2::5/64 dev r-out nodad
wait_for 5 sending g6 packet; ok $? "a nodad address: the output sends at once"
phase nodad 100
is "$(got nodad ff0e::1234 unique)/$(got nodad ff0e::1234 sources)" "100/['2001:db8:2::5']" \
   "all 100, from the nodad address (not the DAD-failed one)"

# --- the MLD querier's own address: a link-local one, once DAD is done ------------------
# mld FIELDS: r-out's MLD link in group show -j.
mld() { ctl relay -j group show | python3 -c "import json,sys
l=[l for l in json.load(sys.stdin) if l['dev']=='r-out' and l.get('protocol')=='mld'][0]
print($1)"; }
is "$(mld "l['self'], l['querier']")" "none none" "no link-local address: the MLD querier only listens"
ip -n "$NS_relay" addr add fe80::1/64 dev r-out
tentative fe80::1; ok $? "a link-local address in DAD"
is "$(mld "l['self'], l['querier']")" "none none" "the querier does not take it while tentative"
tentative fe80::1; ok $? "(still tentative then)"
wait_for 20 eval '! tentative fe80::1'; ok $? "DAD completes"
querier_is() { [ "$(mld "l['self'], l['querier_self']")" = "$1" ]; }
wait_for 5 querier_is "fe80::1 1"
ok $? "then the relay is querier from it"

# --- IPv6 disabled on the interface -------------------------------------------------------
nsx relay sysctl -qw net.ipv6.conf.r-out.disable_ipv6=1 >/dev/null
wait_for 5 eval '[ "$(outstate g6)" = " state pending ($W)" ]'; ok $? "disable_ipv6: the output waits"
is "$(outstate keep6)" "" "the source-keeping output does not"

mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
