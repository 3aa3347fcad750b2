#!/bin/bash
# Configures and builds podkeeper into build/ (binaries in build/bin/): everything, or only the
# targets named as arguments. Uses ccache when it is installed (optional), with paths taken
# relative to the checkout so clones share the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(dirname "$PWD")}" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# A new build tree keeps line tables only (-g1): backtraces, sanitizer reports and perf still
# name file and line, and a build from nothing (the README's test command on a fresh machine)
# compiles faster and links much faster than with full debug information. A tree configured
# before keeps its flags.
flags=()
[ -f build/CMakeCache.txt ] || flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "${flags[@]}" >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$(nproc)" "${targets[@]}"
