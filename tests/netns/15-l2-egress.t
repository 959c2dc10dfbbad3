#!/bin/bash
# Layer-2 egress: frames built by mcrd and sent through a transmit ring are
# accepted by the receivers' kernels (checksums right), carry the TTL
# (router semantics, capped), the DSCP and the payload as sent; the source
# address and MAC follow the output interface as they change; an output
# too small for a datagram, one set to egress "socket" and a non-Ethernet
# one send through the UDP socket; a damaged UDP checksum is carried
# through (never laundered) or, before a socket, dropped and counted; a
# bad IPv4 header checksum is dropped and counted; link flaps.
TEST_LIMIT=240
. "$(dirname "$0")/lib.sh"
plan 46

J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
rule_drop() { ctl relay -j -s rule show name "$1" | J "j[0]['drops']['$2']"; }

line_topology
veth relay r-small dst d1 198.18.3.1/24 198.18.3.2/24
ip -n "$NS_relay" link set r-small mtu 1000
ip -n "$NS_dst" link set d1 mtu 1000
# Started directly (not through a shell function), so that $! is python itself.
ip netns exec "$NS_relay" python3 "$(dirname "$0")/tunread.py" tn0 6000 "$TMP/tun.ready" \
	>"$TMP/tun.out" 2>&1 &
TUN=$!
_PIDS+=("$TUN")
wait_for 10 test -e "$TMP/tun.ready"
ip -n "$NS_relay" addr add 198.18.4.1/24 dev tn0
ip -n "$NS_relay" link set tn0 up

C=$(conf relay <<'CONF'
rules = (
  { name = "l2"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; ttl = 4; },
            { dev = "r-small"; group = "239.2.2.4"; port = 6000; },
            { dev = "tn0"; group = "239.2.2.6"; port = 6000; } ); },
  { name = "sock"; in = { dev = "r-in"; group = "239.1.1.2"; port = 5002; };
    out = ( { dev = "r-out"; group = "239.2.2.3"; port = 6000; egress = "socket"; } ); },
  { name = "keep"; in = { dev = "r-in"; group = "239.1.1.3"; port = 5003; };
    out = ( { dev = "r-out"; group = "239.2.2.5"; port = 6000; source = "keep"; } ); },
  { name = "inj"; in = { dev = "r-in"; group = "239.1.1.9"; port = 5009; };
    out = ( { dev = "r-out"; group = "239.2.2.9"; port = 6009; } ); },
  { name = "injs"; in = { dev = "r-in"; group = "239.1.1.10"; port = 5010; };
    out = ( { dev = "r-out"; group = "239.2.2.10"; port = 6010; egress = "socket"; } ); }
);
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
paths=$(ctl relay -j rule show | J "[[o['path'] for o in r['out']] for r in j]")
is "$paths" "[['packet', 'packet', 'socket'], ['socket'], ['packet'], ['packet'], ['socket']]" \
   "egress paths: Ethernet outputs packet, egress socket and the tun socket"
ctl relay rule show name l2 | grep -q "r-out 239.2.2.2:6000 ttl 4 via packet"
ok $? "rule show names the path"

