#!/bin/bash
# Installs what is missing, builds, and runs every test: unit (with ASan/UBSan for the parser
# and the reconciler), integration and end-to-end (root, real kernel), then the manifest
# fuzzer for FUZZ_SECONDS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# Twice as many jobs as cores: most of an end-to-end test's time is waiting for pods.
ctest --test-dir build --output-on-failure -j"$(($(nproc) * 2))" --timeout 300
tests/fuzz/run-fuzz.sh "${FUZZ_SECONDS:-60}"
