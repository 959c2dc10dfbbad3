#!/bin/bash
# Layer-2 egress with GSO.  Where the output device does not take UDP GSO
# itself (tx-udp-segmentation off, as on a NIC without UDP segmentation
# offload), gso = "auto" (the default) sends a run of a rule's datagrams to
# each layer-2 output as one GSO frame, which the relay's own kernel cuts
# into datagrams before the device: the receiver sees one frame per
# datagram (none longer than the MTU), every datagram intact, in order, at
# its own length, with the TTL, TOS and source address of the frame-by-frame
# path, and its kernel finds every checksum right.  On a device that takes
# UDP GSO (a veth's default) "auto" sends frame by frame, since a run would
# cross whole; without checksum offload the kernel completes each
# datagram's checksum; gso = "off" never uses it; a damaged UDP checksum never goes
# into a GSO frame: it is carried through frame by frame and the receiver's
# kernel drops it.
. "$(dirname "$0")/lib.sh"
plan 30

J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
line_topology
uso() { nsx relay ethtool -K r-out tx-udp-segmentation "$1" >/dev/null; }
csum_errs() { nsx dst nstat -az UdpInCsumErrors | awk '/UdpInCsumErrors/ { print $2 }'; }

# conf_l2 NAME [GSO]: two layer-2 outputs on r-out, the second keeping the source.
conf_l2() {
	local g=""
	[ -n "${2:-}" ] && g="gso = \"$2\";"
	conf "$1" <<CONF
$g
rules = ( { name = "g"; in = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
	    out = ( { dev = "r-out"; group = "239.2.2.1"; port = 6000; ttl = 8; },
		    { dev = "r-out"; group = "239.2.2.2"; port = 6000; source = "keep"; } ); } );
CONF
}

# run NAME [GSO]: 20000 packets of 1400 bytes at 20000 pps, then 5000 of
# 1400 and 5000 of 600 interleaved, through mcrd NAME to both outputs;
# sink NAME, frame capture in $TMP/cap-NAME.out, mcrctl -s -j in $TMP/NAME.json.
run() {
	local gpid
	mcrd_start relay "$1" "$(conf_l2 "$1" "${2:-}")" || return 1
	cap_start "$1" dst d0 6000
	sink_start dst "$1" -i 3 d0:239.2.2.1:6000 d0:239.2.2.2:6000
	gen src -d s0 -g 239.1.1.1 -p 5001 -n 20000 -r 20000 -s 1400 -t 16 --tos 184 --stream-id 1
	gen src -d s0 -g 239.1.1.1 -p 5001 -n 5000 -r 5000 -s 1400 -t 16 --tos 184 --stream-id 2 &
	gpid=$!
	gen src -d s0 -g 239.1.1.1 -p 5001 -n 5000 -r 5000 -s 600 -t 16 --tos 184 --stream-id 3
	wait "$gpid"
	sink_wait "$1"
	cap_stop "$1"
	ctl "$1" -j -s rule show name g >"$TMP/$1.json"
	mcrd_stop "$1"
}
S() { sink_get "$1" "$2"; }
O() { J "$2" <"$TMP/$1.json"; } # O NAME EXPR: of the rule as mcrctl -s -j showed it
frames() { cap_frames "$@"; }
oversized() { cap_oversized "$@"; }

# --- auto, on a device without UDP GSO: GSO frames, cut before the device -------
uso off
errs0=$(csum_errs)
run auto; ok $? "relay with gso unset (auto), r-out without tx-udp-segmentation"
if grep -q "UDP GSO refused" "$TMP/mcrd-auto.log"; then
	GSO_SKIP="this kernel takes no UDP GSO from a packet socket (before 6.2)"
fi
is "$(O auto "[o['path'] for o in j[0]['out']]")" "['packet', 'packet']" "both outputs send at layer 2"
if [ -n "${GSO_SKIP:-}" ]; then
	ok 0 "# SKIP $GSO_SKIP"
	ok 0 "# SKIP $GSO_SKIP"
else
	o=$(O auto "min(o['gso'] for o in j[0]['out'])")
	cmp_ok "$o" -gt 0 "runs left as GSO frames on both outputs ($o datagrams at least)"
	is "$(O auto "[o['packets'] for o in j[0]['out']]")" "[30000, 30000]" \
		"each output counts all 30000 datagrams, GSO or not"
