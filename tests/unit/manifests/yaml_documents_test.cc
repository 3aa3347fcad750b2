#include "manifests/yaml_documents.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace podkeeper::manifests::detail {
namespace {

using ::testing::ElementsAre;

std::vector<std::pair<int, std::string>> split(std::string_view s) {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& d : splitDocuments(s)) out.emplace_back(d.firstLine, d.text);
  return out;
}

TEST(SplitDocuments, SeparatorLineStartsTheNextDocument) {
  EXPECT_THAT(split("a: 1\n---\nb: 2\n"), ElementsAre(std::pair{0, std::string("a: 1\n")},
                                                      std::pair{1, std::string("---\nb: 2\n")}));
}

TEST(SplitDocuments, LeadingSeparatorCommentsAndDirectivesStayWithTheirDocument) {
  EXPECT_THAT(split("%YAML 1.2\n# c\n---\na: 1\n"),
              ElementsAre(std::pair{0, std::string("%YAML 1.2\n# c\n---\na: 1\n")}));
}

TEST(SplitDocuments, EmptyDocumentBetweenTwoSeparatorsIsItsOwnDocument) {
  EXPECT_THAT(split("---\n# empty\n---\na: 1\n"),
              ElementsAre(std::pair{0, std::string("---\n# empty\n")},
                          std::pair{2, std::string("---\na: 1\n")}));
}

TEST(SplitDocuments, OnlyWholeMarkersSeparate) {
  EXPECT_THAT(split("a: |\n  ---\nb: '---'\n----: x\n"),
              ElementsAre(std::pair{0, std::string("a: |\n  ---\nb: '---'\n----: x\n")}));
}

TEST(SplitDocuments, SeparatorWithContentOnTheSameLineSeparates) {
  EXPECT_THAT(split("a: 1\n--- {b: 2}\n"), ElementsAre(std::pair{0, std::string("a: 1\n")},
                                                       std::pair{1, std::string("--- {b: 2}\n")}));
}

TEST(SplitDocuments, DocumentEndMarkerEndsTheDocument) {
  EXPECT_THAT(split("a: 1\n...\nb: 2"), ElementsAre(std::pair{0, std::string("a: 1\n...\n")},
                                                    std::pair{2, std::string("b: 2")}));
}

TEST(SplitDocuments, CarriageReturnLineEndingsAreMarkersToo) {
  EXPECT_EQ(split("a: 1\r\n---\r\nb: 2\r\n").size(), 2u);
}

TEST(LoadSingleDocument, ContentAfterTheDocumentIsASyntaxError) {
  EXPECT_THROW(loadSingleDocument("[a],\n"), YAML::ParserException);
  EXPECT_THROW(loadSingleDocument(",\n"), YAML::ParserException);
  EXPECT_TRUE(loadSingleDocument("---\na: b\n...\n").IsMap());
}

}  // namespace
}  // namespace podkeeper::manifests::detail
