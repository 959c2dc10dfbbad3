#!/bin/sh
# Ensure the Debian build and test dependencies are present; install only
# what pkg-config or command -v cannot find.  Used by `make check`/`make demo`.
# libmicrohttpd serves /metrics; python3-prometheus-client and tcpdump are
# for the netns tests (the metrics parser, reading traces back).
# `sh mk/deps.sh fuzz` (make fuzz, make fuzz-smoke) also wants clang and
# libFuzzer (libclang-rt-14-dev); `sh mk/deps.sh valgrind` wants valgrind.
set -eu

mode=${1:-}

missing=""
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }

command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
if command -v pkg-config >/dev/null 2>&1; then
	need_pc libmnl libmnl-dev
	need_pc liburing liburing-dev
	need_pc libcap libcap-dev
	need_pc libconfig libconfig-dev
	need_pc cmocka libcmocka-dev
	need_pc libmicrohttpd libmicrohttpd-dev
else
	missing="$missing libmnl-dev liburing-dev libcap-dev libconfig-dev libcmocka-dev"
	missing="$missing libmicrohttpd-dev"
fi
need_cmd cc gcc
need_cmd make make
need_cmd ip iproute2
need_cmd prove perl
need_cmd python3 python3
need_cmd ethtool ethtool
# The netns tests read /metrics with a real Prometheus text parser (Debian's
# python3, not whatever python3 comes first in PATH) and traces with tcpdump.
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 ||
	missing="$missing python3-prometheus-client"
need_cmd tcpdump tcpdump
# tests/netns/22-merge.t: a real RTP MPEG-TS sender and receiver
need_cmd ffmpeg ffmpeg
need_cmd ffprobe ffmpeg
# tests/unit/completion.sh: the completion script under bash-completion too
[ -f /usr/share/bash-completion/bash_completion ] || missing="$missing bash-completion"
[ "$mode" = valgrind ] && need_cmd valgrind valgrind
if [ "$mode" = fuzz ]; then
	# The fuzz rules use clang-14 (or clang); libFuzzer comes with libclang-rt.
	cc_fuzz=$(command -v clang-14 || command -v clang || true)
	if [ -z "$cc_fuzz" ]; then
		missing="$missing clang-14 libclang-rt-14-dev"
	elif [ ! -f "$("$cc_fuzz" -print-file-name=libclang_rt.fuzzer-x86_64.a)" ] &&
	     [ ! -f "$("$cc_fuzz" -print-file-name=libclang_rt.fuzzer.a)" ]; then
		missing="$missing libclang-rt-14-dev"
	fi
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "mk/deps.sh: missing build dependencies:$missing" >&2
	echo "mk/deps.sh: run as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "mk/deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
