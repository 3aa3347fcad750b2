#include "reconciler/pod_dns.h"

#include <gtest/gtest.h>

namespace podkeeper::reconciler {
namespace {

const char* kNode =
    "# generated\nnameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example\n"
    "options ndots:2 edns0\n";

manifests::PodSpec spec(const std::string& policy, bool hostNetwork = false) {
  manifests::PodSpec s;
  s.dnsPolicy = policy;
  s.hostNetwork = hostNetwork;
  return s;
}

TEST(PodDns, DefaultIsTheNodesFile) {
  auto d = podResolvConf(spec("Default"), kNode);
  EXPECT_EQ(d.resolvConf,
            "nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch corp.example\n"
            "options ndots:2 edns0\n");
  EXPECT_TRUE(d.warnings.empty());
}

TEST(PodDns, ClusterFirstWithoutClusterDnsFallsBackToDefaultWithTheKubeletsEvent) {
  auto d = podResolvConf(spec("ClusterFirst"), kNode);
  EXPECT_EQ(d.resolvConf, podResolvConf(spec("Default"), kNode).resolvConf);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_EQ(d.warnings[0].first, "MissingClusterDNS");
  // hostNetwork with ClusterFirst is Default already: no event.
  EXPECT_TRUE(podResolvConf(spec("ClusterFirst", true), kNode).warnings.empty());
  EXPECT_EQ(podResolvConf(spec("ClusterFirstWithHostNet", true), kNode).warnings.size(), 1u);
}

TEST(PodDns, NoneIsOnlyTheDnsConfigMerged) {
  auto s = spec("None");
  s.dnsConfig = manifests::PodDNSConfig{
      {"1.1.1.1"}, {"a.example", "b.example"}, {{"ndots", "3"}, {"single-request", std::nullopt}}};
  EXPECT_EQ(podResolvConf(s, kNode).resolvConf,
            "nameserver 1.1.1.1\nsearch a.example b.example\noptions ndots:3 single-request\n");
  EXPECT_EQ(podResolvConf(spec("None"), kNode).resolvConf, "");
}

TEST(PodDns, DnsConfigMergesIntoDefaultAndTheLimitsCut) {
  auto s = spec("Default");
  s.dnsConfig = manifests::PodDNSConfig{
      {"192.0.2.53", "10.0.0.1", "10.0.0.2"}, {"corp.example", "x.example"}, {{"ndots", "5"}}};
  auto d = podResolvConf(s, kNode);
  EXPECT_EQ(d.resolvConf,
            "nameserver 192.0.2.53\nnameserver 192.0.2.54\nnameserver 10.0.0.1\n"
            "search corp.example x.example\noptions edns0 ndots:5\n");
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_EQ(d.warnings[0].first, "DNSConfigForming");
  EXPECT_NE(d.warnings[0].second.find("192.0.2.53 192.0.2.54 10.0.0.1"), std::string::npos);

  auto many = spec("None");
  many.dnsConfig = manifests::PodDNSConfig{};
  for (int i = 0; i < 40; ++i) many.dnsConfig->searches.push_back("s" + std::to_string(i));
  auto cut = podResolvConf(many, "");
  EXPECT_NE(cut.resolvConf.find("s31\n"), std::string::npos);
  EXPECT_EQ(cut.resolvConf.find("s32"), std::string::npos);
}

TEST(PodDns, ParsesAndSeesSystemdResolvedsStub) {
  EXPECT_TRUE(isResolvedStub("nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n"));
  EXPECT_FALSE(isResolvedStub(kNode));
  auto r = parseResolvConf("domain a\nsearch b c ; comment\nnameserver 9.9.9.9 # x\n");
  EXPECT_EQ(r.searches, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(r.nameservers, (std::vector<std::string>{"9.9.9.9"}));
}

manifests::Pod named(const std::string& hostname, const std::string& subdomain, bool fqdn) {
  manifests::Pod p;
  p.metadata.name = "web-0";
  p.metadata.namespace_ = "shop";
  p.spec.hostname = hostname;
  p.spec.subdomain = subdomain;
  p.spec.setHostnameAsFQDN = fqdn;
  return p;
}

TEST(PodNames, TheHostDomainIsTheSubdomainsServiceNameInTheClusterDomain) {
  EXPECT_EQ(podHostDomain(named("", "", false)), "");
  EXPECT_EQ(podHostDomain(named("db", "nginx", false)), "nginx.shop.svc.cluster.local");
  manifests::Pod overridden = named("db", "nginx", false);
  overridden.spec.hostnameOverride = "other.example";
  EXPECT_EQ(podHostDomain(overridden), "");
}

TEST(PodNames, SetHostnameAsFQDNMakesTheHostnameTheFQDNWhenThereIsASubdomain) {
  EXPECT_EQ(podUtsHostname(named("db", "nginx", false)), "db");
  EXPECT_EQ(podUtsHostname(named("db", "nginx", true)), "db.nginx.shop.svc.cluster.local");
  EXPECT_EQ(podUtsHostname(named("", "", true)), "web-0");
  manifests::Pod host = named("db", "nginx", true);
  host.spec.hostNetwork = true;
  EXPECT_EQ(podUtsHostname(host), "db");
}

}  // namespace
}  // namespace podkeeper::reconciler
