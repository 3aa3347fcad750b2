#!/bin/bash
# Installs what is missing, builds, and runs every test: unit (with ASan/UBSan for the parser
# and the reconciler), integration and end-to-end (root, real kernel), then the manifest
# fuzzer for FUZZ_SECONDS (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j2 --timeout 300
tests/fuzz/run-fuzz.sh "${FUZZ_SECONDS:-60}"
