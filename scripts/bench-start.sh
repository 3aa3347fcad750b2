#!/bin/sh
# Start and stop latency of a pod, podkeeper next to `runc run -d` of the same busybox rootfs
# and command, interleaved run by run (issues 2 and 4). Needs root and runc.
#   scripts/bench-start.sh                      50 start, 20 stop, 20 two-container runs
#   scripts/bench-start.sh --runs 100 --only start
# Options go to build-bench/bin/pk-bench-start (see its --help).
BENCH_INVOCATION=$(echo "scripts/bench-start.sh $*" | sed 's/ *$//')
. "$(dirname "$0")/bench-common.sh"
bench_main pk-bench-start "$@"
