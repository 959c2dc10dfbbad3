#!/bin/bash
# Forwarding loops through two and three mcrd instances die out.  With
# router semantics (the default) each relay takes one off the TTL, so a
# datagram makes at most TTL hops; with fixed_ttl outputs (TTL never
# spent) the loop guard drops a payload that comes round again.  Without
# the guard the same loop storms: the test shows that it would.
TEST_LIMIT=240
. "$(dirname "$0")/lib.sh"
plan 26

J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
rule_drop() { ctl "$1" -j -s rule show name "$2" | J "j[0]['drops']['$3']"; }

# count_start NAME NS DEV: count the UDP frames to port 5001 arriving on DEV.
count_start() {
	rm -f "$TMP/count-$1.ready"
	ip netns exec "${PFX}-$2" python3 "$(dirname "$0")/framecount.py" "$3" 5001 1500 \
		"$TMP/count-$1.ready" >"$TMP/count-$1.out" &
	eval "COUNT_$1=$!"
	_PIDS+=("$!")
	wait_for 10 test -e "$TMP/count-$1.ready"
}
# count_stop NAME: the number of frames counted, in N (not in a subshell:
# the counter is this shell's child).
count_stop() {
	local pid; eval "pid=\$COUNT_$1"
	kill -TERM "$pid"; wait "$pid"
	N=$(sed -n 's/^frames \([0-9]*\).*/\1/p' "$TMP/count-$1.out")
}

# --- two relays: A (r0 -> rl; rb -> rl, r1) and B (qi -> qo), wired A.rl -> B.qi, B.qo -> A.rb
ns_new src; ns_new a; ns_new b; ns_new sink
veth src s0 a r0 198.18.10.1/24 198.18.10.2/24
veth a rl b qi 198.18.11.1/24 198.18.11.2/24
veth b qo a rb 198.18.12.1/24 198.18.12.2/24
veth a r1 sink k1 198.18.13.1/24 198.18.13.2/24

two_relays() { # two_relays OUTPUT_SETTING LOOP_GUARD_MS
	A=$(conf a <<-CONF
		loop_guard_ms = $2;
		rules = (
		  { name = "in"; in = { dev = "r0"; group = "239.7.7.7"; port = 5001; };
		    out = ( { dev = "rl"; $1 } ); },
		  { name = "back"; in = { dev = "rb"; group = "239.7.7.7"; port = 5001; };
		    out = ( { dev = "rl"; $1 }, { dev = "r1"; $1 } ); }
		);
	CONF
	)
	B=$(conf b <<-CONF
		loop_guard_ms = $2;
		rules = ( { name = "fwd"; in = { dev = "qi"; group = "239.7.7.7"; port = 5001; };
		            out = ( { dev = "qo"; $1 } ); } );
	CONF
	)
	mcrd_start a a "$A" && mcrd_start b b "$B"
}

# Router semantics: TTL 16 from the sender; A sends it on rl with 15, 13,
# 11, ..., 1 (each lap through B and back takes two off), and B drops the 1.
two_relays "" 100; ok $? "two relays in a loop start (router semantics)"
count_start rl b qi
gen src -d s0 -g 239.7.7.7 -p 5001 -n 100 -r 200 -t 16 --stream-id 1
sleep 1
count_stop rl; n=$N
is "$n" 800 "each datagram crosses A->B 8 times (TTL 15, 13, ..., 1), then dies"
count_start quiet b qi
sleep 1
count_stop quiet; is "$N" 0 "a second after the sender stopped: the loop is quiet"
is "$(rule_drop b fwd ttl_expired)" 100 "B drops each datagram at TTL 1 (ttl_expired)"
mcrd_stop a; mcrd_stop b

# Fixed TTL with the loop guard: A relays the datagram once more from rb,
# then B (and A) see the payload come round and drop it.
two_relays "fixed_ttl = 1;" 100; ok $? "two relays with fixed-TTL outputs start"
count_start rl b qi
gen src -d s0 -g 239.7.7.7 -p 5001 -n 100 -r 200 -t 16 --stream-id 2
sleep 1
count_stop rl; n=$N
cmp_ok "$n" -le 300 "fixed TTL: the loop guard stops each datagram at its first return ($n frames on A->B)"
cmp_ok "$n" -ge 100 "and every datagram went through once ($n)"
count_start quiet b qi
sleep 1
count_stop quiet; is "$N" 0 "a second after the sender stopped: the loop is quiet"
loops=$(( $(rule_drop a back loop) + $(rule_drop b fwd loop) ))
cmp_ok "$loops" -ge 100 "the returning copies are counted as loop ($loops)"
mcrd_stop a; mcrd_stop b

# The same without the guard: a storm (what the guard prevents), stopped by
# stopping the relays.
two_relays "fixed_ttl = 1;" 0; ok $? "two relays with fixed TTL and no loop guard start"
count_start storm b qi
gen src -d s0 -g 239.7.7.7 -p 5001 -n 5 -r 100 -t 16 --stream-id 3
sleep 1
mcrd_stop a; mcrd_stop b
count_stop storm; n=$N
cmp_ok "$n" -ge 1000 "without the guard 5 datagrams circulate for ever ($n frames in a second)"

