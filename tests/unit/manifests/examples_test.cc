#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "manifests/decode.h"
#include "test_util.h"

// The documentation-shaped manifests must validate; the malformed ones must fail precisely.
namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

DecodeResult decodeFile(const std::string& path) { return decodeManifest(path, readFile(path)); }

TEST(Examples, EveryDocumentationShapedExampleValidatesWithoutWarnings) {
  int seen = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(PK_SOURCE_DIR "/manifests/examples/kubernetes-docs")) {
    const std::string name = entry.path().filename();
    if (name.rfind("k8s-doc-", 0) != 0) continue;
    ++seen;
    DecodeResult r = decodeFile(entry.path());
    EXPECT_TRUE(r.ok()) << name << ::testing::PrintToString(printed(r));
    EXPECT_THAT(printed(r), IsEmpty()) << name;
    EXPECT_FALSE(r.pods.empty()) << name;
  }
  EXPECT_EQ(seen, 23);
}

TEST(Examples, KubeadmEtcdManifestDecodesItsControlPlaneFields) {
  DecodeResult r = decodeFile(
      PK_SOURCE_DIR "/manifests/examples/kubernetes-docs/k8s-doc-static-control-plane.yaml");
  ASSERT_TRUE(r.ok());
  const Pod& p = r.pods[0].pod;
  EXPECT_EQ(p.metadata.namespace_, "kube-system");
  EXPECT_TRUE(p.spec.hostNetwork);
  EXPECT_EQ(p.spec.priority, 2000001000);
  EXPECT_EQ(p.spec.volumes[0].hostPath->type, "DirectoryOrCreate");
  EXPECT_EQ(p.spec.containers[0].livenessProbe->handler.httpGet->host, "127.0.0.1");
  EXPECT_EQ(p.spec.containers[0].resources.requests.memoryBytes, 100LL << 20);
}

TEST(Examples, KubectlGetOutputOfAMirrorPodValidates) {
  DecodeResult r = decodeFile(PK_TESTDATA_DIR "/kubectl-get-mirror-pod.yaml");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(printed(r));
}

TEST(Examples, MalformedManifestFailsWithPreciseErrors) {
  const std::string path = PK_TESTDATA_DIR "/malformed.yaml";
  DecodeResult r = decodeFile(path);
  EXPECT_THAT(errors(r),
              ElementsAre(path + ":7:11: spec.containers[0].name: \"Web\" must consist of lower "
                                 "case alphanumeric characters or '-' (a DNS-1123 label)",
                          path + ":10:22: spec.containers[0].ports[0].containerPort: 0 must be "
                                 "between 1 and 65535",
                          path + ":13:17: spec.containers[0].resources.limits.memory: \"1.5.3Gi\" "
                                 "is not a valid quantity",
                          path + ":15:13: spec.containers[0].volumeMounts[0].name: volume "
                                 "\"config\" is not declared in spec.volumes"));
}

}  // namespace
}  // namespace podkeeper::manifests
