#!/bin/sh
# The example configurations etc/nat64d.conf and etc/nat64d.toml:
#  - `nat64d --check-config` accepts each, with no warning;
#  - both give the same effective settings;
#  - with every commented-out example directive switched on, both are still
#    accepted and still agree (so the commented examples are valid too);
#  - every ```nat64d code block of docs/*.md (the deployment guides) is
#    accepted as a configuration.
#
# usage: check-examples.sh SOURCE_DIR NAT64D_BINARY
set -eu
[ $# -eq 2 ] || { echo "usage: $0 SOURCE_DIR NAT64D_BINARY" >&2; exit 2; }
SRC=$1
NAT64D=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nat64d-examples.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

check() {  # check FILE OUT: accepted, nothing on stderr, effective settings to OUT
    env -u STATE_DIRECTORY -u RUNTIME_DIRECTORY "$NAT64D" --check-config -c "$1" >"$2" 2>"$WORK/err" ||
        { cat "$WORK/err" >&2; fail "--check-config refused $1"; }
    [ ! -s "$WORK/err" ] || { cat "$WORK/err" >&2; fail "--check-config warned about $1"; }
}

check "$SRC/etc/nat64d.conf" "$WORK/conf.out"
check "$SRC/etc/nat64d.toml" "$WORK/toml.out"
diff -u "$WORK/conf.out" "$WORK/toml.out" || fail "nat64d.conf and nat64d.toml differ"
echo "ok: both examples accepted, same effective settings"

# "#directive args" lines of the .conf, "# key = value" lines and commented
# [[map]] tables of the .toml.
# A map-file named in an example need not exist here: point it at an empty
# one, so the check holds whether or not --check-config reads map-files.
: >"$WORK/empty.map"
sed -E 's/^#([a-z][a-z0-9-]* )/\1/' "$SRC/etc/nat64d.conf" |
    sed -E "s|^map-file .*|map-file $WORK/empty.map|" >"$WORK/all.conf"
sed -E 's/^# ([a-z][a-z0-9-]* = )/\1/; s/^# (\[\[map\]\]|ipv[46] = )/\1/' "$SRC/etc/nat64d.toml" |
    sed -E "s|^map-file = \"[^\"]*\"|map-file = \"$WORK/empty.map\"|" >"$WORK/all.toml"
! cmp -s "$SRC/etc/nat64d.conf" "$WORK/all.conf" || fail "no commented-out examples found in nat64d.conf"
check "$WORK/all.conf" "$WORK/all-conf.out"
check "$WORK/all.toml" "$WORK/all-toml.out"
diff -u "$WORK/all-conf.out" "$WORK/all-toml.out" || fail "the commented examples of nat64d.conf and nat64d.toml differ"
# Every directive with a value was switched on (only the deprecated one and
# the defaults-only ones stay comments in the effective output).
if grep -E '^# [a-z-]+ \((not set|none)\)' "$WORK/all-conf.out"; then fail "a directive has no example line"; fi
echo "ok: with every example switched on, both are still accepted and agree"

blocks=0
for doc in "$SRC"/docs/*.md; do
    # One file per ```nat64d block, named after the document and the line.
    awk -v out="$WORK/$(basename "$doc" .md)" -v empty="$WORK/empty.map" '
        /^```nat64d[[:space:]]*$/ { file = out "-" NR ".conf"; printf "" > file; next }
        /^```/ { file = ""; next }
        file != "" { if ($1 == "map-file") print "map-file " empty > file; else print > file }
    ' "$doc"
done
for conf in "$WORK"/*-[0-9]*.conf; do
    [ -e "$conf" ] || continue
    blocks=$((blocks + 1))
    check "$conf" "$WORK/block.out"
done
[ "$blocks" -gt 0 ] || fail "no nat64d configuration blocks found in docs/*.md"
echo "ok: $blocks configuration blocks in docs/*.md accepted"
echo "PASS"
