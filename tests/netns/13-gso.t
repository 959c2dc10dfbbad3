#!/bin/bash
# UDP GSO on the outputs that send through a UDP socket (egress =
# "socket"; layer-2 outputs: 19-l2-gso.t) under the file's
# gso = "auto" | "on" | "off".  With
# "on", runs of a rule's packets leave as one GSO send per output: on a veth
# the run crosses whole (a frame longer than the MTU, seen by an AF_PACKET
# capture at the receiver), and the receiver's sockets still get every
# datagram, intact, at its own length, also when two payload sizes
# interleave.  "auto" (the default) keeps GSO off on virtual interfaces such
# as veth, and "off" always: no oversized frame reaches the receiver.
. "$(dirname "$0")/lib.sh"
plan 33

line_topology

# relay_conf MODE: two outputs; MODE "" leaves gso unset (the default).
relay_conf() {
	local g=""
	[ -n "${1:-}" ] && g="gso = \"$1\";"
	conf "gso-${1:-default}" <<CONF
$g
rules = ( { name = "g"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
	    out = ( { dev = "r-out"; group = "239.2.2.1"; port = 6000; egress = "socket"; },
		    { dev = "r-out"; group = "239.2.2.2"; port = 6000; egress = "socket"; } ); } );
CONF
}

# run MODE: 20000 packets of 1400 bytes and 10000 of 600, interleaved, through
# mcrd with gso MODE; sink "s-MODE", capture output in $TMP/cap-MODE.out.
run() {
	local m=${1:-default} gpid
	mcrd_start relay "m$m" "$(relay_conf "${1:-}")" || return 1
	cap_start "$m" dst d0 6000
	sink_start dst "s$m" -i 2 d0:239.2.2.1:6000 d0:239.2.2.2:6000
	gen src -d s0 -g 239.1.1.1 -p 5001 -n 20000 -r 20000 -s 1400 --stream-id 1 &
	gpid=$!
	gen src -d s0 -g 239.1.1.1 -p 5001 -n 10000 -r 10000 -s 600 --stream-id 2
	wait "$gpid"
	sink_wait "s$m"
	cap_stop "$m"
	mcrd_stop "m$m"
}

# check MODE LABEL: every datagram at both outputs, exact bytes, nothing bad.
check() {
	local s="s${1:-default}"
	is "$(sink_get "$s" "[x['unique'] for x in j['streams']]")" "[30000, 30000]" \
		"$2: both outputs get all 30000 datagrams"
	is "$(sink_get "$s" "[x['bytes'] for x in j['streams']]")" "[34000000, 34000000]" \
		"$2: each at its own length (20000 x 1400 + 10000 x 600 bytes)"
	is "$(sink_get "$s" "j['total']['lost'] + j['total']['duplicated'] + j['total']['corrupted']")" 0 \
		"$2: none lost, duplicated or corrupted"
	is "$(sink_get "$s" "j['total']['reordered']")" 0 "$2: in order"
}
oversized() { cap_oversized "$@"; }
frames() { cap_frames "$@"; }

# --- gso = "on" -----------------------------------------------------------------
run on; ok $? "relay with gso = \"on\""
grep -q "UDP GSO: on" "$TMP/mcrd-mon.log"; ok $? "the log names the mode"
check on 'gso = "on"'
cmp_ok "$(oversized on)" -gt 0 "on: runs crossed the veth whole ($(oversized on) oversized of $(frames on) frames captured)"
is "$(mcrd_drop mon 'rule g active' no_tx_slot)" 0 "on: no copy dropped for want of a send slot"
grep -q "stats: rule g out r-out 239.2.2.1:6000 packets 30000 bytes 34000000 errors 0" "$TMP/mcrd-mon.log"
ok $? "on: the output counts 30000 packets and their bytes, not GSO sends"

