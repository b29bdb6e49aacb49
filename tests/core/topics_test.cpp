#include "core/topics.hpp"

#include <gtest/gtest.h>

namespace atomd {
namespace {

TEST(TopicPartition, TextFormRoundTrips) {
  const TopicPartition tp{"atom.hf.models.v1", 7};
  EXPECT_EQ(tp.to_string(), "atom.hf.models.v1/7");
  EXPECT_EQ(TopicPartition::parse(tp.to_string()), tp);
}

TEST(TopicPartition, ParseSplitsAtTheLastSlash) {
  // Topic names cannot hold '/', but a prefix from a config file might: the partition is
  // what follows the last one.
  EXPECT_EQ(TopicPartition::parse("team/a.v1/12"), (TopicPartition{"team/a.v1", 12}));
}

TEST(TopicPartition, ParseRefusesAnythingElse) {
  for (const char* bad : {"", "atom.hf.models.v1", "atom.hf.models.v1/", "/3", "t/-1", "t/3x", "t/ 3", "t/99999999999"})
    EXPECT_EQ(TopicPartition::parse(bad), std::nullopt) << bad;
}

TEST(TopicPartition, OrdersByTopicThenPartition) {
  EXPECT_LT((TopicPartition{"a", 9}), (TopicPartition{"b", 0}));
  EXPECT_LT((TopicPartition{"a", 2}), (TopicPartition{"a", 10}));
}

TEST(TopicNames, FullShortAndChangelogNames) {
  TopicNames names("atom.");
  EXPECT_EQ(names.full(kTopicHfModels), "atom.hf.models.v1");
  EXPECT_EQ(names.short_name("atom.hf.models.v1"), "hf.models");
  EXPECT_EQ(names.short_name("other.hf.models.v1"), std::nullopt);
  EXPECT_EQ(names.changelog("downloads"), "atom.downloads.changelog");
}

}  // namespace
}  // namespace atomd