# --- three relays in a ring: A.x0 -> B.y0, B.y1 -> C.z0, C.z1 -> A.x1 --------------
ns_new c
veth a x0 b y0 198.18.20.1/24 198.18.20.2/24
veth b y1 c z0 198.18.21.1/24 198.18.21.2/24
veth c z1 a x1 198.18.22.1/24 198.18.22.2/24
veth src s1 a x2 198.18.23.1/24 198.18.23.2/24
three_relays() { # three_relays OUTPUT_SETTING
	A=$(conf a3 <<-CONF
		rules = (
		  { name = "src"; in = { dev = "x2"; group = "239.7.7.8"; port = 5001; };
		    out = ( { dev = "x0"; $1 } ); },
		  { name = "ring"; in = { dev = "x1"; group = "239.7.7.8"; port = 5001; };
		    out = ( { dev = "x0"; $1 } ); } );
	CONF
	)
	B=$(conf b3 <<-CONF
		rules = ( { name = "ring"; in = { dev = "y0"; group = "239.7.7.8"; port = 5001; };
		            out = ( { dev = "y1"; $1 } ); } );
	CONF
	)
	C=$(conf c3 <<-CONF
		rules = ( { name = "ring"; in = { dev = "z0"; group = "239.7.7.8"; port = 5001; };
		            out = ( { dev = "z1"; $1 } ); } );
	CONF
	)
	mcrd_start a a3 "$A" && mcrd_start b b3 "$B" && mcrd_start c c3 "$C"
}
# TTL 16: A sends it on x0 with 15, then every lap (3 hops) takes 3 off:
# 15, 12, 9, 6, 3; B drops what arrives with TTL 3 - 2 = ... see below.
three_relays ""; ok $? "three relays in a ring start (router semantics)"
count_start ring b y0
gen src -d s1 -g 239.7.7.8 -p 5001 -n 100 -r 200 -t 16 --stream-id 4
sleep 1
count_stop ring; is "$N" 500 "each datagram crosses A->B 5 times (TTL 15, 12, 9, 6, 3), then dies"
count_start quiet b y0
sleep 1
count_stop quiet; is "$N" 0 "the ring is quiet a second after the sender stopped"
mcrd_stop a3; mcrd_stop b3; mcrd_stop c3

three_relays "fixed_ttl = 2;"; ok $? "three relays with fixed-TTL outputs start"
count_start ring b y0
gen src -d s1 -g 239.7.7.8 -p 5001 -n 100 -r 200 -t 16 --stream-id 5
sleep 1
count_stop ring; n=$N
cmp_ok "$n" -le 200 "fixed TTL in a ring: stopped at the first return ($n frames on A->B)"
cmp_ok "$n" -ge 100 "every datagram went round once ($n)"
count_start quiet b y0
sleep 1
count_stop quiet; is "$N" 0 "the ring is quiet a second after the sender stopped"
mcrd_stop a3; mcrd_stop b3; mcrd_stop c3

# --- false positives: the guard against legitimate repeats ------------------
# One relay, fixed TTL (what the guard watches), default 100 ms window.
# Distinct payloads at 20k pps (2000 in each window, more than its 1024
# entries) lose nothing; an identical payload repeated every 300 ms, as
# SSDP and mDNS repeat theirs, loses nothing; the same payload twice within
# 1 ms loses the second, counted as loop.
G=$(conf g <<-CONF
	rules = ( { name = "ssdp"; in = { dev = "r0"; group = "239.7.7.9"; port = 5001; };
	            out = ( { dev = "r1"; fixed_ttl = 1; } ); } );
CONF
)
mcrd_start a g "$G"; ok $? "one relay with a fixed-TTL output starts"
count_start fp sink k1
gen src -d s0 -g 239.7.7.9 -p 5001 -n 20000 -r 20000 -t 16 --stream-id 6
sleep 0.5
count_stop fp
is "$N" 20000 "20000 distinct payloads at 20k pps: every one relayed"
is "$(rule_drop g ssdp loop)" 0 "and none counted as loop"
# same_payload GAP_S COUNT: send one fixed payload COUNT times, GAP_S apart.
same_payload() {
	nsx src python3 -c '
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 16)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("198.18.10.1"))
msg = b"NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nNTS: ssdp:alive\r\n\r\n"
for i in range(int(sys.argv[2])):
    s.sendto(msg, ("239.7.7.9", 5001))
    time.sleep(float(sys.argv[1]))
' "$1" "$2"
}
count_start rep sink k1
same_payload 0.3 5
count_stop rep
is "$N" 5 "one payload repeated 5 times, 300 ms apart: all 5 relayed"
is "$(rule_drop g ssdp loop)" 0 "and none counted as loop"
count_start twice sink k1
same_payload 0.001 2
sleep 0.2
count_stop twice
is "$N" 1 "the same payload twice within 1 ms: the repeat is dropped"
is "$(rule_drop g ssdp loop)" 1 "and counted as loop"
mcrd_stop g
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
