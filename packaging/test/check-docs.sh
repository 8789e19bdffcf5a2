#!/bin/sh
# The man pages document everything the programs accept:
#  - every directive of the directive table (printed by nat64d_directive_names,
#    linked to the config module) is an item of nat64d.conf(5), and appears in
#    both example files;
#  - every short and long option that `nat64d --help` lists is an item of
#    nat64d(8), and so is every signal the daemon handles;
#  - with a nat64dctl binary: every option of `nat64dctl --help` and every
#    command is an item of nat64dctl(8);
#  - with a nat64d-lab script: every option of `nat64d-lab --help` and every
#    command is an item of nat64d-lab(8);
#  - each page's .TH names its file, and groff (when installed) formats every
#    page without a warning.
# An "item" is a .B/.BI/.BR line (after .TP) naming it; "\-" counts as "-".
#
# usage: check-docs.sh SOURCE_DIR NAT64D_BINARY DIRECTIVE_NAMES_BINARY [NAT64DCTL_BINARY [NAT64D_LAB]]
set -eu
[ $# -ge 3 ] || { echo "usage: $0 SOURCE_DIR NAT64D DIRECTIVE_NAMES [NAT64DCTL [NAT64D_LAB]]" >&2; exit 2; }
SRC=$1
NAT64D=$2
NAMES=$3
CTL=${4:-}
LAB=${5:-}
MAN=$SRC/docs/man
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-docs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
failures=0
miss() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# roff source with \- turned into -, and \(em etc. left alone.
plain() { sed 's/\\-/-/g' "$1"; }

# is_item PAGE WORD: a .B/.BI/.BR line whose first words include WORD.
is_item() {
    plain "$1" | grep -Eq "^\.(B|BI|BR|IR|I)[[:space:]]+(.*[[:space:]\"])?\"?$(printf '%s' "$2" | sed 's/[.[\*^$]/\\&/g')([[:space:]\",]|\$)"
}

# Options in a --help text: -x and --long words at the start of an option line.
options_of() {
    grep -E '^[[:space:]]+-' | grep -oE '(^|[[:space:],])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[[:space:],]+//' | sort -u
}

pages="nat64d.8 nat64d.conf.5 nat64dctl.8"
[ -z "$LAB" ] || pages="$pages nat64d-lab.8"
for page in $pages; do
    [ -f "$MAN/$page" ] || { miss "$MAN/$page is missing"; continue; }
    name=${page%.*}
    section=${page##*.}
    plain "$MAN/$page" | grep -Eq "^\.TH \"?$(echo "$name" | tr '[:lower:]' '[:upper:]')\"? \"?$section\"? " ||
        miss "$page: .TH does not name $name($section)"
    # Plain ASCII: man(1) feeds pages to troff without a charset conversion.
    if LC_ALL=C grep -n '[^	 -~]' "$MAN/$page" >&2; then miss "$page: characters outside ASCII (use roff escapes)"; fi
    if command -v groff >/dev/null 2>&1; then
        groff -man -ww -z -t "$MAN/$page" 2>"$WORK/groff" || miss "$page: groff failed"
        if [ -s "$WORK/groff" ]; then
            sed "s|^|$page: |" "$WORK/groff" >&2
            miss "$page: groff warnings"
        fi
    fi
done

# ---- nat64d.conf(5) and the examples against the directive table ----------
"$NAMES" >"$WORK/directives"
[ -s "$WORK/directives" ] || miss "no directives printed by $NAMES"
count=0
while read -r d; do
    count=$((count + 1))
    is_item "$MAN/nat64d.conf.5" "$d" || miss "nat64d.conf.5 does not document directive '$d'"
    grep -Eq "^#? ?$d( |\$)" "$SRC/etc/nat64d.conf" || miss "etc/nat64d.conf does not explain directive '$d'"
    grep -Eq "^(# )?($d( =|:)|\[\[$d\]\])" "$SRC/etc/nat64d.toml" || miss "etc/nat64d.toml does not show key '$d'"
done <"$WORK/directives"
echo "checked $count directives"

# ---- nat64d(8) against nat64d --help ---------------------------------------
"$NAT64D" --help | options_of >"$WORK/options"
[ -s "$WORK/options" ] || miss "no options found in nat64d --help"
count=0
while read -r o; do
    count=$((count + 1))
    is_item "$MAN/nat64d.8" "$o" || miss "nat64d.8 does not document option $o"
done <"$WORK/options"
echo "checked $count options of nat64d"
for s in SIGTERM SIGINT SIGHUP SIGUSR1; do
    is_item "$MAN/nat64d.8" "$s" || miss "nat64d.8 does not document signal $s"
done

# ---- nat64dctl(8) -------------------------------------------------------------
for c in status stats mappings config reload metrics --json; do
    is_item "$MAN/nat64dctl.8" "$c" || miss "nat64dctl.8 does not document command $c"
done
if [ -n "$CTL" ]; then
    # The commands nat64dctl --help lists (lines "  name ..." under "Commands:").
    "$CTL" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' >"$WORK/ctl-commands"
    [ -s "$WORK/ctl-commands" ] || miss "no commands found in nat64dctl --help"
    while read -r c; do
        is_item "$MAN/nat64dctl.8" "$c" || miss "nat64dctl.8 does not document command $c"
    done <"$WORK/ctl-commands"
    echo "checked $(wc -l <"$WORK/ctl-commands") commands of nat64dctl"
    "$CTL" --help | options_of >"$WORK/ctl-options"
    [ -s "$WORK/ctl-options" ] || miss "no options found in nat64dctl --help"
    count=0
    while read -r o; do
        count=$((count + 1))
        is_item "$MAN/nat64dctl.8" "$o" || miss "nat64dctl.8 does not document option $o"
    done <"$WORK/ctl-options"
    echo "checked $count options of nat64dctl"
else
    echo "note: no nat64dctl binary given; its options were not checked"
fi

# ---- nat64d-lab(8) -------------------------------------------------------------
if [ -n "$LAB" ]; then
    for c in up exec shell status down; do
        is_item "$MAN/nat64d-lab.8" "$c" || miss "nat64d-lab.8 does not document command $c"
    done
    "$LAB" --help | options_of >"$WORK/lab-options"
    [ -s "$WORK/lab-options" ] || miss "no options found in nat64d-lab --help"
    count=0
    while read -r o; do
        count=$((count + 1))
        is_item "$MAN/nat64d-lab.8" "$o" || miss "nat64d-lab.8 does not document option $o"
    done <"$WORK/lab-options"
    echo "checked $count options of nat64d-lab"
else
    echo "note: no nat64d-lab given; its page was not checked"
fi

if [ "$failures" -ne 0 ]; then
    echo "$failures problem(s)" >&2
    exit 1
fi
echo "PASS"
