#!/bin/bash
# The Debian package: build it (make deb), lintian and make man-check,
# install it, check what it installed, relay traffic with the INSTALLED
# binaries, purge it and check that nothing is left.  The machine is left
# as it was, except for the mcrd system user and group, which stay after a
# purge as Debian practice has it.
#
# Skipped when MCR_SKIP_PACKAGE is set, on a machine without dpkg/apt, when
# an mcrd package is already there (this test would purge it), or when
# /run/mcrd exists (an mcrd using it would lose it on purge).
TEST_LIMIT=900 # building the package takes a while
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NTESTS=35
plan $NTESTS

skip_rest() { # skip_rest REASON: every remaining test is skipped
	while [ "$_T" -lt "$NTESTS" ]; do
		_T=$((_T + 1))
		echo "ok $_T # SKIP $1"
	done
	exit 0
}
skip() { _T=$((_T + 1)); echo "ok $_T # SKIP $1"; }

pkg_status() { dpkg-query -W -f='${db:Status-Status}' mcrd 2>/dev/null; }

[ -n "${MCR_SKIP_PACKAGE:-}" ] && skip_rest "MCR_SKIP_PACKAGE is set"
command -v dpkg-query >/dev/null && command -v apt-get >/dev/null ||
	skip_rest "not a Debian system"
case "$(pkg_status)" in
"" | not-installed) ;;
*) skip_rest "an mcrd package is already on this machine ($(pkg_status)); not touching it" ;;
esac
[ -e /run/mcrd ] && skip_rest "/run/mcrd exists: an mcrd may be using it"

# Purge whatever this test installed, however it ends.  `systemd-analyze
# verify` runs man on the unit's Documentation= pages, and man caches them
# formatted in /var/cache/man: those go too, unless they were there before.
INSTALLED=
CATS="/var/cache/man/cat8/mcrd.8.gz /var/cache/man/cat8/mcrctl.8.gz /var/cache/man/cat5/mcrd.conf.5.gz"
CATS_BEFORE=$(ls $CATS 2>/dev/null | tr "\n" " ")
pkg_cleanup() {
	local c
	[ -n "$INSTALLED" ] || return 0
	case "$(pkg_status)" in "" | not-installed) ;; *)
		dpkg --purge mcrd >"$TMP/purge-trap.log" 2>&1 ||
			diag "cleanup: dpkg --purge mcrd failed" ;;
	esac
	for c in $CATS; do
		case " $CATS_BEFORE " in *" $c "*) ;; *) rm -f "$c" ;; esac
	done
}
trap 'pkg_cleanup; cleanup' EXIT

# ---- build and lint
# A clean environment for the nested make: no MAKEFLAGS from `make check`.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$ROOT" O=build deb >"$TMP/deb.log" 2>&1
rc=$?
ok $rc "make deb builds the package"
if [ "$rc" -ne 0 ]; then
	tail -n 30 "$TMP/deb.log" | sed 's/^/#   /'
	echo "Bail out! make deb failed"
	exit 1
fi
ARCH=$(dpkg --print-architecture)
DEB=$(ls "$ROOT"/build/deb/mcrd_*_"$ARCH".deb | tail -n 1)
CHANGES=$(ls "$ROOT"/build/deb/mcrd_*_"$ARCH".changes | tail -n 1)

# lintian checks the .changes and every .deb (and .buildinfo) it lists.
lintian "$CHANGES" >"$TMP/lintian.log" 2>&1
is "$(grep -c '^E: ' "$TMP/lintian.log")" 0 "lintian: no errors"
is "$(grep -c '^W: ' "$TMP/lintian.log")" 0 "lintian: no warnings"
grep '^[EWIP]: ' "$TMP/lintian.log" | sed 's/^/# lintian: /'
# Stricter than lintian on the manual pages: groff -ww and mandoc -Tlint too.
make -s -C "$ROOT" man-check >"$TMP/man.log" 2>&1
ok $? "make man-check: groff, mandoc and man are silent on every manual page"
grep -v '^ok ' "$TMP/man.log" | sed 's/^/#   /'

# ---- install
INSTALLED=1
if ! dpkg -i "$DEB" >"$TMP/install.log" 2>&1; then
	# Missing runtime dependencies: let apt bring them and finish configuring.
	DEBIAN_FRONTEND=noninteractive apt-get install -f -y -q >>"$TMP/install.log" 2>&1
fi
is "$(pkg_status)" installed "dpkg -i installs and configures the package"
[ "$(pkg_status)" = installed ] || { sed 's/^/#   /' "$TMP/install.log"; echo "Bail out! not installed"; exit 1; }

for f in /usr/sbin/mcrd /usr/bin/mcrctl /usr/bin/mcrgen /usr/bin/mcrsink; do
	test -x "$f"; ok $? "installed: $f"
done
grep -qx /etc/mcrd/mcrd.conf /var/lib/dpkg/info/mcrd.conffiles
ok $? "/etc/mcrd/mcrd.conf is a conffile"
grep -qx /etc/default/mcrd /var/lib/dpkg/info/mcrd.conffiles &&
	grep -qx 'MCRD_OPTS=""' /etc/default/mcrd
ok $? "/etc/default/mcrd is a conffile with MCRD_OPTS=\"\""
test -d /etc/mcrd/conf.d && [ -z "$(ls -A /etc/mcrd/conf.d)" ]
ok $? "/etc/mcrd/conf.d/ is there, empty"
missing=""
for m in man1/mcrgen.1 man1/mcrsink.1 man5/mcrd.conf.5 man8/mcrd.8 man8/mcrctl.8; do
	test -f "/usr/share/man/$m.gz" || missing="$missing $m"
