#!/usr/bin/env bash
# The one test command (README, .ci/run): installs dependencies, builds,
# runs every test — Catch2 unit tests and the end-to-end tests in network
# namespaces (root) — through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 "$@"
