#!/bin/bash
# Installs the Debian 12 packages podkeeper needs to build, run and test, if any is missing.
set -euo pipefail

packages=(
  g++ cmake make pkg-config lld
  libyaml-cpp-dev libboost-dev prometheus-cpp-dev libspdlog-dev libfmt-dev zlib1g-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libseccomp-dev
  clang libclang-rt-14-dev clang-16 libclang-rt-16-dev
  busybox-static runc prometheus iproute2 curl
  libcurl4-openssl-dev libssl-dev libarchive-dev libzstd-dev openssl
  docker-registry skopeo umoci apache2-utils containernetworking-plugins iptables wrk
  libgrpc++-dev libprotobuf-dev protobuf-compiler-grpc
  etcd-server etcd-client
  systemd dpkg-dev file
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The Debian prometheus and docker-registry packages start servers on :9090 and :5000 where
# systemd runs; the tests start their own on free loopback ports. (etcd-server: etcd on :2379.)
if command -v systemctl >/dev/null; then
  for unit in prometheus docker-registry etcd; do
    if systemctl is-active --quiet "$unit" 2>/dev/null; then
      systemctl disable --now "$unit" >/dev/null 2>&1 || true
    fi
  done
fi
