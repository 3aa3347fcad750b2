#!/bin/sh
# Builds the manifest and image fuzzers (clang 16, libFuzzer, ASan+UBSan) in build-fuzz and
# runs each for SECONDS (default 60) on a copy of its seed corpus. Exits non-zero on any crash, leak or
# timeout; the failing input is kept in build-fuzz/artifacts/.
set -eu
duration=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"

CC=clang-16 CXX=clang++-16 cmake -S "$root" -B "$build" -DPODKEEPER_FUZZ=ON >/dev/null
cmake --build "$build" -j2 --target manifest_fuzzer image_fuzzer

work=$(mktemp -d /tmp/pk-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$root/tests/fuzz/corpus" "$work/corpus"
mkdir -p "$build/artifacts"

echo "fuzzing the manifest decoder for ${duration}s"
"$build/bin/manifest_fuzzer" -max_total_time="$duration" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/" \
  "$work/corpus"

echo "fuzzing the image parsers (manifests, configs, auth, challenges, references, tar names) for ${duration}s"
cp -r "$root/tests/fuzz/image-corpus" "$work/image-corpus"
"$build/bin/image_fuzzer" -max_total_time="$duration" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/" \
  "$work/image-corpus"
