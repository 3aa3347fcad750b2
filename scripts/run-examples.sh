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
exec build/bin/podkeeper run --manifest-dir "$PWD/manifests/examples" --image-dir "$image_dir" "$@"
