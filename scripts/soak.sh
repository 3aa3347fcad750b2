#!/bin/bash
# The chaos and soak run (issue 17): scripts/soak.sh --minutes N [--seed S]
# Installs what is missing, builds podkeeper, its shim and the soak, and runs the real agent
# for N minutes under pod churn, manifest edits and faults drawn from the seed (random when
# not given), checking its invariants. Prints a table; its last line is "violations: N"; exits
# 0 only when N is 0. The seed and every action go to build/soak/soak-<seed>.log: the same
# seed replays the same schedule. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 --minutes N [--seed S]" >&2; exit 2; }
minutes=""
seed=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) [ $# -ge 2 ] || usage; minutes="$2"; shift 2 ;;
    --seed) [ $# -ge 2 ] || usage; seed="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[[ "$minutes" =~ ^[1-9][0-9]*$ ]] || usage
[ -z "$seed" ] || [[ "$seed" =~ ^[0-9]+$ ]] || usage
[ "$(id -u)" = 0 ] || { echo "soak.sh: needs root (namespaces, cgroups, mounts)" >&2; exit 2; }

scripts/install-deps.sh >&2
scripts/build.sh podkeeper podkeeper-shim podkeeper-soak >&2
seed="${seed:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
mkdir -p build/soak
log="build/soak/soak-$seed.log"

soak_pid=""
# The soak cleans up after itself (also on SIGTERM); should it die hard, its agent, pods,
# mounts and cgroups are removed here. They are named after its pid.
cleanup() {
  if [ -n "$soak_pid" ] && kill -0 "$soak_pid" 2>/dev/null; then
    kill -TERM "$soak_pid" 2>/dev/null || true
    wait "$soak_pid" 2>/dev/null || true
  fi
  [ -n "$soak_pid" ] || return 0
  for base in /tmp/pk-e2e-"$soak_pid"-*; do
    [ -d "$base" ] || continue
    echo "soak.sh: cleaning up $base after the soak" >&2
    agent=$(cat "$base/state/podkeeper.lock" 2>/dev/null || true)
    [ -n "$agent" ] && kill -9 "$agent" 2>/dev/null || true
    for proc in /proc/[0-9]*; do  # shims and pid reapers: their command line names the base
      tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -qF -- "$base/" && kill -9 "${proc#/proc/}" 2>/dev/null
    done
    root="$(basename "$base")"  # the harness names the cgroup root as its directory
    for round in 1 2 3; do
      for h in /sys/fs/cgroup/*/"$root" /sys/fs/cgroup/"$root"; do
        [ -d "$h" ] || continue
        find "$h" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
      done
      sleep 0.5
    done
    grep -o " $base[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done
    for h in /sys/fs/cgroup/*/"$root" /sys/fs/cgroup/"$root"; do
      [ -d "$h" ] && find "$h" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    rm -rf "$base"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build/bin/podkeeper-soak --minutes "$minutes" --seed "$seed" --log "$log" &
soak_pid=$!
rc=0
wait "$soak_pid" || rc=$?
exit "$rc"
