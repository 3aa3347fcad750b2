#!/bin/sh
# Builds the fuzzers (clang 16, libFuzzer, ASan+UBSan) in build-fuzz and runs each for SECONDS
# (default 60) on a copy of its seed corpus: the manifest decoder (corpus/), the auth chain's
# token file and policy parsers (auth_corpus/) and the image layer's parsers of what registries
# and archives send (image-corpus/). Exits non-zero on any crash, leak or
# timeout; the failing input is kept in build-fuzz/artifacts/.
set -eu
duration=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"

CC=clang-16 CXX=clang++-16 cmake -S "$root" -B "$build" -DPODKEEPER_FUZZ=ON >/dev/null
cmake --build "$build" -j2 --target manifest_fuzzer auth_fuzzer image_fuzzer

work=$(mktemp -d /tmp/pk-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"

fuzz() { # name corpus-dir
  cp -r "$root/tests/fuzz/$2" "$work/$2"
  echo "fuzzing $1 for ${duration}s"
  "$build/bin/$1" -max_total_time="$duration" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/" \
    "$work/$2"
}
fuzz manifest_fuzzer corpus
fuzz auth_fuzzer auth_corpus
fuzz image_fuzzer image-corpus
