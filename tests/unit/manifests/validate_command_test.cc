#include "agent/validate_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::agent {
namespace {

using ::testing::HasSubstr;

class RunValidate : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& contents) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << contents;
    return path;
  }
  int run(const std::vector<std::string>& files, bool json) {
    return runValidate(files, json, out_, err_);
  }
  support::TempDir tmp_{"pk-validate-test"};
  const std::string dir_ = tmp_.path();
  std::ostringstream out_, err_;
};

TEST_F(RunValidate, ValidFilesExitZero) {
  std::string a = write("a.yaml", manifests::testing::kMinimalPod);
  EXPECT_EQ(run({a}, false), 0);
  EXPECT_EQ(out_.str(), a + ": valid, 1 pod(s)\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(RunValidate, OneInvalidFileExitsOneAndPrintsEachProblem) {
  std::string good = write("good.yaml", manifests::testing::kMinimalPod);
  std::string bad = write("bad.yaml", std::string(manifests::testing::kMinimalPod) +
                                          "    resources: {limits: {memory: 12QiB}}\n");
  EXPECT_EQ(run({good, bad}, false), 1);
  EXPECT_EQ(err_.str(), bad +
                            ":9:34: spec.containers[0].resources.limits.memory: \"12QiB\" is "
                            "not a valid quantity\n");
}

TEST_F(RunValidate, FileOverOneMiBIsRefused) {
  std::string big = write("big.yaml", std::string((1 << 20) + 1, '#'));
  EXPECT_EQ(run({big}, false), 1);
  EXPECT_THAT(err_.str(), HasSubstr("larger than 1 MiB"));
}

TEST_F(RunValidate, JsonPrintsTheDefaultedPodsAsAList) {
  std::string a = write("a.yaml", manifests::testing::kMinimalPod);
  EXPECT_EQ(run({a}, true), 0);
  nlohmann::json list = nlohmann::json::parse(out_.str());
  EXPECT_EQ(list["kind"], "List");
  ASSERT_EQ(list["items"].size(), 1u);
  const auto& pod = list["items"][0];
  EXPECT_EQ(pod["kind"], "Pod");
  EXPECT_EQ(pod["metadata"]["namespace"], "default");
  EXPECT_EQ(pod["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_THAT(pod["metadata"]["annotations"]["podkeeper.io/spec-hash"].get<std::string>(),
              HasSubstr("v1:"));
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(pod["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
}

TEST_F(RunValidate, NoFilesIsAnError) {
  EXPECT_EQ(run({}, false), 1);
  EXPECT_THAT(err_.str(), HasSubstr("no manifest files"));
}

}  // namespace
}  // namespace podkeeper::agent
