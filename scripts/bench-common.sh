# Sourced by scripts/bench-*.sh. Builds (unless BENCH_NO_BUILD=1) the agent and one benchmark program in build-bench
# (-j2), makes the busybox image in a temporary directory, runs the benchmark with a cgroup
# root of its own, and cleans up even when interrupted: the benchmark tears down its own
# pods first (manifests deleted, agent stopped, runc containers deleted); the trap below is
# the safety net for what a killed benchmark leaves (processes and directories in its cgroup
# root in every hierarchy, runc containers, mounts and files under the temporary directory).
set -eu

BENCH_REPO=$(cd "$(dirname "$0")/.." && pwd)
BENCH_BUILD=${BENCH_BUILD_DIR:-$BENCH_REPO/build-bench}
BENCH_JOBS=${BENCH_JOBS:-2}
BENCH_CGROUP_ROOT=pk-bench-$$
BENCH_TMP=
BENCH_PID=
BENCH_OUT=

bench_cleanup() {
  trap - EXIT INT TERM HUP
  if [ -n "$BENCH_PID" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
    kill -TERM "$BENCH_PID" 2>/dev/null || true
    wait "$BENCH_PID" 2>/dev/null || true
  fi
  if [ -n "$BENCH_TMP" ] && [ -d "$BENCH_TMP" ]; then
    for state in "$BENCH_TMP"/pk-bench.*/runc/state; do
      [ -d "$state" ] || continue
      for id in $(runc --root "$state" list -q 2>/dev/null); do
        runc --root "$state" delete -f "$id" >/dev/null 2>&1 || true
      done
    done
  fi
  for cg in /sys/fs/cgroup/*/"$BENCH_CGROUP_ROOT" /sys/fs/cgroup/"$BENCH_CGROUP_ROOT"; do
    [ -d "$cg" ] || continue
    for round in 1 2 3 4 5 6 7 8 9 10; do
      find "$cg" -name freezer.state -exec sh -c 'echo THAWED >"$1"' _ {} \; 2>/dev/null || true
      find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
      find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [ -d "$cg" ] || break
      sleep 0.2
    done
    [ -d "$cg" ] && echo "bench: could not remove $cg" >&2
  done
  if [ -n "$BENCH_TMP" ] && [ -d "$BENCH_TMP" ]; then
    awk -v p="$BENCH_TMP/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
    if [ -n "$BENCH_OUT" ] && [ -s "$BENCH_TMP/out.txt" ]; then
      mkdir -p "$(dirname "$BENCH_OUT")"
      cp "$BENCH_TMP/out.txt" "$BENCH_OUT"
      cat "$BENCH_TMP/out.txt"
      echo "(saved in $BENCH_OUT)"
    fi
    rm -rf --one-file-system "$BENCH_TMP"
  fi
}

# bench_main PROGRAM ARGS...: build, prepare, run PROGRAM with ARGS, print its table.
bench_main() {
  program=$1
  shift
  if [ "$(id -u)" != 0 ]; then
    echo "$program: needs root (namespaces, cgroups, mounts)" >&2
    exit 1
  fi
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM HUP
  if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
    # The working tree is shared and may not build mid-edit: reuse the last binaries.
    built=$(date -u -r "$BENCH_BUILD/bin/podkeeper" +%Y-%m-%dT%H:%M:%SZ)
    BENCH_INVOCATION="BENCH_NO_BUILD=1 $BENCH_INVOCATION (podkeeper binary built $built)"
  else
    echo "building podkeeper, podkeeper-shim, $program in $BENCH_BUILD (-j$BENCH_JOBS)" >&2
    cmake -S "$BENCH_REPO" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    if ! cmake --build "$BENCH_BUILD" -j"$BENCH_JOBS" --target podkeeper podkeeper-shim \
      "$program" >&2; then
      echo "$program: build failed; BENCH_NO_BUILD=1 reuses the binaries of the last build" >&2
      exit 1
    fi
    tree=$(git -C "$BENCH_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
    dirty=$(git -C "$BENCH_REPO" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
    BENCH_INVOCATION="$BENCH_INVOCATION (built from $tree + $dirty modified files)"
  fi
  # BENCH_TMPDIR: where the workspace (state, root, logs, images) goes; a tmpfs there measures
  # the agent without the disk (its state directory is under /run, a tmpfs, on a systemd host).
  BENCH_TMP=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/pk-bench-run.XXXXXX")
  sh "$BENCH_REPO/scripts/build-busybox-image.sh" "$BENCH_TMP/images" >/dev/null
  BENCH_OUT=$BENCH_BUILD/bench-results/$program-$(date -u +%Y%m%dT%H%M%SZ).txt
  mkdir -p "$BENCH_BUILD/bench-results"
  if [ "$program" = pk-bench-start ]; then set -- --raw "${BENCH_OUT%.txt}.raw.csv" "$@"; fi
  "$BENCH_BUILD/bin/$program" --image-dir "$BENCH_TMP/images" --work-dir "$BENCH_TMP" \
    --cgroup-root "$BENCH_CGROUP_ROOT" --invocation "$BENCH_INVOCATION" \
    --keep-agent-log "${BENCH_OUT%.txt}.agent.log" "$@" \
    >"$BENCH_TMP/out.txt" &
  BENCH_PID=$!
  rc=0
  wait "$BENCH_PID" || rc=$?
  BENCH_PID=
  return "$rc"
}
