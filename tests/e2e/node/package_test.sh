#!/bin/bash
# Builds podkeeper's .deb from the build tree (cpack), installs it with dpkg -i, runs the
# installed podkeeper (version, validate of an installed example, config print of the
# installed configuration), verifies the installed unit, purges the package and checks that
# the machine is as it was: every path the package brought is gone, nothing else changed.
# Needs root and dpkg; exits 77 (skipped) where podkeeper is already installed.
set -euo pipefail
build=$1
source_dir=$2
if [ "$(id -u)" != 0 ]; then echo "needs root"; exit 77; fi
if dpkg-query -W -f='${Status}' podkeeper 2>/dev/null | grep -q installed; then
  echo "podkeeper is installed on this machine: not touching it"; exit 77
fi
tmp=$(mktemp -d)
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then dpkg --purge podkeeper >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/out/podkeeper_*.deb)
echo "built $deb"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || { echo "no shared-library dependencies declared"; exit 1; }
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|; s|/$||' | grep -v '^$' > "$tmp/paths"
# What existed before: those paths must still exist after the purge, the others must not.
while read -r p; do [ -e "$p" ] && echo "$p"; done < "$tmp/paths" > "$tmp/before" || true
for p in /etc/podkeeper /var/lib/podkeeper /run/podkeeper; do
  if [ -e "$p" ]; then echo "$p exists before the test: not a clean machine"; exit 77; fi
done

dpkg -i "$deb"
installed=1
/usr/bin/podkeeper version | grep -qx 'podkeeper [0-9.]*'
example=/usr/share/doc/podkeeper/examples/hello.yaml
/usr/bin/podkeeper validate "$example"
# The packaged configuration is read by default: all comments, so the defaults.
/usr/bin/podkeeper config print > "$tmp/print"
grep -qx 'staticPodPath: "/etc/podkeeper/manifests"' "$tmp/print"
grep -q '^# staticPodPath:' /etc/podkeeper/config.yaml
test -d /etc/podkeeper/manifests
test -x /usr/bin/podkeeper-shim
test -f /usr/share/podkeeper/cni/10-podkeeper.conflist
test ! -e /etc/cni/net.d/10-podkeeper.conflist
unit=/usr/lib/systemd/system/podkeeper.service
grep -qx 'ExecStart=/usr/bin/podkeeper run --config /etc/podkeeper/config.yaml' "$unit"
out=$(systemd-analyze verify "$unit" 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || { echo "systemd-analyze verify $unit: $out"; exit 1; }

dpkg --purge podkeeper
installed=0
if dpkg-query -W podkeeper >/dev/null 2>&1; then echo "still known to dpkg"; exit 1; fi
left=0
while read -r p; do
  if [ -e "$p" ] && ! grep -qxF "$p" "$tmp/before"; then echo "left behind: $p"; left=1; fi
done < "$tmp/paths"
for p in /etc/podkeeper /var/lib/podkeeper /run/podkeeper; do
  if [ -e "$p" ]; then echo "left behind: $p"; left=1; fi
done
[ "$left" = 0 ]
echo "installed, used and purged $deb; nothing left"
