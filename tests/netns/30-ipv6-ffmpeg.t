#!/bin/bash
# A real client over IPv6: ffmpeg sends an MPEG-TS stream to an IPv6 group,
# mcrd relays it to another group and port on another link, and ffmpeg
# receives it there; every video frame decodes equal to what was sent.
TEST_LIMIT=${TEST_LIMIT:-120}
. "$(dirname "$0")/lib.sh"
plan 7

line_topology
for x in "src s0 2001:db8:1::1" "relay r-in 2001:db8:1::2" "relay r-out 2001:db8:2::1" \
	 "dst d0 2001:db8:2::2"; do
	set -- $x
	ip -n "${PFX}-$1" addr add "$3/64" dev "$2" nodad
done
lladdr_ready() { ! ip -n "${PFX}-$1" -6 addr show tentative | grep -q inet6; }
for n in src relay dst; do wait_for 10 lladdr_ready "$n"; done

C=$(conf relay <<'CONF'
rules = ( { name = "tv6"; in = { dev = "r-in"; group = "ff05::1:5"; port = 5004; };
            out = ( { dev = "r-out"; group = "ff0e::2:5"; port = 6004; ttl = 8; } ); } );
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts"

if ! command -v ffmpeg >/dev/null; then
	# Not a skip: `make deps` (mk/deps.sh) installs ffmpeg.
	for _ in 1 2 3 4; do ok 1 "ffmpeg is not installed (make deps)"; done
	mcrd_stop relay
	is "$MCRD_RC" 0 "mcrd exits 0"
	done_testing; exit
fi
# The stream, encoded once: 4 s of test pattern, a key frame every 25.
ffmpeg -hide_banner -nostdin -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 -t 4 \
	-c:v mpeg2video -b:v 800k -g 25 -f mpegts "$TMP/in.ts"
ok $? "the MPEG-TS stream to send"
ffmpeg -hide_banner -nostdin -loglevel error -i "$TMP/in.ts" -map 0:v -f framemd5 - |
	grep -v '^#' | awk -F, '{print $NF}' >"$TMP/in.md5"

nsx dst timeout -s INT 40 ffmpeg -hide_banner -nostdin -loglevel info \
	-i 'udp://[ff0e::2:5]:6004?timeout=3000000' -map 0:v -c copy -f mpegts "$TMP/out.ts" \
	>"$TMP/ffrecv.log" 2>&1 &
FR=$!
_PIDS+=("$FR")
wait_for 10 sh -c "ip -n $NS_dst -6 maddr show dev d0 | grep -q ff0e::2:5"
ok $? "the receiving ffmpeg joined ff0e::2:5 (MLD)"
nsx src timeout -s INT 30 ffmpeg -hide_banner -nostdin -loglevel error -re -i "$TMP/in.ts" \
	-map 0 -c copy -f mpegts 'udp://[ff05::1:5]:5004?ttl=16&pkt_size=1316' >"$TMP/ffsend.log" 2>&1
ok $? "ffmpeg sent the stream to ff05::1:5"
wait "$FR"
ffmpeg -hide_banner -nostdin -loglevel error -i "$TMP/out.ts" -map 0:v -f framemd5 - |
	grep -v '^#' | awk -F, '{print $NF}' >"$TMP/out.md5"
is "$(wc -l <"$TMP/out.md5")" "$(wc -l <"$TMP/in.md5")" \
   "the receiver decoded all $(wc -l <"$TMP/in.md5") frames"
cmp -s "$TMP/in.md5" "$TMP/out.md5"; ok $? "each frame equal to the one sent (framemd5)"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
