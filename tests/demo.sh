#!/bin/bash
# make demo: a sender, mcrd and two receivers, each in its own network
# namespace.  mcrd relays one stream to both receivers (rewriting group and
# port for the second), then prints what each receiver got and mcrd's
# counters, and removes everything it made.
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (it creates network namespaces)" >&2
	exit 1
fi
TEST_LIMIT=60
. "$(dirname "$0")/netns/lib.sh" >/dev/null

ns_new sender; ns_new relay; ns_new rx1; ns_new rx2
veth sender eth0 relay in0 198.18.1.1/24 198.18.1.2/24
veth relay out1 rx1 eth0 198.18.2.1/24 198.18.2.2/24
veth relay out2 rx2 eth0 198.18.3.1/24 198.18.3.2/24

C=$(conf demo <<'CONF'
rules = (
  { name = "camera1";
    in  = { dev = "in0"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "out1"; },                                         # same group and port
            { dev = "out2"; group = "239.2.2.2"; port = 6000; ttl = 4; } );  # rewritten
  }
);
CONF
)
echo "== rule file"
cat "$C"
echo "== starting mcrd in namespace $NS_relay"
mcrd_start relay relay "$C" || { cat "$TMP/mcrd-relay.log"; exit 1; }
sink_start rx1 rx1 -i 2 eth0:239.1.1.1:5001 || exit 1
sink_start rx2 rx2 -i 2 eth0:239.2.2.2:6000 || exit 1
echo "== sending 3 s of 1400-byte packets at 10000 pps to 239.1.1.1:5001"
nsx sender "$BIN/mcrgen" -d eth0 -g 239.1.1.1 -p 5001 -s 1400 -r 10000 -n 30000
sink_wait rx1; sink_wait rx2
for r in rx1 rx2; do
	echo "== receiver $r (mcrsink)"
	python3 - "$TMP/sink-$r.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for s in j["streams"]:
    print("  %s %s:%d  received %d  lost %d  duplicated %d  reordered %d  corrupted %d" % (
        s["dev"], s["group"], s["port"], s["received"], s["lost"], s["duplicated"],
        s["reordered"], s["corrupted"]))
PY
done
echo "== mcrctl -s rule show (counters read live from the workers)"
ctl relay -s rule show | sed 's/^/  /'
echo "== mcrctl worker show"
ctl relay worker show | sed 's/^/  /'
mcrd_stop relay
echo "== mcrd stopped (exit $MCRD_RC); namespaces removed"