# --- a stream through every kind of output ------------------------------------
sink_start dst s1 -i 2 d0:239.2.2.2:6000 d1:239.2.2.4:6000 d0:239.2.2.3:6000 d0:239.2.2.5:6000
gen src -d s0 -g 239.1.1.1 -p 5001 -n 2000 -r 4000 -s 1400 -t 16 --tos 184 --stream-id 1
gen src -d s0 -g 239.1.1.2 -p 5002 -n 1000 -r 4000 -s 1400 -t 16 --tos 40 --stream-id 2
gen src -d s0 -g 239.1.1.3 -p 5003 -n 1000 -r 4000 -s 200 -t 16 --stream-id 3
sink_wait s1
S() { sink_get s1 "j['streams'][$1]['$2']"; }
is "$(S 0 unique)" 2000 "packet egress: every datagram received"
is "$(S 0 corrupted)" 0 "packet egress: payload as sent"
is "$(S 0 ttl_min)/$(S 0 ttl_max)" 4/4 "packet egress: TTL 16 - 1, capped by ttl 4"
is "$(S 0 tos_min)/$(S 0 tos_max)" 184/184 "packet egress: DSCP EF kept"
is "$(S 0 from)" 198.18.2.1 "packet egress: from the output's address"
is "$(S 1 unique)" 2000 "1400-byte payloads over MTU 1000: every datagram received"
is "$(S 1 ttl_min)/$(S 1 ttl_max)" 15/15 "no cap: TTL 16 - 1"
is "$(S 1 tos_max)" 184 "through the socket too: DSCP kept"
is "$(S 2 unique)" 1000 "egress socket: every datagram received"
is "$(S 2 ttl_min)/$(S 2 tos_min)" 15/40 "egress socket: TTL - 1 and TOS by control message"
is "$(S 2 from)" 198.18.2.1 "egress socket: from the output's address"
is "$(S 3 unique)" 1000 "source keep: every datagram received"
is "$(S 3 from)" 198.18.1.1 "source keep: from the sender's own address"
is "$(S 2 from_port)" "$(S 0 from_port)" "both egress paths send from the same UDP port"
kill -0 "$TUN"; ok $? "tun reader alive"
kill -TERM "$TUN"; wait "$TUN"
is "$(cat "$TMP/tun.out")" "datagrams 2000" "non-Ethernet (tun) output: every datagram through the socket"
is "$(nsx dst nstat -az UdpInCsumErrors | awk '/UdpInCsumErrors/ { print $2 }')" 0 \
   "receivers' kernels: no UDP checksum error"
is "$(nsx dst nstat -az IpExtInCsumErrors | awk '/IpExtInCsumErrors/ { print $2 }')" 0 \
   "receivers' kernels: no IP checksum error"
is "$(ctl relay -j -s rule show name l2 | J "[o['packets'] for o in j[0]['out']]")" "[2000, 2000, 2000]" \
   "per-output counters"

# --- checksums, as the wire has them --------------------------------------------
peek_start() { # peek_start NAME PORT
	ip netns exec "$NS_dst" python3 "$(dirname "$0")/framepeek.py" d0 "$2" "$TMP/peek-$1.ready" \
		>"$TMP/peek-$1.json" &
	eval "PEEK_$1=$!"
	_PIDS+=("$!")
	wait_for 10 test -e "$TMP/peek-$1.ready"
}
peek_stop() { # peek_stop NAME: ends the capture (its JSON is in $TMP/peek-NAME.json)
	local pid; eval "pid=\$PEEK_$1"
	sleep 0.5
	kill -TERM "$pid"; wait "$pid"
}
P() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/peek-$1.json" "$2"; }
csum_errs() { nsx dst nstat -az UdpInCsumErrors | awk '/UdpInCsumErrors/ { print $2 }'; }
inject() { nsx src python3 "$(dirname "$0")/inject.py" s0 "$@"; }

# Listeners, so that the receiver's kernel checks every UDP checksum.  Idle
# 20 s: a dozen python3 starts pass between its first and last datagrams, and
# on a loaded machine 8 s ran out (the last 60 missed).
sink_start dst s3 -i 20 d0:239.2.2.9:6009 d0:239.2.2.10:6010
peek_start a 6009
inject 239.1.1.9 5009 udp_csum 200
peek_stop a
is "$(P a "j['frames']")" 200 "frames from a checksummed sender arrive"
is "$(P a "j['udp_csum_ok']")/$(P a "j['ip_csum_ok']")" 200/200 \
   "their UDP checksum updated incrementally, and the IP header's, are right"
is "$(P a "j['ttls']")" "[15]" "injected TTL 16 leaves with 15"
before=$(csum_errs)
peek_start b 6009
inject 239.1.1.9 5009 bad_udp_csum 50
peek_stop b
is "$(P b "j['frames']")/$(P b "j['udp_csum_ok']")" 50/0 \
   "a damaged UDP checksum is carried through, not laundered"
