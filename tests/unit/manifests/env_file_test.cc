#include "manifests/env_file.h"

#include <gtest/gtest.h>

namespace podkeeper::manifests {
namespace {

TEST(EnvFile, FindsTheKeyOfTheDocumentationExample) {
  const char* text = "DB_ADDRESS=address\nREST_ENDPOINT=endpoint\n";
  EXPECT_EQ(lookupEnvFile(text, "DB_ADDRESS").value, "address");
  EXPECT_EQ(lookupEnvFile(text, "REST_ENDPOINT").value, "endpoint");
  EXPECT_EQ(lookupEnvFile(text, "OTHER").value, std::nullopt);
  EXPECT_EQ(lookupEnvFile(text, "OTHER").error, "");
}

TEST(EnvFile, SkipsBlankAndCommentLinesAndTrimsAroundTheEqualsSign) {
  const char* text = "\n   # a comment\n\t\n  KEY  =  some value  \t\r\nB=x=y\n";
  EXPECT_EQ(lookupEnvFile(text, "KEY").value, "some value");
  EXPECT_EQ(lookupEnvFile(text, "B").value, "x=y");
}

TEST(EnvFile, TrailingBackslashContinuesTheValueJoinedWithOneSpace) {
  EXPECT_EQ(lookupEnvFile("K=one \\\n   two\\\nthree\n", "K").value, "one two three");
}

TEST(EnvFile, TheFirstDeclarationWins) { EXPECT_EQ(lookupEnvFile("K=1\nK=2\n", "K").value, "1"); }

TEST(EnvFile, MalformedFilesAreErrorsNamingTheLine) {
  EXPECT_EQ(lookupEnvFile("A=1\nnot a declaration\n", "Z").error,
            "invalid env file format at line 2: missing '='");
  EXPECT_EQ(lookupEnvFile("=1\n", "Z").error,
            "invalid env file format at line 1: empty variable name");
  EXPECT_EQ(lookupEnvFile("K=a\\\n\nB=1\n", "B").error,
            "invalid env file format at line 2: blank line in continuation");
  EXPECT_EQ(lookupEnvFile("K=a\\\n# c\n", "B").error,
            "invalid env file format at line 2: comment in continuation");
  EXPECT_EQ(lookupEnvFile("K=a\\", "B").error,
            "unexpected end of env file: unfinished line continuation");
}

}  // namespace
}  // namespace podkeeper::manifests