fi
is "$(S auto "[x['unique'] for x in j['streams']]")" "[30000, 30000]" \
	"both receivers get all 30000 datagrams"
is "$(S auto "[x['bytes'] for x in j['streams']]")" "[38000000, 38000000]" \
	"each at its own length (25000 x 1400 + 5000 x 600 bytes)"
is "$(S auto "j['total']['lost'] + j['total']['duplicated'] + j['total']['corrupted']")" 0 \
	"none lost, duplicated or corrupted"
is "$(S auto "j['total']['reordered']")" 0 "in order"
is "$(frames auto)" 60000 "the receiver's veth saw one frame per datagram (60000)"
is "$(oversized auto)" 0 "none longer than the MTU: no run crossed whole"
is "$(S auto "[(x['ttl_min'], x['ttl_max']) for x in j['streams']]")" "[(8, 8), (15, 15)]" \
	"TTL 16 - 1, capped at 8 on the first output"
is "$(S auto "[(x['tos_min'], x['tos_max']) for x in j['streams']]")" "[(184, 184), (184, 184)]" \
	"DSCP EF kept"
is "$(S auto "[x['from'] for x in j['streams']]")" "['198.18.2.1', '198.18.1.1']" \
	"from the output's address, and the sender's own with source keep"
is "$(( $(csum_errs) - errs0 ))" 0 "the receiver's kernel found every UDP checksum right"

# --- auto, on a device that takes UDP GSO (a veth's default): frame by frame -----
uso on
run uso_on; ok $? "relay with gso unset (auto), r-out with tx-udp-segmentation (a veth's default)"
is "$(O uso_on "[o['gso'] for o in j[0]['out']]")" "[0, 0]" "no GSO frame: a run would cross whole"
is "$(S uso_on "[x['unique'] for x in j['streams']]")" "[30000, 30000]" "every datagram arrives"
is "$(oversized uso_on)" 0 "and no frame longer than the MTU"

# --- a device without checksum offload: the kernel completes each datagram's -----
uso off
nsx relay ethtool -K r-out tx off >/dev/null 2>&1
errs0=$(csum_errs)
run nocsum; ok $? "relay with gso unset, r-out without tx-udp-segmentation and checksum offload"
is "$(S nocsum "[x['unique'] for x in j['streams']]")" "[30000, 30000]" "every datagram arrives"
is "$(( $(csum_errs) - errs0 ))" 0 "with a right checksum"
o=$(O nocsum "min(o['gso'] for o in j[0]['out'])")
[ "$o" -gt 0 ] || grep -q "UDP GSO refused" "$TMP/mcrd-nocsum.log"
ok $? "in GSO frames ($o datagrams at least), or refused with a warning"
nsx relay ethtool -K r-out tx on >/dev/null 2>&1

# --- off -------------------------------------------------------------------------
uso off
run off off; ok $? "relay with gso = \"off\", r-out without tx-udp-segmentation"
is "$(O off "[o['gso'] for o in j[0]['out']]")" "[0, 0]" "gso = \"off\": no GSO frame"
is "$(S off "[x['unique'] for x in j['streams']]")" "[30000, 30000]" "every datagram arrives"

# --- a damaged UDP checksum goes frame by frame, carried through ----------------
# Injected back to back (a run, were they sound); the checksummed ones too:
# neither comes from this host, and nobody verified them, so neither may
# leave with a checksum the device makes.
mcrd_start relay inj "$(conf_l2 inj)" || ok 1 "mcrd inj"
sink_start dst inj -i 10 d0:239.2.2.1:6000
errs0=$(csum_errs)
nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 bad_udp_csum 50
nsx src python3 "$(dirname "$0")/inject.py" s0 239.1.1.1 5001 udp_csum 60
sink_wait inj
is "$(sink_get inj "j['streams'][0]['received']")" 60 "the 60 intact datagrams arrive"
is "$(( $(csum_errs) - errs0 ))" 50 "the 50 damaged ones reach the receiver's kernel damaged, and it drops them"
is "$(ctl inj -j -s rule show name g | J "[o['gso'] for o in j[0]['out']]")" "[0, 0]" \
	"none of them in a GSO frame"
is "$(ctl inj -j -s rule show name g | J "[o['packets'] for o in j[0]['out']]")" "[110, 110]" \
	"all 110 sent on both outputs"
mcrd_stop inj
is "$MCRD_RC" 0 "mcrd exits 0"
