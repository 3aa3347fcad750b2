#!/bin/sh
# Builds the busybox:latest test image from Debian's busybox-static into
# IMAGE_DIR/busybox/latest/rootfs (default IMAGE_DIR: /var/lib/podkeeper/images).
# Idempotent: running it again refreshes the binary and the applet links.
set -eu

IMAGE_DIR=${1:-/var/lib/podkeeper/images}
BUSYBOX=${BUSYBOX:-/bin/busybox}
ROOTFS="$IMAGE_DIR/busybox/latest/rootfs"

if [ ! -x "$BUSYBOX" ]; then
  echo "build-busybox-image: $BUSYBOX not found (apt-get install busybox-static)" >&2
  exit 1
fi
if ! "$BUSYBOX" --list >/dev/null 2>&1; then
  echo "build-busybox-image: $BUSYBOX cannot list its applets" >&2
  exit 1
fi

mkdir -p "$ROOTFS"
for d in bin etc tmp proc sys dev root home var var/tmp; do
  mkdir -p "$ROOTFS/$d"
done
chmod 1777 "$ROOTFS/tmp" "$ROOTFS/var/tmp"
chmod 0700 "$ROOTFS/root"

cp -f "$BUSYBOX" "$ROOTFS/bin/busybox.new"
mv -f "$ROOTFS/bin/busybox.new" "$ROOTFS/bin/busybox"
chmod 0755 "$ROOTFS/bin/busybox"

links=0
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] && continue
  ln -sfn busybox "$ROOTFS/bin/$applet"
  links=$((links + 1))
done

cat >"$ROOTFS/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$ROOTFS/etc/group" <<'GROUP'
root:x:0:
nobody:x:65534:
GROUP
touch "$ROOTFS/etc/hostname" "$ROOTFS/etc/hosts" "$ROOTFS/etc/resolv.conf"

echo "build-busybox-image: $ROOTFS: busybox from $BUSYBOX, $links applet links in bin/, etc/passwd (root, nobody), etc/group"
