#!/usr/bin/env bash
# The bash completions of nat64d and nat64dctl (packaging/bash-completion)
# against the programs: completing "-" offers exactly the options their
# --help lists, nat64dctl's first word exactly its commands; option
# arguments (users, files), --json after stats and mappings, and the
# addresses of `nat64dctl mappings`, asked from a stand-in nat64dctl with
# the -s given on the line, IPv6 ones across readline's ':' word breaks.
# Skipped (77) without bash-completion (Debian's package).
#
# usage: completion.sh COMPLETION_DIR NAT64D NAT64DCTL
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 COMPLETION_DIR NAT64D NAT64DCTL" >&2; exit 2; }
DIR=$1
NAT64D=$2
CTL=$3
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
[[ -r $BASH_COMPLETION ]] || { echo "skipped: bash-completion is not installed"; exit 77; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-completion.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# shellcheck source=/dev/null
source "$BASH_COMPLETION"
# shellcheck source=/dev/null
source "$DIR/nat64d"
# shellcheck source=/dev/null
source "$DIR/nat64dctl"

# complete FUNCTION WORD...: the completions of the last WORD (may be ""),
# one per line, sorted. Words are split as bash splits them (':' is a word
# break, a run of them one word), so "2001:db8::" is given as "2001" ":"
# "db8" "::".
complete_words() {
    local fn=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=""
    local i
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        case ${COMP_WORDS[i]} in
            :*) COMP_LINE+=${COMP_WORDS[i]} ;;
            *)
                if [[ $i -gt 0 && ${COMP_WORDS[i - 1]} != :* ]]; then COMP_LINE+=" "; fi
                COMP_LINE+=${COMP_WORDS[i]}
                ;;
        esac
    done
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    # Completion functions are not written for errexit: run them outside it.
    "$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}" || true
    printf '%s\n' "${COMPREPLY[@]}" | sort -u
}

# Options in a --help text: -x and --long words at the start of an option line.
options_of() {
    grep -E '^[[:space:]]+-' | grep -oE '(^|[[:space:],])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[[:space:],]+//' | sort -u
}

# ---- nat64d ----
"$NAT64D" --help | options_of >"$WORK/want"
complete_words _nat64d nat64d - >"$WORK/got"
diff -u "$WORK/want" "$WORK/got" || fail "nat64d: completed options differ from nat64d --help"
complete_words _nat64d nat64d -u ro | grep -qx root || fail "nat64d -u: no user root"
complete_words _nat64d nat64d -g ro | grep -qx root || fail "nat64d -g: no group root"
touch "$WORK/edge.conf"
complete_words _nat64d nat64d -c "$WORK/ed" | grep -qx "$WORK/edge.conf" || fail "nat64d -c: no file"

# ---- nat64dctl ----
"$CTL" --help | options_of >"$WORK/want"
complete_words _nat64dctl nat64dctl - >"$WORK/got"
diff -u "$WORK/want" "$WORK/got" || fail "nat64dctl: completed options differ from nat64dctl --help"
"$CTL" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' | sort -u >"$WORK/want"
[[ -s $WORK/want ]] || fail "no commands in nat64dctl --help"
complete_words _nat64dctl nat64dctl "" >"$WORK/got"
diff -u "$WORK/want" "$WORK/got" || fail "nat64dctl: completed commands differ from nat64dctl --help"
complete_words _nat64dctl nat64dctl -s /run/nat64d/x.sock "" | diff -u "$WORK/want" - || fail "commands after -s SOCKET"
[[ $(complete_words _nat64dctl nat64dctl stats --j) == --json ]] || fail "stats --json"
[[ $(complete_words _nat64dctl nat64dctl mappings --) == --json ]] || fail "mappings --json"
[[ -z $(complete_words _nat64dctl nat64dctl reload "") ]] || fail "reload takes no argument"

# mappings ADDRESS: from the daemon's own reply, asked with the line's -s.
cat >"$WORK/nat64dctl" <<STUB
#!/bin/sh
echo "\$*" >"$WORK/stub-args"
cat <<'OUT'
static  198.51.100.2/32      2001:db8:6::2/128                            /etc/nat64d.conf:5
static  203.0.113.0/24       2001:db8:1::/120                             /etc/nat64d.conf:6
dynamic 198.51.100.237       2001:db8:6::77                               active, last use 3s ago, dormant 2026-01-01T02:03:00Z (in 2h03m), expires 2026-01-15T00:00:00Z (in 13d23h)
OUT
STUB
chmod +x "$WORK/nat64dctl"
printf '%s\n' 198.51.100.2 198.51.100.237 >"$WORK/want"
complete_words _nat64dctl "$WORK/nat64dctl" -s /run/nat64d/edge.sock mappings 198.51.100.2 >"$WORK/got"
diff -u "$WORK/want" "$WORK/got" || fail "mappings: IPv4 addresses"
[[ $(cat "$WORK/stub-args") == "-s /run/nat64d/edge.sock mappings" ]] || fail "the lookup did not use -s: $(cat "$WORK/stub-args")"
complete_words _nat64dctl "$WORK/nat64dctl" mappings 2001 >"$WORK/got"
printf '%s\n' 2001:db8:1:: 2001:db8:6::2 2001:db8:6::77 >"$WORK/want"
diff -u "$WORK/want" "$WORK/got" || fail "mappings: IPv6 addresses"
# "2001:db8:6::7" as readline splits it; the reply is what follows the last ':'.
complete_words _nat64dctl "$WORK/nat64dctl" mappings 2001 : db8 : 6 :: 7 >"$WORK/got"
[[ $(cat "$WORK/got") == 77 ]] || fail "mappings 2001:db8:6::7 completes to '$(cat "$WORK/got")', expected '77'"
complete_words _nat64dctl "$WORK/nat64dctl" mappings --json 203 | grep -qx 203.0.113.0 || fail "mappings --json ADDRESS"

[[ $failures -eq 0 ]] || { echo "$failures problem(s)" >&2; exit 1; }
echo "bash completion: options and commands match --help; mappings completes addresses"
