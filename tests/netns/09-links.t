#!/bin/bash
# Netlink reconciliation: rules wait for missing interfaces and come alive
# on their own; a missing output leaves the others flowing; link down/up,
# delete and re-create, rename, address removal, and a storm of unrelated
# link events are all followed without a command.
#
# The sender and the receivers sit behind bridges (br0), so the veths on the
# relay's side can be deleted and re-created while their sockets stay put.
TEST_LIMIT=240
. "$(dirname "$0")/lib.sh"
plan 20

ns_new src; ns_new relay; ns_new dst
# Bridges without IGMP snooping: a snooping bridge holds a group for ~2 s
# after its last host leaves, so a receiver re-joining within that window
# would miss the first packets for reasons unrelated to mcrd.
ip -n "$NS_src" link add br0 type bridge mcast_snooping 0; ip -n "$NS_src" addr add 198.18.1.1/24 dev br0
ip -n "$NS_src" link set br0 up
for i in 1 2; do
	ip -n "$NS_dst" link add "br$i" type bridge mcast_snooping 0
	ip -n "$NS_dst" addr add "198.18.1$i.2/24" dev "br$i"
	ip -n "$NS_dst" link set "br$i" up
done
mk_in() {  # the input veth r-in, its peer enslaved to the sender's bridge
	veth src s0 relay r-in "" 198.18.1.2/24 && ip -n "$NS_src" link set s0 master br0
}
mk_out() { # mk_out N: output veth r-outN, its peer enslaved to the receiver's brN
	veth relay "r-out$1" dst "d$1" "198.18.1$1.1/24" "" && ip -n "$NS_dst" link set "d$1" master "br$1"
}
logged() { wait_for "${2:-5}" grep -q "$1" "$TMP/mcrd-relay.log"; }
# phase N: send N packets, print "got-on-out1 got-on-out2" (runs in $( ), so
# the phase number comes from a counter file)
phase() {
	local n=$1 PH
	PH=$(($(cat "$TMP/phase" 2>/dev/null || echo 0) + 1)); echo "$PH" >"$TMP/phase"
	sink_start dst "p$PH" -i 1.5 br1:239.2.0.1:6000 br2:239.2.0.2:6000 || return 1
	gen src -d br0 -g 239.1.0.1 -p 5001 -n "$n" -r 5000 --stream-id "$PH"
	sink_wait "p$PH"
	sink_get "p$PH" "' '.join(str(s['unique']) for s in j['streams'])"
	# Where packets went, for the record when a phase comes up short.
	echo "# phase $PH: sender s0 tx $(nsx src cat /sys/class/net/s0/statistics/tx_packets)," \
		"r-in rx $(nsx relay cat /sys/class/net/r-in/statistics/rx_packets 2>/dev/null)," \
		"mcrd frames $(mcrd_counter relay 'link r-in' frames)" >&2
}

C=$(conf relay <<'CONF'
rules = ( { name = "a"; in = { dev = "r-in"; group = "239.1.0.1"; port = 5001; };
            out = ( { dev = "r-out1"; group = "239.2.0.1"; port = 6000; },
                    { dev = "r-out2"; group = "239.2.0.2"; port = 6000; } ); } );
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts before any of its interfaces exist"
logged 'rule "a": input interface not found (r-in); the rule waits'; ok $? "the rule is pending: input interface not found"
mk_in; mk_out 1; mk_out 2
logged 'rule "a" is active'; ok $? "the rule becomes active once the veths exist"
logged 'output dev r-out2 is sending'; ok $? "its outputs start sending"
is "$(phase 500)" "500 500" "traffic relayed to both outputs, no command given"

# One output missing: the other keeps flowing, and it comes back by itself.
ip -n "$NS_relay" link del r-out2
logged 'output dev r-out2: interface not found; this output waits'; ok $? "deleted output waits"
is "$(phase 500)" "500 0" "the other output keeps flowing"
mk_out 2
wait_for 5 test "$(grep -c 'output dev r-out2 is sending' "$TMP/mcrd-relay.log")" -ge 2
ok $? "re-created output sends again"
is "$(phase 500)" "500 500" "both outputs relay again"

# Link down/up under traffic, then full delivery.
gen src -d br0 -g 239.1.0.1 -p 5001 -n 4000 -r 4000 --stream-id 90 &
G=$!
sleep 0.3; ip -n "$NS_relay" link set r-in down
logged 'rule "a": input interface down (r-in)'; ok $? "input down: the rule is pending"
sleep 0.3; ip -n "$NS_relay" link set r-in up
wait_for 5 test "$(grep -c 'rule "a" is active' "$TMP/mcrd-relay.log")" -ge 2; ok $? "input up: active again"
wait $G
is "$(phase 500)" "500 500" "traffic resumes after link down/up"

# Delete and re-create the input under traffic: new ifindex, new socket, re-joined.
gen src -d br0 -g 239.1.0.1 -p 5001 -n 4000 -r 4000 --stream-id 91 &
G=$!
sleep 0.3; ip -n "$NS_relay" link del r-in
sleep 0.3; mk_in
wait $G
wait_for 5 test "$(grep -c 'rule "a" is active' "$TMP/mcrd-relay.log")" -ge 3; ok $? "re-created input: active again"
is "$(phase 500)" "500 500" "traffic resumes after delete and re-create"

# Rename an output away and back; remove and restore its address.
ip -n "$NS_relay" link set r-out1 down; ip -n "$NS_relay" link set r-out1 name r-tmp
ip -n "$NS_relay" link set r-tmp up
is "$(phase 300)" "0 300" "renamed output stops; the other flows"
ip -n "$NS_relay" link set r-tmp down; ip -n "$NS_relay" link set r-tmp name r-out1
ip -n "$NS_relay" link set r-out1 up
wait_for 5 test "$(grep -c 'output dev r-out1 is sending' "$TMP/mcrd-relay.log")" -ge 2
is "$(phase 300)" "300 300" "renamed back: it sends again"
ip -n "$NS_relay" addr del 198.18.11.1/24 dev r-out1
logged 'output dev r-out1: no IPv4 address; this output waits'; ok $? "address removed: the output waits"
ip -n "$NS_relay" addr add 198.18.11.1/24 dev r-out1
wait_for 5 test "$(grep -c 'output dev r-out1 is sending' "$TMP/mcrd-relay.log")" -ge 3
ok $? "address restored: the output sends again"

# A netlink storm: 300 unrelated interfaces created and deleted in a burst.
for i in $(seq 1 300); do echo "link add st$i type dummy"; done >"$TMP/add.batch"
for i in $(seq 1 300); do echo "link del st$i"; done >"$TMP/del.batch"
ip -n "$NS_relay" -batch "$TMP/add.batch" && ip -n "$NS_relay" -batch "$TMP/del.batch"
sleep 1
kill -0 "$MCRD_PID_relay"; ok $? "mcrd survives the storm"
is "$(phase 500)" "500 500" "after the storm the table is correct: both outputs relay"
done_testing
