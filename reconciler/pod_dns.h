#pragma once

#include <string>
#include <vector>

#include "manifests/pod.h"

// A pod's /etc/resolv.conf as the kubelet writes it (pkg/kubelet/network/dns): by dnsPolicy,
// with dnsConfig merged in and the kubelet's limits. Pure: the node's file comes in as text.
namespace podkeeper::reconciler {

struct ResolvConf {
  std::vector<std::string> nameservers, searches, options;
};

ResolvConf parseResolvConf(const std::string& text);
std::string renderResolvConf(const ResolvConf& r);

// True when text points at systemd-resolved's local stub (nameserver 127.0.0.53 only): the
// node's real servers are in /run/systemd/resolve/resolv.conf, which pods must read instead
// (a pod cannot reach the node's loopback).
bool isResolvedStub(const std::string& text);

struct PodDns {
  std::string resolvConf;  // the file's content
  // Warning events the kubelet sends: reason, message (MissingClusterDNS, DNSConfigForming).
  std::vector<std::pair<std::string, std::string>> warnings;
};

// podkeeper has no cluster DNS: ClusterFirst (and ClusterFirstWithHostNet) fall back to
// Default with the kubelet's MissingClusterDNS event; Default is the node's file; None starts
// empty. dnsConfig is merged into all of them: nameservers and searches appended without
// duplicates, options by name (the pod's win); then at most 3 nameservers and 32 search
// domains (DNSConfigForming when cut).
PodDns podResolvConf(const manifests::PodSpec& spec, const std::string& nodeResolvConf);

// The cluster domain the kubelet is usually given (kubeadm's): pods' FQDNs end with it.
inline constexpr const char* kClusterDomain = "cluster.local";

// The kubelet's host domain of a pod (GeneratePodHostNameAndDomain):
// <subdomain>.<namespace>.svc.cluster.local, "" without a subdomain (or with a
// hostnameOverride, which replaces the name whole).
std::string podHostDomain(const manifests::Pod& pod);
// The name the pod's containers see as their hostname (HOSTNAME): its FQDN with
// setHostnameAsFQDN and a subdomain, else its hostname.
std::string podUtsHostname(const manifests::Pod& pod);

}  // namespace podkeeper::reconciler
