#!/bin/bash
# The control socket's 64 client slots, shared by peer uid: floods of idle
# connections (root's, or a group member's) never lock mcrctl out, a group
# member holds at most its share of 16, clients that never read their
# replies are dropped after 10 s, and the log says so in a bounded number of
# lines that still account for every client closed.
TEST_LIMIT=120
. "$(dirname "$0")/lib.sh"
plan 16

FLOOD="$(dirname "$0")/ctlflood.py"
# The system's python: the daemon user may not reach one under root's home.
PY=$(command -v /usr/bin/python3 || command -v python3)
ns_new relay
C=$(conf s <<'CONF'
rules = ( { name = "r"; in = { dev = "r-none"; group = "239.1.1.1"; port = 5001; };
            out = ( { dev = "r-none2"; } ); } );
CONF
)
# The daemon user (in group daemon) reaches the socket through $TMP.
chmod 711 "$TMP"
mcrd_start relay s "$C" -G daemon; ok $? "mcrd starts, its socket given to group daemon"
SOCK="$TMP/s.sock"
LOG="$TMP/mcrd-s.log"
AS_DAEMON=(setpriv --reuid=daemon --regid=daemon --clear-groups)

# flood_start NAME N MODE [AS...]: ctlflood.py holding N connections; waits for "ready".
flood_start() {
	local name=$1 n=$2 mode=$3; shift 3
	mkfifo "$TMP/$name.in"
	"$@" "$PY" "$FLOOD" "$SOCK" "$n" "$mode" <"$TMP/$name.in" >"$TMP/$name.out" 2>&1 &
	eval "FLOOD_PID_$name=$!"
	exec {fd}>"$TMP/$name.in"
	eval "FLOOD_FD_$name=$fd"
	wait_for 30 grep -q ready "$TMP/$name.out"
}
# flood_end NAME: lets it report and exit; prints its "open K" count.  Called
# inside $(...), a subshell, where "wait PID" returns at once (the flood is
# not its child): the count is awaited in the file instead, or a slow flood
# read as an empty answer.
flood_end() {
	local fd; eval "fd=\$FLOOD_FD_$1"
	(echo >&"$fd") 2>/dev/null # in a subshell: a flood that died must not SIGPIPE the test
	exec {fd}>&-
	wait_for 30 grep -q '^open ' "$TMP/$1.out" ||
		{ diag "flood $1 gave no count:" >&2; sed 's/^/#   /' "$TMP/$1.out" >&2; }
	sed -n 's/^open //p' "$TMP/$1.out"
}
# timed_show [AS...]: "RC MS" of one mcrctl rule show.
timed_show() {
	local t0 t1 rc
	t0=$(date +%s%N)
	timeout 10 "$@" "$BIN/mcrctl" -S "$SOCK" rule show >/dev/null 2>"$TMP/show.err"; rc=$?
	t1=$(date +%s%N)
	echo "$rc $(((t1 - t0) / 1000000))"
}
# closed_count: clients the log accounts for as closed to make room (one per
# line logged, plus the N of each "N more").
closed_count() {
	python3 -c 'import re,sys
n=0
for l in open(sys.argv[1]):
    if "to make room for" in l: n += 1
    m = re.search(r"(\d+) more", l)
    if m and "to make room" in l: n += int(m.group(1))
print(n)' "$LOG"
}
closed_is() { [ "$(closed_count)" = "$1" ]; }

# --- root: 300 idle connections ------------------------------------------------
flood_start root 300 idle; ok $? "root holds 300 idle connections"
read -r rc ms <<<"$(timed_show)"
is "$rc" 0 "mcrctl rule show still answers"
cmp_ok "$ms" -lt 2000 "promptly (${ms} ms)"
is "$(flood_end root)" 63 "root's flood kept 63 slots: the newest, beside mcrctl's"
wait_for 5 closed_is 237 # the tick tells the count of the lines held back
is "$(closed_count)" 237 "the log accounts for every client closed to make room (236 + mcrctl's)"
cmp_ok "$(grep -c 'control: ' "$LOG")" -le 6 "in a few lines, not hundreds"

# --- a group member: 100 idle connections; root is not locked out ----------------
sleep 2 # past the rate limit: the next line is logged
flood_start member 100 idle "${AS_DAEMON[@]}"; ok $? "user daemon holds 100 idle connections"
read -r rc ms <<<"$(timed_show)"
is "$rc" 0 "root's mcrctl answers"
cmp_ok "$ms" -lt 2000 "promptly (${ms} ms)"
read -r rc ms <<<"$(timed_show "${AS_DAEMON[@]}")"
is "$rc $((ms < 2000))" "0 1" "so does the member's own, in its share (${ms} ms)"
is "$(flood_end member)" 15 "the member's flood kept 15 slots: its share of 16, less its mcrctl's"
grep -q "control: uid $(id -u daemon) holds its share of 16 client slots: closing its oldest idle" "$LOG"
ok $? "the log names the uid and its share"

# --- clients that never read their replies are dropped after 10 s --------------
flood_start noread 4 noread "${AS_DAEMON[@]}"
read -r rc ms <<<"$(timed_show)"
is "$rc $((ms < 2000))" "0 1" "mcrctl answers beside clients that do not read (${ms} ms)"
wait_for 15 grep -q "control: dropping a client of uid $(id -u daemon) after not reading its replies for 10 s" "$LOG"
ok $? "a client not reading its replies is dropped after 10 s"
flood_end noread >/dev/null
mcrd_stop s
is "$MCRD_RC" 0 "mcrd exits 0"
done_testing
