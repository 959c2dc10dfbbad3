#!/bin/sh
# Runs a test command with every process's sanitizer or valgrind reports
# written to files, then fails if any file holds a report.  A report on a
# process's stderr alone could go unseen (a worker's log, a sink's stderr
# the test drops); files in a private directory cannot.
#
#   sh mk/sanitizers.sh asan CMD...      ASan + UBSan + LeakSanitizer
#                                        (MCR_ASAN_EXTRA: more ASAN_OPTIONS)
#   sh mk/sanitizers.sh valgrind CMD...  mcrd under valgrind memcheck (MCR_WRAP)
#
# The directory is world-writable (sticky): workers write their reports
# after dropping to the unprivileged user.
set -u
mode=$1
shift
dir=$(mktemp -d /tmp/mcrd-san.XXXXXX) || exit 1
chmod 1777 "$dir"
supp=$(cd "$(dirname "$0")/.." && pwd)/tests/lsan.supp

case $mode in
asan)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$dir/asan${MCR_ASAN_EXTRA:+:$MCR_ASAN_EXTRA}
	LSAN_OPTIONS=suppressions=$supp:print_suppressions=0
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$dir/ubsan
	export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
	;;
valgrind)
	# Errors and definite leaks count; the tests' exit-code checks see 99.
	MCR_WRAP="valgrind --quiet --error-exitcode=99 --leak-check=full \
--show-leak-kinds=definite --errors-for-leak-kinds=definite --track-fds=no \
--log-file=$dir/vg.%p"
	# valgrind starts mcrd about 20 times slower.
	MCR_START_WAIT=60
	export MCR_WRAP MCR_START_WAIT
	;;
*)
	echo "usage: $0 asan|valgrind CMD..." >&2
	exit 2
	;;
esac

"$@"
rc=$?

# valgrind --quiet leaves empty files for clean processes.
found=0
for f in "$dir"/*; do
	[ -s "$f" ] || continue
	found=$((found + 1))
	echo "---- $mode report: $f"
	head -n 60 "$f"
done
rm -rf "$dir"
if [ "$found" -gt 0 ]; then
	echo "$mode: $found process(es) reported errors or leaks" >&2
	exit 1
fi
[ "$rc" -eq 0 ] && echo "$mode: no reports from any process"
exit "$rc"
