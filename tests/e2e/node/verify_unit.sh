#!/bin/bash
# systemd-analyze verify of the unit the build writes, offline (PID 1 need not be systemd):
# its ExecStart binary is rewritten to this build's podkeeper so that it exists. Any finding,
# even one systemd only warns about (an unknown key), fails the test.
set -euo pipefail
unit=$1 binary=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -q '^Type=notify$' "$unit"
grep -q '^KillMode=process$' "$unit"
grep -q '^WatchdogSec=' "$unit"
installed=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -n "$installed" ] || { echo "no ExecStart in $unit"; exit 1; }
sed "s|^ExecStart=$installed|ExecStart=$binary|" "$unit" > "$tmp/podkeeper.service"
out=$(systemd-analyze verify "$tmp/podkeeper.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
  echo "systemd-analyze verify: $out"
  exit 1
fi
echo "verified $unit (ExecStart $installed)"
