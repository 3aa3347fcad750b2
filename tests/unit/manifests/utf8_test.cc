#include "manifests/utf8.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>

#include "test_util.h"

namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

struct Utf8Case {
  const char* name;
  std::string text;
  std::optional<size_t> firstBad;
};

class FindInvalidUtf8 : public ::testing::TestWithParam<Utf8Case> {};

TEST_P(FindInvalidUtf8, FindsTheFirstByteThatIsNotWellFormed) {
  EXPECT_EQ(findInvalidUtf8(GetParam().text), GetParam().firstBad) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Table, FindInvalidUtf8,
    ::testing::Values(Utf8Case{"ascii", "hello", std::nullopt}, Utf8Case{"empty", "", std::nullopt},
                      Utf8Case{"two bytes", "M\xc3\xbcnchen", std::nullopt},
                      Utf8Case{"three bytes", "\xe2\x82\xac", std::nullopt},
                      Utf8Case{"four bytes", "\xf0\x9f\x98\x80", std::nullopt},
                      Utf8Case{"highest code point", "\xf4\x8f\xbf\xbf", std::nullopt},
                      Utf8Case{"latin-1", "M\xfcnchen", 1},
                      Utf8Case{"lone continuation", "ab\x80", 2},
                      Utf8Case{"overlong slash", "\xc0\xaf", 0},
                      Utf8Case{"overlong three bytes", "\xe0\x80\xaf", 0},
                      Utf8Case{"surrogate", "x\xed\xa0\x80", 1},
                      Utf8Case{"above U+10FFFF", "\xf4\x90\x80\x80", 0},
                      Utf8Case{"truncated at the end", "ok\xe2\x82", 2},
                      Utf8Case{"bad continuation", "\xe2\x28\xa1", 0}, Utf8Case{"0xff", "\xff", 0}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

TEST(CheckUtf8, NamesTheByteAndItsOffset) {
  EXPECT_EQ(checkUtf8("ok"), "");
  EXPECT_THAT(checkUtf8("M\xfcnchen"), HasSubstr("is not valid UTF-8 (byte 0xfc at offset 1)"));
}

TEST(DecodeUtf8, Latin1EnvValueIsRefusedNamingFileLineColumnAndField) {
  DecodeResult r = decode(std::string(kMinimalPod) +
                              "    env:\n"
                              "    - name: CITY\n"
                              "      value: M\xfcnchen\n",
                          "/etc/podkeeper/web.yaml");
  EXPECT_THAT(errors(r),
              ElementsAre("/etc/podkeeper/web.yaml:11:14: spec.containers[0].env[0].value: the "
                          "value is not valid UTF-8 (byte 0xfc at offset 1); manifests must be "
                          "UTF-8, as the API server requires"));
  EXPECT_THAT(r.pods, IsEmpty());
}

TEST(DecodeUtf8, Latin1InACommandIsRefused) {
  DecodeResult r = decode(std::string(kMinimalPod) + "    command: [\"echo\", \"caf\xe9\"]\n");
  ASSERT_EQ(errors(r).size(), 1u);
  EXPECT_THAT(errors(r)[0], HasSubstr("spec.containers[0].command[1]: the value is not valid"));
}

TEST(DecodeUtf8, Latin1InALabelKeyIsRefused) {
  DecodeResult r = decode(
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    caf\xe9: x\n"
      "spec:\n  containers:\n  - {name: app, image: busybox}\n");
  ASSERT_EQ(errors(r).size(), 1u) << ::testing::PrintToString(errors(r));
  EXPECT_THAT(errors(r)[0], HasSubstr("pod.yaml:6:5: metadata.labels: a key is not valid UTF-8"));
}

TEST(DecodeUtf8, Latin1InACommentIsRefusedAtItsByte) {
  DecodeResult r = decode(std::string("# caf\xe9\n") + kMinimalPod);
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("pod.yaml:1:6: the file is not valid UTF-8 "
                                               "(byte 0xe9 at offset 5)")));
  EXPECT_THAT(r.pods, IsEmpty());
}

TEST(DecodeUtf8, Latin1InAnIgnoredStatusFieldIsRefused) {
  DecodeResult r = decode(std::string(kMinimalPod) + "status:\n  message: caf\xe9\n");
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("pod.yaml:10:15: the file is not valid UTF-8")));
}

TEST(DecodeUtf8, Utf8EverywhereIsAccepted) {
  DecodeResult r = decode(std::string("# Grüße\n") + kMinimalPod +
                          "    env:\n    - {name: CITY, value: München}\n");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  ASSERT_EQ(r.pods.size(), 1u);
  EXPECT_EQ(r.pods[0].pod.spec.containers[0].env[0].value, "München");
}

}  // namespace
}  // namespace podkeeper::manifests
