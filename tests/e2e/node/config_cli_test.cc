#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "agent/config_file.h"
#include "tests/e2e/agent/agent_harness.h"
#include "tests/support/command.h"

// The built podkeeper's configuration interface: `version`, `config print`, --config before
// or after `run`, and a refused file stopping `run` before anything starts.
namespace podkeeper::e2e {
namespace {

namespace fs = std::filesystem;

class ConfigCli : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  }
  static support::CommandResult pk(const std::string& args) {
    return support::runShell(std::string(PK_AGENT_PATH) + " " + args + " 2>&1");
  }
  const std::string dir = "/tmp/pk-config-cli-" + std::to_string(::getpid());
};

TEST_F(ConfigCli, VersionPrintsTheVersionAndExitsZero) {
  auto r = pk("version");
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_TRUE(std::regex_match(r.output, std::regex("podkeeper [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << r.output;
}

TEST_F(ConfigCli, ConfigPrintShowsTheFileThenTheFlags) {
  auto file = write("c.yaml", "staticPodPath: /srv/pods\nport: 1234\nreadOnlyPort: 1235\n");
  auto r = pk("config print --config " + file + " --port 4321");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("staticPodPath: \"/srv/pods\"\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nport: 4321\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nreadOnlyPort: 1235\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nstateDir: \"/run/podkeeper\"\n"), std::string::npos) << r.output;
  // --config before the subcommand works the same.
  auto before = pk("--config " + file + " config print --port 4321");
  EXPECT_EQ(before.output, r.output);
}

TEST_F(ConfigCli, AnUnknownFieldStopsRunBeforeAnythingStarts) {
  auto file = write("bad.yaml", "port: 0\nreadOnlyPortt: 1\n");
  for (const std::string& args : {"--config " + file + " run --state-dir " + dir + "/state",
                                  "run --config " + file + " --state-dir " + dir + "/state"}) {
    auto r = pk(args);
    EXPECT_EQ(r.exitCode, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(file + ":2:1: readOnlyPortt: unknown field"), std::string::npos)
        << r.output;
    EXPECT_FALSE(fs::exists(dir + "/state")) << "the agent started";
  }
}

TEST_F(ConfigCli, ABadValueInTheFileIsReportedAtItsLine) {
  auto file = write("bad.yaml", "cgroupRoot: /abs\n");
  auto r = pk("run --config " + file + " --state-dir " + dir + "/state");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find(file + ":1:13: cgroupRoot: \"/abs\" must be a relative cgroup path"),
            std::string::npos)
      << r.output;
}

TEST_F(ConfigCli, ANamedFileThatIsMissingIsAnError) {
  auto r = pk("config print --config " + dir + "/none.yaml");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find(dir + "/none.yaml: cannot read the configuration file"),
            std::string::npos)
      << r.output;
}

TEST_F(ConfigCli, EveryFlagOfRunHasAFieldInTheFile) {
  auto help = pk("run --help");
  ASSERT_EQ(help.exitCode, 0);
  std::set<std::string> flags;
  std::regex flag(R"((--[a-z][a-z0-9-]+))");
  for (std::sregex_iterator it(help.output.begin(), help.output.end(), flag), end; it != end; ++it)
    flags.insert((*it)[1]);
  flags.erase("--help");
  flags.erase("--config");
  ASSERT_GT(flags.size(), 30u);
  const auto fields = agent::configFileFlags();
  for (const auto& f : flags)
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end())
        << f << " has no field in the configuration file";
}

}  // namespace
}  // namespace podkeeper::e2e
