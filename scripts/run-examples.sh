#!/bin/bash
# Installs what is missing, builds, prepares busybox:latest, and runs podkeeper in the
# foreground on manifests/examples/ with its real defaults otherwise (Ctrl-C stops the agent;
# the pods keep running and are adopted by the next start; remove a manifest to stop its pod).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
image_dir=/var/lib/podkeeper/images
sh scripts/build-busybox-image.sh "$image_dir"
# Pods get a bridge network (README: Pod networking) unless the node already has a CNI
# configuration of its own.
cni_dir=/etc/cni/net.d
if ! ls "$cni_dir"/*.conflist "$cni_dir"/*.conf "$cni_dir"/*.json >/dev/null 2>&1; then
  install -D -m 0644 packaging/10-podkeeper.conflist "$cni_dir/10-podkeeper.conflist"
  echo "installed the default CNI configuration $cni_dir/10-podkeeper.conflist"
fi
exec build/bin/podkeeper run --manifest-dir "$PWD/manifests/examples" --image-dir "$image_dir" "$@"