done
is "$missing" "" "the five manual pages are installed"
n=$(grep -cE '^net\.(ipv4\.igmp_max_memberships|core\.(rmem_max|wmem_max|optmem_max)) = [0-9]+$' \
	/usr/lib/sysctl.d/60-mcrd.conf 2>/dev/null)
is "$n" 4 "sysctl drop-in /usr/lib/sysctl.d/60-mcrd.conf sets the four limits"
if [ -f "$ROOT/etc/bash-completion/mcrctl" ]; then
	test -f /usr/share/bash-completion/completions/mcrctl
	ok $? "bash completion for mcrctl is installed"
else
	skip "the tree has no etc/bash-completion/mcrctl yet"
fi
test -f /usr/lib/systemd/system/mcrd.service
ok $? "unit installed: /usr/lib/systemd/system/mcrd.service"

# ---- user, rule file, unit
is "$(getent passwd mcrd | cut -d: -f6,7)" "/nonexistent:/usr/sbin/nologin" \
	"system user mcrd exists, without home or login shell"
getent group mcrd >/dev/null
ok $? "group mcrd exists"
/usr/sbin/mcrd -t -c /etc/mcrd/mcrd.conf >"$TMP/check.log" 2>&1
ok $? "the installed mcrd accepts the installed /etc/mcrd/mcrd.conf"
if command -v systemd-analyze >/dev/null; then
	# verify also checks that the Documentation= man pages exist, which
	# needs man-db; without it, that part is skipped.
	man_opt=; command -v man >/dev/null || man_opt=--man=no
	out=$(systemd-analyze verify $man_opt /usr/lib/systemd/system/mcrd.service 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] && [ -z "$out" ]
	ok $? "systemd-analyze verify mcrd.service: clean"
	[ -n "$out" ] && diag "$out"
else
	skip "systemd-analyze is not installed"
fi

# ---- relay with the installed binaries (lib.sh runs $BIN/NAME)
mkdir -p "$TMP/bin"
ln -s /usr/sbin/mcrd /usr/bin/mcrctl /usr/bin/mcrgen /usr/bin/mcrsink "$TMP/bin/"
BIN=$TMP/bin

line_topology
C=$(conf relay <<'CONF'
rules = (
  { name = "cam1";
    in  = { dev = "r-in"; group = "239.1.1.1"; port = 5001; };
    out = ( { dev = "r-out"; group = "239.2.2.2"; port = 6000; ttl = 4; } ); }
);
CONF
)
# -G mcrd as in mcrd.service: the control socket goes to the group mcrd.
mcrd_start relay relay "$C" -G mcrd; ok $? "installed mcrd starts in the relay namespace"
is "$(readlink "/proc/$MCRD_PID_relay/exe")" /usr/sbin/mcrd "the running daemon is /usr/sbin/mcrd"
is "$(stat -c %G:%a "$TMP/relay.sock" 2>&1)" mcrd:660 "-G mcrd: control socket is group mcrd, mode 0660"
sink_start dst rw -i 2 -n 1000 d0:239.2.2.2:6000; ok $? "installed mcrsink joined the rewritten group"
gen src -d s0 -g 239.1.1.1 -p 5001 -n 1000 -r 20000 -s 1000
ok $? "installed mcrgen sent 1000 packets"
sink_wait rw
is "$(sink_get rw "j['total']['unique']")" 1000 "all 1000 packets arrive rewritten to 239.2.2.2:6000"
is "$(sink_get rw "j['total']['lost']")" 0 "no loss"
is "$(sink_get rw "j['total']['corrupted']")" 0 "payload intact"
is "$(ctl relay -s -j rule show name cam1 |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["packets"])' 2>&1)" 1000 \
	"installed mcrctl reports 1000 packets on the rule"
mcrd_stop relay
is "$MCRD_RC" 0 "SIGTERM: the installed mcrd exits 0"

# ---- purge
dpkg --purge mcrd >"$TMP/purge.log" 2>&1
ok $? "dpkg --purge mcrd"
case "$(pkg_status)" in "" | not-installed) r=0 ;; *) r=1 ;; esac
ok $r "dpkg no longer has mcrd (status: '$(pkg_status)')"
left=""
for f in /etc/mcrd /etc/default/mcrd \
	/usr/sbin/mcrd /usr/bin/mcrctl /usr/bin/mcrgen /usr/bin/mcrsink \
	/usr/share/man/man1/mcrgen.1.gz /usr/share/man/man1/mcrsink.1.gz \
	/usr/share/man/man5/mcrd.conf.5.gz /usr/share/man/man8/mcrd.8.gz \
	/usr/share/man/man8/mcrctl.8.gz \
	/usr/lib/sysctl.d/60-mcrd.conf /usr/lib/sysusers.d/mcrd.conf \
	/usr/lib/systemd/system/mcrd.service \
	/usr/share/bash-completion/completions/mcrctl /usr/share/doc/mcrd \
	/etc/systemd/system/multi-user.target.wants/mcrd.service /run/mcrd; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
is "$left" "" "purge leaves nothing behind (conffiles, binaries, man pages, unit, /run/mcrd)"
# mcrd.postrm removes /run/mcrd, which an mcrd started by hand creates:
# check that with a fresh install and purge.
dpkg -i "$DEB" >"$TMP/install2.log" 2>&1 && mkdir -p /run/mcrd &&
	dpkg --purge mcrd >"$TMP/purge2.log" 2>&1 && [ ! -e /run/mcrd ]
ok $? "purge removes a /run/mcrd left by an mcrd started by hand"
case "$(pkg_status)" in "" | not-installed) r=0 ;; *) r=1 ;; esac
ok $r "the machine is back to no mcrd package"
getent passwd mcrd >/dev/null &&
	diag "the mcrd system user and group stay after the purge (Debian practice; deluser --system mcrd)"
done_testing
