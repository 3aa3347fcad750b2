#!/bin/sh
# Pull + unpack of a ~100 MiB multi-layer image (4 layers of random data and busybox, built
# offline with umoci) from a docker-registry on 127.0.0.1, against `skopeo copy docker://...
# oci:DIR` + `umoci raw unpack` in the same run, cold (empty store) and warm (every layer
# present), podman pull (overlay driver, its own storage root) when podman is installed, and
# the `tar -x` floor of the same layers. This script builds the image and starts the registry;
# tests/bench/pull (pk-bench-pull) runs and times everything and prints medians and ratios of
# the same run.
#   scripts/bench-pull.sh [RUNS]          (default 5; PODKEEPER=path/to/podkeeper)
set -eu
RUNS=${1:-5}
REPO=$(cd "$(dirname "$0")/.." && pwd)
PODKEEPER=${PODKEEPER:-$REPO/build/bin/podkeeper}
BENCH=${BENCH:-$REPO/build/bin/pk-bench-pull}
[ -x "$PODKEEPER" ] || { echo "bench-pull: $PODKEEPER not built" >&2; exit 1; }
[ -x "$BENCH" ] || { echo "bench-pull: $BENCH not built (make pk-bench-pull)" >&2; exit 1; }
TMP=$(mktemp -d /var/tmp/pk-bench-pull.XXXXXX)
REG_PID=
cleanup() {
  set +e
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null
  rm -rf "$TMP"
  return 0
}
trap cleanup EXIT INT TERM HUP

PORT=$(shuf -i 20000-60000 -n 1)
HOST=127.0.0.1:$PORT
cat >"$TMP/config.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $TMP/registry
http:
  addr: $HOST
YAML
docker-registry serve "$TMP/config.yml" >"$TMP/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -sf "http://$HOST/v2/" >/dev/null && break; sleep 0.1; done

# The image: busybox plus 4 layers of 25 MiB of random data (incompressible, as real layers
# mostly are after gzip).
sh "$REPO/scripts/build-busybox-image.sh" "$TMP/bb" >/dev/null
umoci init --layout "$TMP/oci" && umoci new --image "$TMP/oci:big"
(cd "$TMP/bb/busybox/latest/rootfs" && tar -cf "$TMP/layer0.tar" *)
umoci raw add-layer --image "$TMP/oci:big" "$TMP/layer0.tar"
for i in 1 2 3 4; do
  mkdir -p "$TMP/l$i/data"
  head -c $((25 << 20)) /dev/urandom >"$TMP/l$i/data/blob$i"
  (cd "$TMP/l$i" && tar -cf "$TMP/layer$i.tar" data)
  umoci raw add-layer --image "$TMP/oci:big" "$TMP/layer$i.tar"
done
skopeo copy --quiet --dest-tls-verify=false "oci:$TMP/oci:big" "docker://$HOST/bench/big:1"
mkdir -p "$TMP/gz"
for i in 0 1 2 3 4; do gzip -1 -c "$TMP/layer$i.tar" >"$TMP/gz/layer$i.tar.gz"; done

mkdir -p "$TMP/work"
"$BENCH" --podkeeper "$PODKEEPER" --registry "$HOST" --image "$HOST/bench/big:1" \
  --layers "$TMP/gz" --work "$TMP/work" --runs "$RUNS"