is "$(( $(csum_errs) - before ))" 50 "and the receiver's kernel drops those 50"
peek_start c 6010
inject 239.1.1.10 5010 bad_udp_csum 40
inject 239.1.1.10 5010 udp_csum 60
peek_stop c
# The socket's frames leave their checksum to the device (offload, as any
# UDP socket's on veth): the receiving kernel trusts them.
is "$(P c "j['frames']")/$(( $(P c "j['udp_csum_ok']") + $(P c "j['udp_csum_offloaded']") ))" 60/60 \
   "before a socket output: the 40 damaged ones are dropped, the 60 good ones go"
is "$(rule_drop injs bad_udp_checksum)" 40 "counted as bad_udp_checksum"
sink_wait s3
is "$(sink_get s3 "j['streams'][0]['received']")/$(sink_get s3 "j['streams'][1]['received']")" \
   200/60 "the listeners got exactly the intact datagrams"
peek_start d 6009
inject 239.1.1.9 5009 bad_ip_csum 30
inject 239.1.1.9 5009 udp_csum 5 1
peek_stop d
is "$(P d "j['frames']")" 0 "bad IPv4 header checksum or TTL 1: nothing relayed"
is "$(ctl relay -j -s link show dev r-in | J "j[0]['drops']['bad_ip_checksum']")" 30 \
   "counted as bad_ip_checksum on the input"
is "$(rule_drop inj ttl_expired)" 5 "TTL 1 counted as ttl_expired"

# --- the output's MAC and address follow the interface --------------------------
ip -n "$NS_relay" link set r-out address 02:12:34:56:78:9a
sleep 0.5 # netlink tells mcrd within milliseconds
peek_start e 6009
inject 239.1.1.9 5009 udp_csum 10
peek_stop e
is "$(P e "j['macs']")" "['02:12:34:56:78:9a']" "a new MAC on the output is followed"
# (Another subnet: an address of the same one would be a secondary, and go
# with the primary.)
ip -n "$NS_relay" addr add 198.18.5.1/24 dev r-out
ip -n "$NS_relay" addr del 198.18.2.1/24 dev r-out
sleep 0.3
peek_start f 6009
inject 239.1.1.9 5009 udp_csum 10
peek_stop f
is "$(P f "j['sources']")/$(P f "j['udp_csum_ok']")" "['198.18.5.1']/10" \
   "a new address on the output is followed, checksums still right"

# --- link flap under traffic ------------------------------------------------------
sink_start dst s2 -i 4 d0:239.2.2.2:6000
gen src -d s0 -g 239.1.1.1 -p 5001 -n 6000 -r 2000 --stream-id 4 &
G=$!
sleep 0.5
ip -n "$NS_relay" link set r-out down
shows() { ctl relay -s rule show name l2 | grep -q "$1"; }
wait_for 5 shows 'interface down'
ok $? "output down: the rule says why it waits"
sleep 0.5
ip -n "$NS_relay" link set r-out up
wait_for 5 shows 'r-out 239.2.2.2:6000 ttl 4 via packet'
ok $? "output up: sending at layer 2 again"
wait "$G"
sink_wait s2
got=$(sink_get s2 "j['streams'][0]['unique']")
cmp_ok "$got" -ge 3500 "after the flap the stream flows again ($got of 6000; about 2000 sent while down)"
cmp_ok "$got" -le 5800 "and what was sent while down is lost ($got)"
is "$(sink_get s2 "j['streams'][0]['corrupted']")" 0 "no corruption across the flap"

# --- what the daemon reports ------------------------------------------------------
J_out=$(ctl relay -j -s rule show name sock)
is "$(echo "$J_out" | J "j[0]['out'][0]['egress']")" socket "JSON: the configured egress"
is "$(echo "$J_out" | J "j[0]['out'][0]['path']")" socket "JSON: the path in use"
is "$(ctl relay -j rule show name keep | J "j[0]['out'][0]['source']")" keep "JSON: source keep"
grep -q 'output dev r-out is sending (packet)' "$TMP/mcrd-relay.log"
ok $? "the log names the path an output sends through"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
is "$(grep -c 'ERROR\|AddressSanitizer' "$TMP/mcrd-relay.log")" 0 "no error in the log"
done_testing
