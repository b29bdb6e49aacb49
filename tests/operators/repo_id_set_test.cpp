#include "operators/repo_id_set.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

namespace atomd {
namespace {

std::string id(int i) { return "user" + std::to_string(i % 977) + "/model-" + std::to_string(i) + "-GGUF"; }

std::map<std::string, std::string> saved(const RepoIdSet& set, std::string_view prefix) {
  std::map<std::string, std::string> out;
  set.save(prefix, [&](std::string_view k, std::string_view v) { out.emplace(k, v); });
  return out;
}

TEST(RepoIdSetTest, InsertOnceAndCompareIdsCaseInsensitively) {
  RepoIdSet set;
  EXPECT_FALSE(set.contains("Qwen/Qwen2.5-7B"));
  EXPECT_TRUE(set.insert("Qwen/Qwen2.5-7B"));
  EXPECT_FALSE(set.insert("Qwen/Qwen2.5-7B"));
  EXPECT_FALSE(set.insert("qwen/qwen2.5-7b"));  // the Hub compares ids case-insensitively
  EXPECT_TRUE(set.contains("QWEN/QWEN2.5-7B"));
  EXPECT_FALSE(set.contains("Qwen/Qwen2.5-7B-Instruct"));
  EXPECT_EQ(set.size(), 1u);
  EXPECT_EQ(RepoIdSet::hash("Qwen/Qwen2.5-7B"), RepoIdSet::hash("qwen/QWEN2.5-7b"));
  EXPECT_NE(RepoIdSet::hash("a/b"), RepoIdSet::hash("a/c"));
  EXPECT_NE(RepoIdSet::hash("a/bc"), RepoIdSet::hash("a/b"));
}

TEST(RepoIdSetTest, HashIsFixedBecauseItIsSaved) {
  // Saved state holds hashes: a change to the function would silently forget every counted id.
  // Values from an independent reimplementation of the definition (mix = SplitMix64's
  // finaliser; h0 = mix(0x6a09e667f3bcc909 ^ length); h = mix(h ^ next 8 lower-cased bytes, LE)).
  EXPECT_EQ(RepoIdSet::hash(""), 0x3564b439cd1e1f16ULL);
  EXPECT_EQ(RepoIdSet::hash("Qwen/Qwen2.5-7B"), 0xf06da4e6b5f9d554ULL);
}

TEST(RepoIdSetTest, HoldsManyIdsWithoutLosingAny) {
  RepoIdSet set;
  constexpr int kIds = 200'000;
  for (int i = 0; i < kIds; ++i) ASSERT_TRUE(set.insert(id(i))) << id(i);
  EXPECT_EQ(set.size(), static_cast<std::size_t>(kIds));
  for (int i = 0; i < kIds; ++i) ASSERT_TRUE(set.contains(id(i))) << id(i);
  for (int i = kIds; i < 2 * kIds; ++i) ASSERT_FALSE(set.contains(id(i))) << id(i);
  // 6 bytes an id plus bucket headers (65,536 × 24 B) and bounded growth slack.
  EXPECT_GE(set.allocated_bytes(), 6u * kIds);
  EXPECT_LE(set.allocated_bytes(), 8u * kIds + RepoIdSet::kBuckets * 24 + RepoIdSet::kBuckets * 48);
}

TEST(RepoIdSetTest, TagsAreAssignedAndReplaced) {
  RepoIdSet set(4);
  EXPECT_EQ(set.tag("a/b"), std::nullopt);
  EXPECT_TRUE(set.assign_tag("a/b", 7));
  EXPECT_FALSE(set.assign_tag("a/b", 7));
  EXPECT_EQ(set.tag("A/B"), 7u);
  EXPECT_TRUE(set.assign_tag("a/b", 0xdeadbeef));
  EXPECT_EQ(set.tag("a/b"), 0xdeadbeefu);
  EXPECT_EQ(set.size(), 1u);
  EXPECT_THROW(RepoIdSet(3), std::invalid_argument);
}

TEST(RepoIdSetTest, SaveAndRestoreInBoundedChunks) {
  RepoIdSet set(4);
  for (int i = 0; i < 50'000; ++i) set.assign_tag(id(i), static_cast<std::uint32_t>(i));
  const auto values = saved(set, "links");
  ASSERT_EQ(values.size(), RepoIdSet::kChunks);  // 50,000 ids touch every chunk
  EXPECT_EQ(values.begin()->first, "links/00");
  EXPECT_EQ(values.rbegin()->first, "links/ff");

  RepoIdSet restored(4);
  for (const auto& [key, value] : values) restored.restore(std::string_view(key).substr(6), value);
  EXPECT_EQ(restored.size(), set.size());
  for (int i = 0; i < 50'000; ++i) ASSERT_EQ(restored.tag(id(i)), static_cast<std::uint32_t>(i));
  EXPECT_EQ(saved(restored, "links"), values);
  // Restoring a chunk twice replaces it, it does not add to it.
  restored.restore("00", values.at("links/00"));
  EXPECT_EQ(restored.size(), set.size());
}

TEST(RepoIdSetTest, SaveChangedWritesOnlyTheChunksTouchedSinceLastTime) {
  RepoIdSet set;
  for (int i = 0; i < 1000; ++i) set.insert(id(i));
  int first = 0;
  set.save_changed("ids", [&](std::string_view, std::string_view) { ++first; });
  EXPECT_GT(first, 200);
  int none = 0;
  set.save_changed("ids", [&](std::string_view, std::string_view) { ++none; });
  EXPECT_EQ(none, 0);
  set.insert("Qwen/Qwen2.5-7B");
  set.insert("Qwen/Qwen2.5-7B");  // already there: nothing changes
  std::vector<std::string> keys;
  std::string value;
  set.save_changed("ids", [&](std::string_view k, std::string_view v) { keys.emplace_back(k), value = v; });
  ASSERT_EQ(keys.size(), 1u);
  RepoIdSet check;
  check.restore(std::string_view(keys[0]).substr(4), value);
  EXPECT_TRUE(check.contains("Qwen/Qwen2.5-7B"));
}

TEST(RepoIdSetTest, RestoreRejectsMalformedValues) {
  RepoIdSet set;
  set.insert("a/b");
  const auto values = saved(set, "ids");
  ASSERT_EQ(values.size(), 1u);
  const std::string key = values.begin()->first.substr(4), value = values.begin()->second;

  RepoIdSet target;
  EXPECT_THROW(target.restore("zz", value), std::runtime_error);
  EXPECT_THROW(target.restore("100", value), std::runtime_error);
  EXPECT_THROW(target.restore(key, value.substr(0, value.size() - 1)), std::runtime_error);
  EXPECT_THROW(target.restore(key, value + "x"), std::runtime_error);
  RepoIdSet tagged(4);
  EXPECT_THROW(tagged.restore(key, value), std::runtime_error);  // another tag width
  EXPECT_EQ(target.size(), 0u);
  EXPECT_EQ(tagged.size(), 0u);

  // Two equal entries in one bucket: not strictly ascending.
  RepoIdSet two;
  two.insert("a/b");
  std::string doubled;
  two.save("ids", [&](std::string_view, std::string_view v) { doubled = v; });
  // Find the one non-empty bucket (length 6) and duplicate its entry in place.
  const std::string length6("\x06\0\0\0\0\0\0\0", 8);
  const auto at = doubled.find(length6);
  ASSERT_NE(at, std::string::npos);
  std::string bad = doubled;
  bad[at] = 12;
  bad.insert(at + 8 + 6, doubled.substr(at + 8, 6));
  EXPECT_THROW(target.restore(key, bad), std::runtime_error);
  bad = doubled;
  bad[at] = 12;
  EXPECT_THROW(target.restore(key, bad), std::runtime_error);  // length past the end
}

}  // namespace
}  // namespace atomd
