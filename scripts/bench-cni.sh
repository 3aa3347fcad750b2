#!/bin/bash
# Pod networking cost (issue 13), all in one run, medians:
#  - the floor: the same bridge + host-local + portmap list run by hand (ADD, and ADD+DEL) on
#    a fresh netns, no agent;
#  - the agent's CNI ADD (its "network ready ... (ADD N ms)" log line);
#  - pod start with CNI and with hostNetwork, as the agent reports it ("all containers running
#    (N s after the manifest was seen)");
#  - podman run -d with its default network and with --network host, when podman is installed
#    (the same busybox rootfs, imported), "podman: not installed" otherwise.
# Needs root, containernetworking-plugins and a built build/bin/podkeeper.
#   scripts/bench-cni.sh [RUNS]        default 20
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
tmp=$(mktemp -d /tmp/pk-bench-cni.XXXXXX)
bridge=pkb$$
bridge=${bridge:0:15}
agent=
cleanup() {
  [ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null || true
  ip netns del "pkbench-$$" 2>/dev/null || true
  ip link del "$bridge" 2>/dev/null || true
  [ -n "${podman_image:-}" ] && podman rmi -f "$podman_image" >/dev/null 2>&1 || true
  for d in /sys/fs/cgroup/*/pk-bench-cni-$$ /sys/fs/cgroup/pk-bench-cni-$$; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/cni" "$tmp/m"
cat > "$tmp/cni/10-bench.conflist" <<JSON
{"cniVersion":"1.0.0","name":"pk-bench","plugins":[
 {"type":"bridge","bridge":"$bridge","isGateway":true,
  "ipam":{"type":"host-local","ranges":[[{"subnet":"10.249.0.0/16"}]],"dataDir":"$tmp/ipam"}},
 {"type":"portmap","capabilities":{"portMappings":true},"snat":true}]}
JSON

# The floor: each plugin exec'd by hand with the config libcni would give it.
ip netns add "pkbench-$$"
netns=/run/netns/pkbench-$$
bridge_conf='{"cniVersion":"1.0.0","name":"pk-bench","type":"bridge","bridge":"'$bridge'","isGateway":true,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.249.0.0/16"}]],"dataDir":"'$tmp/ipam'"}}'
by_hand() {
  local cmd=$1 prev=$2
  export CNI_COMMAND=$cmd CNI_CONTAINERID=bench CNI_NETNS=$netns CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni
  local res
  res=$(echo "$bridge_conf" | /usr/lib/cni/bridge)
  [ "$cmd" = DEL ] && res=$prev
  echo '{"cniVersion":"1.0.0","name":"pk-bench","type":"portmap","snat":true,"runtimeConfig":{"portMappings":[{"hostPort":39999,"containerPort":80,"protocol":"tcp"}]},"prevResult":'"${res:-null}"'}' |
    /usr/lib/cni/portmap >/dev/null
  echo "$res"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000 )) | awk '{printf "%.1f\n", $1/1000}'; }
: >"$tmp/floor-add"; : >"$tmp/floor-adddel"
for _ in $(seq "$runs"); do
  t0=$(date +%s%N)
  r=$(by_hand ADD "")
  ms_since "$t0" >>"$tmp/floor-add"
  by_hand DEL "$r" >/dev/null
  ms_since "$t0" >>"$tmp/floor-adddel"
done
ip netns del "pkbench-$$"

# The agent: pods one after the other, with CNI and with hostNetwork.
sh scripts/build-busybox-image.sh "$tmp/images" >/dev/null
build/bin/podkeeper run --manifest-dir "$tmp/m" --state-dir "$tmp/state" --root-dir "$tmp/root" \
  --image-dir "$tmp/images" --log-dir "$tmp/logs" --cgroup-root "pk-bench-cni-$$" \
  --listen 127.0.0.1:0 --cni-conf-dir "$tmp/cni" --log-level info >"$tmp/agent.log" 2>&1 &
agent=$!
sleep 1
pod_start() {  # name hostNetwork
  cat > "$tmp/m/.p.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  hostNetwork: $2
  terminationGracePeriodSeconds: 0
  containers: [{name: c, image: busybox, command: ["sleep", "1000"]}]
YAML
  mv "$tmp/m/.p.yaml" "$tmp/m/$1.yaml"
  until grep -q "pod default/$1: all containers running" "$tmp/agent.log"; do sleep 0.05; done
  rm "$tmp/m/$1.yaml"
  until grep -q "pod default/$1: removed" "$tmp/agent.log"; do sleep 0.05; done
}
for i in $(seq "$runs"); do pod_start "net$i" false; pod_start "host$i" true; done
latency() { grep -E "pod default/$1[0-9]+: all containers running" "$tmp/agent.log" |
  sed -E 's/.*\(([0-9.]+)s after.*/\1/' | awk '{printf "%.1f\n", $1*1000}' | median; }
agent_add=$(grep -E "network ready" "$tmp/agent.log" | sed -E 's/.*\(ADD ([0-9.]+) ms\).*/\1/' | median)
net=$(latency net)
host=$(latency host)

# podman, the same rootfs, the same run.
pm_net=- pm_host=-
if command -v podman >/dev/null; then
  podman_image=localhost/pk-bench-busybox:$$
  tar -C "$tmp/images/busybox/latest/rootfs" -c . | podman import -q - "$podman_image" >/dev/null
  podman_run() {  # network -> ms from `podman run -d` to its return (the container started)
    local t0 id
    t0=$(date +%s%N)
    id=$(podman run -d --network "$1" "$podman_image" sleep 1000)
    ms_since "$t0"
    podman rm -f -t 0 "$id" >/dev/null
  }
  # The first run makes podman's network and bridge; a podman that cannot run containers
  # here (e.g. runc refused the rlimits it sets) is said, not measured.
  if podman_err=$(podman run --rm --network bridge "$podman_image" true 2>&1); then
    for _ in $(seq "$runs"); do
      podman_run bridge >>"$tmp/podman-net"
      podman_run host >>"$tmp/podman-host"
    done
    pm_net=$(median <"$tmp/podman-net")
    pm_host=$(median <"$tmp/podman-host")
  else
    pm_fail=$(echo "$podman_err" | tail -1)
  fi
fi
ratio() { [ "$2" = - ] && echo - || awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

echo "runs: $runs (medians, ms)"
echo "CNI ADD by hand (bridge + host-local + portmap):      $(median <"$tmp/floor-add")"
echo "CNI ADD+DEL by hand:                                  $(median <"$tmp/floor-adddel")"
echo "CNI ADD in the agent:                                 $agent_add"
echo "pod start with CNI:                                   $net"
echo "pod start with hostNetwork:                           $host"
if [ -n "${pm_fail:-}" ]; then
  echo "podman: cannot run a container here: $pm_fail"
elif [ "$pm_net" = - ]; then
  echo "podman: not installed"
else
  echo "podman run -d, default network:                       $pm_net"
  echo "podman run -d, --network host:                        $pm_host"
fi
echo "ratios: CNI/hostNetwork $(ratio "$net" "$host"), podkeeper/podman with network $(ratio "$net" "$pm_net"), hostNetwork/podman host $(ratio "$host" "$pm_host")"
