#include "image/store/content_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "image/oci/digest.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::image {
namespace {

size_t filesIn(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

Descriptor descOf(const std::string& bytes) {
  return {"application/octet-stream", sha256Digest(bytes), static_cast<int64_t>(bytes.size())};
}

TEST(ContentStore, CommitsABlobWhoseSizeAndDigestMatch) {
  support::TempDir dir;
  auto store = ContentStore::open(dir.file("c"));
  ASSERT_TRUE(store);
  const std::string bytes = "hello blob";
  auto w = store->openWriter(descOf(bytes));
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(std::string_view(bytes).substr(0, 3)));
  ASSERT_TRUE((*w)->write(std::string_view(bytes).substr(3)));
  EXPECT_FALSE(store->has(descOf(bytes).digest));
  ASSERT_TRUE((*w)->commit());
  EXPECT_TRUE(store->has(descOf(bytes).digest));
  EXPECT_EQ(*store->readBlob(descOf(bytes).digest, 100), bytes);
  EXPECT_EQ(filesIn(dir.file("c/ingest")), 0u);
}

TEST(ContentStore, DigestMismatchIsRefusedNamingBothAndLeavesNothing) {
  support::TempDir dir;
  auto store = ContentStore::open(dir.file("c"));
  Descriptor d = descOf("expected");
  auto w = store->openWriter(d);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->write(std::string_view("mismatch")));
  auto r = (*w)->commit();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(d.digest), std::string::npos);
  EXPECT_NE(r.error().message.find(sha256Digest("mismatch")), std::string::npos);
  w->reset();
  EXPECT_FALSE(store->has(d.digest));
  EXPECT_EQ(filesIn(dir.file("c/ingest")), 0u);
}

TEST(ContentStore, MoreBytesThanTheDescriptorSaysFailAtOnce) {
  support::TempDir dir;
  auto store = ContentStore::open(dir.file("c"));
  auto w = store->openWriter(descOf("abc"));
  ASSERT_TRUE(w);
  auto r = (*w)->write(std::string_view("abcd"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EFBIG);
}

TEST(ContentStore, TruncatedBlobIsRefused) {
  support::TempDir dir;
  auto store = ContentStore::open(dir.file("c"));
  auto w = store->openWriter(descOf("abcdef"));
  ASSERT_TRUE((*w)->write(std::string_view("abc")));
  auto r = (*w)->commit();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos);
}

TEST(ContentStore, AbandonedWriterRemovesItsTempFile) {
  support::TempDir dir;
  auto store = ContentStore::open(dir.file("c"));
  {
    auto w = store->openWriter(descOf("abc"));
    ASSERT_TRUE((*w)->write(std::string_view("ab")));
    EXPECT_EQ(filesIn(dir.file("c/ingest")), 1u);
  }
  EXPECT_EQ(filesIn(dir.file("c/ingest")), 0u);
}

TEST(ContentStore, OpenRemovesWhatACrashLeftInIngest) {
  support::TempDir dir;
  ASSERT_TRUE(ContentStore::open(dir.file("c")));
  std::ofstream(dir.file("c/ingest/half")) << "partial";
  ASSERT_TRUE(ContentStore::open(dir.file("c")));
  EXPECT_EQ(filesIn(dir.file("c/ingest")), 0u);
}

TEST(ContentStore, BadDigestsAreRefused) {
  support::TempDir dir;
  auto store = ContentStore::open(dir.file("c"));
  EXPECT_FALSE(store->openWriter({"", "sha256:../../x", 1}));
  EXPECT_FALSE(store->openWriter({"", "md5:abc", 1}));
  EXPECT_FALSE(store->has("sha256:../../etc"));
}

TEST(ContentStore, ReadBlobDetectsACorruptedFile) {
  support::TempDir dir;
  auto store = ContentStore::open(dir.file("c"));
  const Descriptor d = descOf("original");
  ASSERT_TRUE(store->writeBlob(d, "original"));
  std::ofstream(store->blobPath(d.digest)) << "tampered";
  auto r = store->readBlob(d.digest, 100);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("mismatch"), std::string::npos);
  EXPECT_EQ(store->readBlob(d.digest, 3).error().code, EFBIG);
}

}  // namespace
}  // namespace podkeeper::image
