#include "daemon/event_log.hpp"

#include <gtest/gtest.h>

namespace atomd {
namespace {

Event overtake(std::string winner, std::string loser, DayIndex at, std::string metric = "downloads_30d") {
  Event e;
  e.kind = EventKind::overtake;
  e.metric = std::move(metric);
  e.group_by = "org";
  e.at = at;
  e.winner = std::move(winner);
  e.loser = std::move(loser);
  return e;
}

TEST(EventLog, SameIdIsOneEvent) {
  EventLog log;
  EXPECT_TRUE(log.add(overtake("Qwen", "meta-llama", 100)));
  auto again = overtake("Qwen", "meta-llama", 100);
  again.values["winner"] = 5;  // same id, whatever the values
  EXPECT_FALSE(log.add(again));
  EXPECT_TRUE(log.add(overtake("Qwen", "meta-llama", 101)));
  EXPECT_EQ(log.size(), 2u);
}

TEST(EventLog, ListsNewestFirstAndFiltersByKind) {
  EventLog log;
  log.add(overtake("b", "a", 10));
  log.add(overtake("a", "b", 30));
  log.add(overtake("c", "a", 30));
  Event t;
  t.kind = EventKind::threshold;
  t.metric = "downloads_30d";
  t.group_by = "region";
  t.at = 20;
  t.group = "china";
  t.direction = "up";
  t.threshold = 0.5;
  log.add(t);
  auto all = log.list();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].id(), "overtake|downloads_30d|org|a|b|" + format_date(30));
  EXPECT_EQ(all[1].id(), "overtake|downloads_30d|org|c|a|" + format_date(30));
  EXPECT_EQ(all[2].kind, EventKind::threshold);
  EXPECT_EQ(all[3].at, 10);
  EXPECT_EQ(log.list(EventKind::threshold).size(), 1u);
  EXPECT_EQ(log.list(std::nullopt, 2).size(), 2u);
}

TEST(EventLog, CountsPerPair) {
  EventLog log;
  log.add(overtake("a", "b", 10));
  log.add(overtake("a", "b", 40));
  log.add(overtake("b", "a", 20));
  auto counts = log.counts(EventKind::overtake);
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].first, "a");
  EXPECT_EQ(counts[0].second, "b");
  EXPECT_EQ(counts[0].count, 2);
  EXPECT_EQ(counts[1].first, "b");
  EXPECT_EQ(counts[1].count, 1);
  EXPECT_TRUE(log.counts(EventKind::threshold).empty());
}

}  // namespace
}  // namespace atomd
