#!/bin/sh
# Pull + unpack of a ~100 MiB multi-layer image (4 layers of random data and busybox, built
# offline with umoci) from a docker-registry on 127.0.0.1, against `skopeo copy docker://...
# oci:DIR` + `umoci raw unpack` in the same run, cold (empty store) and warm (every layer
# present), podman pull (overlay driver, its own storage root) when podman is installed, and
# the `tar -x` floor of the same layers. Prints medians and ratios of the same run.
#   scripts/bench-pull.sh [RUNS]          (default 5; PODKEEPER=path/to/podkeeper)
set -eu
RUNS=${1:-5}
REPO=$(cd "$(dirname "$0")/.." && pwd)
PODKEEPER=${PODKEEPER:-$REPO/build/bin/podkeeper}
[ -x "$PODKEEPER" ] || { echo "bench-pull: $PODKEEPER not built" >&2; exit 1; }
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

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timeit() {  # prints seconds of "$@"
  t0=$(now); "$@" >/dev/null 2>&1 || { echo "bench-pull: failed: $*" >&2; exit 1; }; t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}' 
}

: >"$TMP/pk-cold"; : >"$TMP/pk-warm"; : >"$TMP/sk-cold"; : >"$TMP/sk-warm"; : >"$TMP/tar"
: >"$TMP/pm-cold"; : >"$TMP/pm-warm"
PODMAN=$(command -v podman || true)
pm() {
  "$PODMAN" --root "$TMP/pm/root" --runroot "$TMP/pm/run" --storage-driver overlay pull -q \
    --tls-verify=false "$HOST/bench/big:1"
}
for r in $(seq "$RUNS"); do
  rm -rf "$TMP/pk"
  timeit "$PODKEEPER" image pull --image-dir "$TMP/pk" --insecure-registry "$HOST" "$HOST/bench/big:1" >>"$TMP/pk-cold"
  timeit "$PODKEEPER" image pull --image-dir "$TMP/pk" --insecure-registry "$HOST" "$HOST/bench/big:1" >>"$TMP/pk-warm"
  rm -rf "$TMP/sk" "$TMP/sk-root"
  sk() {
    skopeo copy --quiet --src-tls-verify=false "docker://$HOST/bench/big:1" "oci:$TMP/sk:big" &&
      rm -rf "$TMP/sk-root" && umoci raw unpack --image "$TMP/sk:big" "$TMP/sk-root"
  }
  timeit sk >>"$TMP/sk-cold"
  timeit sk >>"$TMP/sk-warm"
  rm -rf "$TMP/tar-root"
  floor() {
    mkdir -p "$TMP/tar-root" && for f in "$TMP"/gz/*.tar.gz; do tar -xzf "$f" -C "$TMP/tar-root"; done
  }
  timeit floor >>"$TMP/tar"
  if [ -n "$PODMAN" ]; then
    rm -rf "$TMP/pm"  # images only, no container: nothing is mounted
    timeit pm >>"$TMP/pm-cold"
    timeit pm >>"$TMP/pm-warm"
  fi
done

PK_COLD=$(median <"$TMP/pk-cold"); PK_WARM=$(median <"$TMP/pk-warm")
SK_COLD=$(median <"$TMP/sk-cold"); SK_WARM=$(median <"$TMP/sk-warm"); TAR=$(median <"$TMP/tar")
printf '%-34s %10s\n' "median of $RUNS runs (~100 MiB, 5 layers)" seconds
printf '%-34s %10.3f\n' "podkeeper image pull, cold" "$PK_COLD" "podkeeper image pull, warm" "$PK_WARM" \
  "skopeo copy + umoci raw unpack, cold" "$SK_COLD" "skopeo copy + umoci raw unpack, warm" "$SK_WARM" \
  "tar -xzf floor" "$TAR"
if [ -n "$PODMAN" ]; then
  PM_COLD=$(median <"$TMP/pm-cold"); PM_WARM=$(median <"$TMP/pm-warm")
  printf '%-34s %10.3f\n' "podman pull, cold" "$PM_COLD" "podman pull, warm" "$PM_WARM"
  printf 'ratio podkeeper/podman: cold %.2fx, warm %.2fx\n' \
    "$(awk -v a="$PK_COLD" -v b="$PM_COLD" 'BEGIN {print a / b}')" \
    "$(awk -v a="$PK_WARM" -v b="$PM_WARM" 'BEGIN {print a / b}')"
else
  echo "podman: not installed"
fi
printf 'ratio podkeeper/skopeo+umoci: cold %.2fx, warm %.2fx; podkeeper cold / tar floor: %.2fx\n' \
  "$(awk -v a="$PK_COLD" -v b="$SK_COLD" 'BEGIN {print a / b}')" \
  "$(awk -v a="$PK_WARM" -v b="$SK_WARM" 'BEGIN {print a / b}')" \
  "$(awk -v a="$PK_COLD" -v b="$TAR" 'BEGIN {print a / b}')"
