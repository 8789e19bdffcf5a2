# shellcheck shell=bash
# Helpers shared by the docs and packaging tests that build a small network
# (docs-e2e.sh, migrate-tayga.sh, securing-nft.sh) or run a daemon
# (deb-package.sh). For netns and link the caller sets ID (unique per run,
# e.g. $$) and NAMESPACES=() and removes every namespace in NAMESPACES in
# its clean-up trap.

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
# stop_processes PID...: SIGTERM to each, up to 3 s for each to end, then
# SIGKILL; never fails (for clean-up traps).
stop_processes() {
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
}
