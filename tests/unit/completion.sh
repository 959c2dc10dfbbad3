#!/bin/bash
# etc/bash-completion/mcrctl on IPv6 rule words (TAP, run by `make unit`).
#
# bash splits the line into COMP_WORDS at COMP_WORDBREAKS, which holds ':':
# "ff3e::1" arrives as "ff3e" "::" "1", and bash replaces only the part of
# the word after its last colon.  complete_line() sets COMP_* the way bash
# does and shows what bash would insert; each case runs without and (when
# /usr/share/bash-completion/bash_completion is installed) with
# bash-completion loaded, whose _init_completion the script then uses.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BC=/usr/share/bash-completion/bash_completion
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
: >"$T/cap:1.pcap"
n=0
fail=0

# complete_line LINE: the replies for the cursor at the end of LINE, sorted, space-separated.
complete_line()
{
    local line=$1 w part
    local -a cw=()
    set -f
    for w in $line; do
        while [[ -n $w ]]; do
            if [[ $w == :* ]]; then part=${w%%[!:]*}; else part=${w%%:*}; fi
            cw+=("$part")
            w=${w#"$part"}
        done
    done
    set +f
    [[ $line == *' ' ]] && cw+=("")
    COMP_WORDS=("${cw[@]}")
    COMP_CWORD=$((${#cw[@]} - 1))
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMPREPLY=()
    # bash's $2: the text after the last word break.
    local cur=${line##*[ :]}
    _mcrctl mcrctl "$cur" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

check()
{
    local mode=$1 line=$2 want=$3 got
    got=$(complete_line "$line")
    n=$((n + 1))
    if [[ $got == "$want" ]]; then
        echo "ok $n - $mode: '$line' -> '$want'"
    else
        echo "not ok $n - $mode: '$line' -> '$want'"
        echo "#   got '$got'"
        fail=1
    fi
}

cases()
{
    local m=$1 in="mcrctl rule add in dev lo group ff3e::1 port 5001 source 2001:db8::10"
    check "$m" "$in " "name out"
    check "$m" "$in out d" "dev"
    check "$m" "$in out dev lo group ff05::2 p" "port"
    check "$m" "$in out dev lo group ff05::2 port 6000 " \
        "egress fixed-ttl out source ttl"
    # Inside an address nothing is offered: no keyword after a colon.
    check "$m" "mcrctl rule add in dev lo group ff3e::d" ""
    check "$m" "$in out dev lo group ff05::f" ""
    check "$m" "mcrctl rule show group ff3e::d" ""
    check "$m" "mcrctl rule del in dev lo group ff3e::8000:1 p" "port"
    check "$m" "mcrctl rule show group ff3e::1 " "dev name origin"
    check "$m" "mcrctl rule show group ff3e::1 o" "origin"
    # A colon in a file name: the reply is what follows the colon.
    check "$m" "mcrctl rule trace name cam1 file $T/cap:" "1.pcap"
    check "$m" "mcrctl rule trace name cam1 file $T/ca" "$T/cap:1.pcap"
}

(
    unset -f _init_completion
    # shellcheck source=/dev/null
    . "$ROOT/etc/bash-completion/mcrctl"
    cases "plain bash"
    exit $fail
) || fail=1
n=$((n + 12))

if [[ -f $BC ]]; then
    (
        # shellcheck source=/dev/null
        . "$BC"
        # shellcheck source=/dev/null
        . "$ROOT/etc/bash-completion/mcrctl"
        n=12
        cases "bash-completion"
        exit $fail
    ) || fail=1
    n=$((n + 12))
else
    for ((i = 13; i <= 24; i++)); do
        echo "ok $i # skip $BC not installed"
    done
    n=24
fi
echo "1..$n"
exit $fail
