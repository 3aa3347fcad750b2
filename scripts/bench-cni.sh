#!/bin/bash
# Pod networking cost (issue 13): the CNI ADD+DEL floor (the same bridge + host-local +
# portmap list run by hand on a fresh netns, no agent) next to pod start latency with CNI and
# with hostNetwork, as the agent reports it ("all containers running (N s after the manifest
# was seen)"). Needs root, containernetworking-plugins and a built build/bin/podkeeper.
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
start=$(date +%s%N)
for _ in $(seq "$runs"); do
  r=$(by_hand ADD "")
  by_hand DEL "$r" >/dev/null
done
floor_ms=$(( ($(date +%s%N) - start) / runs / 1000000 ))
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
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
latency() { grep -E "pod default/$1[0-9]+: all containers running" "$tmp/agent.log" |
  sed -E 's/.*\(([0-9.]+)s after.*/\1/' | awk '{print $1*1000}' | median; }
add_ms=$(grep -E "network ready" "$tmp/agent.log" | wc -l)
echo "runs: $runs"
echo "CNI ADD+DEL by hand (bridge + host-local + portmap), mean: ${floor_ms} ms"
echo "pod start with CNI, median:          $(latency net) ms ($add_ms ADDs)"
echo "pod start with hostNetwork, median:  $(latency host) ms"
