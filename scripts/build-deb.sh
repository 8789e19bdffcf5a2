#!/usr/bin/env bash
# Builds the Debian package the Debian way: a copy of the tree with
# packaging/debian laid out as debian/, then dpkg-buildpackage -us -uc -b
# (debhelper, dpkg-buildflags hardening). The top level of the repository
# keeps no debian/ of its own.
#
#   scripts/build-deb.sh            # -> build-deb/nat64d_<version>_<arch>.deb
#
# DEB_OUT: output directory (default build-deb/ at the top). The copy lives
# at DEB_OUT/nat64d-<version>, the same path every time, so that ccache
# (used when installed; CCACHE_DISABLE=1 turns it off) finds its earlier
# results: the compile lines embed that path (-ffile-prefix-map).
# DEB_BUILD_OPTIONS as usual, e.g. nocheck to skip the unit tests.
# Prints the path of the .deb as the last line.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${DEB_OUT:-$TOP/build-deb}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

for tool in dpkg-buildpackage dpkg-parsechangelog dh; do
    command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (scripts/install-deps.sh)" >&2; exit 1; }
done

# One version: debian/changelog's must be the project's.
VERSION=$(dpkg-parsechangelog -l "$TOP/packaging/debian/changelog" -S Version)
PROJECT_VERSION=$(sed -n 's/^project(nat64d VERSION \([^ ]*\) .*/\1/p' "$TOP/CMakeLists.txt")
if [[ "$VERSION" != "$PROJECT_VERSION" ]]; then
    echo "build-deb: packaging/debian/changelog says $VERSION, CMakeLists.txt $PROJECT_VERSION" >&2
    exit 1
fi

SRC=$OUT/nat64d-$VERSION
rm -rf "$SRC"
mkdir -p "$SRC"
# The files of the tree: from git (tracked and new, not ignored) in a
# checkout, otherwise everything but build directories.
if git -C "$TOP" rev-parse --show-toplevel >/dev/null 2>&1 &&
    [[ "$(git -C "$TOP" rev-parse --show-toplevel)" == "$TOP" ]]; then
    (cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -C "$SRC" -xf -
else
    (cd "$TOP" && tar --exclude='./build' --exclude='./build-*' --exclude='./.git' -cf - .) | tar -C "$SRC" -xf -
fi
rm -rf "$SRC/debian"
cp -a "$TOP/packaging/debian" "$SRC/debian"

if [[ -z "${NAT64D_CMAKE_ARGS:-}" ]] && command -v ccache >/dev/null && [[ "${CCACHE_DISABLE:-}" != 1 ]]; then
    export NAT64D_CMAKE_ARGS="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
    # debhelper (compat 13) points HOME and XDG_CACHE_HOME into the build
    # tree, where ccache would start an empty cache each time.
    CCACHE_DIR=${CCACHE_DIR:-$(ccache -k cache_dir)}
    export CCACHE_DIR
fi
rm -f "$OUT"/nat64d_"$VERSION"_*.deb "$OUT"/nat64d-dbgsym_"$VERSION"_*.deb "$OUT"/nat64d_"$VERSION"_*.{buildinfo,changes}
# -jauto: as many compile jobs as cores (DEB_BUILD_OPTIONS parallel=).
(cd "$SRC" && dpkg-buildpackage -us -uc -b -jauto)
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB=$OUT/nat64d_${VERSION}_${ARCH}.deb
[[ -f "$DEB" ]] || { echo "build-deb: no $DEB" >&2; exit 1; }
echo "$DEB"
