#!/bin/sh
# Churn (issue 5): 200 pods dropped at once until all run, then deleted at once until all
# are gone, agent CPU and RSS, shim RSS, then agent CPU over 60 s idle with 100 pods; next
# to runc starting and deleting as many containers. Bounded to a few minutes. Needs root.
#   scripts/bench-churn.sh
#   scripts/bench-churn.sh --pods 50 --idle-pods 20 --idle-seconds 10     quick run
# Options go to build-bench/bin/pk-bench-churn (see its --help).
BENCH_INVOCATION=$(echo "scripts/bench-churn.sh $*" | sed 's/ *$//')
. "$(dirname "$0")/bench-common.sh"
bench_main pk-bench-churn "$@"
