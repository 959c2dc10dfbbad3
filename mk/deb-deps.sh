#!/bin/sh
# Ensure what `make deb` (no argument) or `make man-check` (argument "man")
# needs is installed; install only what is missing, like mk/deps.sh.
#
#   deb: the packaging tools (dpkg-dev, debhelper, fakeroot, lintian) and
#        the Build-Depends of debian/control.
#   man: groff, mandoc and man-db, for the manual page checks.
set -eu
cd "$(dirname "$0")/.."

installed() { # installed PKG: true when dpkg has PKG fully installed
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=""
need() { for p; do installed "$p" || missing="$missing $p"; done; }

case "${1:-deb}" in
man) need groff mandoc man-db ;;
deb) need dpkg-dev debhelper fakeroot lintian ;;
*) echo "usage: $0 [deb|man]" >&2; exit 1 ;;
esac

apt_install() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "mk/deb-deps.sh: missing:$*" >&2
		echo "mk/deb-deps.sh: run as root, or: apt-get install$*" >&2
		exit 1
	fi
	echo "mk/deb-deps.sh: installing:$*"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "$@"
}

# shellcheck disable=SC2086
[ -z "$missing" ] || apt_install $missing

# The Build-Depends of debian/control, which dpkg-buildpackage checks.
if [ "${1:-deb}" = deb ] && ! dpkg-checkbuilddeps >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		dpkg-checkbuilddeps >&2 || true
		echo "mk/deb-deps.sh: run as root, or: apt-get build-dep ./" >&2
		exit 1
	fi
	echo "mk/deb-deps.sh: installing the build dependencies"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get build-dep -y -q --no-install-recommends ./
fi
