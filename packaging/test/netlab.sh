# shellcheck shell=bash
# Namespace helpers shared by the docs and packaging tests that build a
# small network (docs-e2e.sh, migrate-tayga.sh, securing-nft.sh). The caller
# sets ID (unique per run, e.g. $$) and NAMESPACES=() and removes every
# namespace in NAMESPACES in its clean-up trap.

# netns NAME...: creates the namespaces with lo up (and remembers them for
# the clean-up, so this must not run in a subshell).
netns() {
    local ns
    for ns in "$@"; do
        ip netns add "$ns"
        NAMESPACES+=("$ns")
        ip -n "$ns" link set lo up
    done
}
# link NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
link() {
    ip link add "tmp$ID" type veth peer name "tmq$ID"
    ip link set "tmp$ID" netns "$1"
    ip link set "tmq$ID" netns "$3"
    ip -n "$1" link set "tmp$ID" name "$2"
    ip -n "$3" link set "tmq$ID" name "$4"
    ip -n "$1" link set "$2" up
    ip -n "$3" link set "$4" up
}
