#!/bin/bash
# The receive ring, made 8 MiB (4096 slots) by rx_ring_mib rather than the
# default 32: while the workers are stopped it fills, the frames past its
# 4096 slots are dropped and counted as socket_queue, and once they run
# again the held frames are relayed and the ring takes new traffic.  A
# restarted worker gets the same socket, its ring left mid-lap: it must
# read new frames at once, and no stale ones.
. "$(dirname "$0")/lib.sh"
plan 12

line_topology

C=$(conf relay <<'CONF'
rx_ring_mib = 8;
rules = ( { name = "r"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
            out = ( { dev = "r-out"; port = 6000; } ); } );
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"
grep -q 'receive rings: 4096 frames of 2048 bytes (8 MiB) per input interface and worker' \
	"$TMP/mcrd-relay.log"
ok $? "the log states the ring's size from rx_ring_mib"

sink_start dst a -i 2 d0:239.1.1.1:6000
gen src -d s0 -g 239.1.1.1 -p 5001 -n 1000 -r 2000 --stream-id 1
sink_wait a
is "$(sink_get a "j['total']['unique']")" 1000 "before: all 1000 packets relayed"

# 10000 packets while no worker runs: the ring (4096 frames at MTU 1500)
# holds the first 4096, the kernel drops the rest.
W=$(pgrep -P "$MCRD_PID_relay" | tr '\n' ' ')
cmp_ok "$(echo $W | wc -w)" -ge 1 "the workers are found ($W)"
sink_start dst b -i 3 d0:239.1.1.1:6000
# shellcheck disable=SC2086
kill -STOP $W
gen src -d s0 -g 239.1.1.1 -p 5001 -n 10000 -r 20000 --stream-id 2
sleep 0.3
# shellcheck disable=SC2086
kill -CONT $W
sink_wait b
is "$(sink_get b "j['total']['unique']")" 4096 "stopped: the 4096 frames the ring held are relayed once the workers run"
is "$(sink_get b "j['total']['corrupted']")" 0 "none of them corrupted"

all_read() { test "$(mcrd_counter relay 'link r-in' frames)" -ge 5096; }
wait_for 5 all_read
frames=$(mcrd_counter relay 'link r-in' frames)
sq=$(mcrd_drop relay 'link r-in' socket_queue)
is "$((frames + sq))" 11000 "every frame is read ($frames) or counted as socket_queue ($sq)"

sink_start dst c -i 2 d0:239.1.1.1:6000
gen src -d s0 -g 239.1.1.1 -p 5001 -n 1000 -r 2000 --stream-id 3
sink_wait c
is "$(sink_get c "j['total']['unique']")" 1000 "after the overflow the ring relays everything again"

# The kernel is now 2000 frames into the ring.  Kill the workers; the
# parent restarts them and hands them the same sockets.
# shellcheck disable=SC2086
kill -9 $W
restarted() { test "$(grep -c 'worker [0-9]* started: pid' "$TMP/mcrd-relay.log")" -ge 4; }
wait_for 10 restarted
ok $? "the killed workers are restarted"
sleep 0.5
sink_start dst d -i 2 d0:239.1.1.1:6000
gen src -d s0 -g 239.1.1.1 -p 5001 -n 1000 -r 2000 --stream-id 4
sink_wait d
is "$(sink_get d "j['total']['unique']")" 1000 "a restarted worker reads its ring from where the kernel writes"
is "$(sink_get d "j['total']['received']")" 1000 "and relays no stale frame (only the 1000 new ones arrive)"

mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
