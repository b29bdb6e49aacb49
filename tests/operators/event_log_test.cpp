#include "operators/event_log.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>

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

// Durable state: one key per event id, the event as on atom.events.v1; a restore rebuilds
// the same log, values bit for bit.
TEST(EventLog, StateRoundTripsEveryEventExactly) {
  EventLog log;
  auto a = overtake("Qwen", "meta-llama", 100);
  a.new_entrant = true;
  a.values = {{"winner", 1.0 / 3}, {"loser", 0.1 + 0.2}};
  log.add(a);
  log.add(overtake("b", "a", 20, "inference_share_7d"));
  Event t;
  t.kind = EventKind::threshold;
  t.metric = "derivative_share_month";
  t.group_by = "region";
  t.at = 21;
  t.group = "china";
  t.direction = "down";
  t.threshold = 0.30000000000000004;
  t.values = {{"value", 5e-324}, {"zero", -0.0}};
  log.add(t);

  std::map<std::string, std::string> store;
  log.save_state([&](std::string_view k, std::string_view v) { store.emplace(k, v); });
  ASSERT_EQ(store.size(), 3u);
  EXPECT_EQ(store.at(a.id()), encode(a));
  EXPECT_EQ(log.name(), "events");

  EventLog restored;
  restored.add(overtake("x", "y", 5));  // cleared first
  restored.clear_state();
  for (const auto& [k, v] : store) restored.restore_state(k, v);
  EXPECT_EQ(restored.list(), log.list());
  const auto back = restored.list(EventKind::threshold).at(0);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(back.values.at("value")), std::bit_cast<std::uint64_t>(5e-324));
  EXPECT_TRUE(std::signbit(back.values.at("zero")));
  EXPECT_EQ(back.threshold, 0.30000000000000004);
  std::map<std::string, std::string> again;
  restored.save_state([&](std::string_view k, std::string_view v) { again.emplace(k, v); });
  EXPECT_EQ(again, store);
  EXPECT_FALSE(restored.add(a));  // known again after the restart: not published twice
  EXPECT_TRUE(restored.add(overtake("x", "y", 5)));
}

TEST(EventLog, RestoreRejectsBadValues) {
  EventLog log;
  const auto e = overtake("a", "b", 10);
  const std::string value = encode(e);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, value.size() / 2, value.size() - 1})
    EXPECT_THROW(log.restore_state(e.id(), value.substr(0, n)), std::runtime_error) << n;
  EXPECT_THROW(log.restore_state(e.id(), value + "x"), std::runtime_error);
  EXPECT_THROW(log.restore_state("overtake|downloads_30d|org|a|c|" + format_date(10), value), std::runtime_error);
  EXPECT_EQ(log.size(), 0u);
  log.restore_state(e.id(), value);
  EXPECT_EQ(log.size(), 1u);
}

}  // namespace
}  // namespace atomd
