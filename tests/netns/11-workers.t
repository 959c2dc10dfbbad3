#!/bin/bash
# The worker pool: 64 streams spread over 2 workers by consistent hashing,
# each delivered exactly once; workers run as the configured user with no
# capabilities; kill -9 of one worker under traffic: its streams resume
# within a second and the other worker's lose nothing; a rule added at
# runtime lands on the worker the hash predicts and only that worker sees its
# traffic; a worker killed after a healthy life (1 s or more) restarts at
# once, one in a crash loop backs off; a configured user that does not exist
# falls back to nobody.
TEST_LIMIT=300
. "$(dirname "$0")/lib.sh"
plan 43

line_topology
rules=""
for i in $(seq 0 63); do
	rules="$rules{ name = \"s$i\"; in = { dev = \"r-in\"; group = \"239.10.0.1\"; port = $((6000 + i)); };
	  out = ( { dev = \"r-out\"; group = \"239.20.0.1\"; port = $((7000 + i)); } ); },"
done
C=$(conf relay <<CONF
workers = 2;
user = "daemon";
rules = ( ${rules%,} );
CONF
)
mcrd_start relay relay "$C"; ok $? "mcrd starts with 2 workers and 64 rules"
J() { python3 -c "import json,sys; j=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
H="$(dirname "$0")/hash.py"

# --- placement ---------------------------------------------------------------
ctl relay -j rule show >"$TMP/rules.json"
# OWNER[i]: the worker the hash predicts for stream i (one Python start for all 64).
read -r -a OWNER <<<"$(python3 "$H" 239.10.0.1 6000 2 64)"
bad=$(python3 -c '
import json, sys
rules = {r["name"]: r["worker"] for r in json.load(open(sys.argv[1]))}
for i, want in enumerate(sys.argv[2:]):
    if rules.get("s%d" % i) != int(want):
        print("# s%d: worker %s, hash says %s" % (i, rules.get("s%d" % i), want), file=sys.stderr)
print(sum(rules.get("s%d" % i) != int(w) for i, w in enumerate(sys.argv[2:])))' "$TMP/rules.json" "${OWNER[@]}")
is "$bad" 0 "every rule is on the worker the consistent hash predicts"
ws=$(ctl relay -j worker show)
is "$(echo "$ws" | J "len(j)")" 2 "worker show lists 2 workers"
is "$(echo "$ws" | J "sum(w['rules'] for w in j)")" 64 "together they own the 64 rules"
cmp_ok "$(echo "$ws" | J "min(w['rules'] for w in j)")" -ge 16 "neither worker is starved of rules"
# Pinned one per CPU when a CPU is left over for the kernel, else not.
if [ "$(nproc)" -gt 2 ]; then want="[0, 1]"; else want="[None, None]"; fi
is "$(echo "$ws" | J "[w['cpu'] for w in j]")" "$want" "pinned to their own CPUs only when one is left over ($(nproc) CPUs)"

# --- privileges ---------------------------------------------------------------
# "daemon" (uid 1 on Debian), not nobody: nobody is also the fallback, so
# only another user tells the configured user from the fallback.
uid=$(id -u daemon)
cmp_ok "$uid" -ne "$(id -u nobody)" "the configured user daemon ($uid) is not nobody"
is "$(grep -c 'not found; workers run as' "$TMP/mcrd-relay.log")" 0 "no fallback warning for an existing user"
is "$(echo "$ws" | J "[w['uid'] for w in j]")" "[$uid, $uid]" "worker show -j reports the configured user's uid"
for w in 0 1; do
	pid=$(echo "$ws" | J "j[$w]['pid']")
	st=/proc/$pid/status
	is "$(awk '/^Uid:/ {print $2 " " $3 " " $4 " " $5}' "$st")" "$uid $uid $uid $uid" \
	   "worker $w runs as the configured user (all four uids)"
	is "$(grep -E '^Cap(Eff|Prm|Bnd|Amb):' "$st" | awk '{print $2}' | sort -u)" 0000000000000000 \
	   "worker $w: CapEff, CapPrm, CapBnd and CapAmb all zero"
	is "$(awk '/^NoNewPrivs:/ {print $2}' "$st")" 1 "worker $w: no_new_privs set"
done

# --- 64 streams, 200k packets: each delivered exactly once ---------------------
n1=0; for i in $(seq 0 63); do [ "${OWNER[$i]}" = 1 ] && n1=$((n1 + 1)); done
ws0=$(ctl relay -j -s worker show)
sink_start dst all -i 3 -n 3125 --streams 64 d0:239.20.0.1:7000
gen src -d s0 -g 239.10.0.1 -p 6000 --streams 64 -n 3125 -r 20000
sink_wait all
ws1=$(ctl relay -j -s worker show)
# Each worker's counters grew by exactly its own streams' packets.
grow() { # grow KEY: per-worker growth of KEY between ws0 and ws1
	python3 -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print([y[sys.argv[3]]-x[sys.argv[3]] for x,y in zip(a,b)])' "$ws0" "$ws1" "$1"
}
want="[$(((64 - n1) * 3125)), $((n1 * 3125))]"
is "$(grow packets_in)" "$want" "worker show: packets_in of each worker grew by its own streams' packets"
is "$(grow packets_out)" "$want" "worker show: packets_out likewise"
is "$(echo "$ws1" | J "[w['drops'] for w in j]")" "[0, 0]" "worker show: drops key present and 0 for both"
is "$(echo "$ws1" | J "sorted(j[0].keys())")" \
   "['cpu', 'drops', 'index', 'packets_in', 'packets_out', 'pid', 'rules', 'uid']" \
   "worker show -j has every key"
# The text form: one line per worker, keys as mcrctl/worker.c prints them.
txt=$(ctl relay -s worker show)
is "$(echo "$txt" | wc -l)" 2 "worker show (text): one line per worker"
for w in 0 1; do
	pat="^worker $w pid $(echo "$ws1" | J "j[$w]['pid']") cpu [a-z0-9]+ uid $uid rules [0-9]+ packets in [0-9]+ out [0-9]+ drops [0-9]+\$"
	echo "$txt" | sed -n "$((w + 1))p" | grep -Eq "$pat"
	ok $? "worker show (text): worker $w line has pid, cpu, uid, rules, packets in/out, drops"
done
is "$(sink_get all "j['total']['unique']")" 200000 "200000 packets over 64 streams all delivered"
is "$(sink_get all "j['total']['duplicated']")" 0 "none delivered twice (each packet reached one worker only)"
is "$(sink_get all "sum(1 for s in j['streams'] if s['unique'] == 3125)")" 64 "every stream complete"

# --- kill -9 one worker under traffic -------------------------------------------
victim=$(echo "$ws" | J "j[0]['pid']")
sink_start dst k -i 3 -n 1500 --streams 64 d0:239.20.0.1:7000
gen src -d s0 -g 239.10.0.1 -p 6000 --streams 64 -n 1500 -r 8000 --stream-id 100 &
G=$!
sleep 4
kill -9 "$victim"
wait $G
sink_wait k
wait_for 5 grep -q "worker 0 (pid $victim) killed by signal 9" "$TMP/mcrd-relay.log"
ok $? "the parent noticed the death"
newpid=$(ctl relay -j worker show | J "j[0]['pid']")
cmp_ok "$newpid" -ne "$victim" "and restarted worker 0 (pid $victim -> $newpid)"
# Per stream: 125 pps.  Streams of the surviving worker lose nothing; those of
# the killed one at most a second's worth (they resume within a second).
read -r lost_other worst <<<"$(python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))["streams"]
own = sys.argv[2:]
print(sum(s["lost"] for s, w in zip(st, own) if w == "1"),
      max(s["lost"] for s, w in zip(st, own) if w != "1"))' "$TMP/sink-k.json" "${OWNER[@]}")"
# Measured at the receiver and at the relay: every packet of the surviving
# worker's streams arrived, and its 3125 + 1500 per stream came in and went
# out.
is "$lost_other" 0 "receiver: the surviving worker's streams lost nothing"
is "$(ctl relay -j -s rule show | J "sorted(set((r['packets'],) + tuple(o['packets'] for o in r['out']) for r in j if r['worker'] == 1))")" \
   "[(4625, 4625)]" "the other worker relayed every packet of its streams, in and out"
cmp_ok "$worst" -le 125 "the killed worker's streams resumed within a second (worst loss $worst packets at 125 pps)"

# --- a runtime rule lands on the predicted worker -------------------------------
ctl relay rule add name rt in dev r-in group 239.11.0.5 port 6500 out dev r-out port 7500
is "$(ctl relay -j rule show name rt | J "j[0]['worker']")" "$(python3 "$H" 239.11.0.5 6500 2)" \
   "a rule added at runtime lands on the worker the hash predicts"
# And its traffic reaches that worker only: its packets_in grows by exactly
# what was sent, the other worker's not at all.
rw=$(python3 "$H" 239.11.0.5 6500 2)
ws0=$(ctl relay -j -s worker show)
sink_start dst rt -i 2 d0:239.11.0.5:7500
gen src -d s0 -g 239.11.0.5 -p 6500 -n 700 -r 5000
sink_wait rt
ws1=$(ctl relay -j -s worker show)
if [ "$rw" = 0 ]; then want="[700, 0]"; else want="[0, 700]"; fi
is "$(grow packets_in)" "$want" "runtime rule's 700 packets counted by worker $rw only"
is "$(sink_get rt "j['total']['unique']")" 700 "and relayed: the receiver got all 700"

# --- restarts: at once after a healthy life, backoff only for a crash loop -------
# One stream of worker 0 at 1000 pps; its silence at the receiver is the
# time from a kill to the restarted worker relaying again.
for i in $(seq 0 63); do [ "${OWNER[$i]}" = 0 ] && break; done
w0pid() { ctl relay -j worker show | J "j[0]['pid']"; }
kill9() { [ "$1" -gt 1 ] && kill -9 "$1"; } # never "kill -9 0": pid 0 means dead
# until_new OLDPID: wait (up to 10 s) for worker 0 to run under a new pid.
until_new() { local end=$((SECONDS + 10)) p; while [ "$SECONDS" -lt "$end" ]; do
	p=$(w0pid); [ "$p" != 0 ] && [ "$p" != "$1" ] && return 0; sleep 0.02; done; return 1; }
# Six kills, each after 1.5 s of healthy running: every restart is immediate
# (before, the third on waited 0.1 s, doubling, and then for the 1 s tick).
sink_start dst kills -i 2 d0:239.20.0.1:$((7000 + i))
gen src -d s0 -g 239.10.0.1 -p $((6000 + i)) -n 16000 -r 1000 &
G=$!
sleep 1
for k in 1 2 3 4 5 6; do p=$(w0pid); kill9 "$p"; until_new "$p"; sleep 1.5; done
wait $G
sink_wait kills
cmp_ok "$(sink_get kills "int(j['streams'][0]['max_silence_ms'])")" -lt 500 \
   "six kills 1.5 s apart: each restart at once (longest silence under 0.5 s)"
is "$(grep -c 'times in a row within' "$TMP/mcrd-relay.log")" 0 "and none of them was taken for a crash loop"
# A crash loop: the worker killed as soon as it is back (found among mcrd's
# children, fast, not through mcrctl), five times.  The waits double from
# 0.1 s: the fifth short life in a row waits 1.6 s.
w1=$(ctl relay -j worker show | J "j[1]['pid']")
# new_w0 OLDPID: prints worker 0's pid once it is not OLDPID (up to 10 s).
new_w0() { local end=$((SECONDS + 10)) c; while [ "$SECONDS" -lt "$end" ]; do
	for c in $(pgrep -P "$MCRD_PID_relay"); do
		[ "$c" != "$w1" ] && [ "$c" != "$1" ] && { echo "$c"; return 0; }; done
	sleep 0.005; done; return 1; }
p=$(w0pid); kill9 "$p"
for k in 1 2 3 4 5; do p=$(new_w0 "$p"); kill9 "$p"; done
t0=$(date +%s%N); new_w0 "$p" >/dev/null; t1=$(date +%s%N)
cmp_ok "$(((t1 - t0) / 1000000))" -ge 1200 "a crash loop backs off: the 5th short life in a row waits 1.6 s"
grep -q "worker 0 died 5 times in a row within 1000 ms of its start: restarting it in 1600 ms" \
	"$TMP/mcrd-relay.log"
ok $? "and the log says so"
# After 2 s of healthy running, one kill restarts it at once again.
sink_start dst after -i 2 d0:239.20.0.1:$((7000 + i))
gen src -d s0 -g 239.10.0.1 -p $((6000 + i)) -n 4000 -r 1000 &
G=$!
sleep 2
kill9 "$(w0pid)"
wait $G
sink_wait after
cmp_ok "$(sink_get after "int(j['streams'][0]['max_silence_ms'])")" -lt 500 \
   "after a crash loop and 2 s of health, a kill restarts it at once (silence under 0.5 s)"
cmp_ok "$(sink_get after "j['streams'][0]['lost']")" -lt 500 "and it lost under half a second's packets"
mcrd_stop relay
is "$MCRD_RC" 0 "mcrd exits 0"

# --- a configured user that does not exist: nobody, with a warning --------------
C=$(conf fb <<CONF
workers = 1;
user = "mcrt-no-such-user";
rules = ( { name = "f"; in = { dev = "r-in"; group = "239.12.0.1"; port = 6000; };
            out = ( { dev = "r-out"; } ); } );
CONF
)
mcrd_start relay fb "$C"; ok $? "mcrd starts with a missing user"
grep -q 'user "mcrt-no-such-user" not found; workers run as "nobody"' "$TMP/mcrd-fb.log"
ok $? "a warning names the missing user and the fallback"
pid=$(ctl fb -j worker show | J "j[0]['pid']")
nobody=$(id -u nobody)
is "$(awk '/^Uid:/ {print $2 " " $3 " " $4 " " $5}' "/proc/$pid/status")" "$nobody $nobody $nobody $nobody" \
   "the worker runs as nobody (all four uids)"
mcrd_stop fb
done_testing
