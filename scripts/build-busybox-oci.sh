#!/bin/sh
# Builds a busybox test image offline as an OCI layout with umoci, from the rootfs of
# build-busybox-image.sh: OUT/layout (tag "busybox"), then with skopeo OUT/busybox.oci.tar
# (oci-archive, named busybox:oci) and OUT/busybox.docker.tar (docker-archive, tagged
# busybox:docker). The image config runs `sh -c` with Entrypoint/Cmd/Env/WorkingDir set, so
# tests can see each honoured.
set -eu

OUT=$1
HERE=$(dirname "$0")
mkdir -p "$OUT"
sh "$HERE/build-busybox-image.sh" "$OUT/src" >/dev/null
L="$OUT/layout"
umoci init --layout "$L"
umoci new --image "$L:busybox"
umoci unpack --rootless --image "$L:busybox" "$OUT/bundle" >/dev/null 2>&1 ||
  umoci unpack --image "$L:busybox" "$OUT/bundle" >/dev/null
cp -a "$OUT/src/busybox/latest/rootfs/." "$OUT/bundle/rootfs/"
mkdir -p "$OUT/bundle/rootfs/work"
umoci repack --image "$L:busybox" "$OUT/bundle" >/dev/null
umoci config --image "$L:busybox" \
  --config.entrypoint /bin/sh --config.entrypoint -c \
  --config.cmd 'echo "cmd ran in $(pwd) with $IMAGE_VAR"; sleep 3600' \
  --config.env IMAGE_VAR=from-image --config.env PATH=/bin \
  --config.workingdir /work --config.stopsignal SIGUSR1 >/dev/null
rm -rf "$OUT/bundle" "$OUT/src"
skopeo --insecure-policy copy -q "oci:$L:busybox" "oci-archive:$OUT/busybox.oci.tar:busybox:oci"
skopeo --insecure-policy copy -q "oci:$L:busybox" \
  "docker-archive:$OUT/busybox.docker.tar:busybox:docker"
# LAYERS=N: also busybox:many (OUT/busybox-many.oci.tar), the same image with N more layers,
# each adding /layer-<i>.
if [ "${LAYERS:-0}" -gt 0 ]; then
  # umoci repack writes each change as a new layer (umoci insert writes truncated tars).
  umoci unpack --image "$L:busybox" "$OUT/many" >/dev/null
  i=1
  while [ "$i" -le "$LAYERS" ]; do
    echo "layer $i" >"$OUT/many/rootfs/layer-$i"
    umoci repack --refresh-bundle --image "$L:busybox" "$OUT/many" >/dev/null
    i=$((i + 1))
  done
  rm -rf "$OUT/many"
  skopeo --insecure-policy copy -q "oci:$L:busybox" \
    "oci-archive:$OUT/busybox-many.oci.tar:busybox:many"
fi