# --- the default: "auto", which keeps GSO off on a veth -------------------------
run; ok $? "relay with gso unset"
grep -q "UDP GSO: auto (where runs leave as datagrams: through a NIC, or a device without tx-udp-segmentation)" "$TMP/mcrd-mdefault.log"
ok $? "the default is auto"
check "" "default (auto) on a veth"
is "$(oversized default)" 0 "auto: no oversized frame on the veth"
cmp_ok "$(frames default)" -gt 0 "auto: (the capture saw $(frames default) frames)"

# --- gso = "off" ----------------------------------------------------------------
run off; ok $? "relay with gso = \"off\""
check off 'gso = "off"'
is "$(oversized off)" 0 "off: no oversized frame"

# --- gso = "on" where the kernel cannot take a run ------------------------------
# relay_on NAME COUNT SIZE: COUNT packets of SIZE bytes through mcrd NAME
# (gso = "on") to both outputs, received by sink NAME; mcrd keeps running.
relay_on() {
	mcrd_start relay "$1" "$(relay_conf on)" || return 1
	sink_start dst "$1" -i 2 d0:239.2.2.1:6000 d0:239.2.2.2:6000
	gen src -d s0 -g 239.1.1.1 -p 5001 -n "$2" -r 20000 -s "$3"
	sink_wait "$1"
}

# A 3000-byte payload exceeds the 1500-byte output MTU: the GSO send is
# refused (EMSGSIZE) and each datagram goes alone, fragmented.  The input
# takes jumbo frames (MTU 9000 on s0 and r-in).
ip -n "${PFX}-src" link set s0 mtu 9000
ip -n "${PFX}-relay" link set r-in mtu 9000
relay_on big 5000 3000; ok $? "relay with gso = \"on\", jumbo input"
is "$(sink_get big "[x['unique'] for x in j['streams']]")" "[5000, 5000]" \
	"payloads above the output MTU: all 5000 arrive at both outputs (sent alone, fragmented)"
is "$(sink_get big "j['total']['bytes']")" 30000000 "at their full 3000 bytes"
mcrd_stop big
is "$(grep -c 'GSO refused' "$TMP/mcrd-big.log")" 0 "a run too large for the MTU does not turn GSO off"
grep -q "out r-out 239.2.2.1:6000 packets 5000 bytes 15000000 errors 0$" "$TMP/mcrd-big.log"
ok $? "and the output counts 5000 packets, no error"

# An output without checksum offload: older kernels refuse GSO there (EIO,
# and mcrd falls back to single sends with a warning), newer ones
# checksum in software.  Either way every datagram arrives.
# Back to MTU 1500 first: receive slots are sized from the largest MTU at
# start, and at 9000 a ring holds ~900 frames, which a worker slowed by ASan
# overran at 20000 pps (socket_queue drops counted; not this case's subject).
ip -n "${PFX}-src" link set s0 mtu 1500
ip -n "${PFX}-relay" link set r-in mtu 1500
nsx relay ethtool -K r-out tx off >/dev/null 2>&1
relay_on nocsum 20000 1400; ok $? "relay with gso = \"on\", output without checksum offload"
is "$(sink_get nocsum "[x['unique'] for x in j['streams']]")" "[20000, 20000]" \
	"no checksum offload: all 20000 arrive at both outputs"
mcrd_stop nocsum
is "$(grep -c ' errors 0$' "$TMP/mcrd-nocsum.log")" 2 "no send error on either output"
nsx relay ethtool -K r-out tx on >/dev/null 2>&1

# --- a bad value is refused with its line ---------------------------------------
B=$(conf bad <<'CONF'
workers = 1;
gso = "maybe";
rules = ();
CONF
)
timeout 10 "$BIN/mcrd" -t -c "$B" >/dev/null 2>"$TMP/bad.err"
is "$?" 1 "mcrd -t refuses gso = \"maybe\""
grep -q "^$B:2: gso must be \"auto\", \"on\" or \"off\"$" "$TMP/bad.err"
ok $? "with file:line and the values it takes"
done_testing
