#include "operators/overtake.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>

#include "tests/operators/fixtures.hpp"

namespace atomd {

// Failure messages show events as they go on the wire (same definition in daily_evaluation_test).
inline void PrintTo(const Event& e, std::ostream* os) { *os << encode(e); }

namespace {

using testing::day;

const DayIndex kD0 = day("2025-03-01");
const std::string k30d(kMetricDownloads30d);

using Groups = std::map<std::string, double>;

DayValues values(DayIndex d, Groups groups, const std::string& metric = k30d, const std::string& group_by = "org") {
  DayValues v;
  v.day = d;
  v.values[{metric, group_by}] = std::move(groups);
  return v;
}

Event overtake(DayIndex at_day, const std::string& winner, const std::string& loser, double v_winner, double v_loser,
               bool new_entrant = false, const std::string& metric = k30d, const std::string& group_by = "org") {
  Event e;
  e.kind = EventKind::overtake;
  e.metric = metric;
  e.group_by = group_by;
  e.at = at_day;
  e.winner = winner;
  e.loser = loser;
  e.new_entrant = new_entrant;
  e.values = {{"winner", v_winner}, {"loser", v_loser}};
  return e;
}

Event crossing(DayIndex at_day, const std::string& group, const std::string& direction, double threshold, double value,
               const std::string& metric = k30d, const std::string& group_by = "org") {
  Event e;
  e.kind = EventKind::threshold;
  e.metric = metric;
  e.group_by = group_by;
  e.at = at_day;
  e.group = group;
  e.direction = direction;
  e.threshold = threshold;
  e.values = {{"value", value}};
  return e;
}

OvertakeConfig config(int confirm = 2, int top_n = 20) {
  OvertakeConfig c;
  c.confirm = confirm;
  c.top_n = top_n;
  return c;
}

// Evaluates `days` in order and returns every event, in order.
std::vector<Event> run(OvertakeDetector& detector, const std::vector<DayValues>& days) {
  std::vector<Event> out;
  for (const DayValues& d : days)
    for (Event& e : detector.evaluate(d)) out.push_back(std::move(e));
  return out;
}

TEST(OvertakeTest, CleanCrossingIsConfirmedOnTheSecondDayWithAtTheFirst) {
  OvertakeDetector detector(config());
  EXPECT_TRUE(detector.evaluate(values(kD0, {{"Qwen", 10}, {"meta-llama", 20}})).empty());
  EXPECT_TRUE(detector.evaluate(values(kD0 + 1, {{"Qwen", 30}, {"meta-llama", 20}})).empty());  // started
  const auto events = detector.evaluate(values(kD0 + 2, {{"Qwen", 35}, {"meta-llama", 25}}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], overtake(kD0 + 1, "Qwen", "meta-llama", 30, 20));
  EXPECT_EQ(events[0].id(), "overtake|downloads_30d|org|Qwen|meta-llama|2025-03-02");
  // Staying above is not a new overtake.
  EXPECT_TRUE(detector.evaluate(values(kD0 + 3, {{"Qwen", 40}, {"meta-llama", 25}})).empty());
  EXPECT_EQ(detector.last_evaluated_day(), kD0 + 3);
}

TEST(OvertakeTest, TheFirstEvaluatedDayOnlyEstablishesTheOrdering) {
  OvertakeDetector detector(config(1));
  EXPECT_TRUE(detector.evaluate(values(kD0, {{"a", 3}, {"b", 2}, {"c", 1}})).empty());
  EXPECT_TRUE(detector.evaluate(values(kD0 + 1, {{"a", 3}, {"b", 2}, {"c", 1}})).empty());
  // A metric first seen later starts the same way, while the others carry on.
  auto d2 = values(kD0 + 2, {{"a", 3}, {"b", 2}, {"c", 4}});
  d2.values[{"inference_share_7d", "org"}] = {{"x", 0.5}, {"y", 0.1}};
  EXPECT_EQ(detector.evaluate(d2), (std::vector<Event>{overtake(kD0 + 2, "c", "a", 4, 3), overtake(kD0 + 2, "c", "b", 4, 2)}));
}

TEST(OvertakeTest, ConfirmOneFiresOnTheDayItself) {
  OvertakeDetector detector(config(1));
  detector.evaluate(values(kD0, {{"a", 1}, {"b", 2}}));
  EXPECT_EQ(detector.evaluate(values(kD0 + 1, {{"a", 3}, {"b", 2}})),
            std::vector<Event>{overtake(kD0 + 1, "a", "b", 3, 2)});
}

TEST(OvertakeTest, AFlapIsSuppressedByConfirmation) {
  OvertakeDetector detector(config(2));
  const auto events = run(detector, {values(kD0, {{"a", 10}, {"b", 20}}), values(kD0 + 1, {{"a", 21}, {"b", 20}}),
                                     values(kD0 + 2, {{"a", 19}, {"b", 20}}), values(kD0 + 3, {{"a", 22}, {"b", 20}}),
                                     values(kD0 + 4, {{"a", 20}, {"b", 20}}), values(kD0 + 5, {{"a", 10}, {"b", 20}})});
  EXPECT_TRUE(events.empty());

  // confirm = 3: two days above, then a break, is still a flap; three in a row is confirmed.
  OvertakeDetector three(config(3));
  EXPECT_TRUE(run(three, {values(kD0, {{"a", 10}, {"b", 20}}), values(kD0 + 1, {{"a", 21}, {"b", 20}}),
                          values(kD0 + 2, {{"a", 22}, {"b", 20}}), values(kD0 + 3, {{"a", 19}, {"b", 20}})})
                  .empty());
  EXPECT_EQ(run(three, {values(kD0 + 4, {{"a", 21}, {"b", 20}}), values(kD0 + 5, {{"a", 22}, {"b", 20}}),
                        values(kD0 + 6, {{"a", 23}, {"b", 20}})}),
            std::vector<Event>{overtake(kD0 + 4, "a", "b", 21, 20)});
}

TEST(OvertakeTest, TheLeaderReturningAfterAFlapIsNotAnOvertake) {
  // b leads; a is above for one day only; b is back above and stays: nothing happened.
  OvertakeDetector detector(config(2));
  EXPECT_TRUE(run(detector, {values(kD0, {{"a", 10}, {"b", 20}}), values(kD0 + 1, {{"a", 21}, {"b", 20}}),
                             values(kD0 + 2, {{"a", 19}, {"b", 20}}), values(kD0 + 3, {{"a", 19}, {"b", 22}}),
                             values(kD0 + 4, {{"a", 19}, {"b", 23}})})
                  .empty());
  // A later real crossing by a is still reported.
  EXPECT_EQ(run(detector, {values(kD0 + 5, {{"a", 24}, {"b", 23}}), values(kD0 + 6, {{"a", 25}, {"b", 23}})}),
            std::vector<Event>{overtake(kD0 + 5, "a", "b", 24, 23)});
}

TEST(OvertakeTest, ReCrossingBackIsANewOvertakeWithSwappedRoles) {
  OvertakeDetector detector(config(2));
  const auto events = run(detector, {values(kD0, {{"a", 1}, {"b", 2}}), values(kD0 + 1, {{"a", 3}, {"b", 2}}),
                                     values(kD0 + 2, {{"a", 4}, {"b", 2}}), values(kD0 + 3, {{"a", 4}, {"b", 5}}),
                                     values(kD0 + 4, {{"a", 4}, {"b", 6}}), values(kD0 + 5, {{"a", 7}, {"b", 6}}),
                                     values(kD0 + 6, {{"a", 8}, {"b", 6}})});
  const std::vector<Event> expected = {overtake(kD0 + 1, "a", "b", 3, 2), overtake(kD0 + 3, "b", "a", 5, 4),
                                       overtake(kD0 + 5, "a", "b", 7, 6)};
  EXPECT_EQ(events, expected);
  EXPECT_EQ(events[1].id(), "overtake|downloads_30d|org|b|a|2025-03-04");
  EXPECT_NE(events[0].id(), events[2].id());
}

TEST(OvertakeTest, EqualIsNotAbove) {
  OvertakeDetector detector(config(2));
  // b above, then equal for two days: no event either way, and ties rank by group name.
  EXPECT_TRUE(run(detector, {values(kD0, {{"a", 1}, {"b", 2}}), values(kD0 + 1, {{"a", 2}, {"b", 2}}),
                             values(kD0 + 2, {{"a", 2}, {"b", 2}})})
                  .empty());
  EXPECT_EQ(detector.rank(k30d, "org", "a"), 1);
  EXPECT_EQ(detector.rank(k30d, "org", "b"), 2);
  // From equal to above starts a run (a was not above on the equal day).
  EXPECT_EQ(run(detector, {values(kD0 + 3, {{"a", 3}, {"b", 2}}), values(kD0 + 4, {{"a", 3}, {"b", 2}})}),
            std::vector<Event>{overtake(kD0 + 3, "a", "b", 3, 2)});
  // Falling back to equal breaks nothing new: b is not above a.
  EXPECT_TRUE(run(detector, {values(kD0 + 5, {{"a", 2}, {"b", 2}}), values(kD0 + 6, {{"a", 2}, {"b", 2}})}).empty());
}

TEST(OvertakeTest, AnAbsentGroupHadValueZero) {
  OvertakeDetector detector(config(2));
  const auto events = run(detector, {values(kD0, {{"a", 5}}), values(kD0 + 1, {{"a", 5}, {"new", 6}}),
                                     values(kD0 + 2, {{"a", 5}, {"new", 7}}), values(kD0 + 3, {{"new", 7}}),
                                     values(kD0 + 4, {{"new", 7}})});
  // a is absent (0) on days 3 and 4, but new was already above it: no second event.
  EXPECT_EQ(events, std::vector<Event>{overtake(kD0 + 1, "new", "a", 6, 5)});
  // Appearing with 0 is not above a group at 0; a non-finite value counts as absent.
  OvertakeDetector other(config(1));
  EXPECT_TRUE(run(other, {values(kD0, {{"a", 0}}), values(kD0 + 1, {{"a", 0}, {"b", 0}}),
                          values(kD0 + 2, {{"a", 0}, {"b", std::numeric_limits<double>::quiet_NaN()}})})
                  .empty());
  EXPECT_FALSE(other.rank(k30d, "org", "b"));
}

TEST(OvertakeTest, NewEntrantFlagAtTheBoundary) {
  OvertakeConfig c = config(2);
  c.new_entrant_days = 365;
  auto with_release = [](DayValues v, DayIndex release) {
    v.first_release["org"] = {{"a", release}, {"b", release - 1000}};
    return v;
  };
  auto first_event = [&](DayIndex release) {
    OvertakeDetector detector(c);
    // The flag is computed for `at` (day kD0 + 1), not the confirming day.
    auto events = run(detector, {with_release(values(kD0, {{"a", 1}, {"b", 2}}), release),
                                 with_release(values(kD0 + 1, {{"a", 3}, {"b", 2}}), release),
                                 with_release(values(kD0 + 2, {{"a", 3}, {"b", 2}}), release)});
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? Event{} : events[0];
  };
  EXPECT_TRUE(first_event(kD0 + 1 - 365).new_entrant);   // exactly 365 days before `at`
  EXPECT_FALSE(first_event(kD0 + 1 - 366).new_entrant);  // one day more
  EXPECT_TRUE(first_event(kD0 + 1).new_entrant);         // released on `at`
  EXPECT_EQ(first_event(kD0 + 1 - 365), overtake(kD0 + 1, "a", "b", 3, 2, true));

  // No known release (a closed model's org on OpenRouter): not a new entrant.
  OvertakeDetector detector(c);
  auto events = run(detector, {values(kD0, {{"a", 1}, {"b", 2}}), values(kD0 + 1, {{"a", 3}, {"b", 2}}),
                               values(kD0 + 2, {{"a", 3}, {"b", 2}})});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].new_entrant);
}

TEST(OvertakeTest, OnlyPairsAmongTheTopNStartARun) {
  OvertakeDetector detector(config(2, 2));
  // Ranks 3 and 4 swap: outside the top 2, nothing.
  EXPECT_TRUE(run(detector, {values(kD0, {{"a", 100}, {"b", 90}, {"c", 50}, {"d", 40}}),
                             values(kD0 + 1, {{"a", 100}, {"b", 90}, {"c", 40}, {"d", 50}}),
                             values(kD0 + 2, {{"a", 100}, {"b", 90}, {"c", 40}, {"d", 50}})})
                  .empty());
  // d passes b and pushes it to rank 3 on the same day: b is not compared that day.
  EXPECT_TRUE(run(detector, {values(kD0 + 3, {{"a", 100}, {"b", 90}, {"c", 40}, {"d", 95}}),
                             values(kD0 + 4, {{"a", 100}, {"b", 90}, {"c", 40}, {"d", 95}})})
                  .empty());
  // The top two swap: an event.
  EXPECT_EQ(run(detector, {values(kD0 + 5, {{"a", 100}, {"b", 90}, {"c", 40}, {"d", 105}}),
                           values(kD0 + 6, {{"a", 100}, {"b", 90}, {"c", 40}, {"d", 105}})}),
            std::vector<Event>{overtake(kD0 + 5, "d", "a", 105, 100)});
  EXPECT_EQ(detector.rank(k30d, "org", "d"), 1);
  EXPECT_EQ(detector.rank(k30d, "org", "c"), 4);  // ranks cover every group, not only the top N
}

TEST(OvertakeTest, ARunStartedInTheTopNIsConfirmedEvenIfTheLoserDropsOut) {
  OvertakeDetector detector(config(2, 2));
  const auto events = run(detector, {values(kD0, {{"a", 90}, {"b", 100}, {"c", 50}}),
                                     values(kD0 + 1, {{"a", 110}, {"b", 100}, {"c", 50}}),
                                     values(kD0 + 2, {{"a", 120}, {"b", 105}, {"c", 115}})});
  // On the last day b is third, but a is still above it; c passed b outside the top 2 on its day.
  EXPECT_EQ(events, std::vector<Event>{overtake(kD0 + 1, "a", "b", 110, 100)});
}

TEST(OvertakeTest, ThresholdCrossingsUpAndDown) {
  OvertakeConfig c = config(2);
  c.thresholds = {{"inference_share_7d", "org", "Qwen", 0.25, "up"},
                  {"inference_share_7d", "org", "Qwen", 0.25, "down"},
                  {"inference_share_7d", "org", "Qwen", 0.25, "up"},  // listed twice: one event
                  {"inference_share_7d", "region", "china", 0.5, "up"}};
  OvertakeDetector detector(c);
  const std::string m = "inference_share_7d";
  auto share = [&](DayIndex d, double qwen) { return values(d, {{"Qwen", qwen}, {"other", 1 - qwen}}, m); };
  const auto events = run(detector, {share(kD0, 0.2), share(kD0 + 1, 0.25),  // equal is not beyond
                                     share(kD0 + 2, 0.3), share(kD0 + 3, 0.26),  // up: confirmed, at day 2
                                     share(kD0 + 4, 0.2), share(kD0 + 5, 0.3),   // down: a flap
                                     share(kD0 + 6, 0.24), share(kD0 + 7, 0.1),  // down: confirmed, at day 6
                                     share(kD0 + 8, 0.1)});
  const std::vector<Event> expected = {crossing(kD0 + 2, "Qwen", "up", 0.25, 0.3, m),
                                       crossing(kD0 + 6, "Qwen", "down", 0.25, 0.24, m)};
  EXPECT_EQ(events, expected);
  EXPECT_EQ(events[0].id(), "threshold|inference_share_7d|org|Qwen|up|2025-03-03");
  // The region threshold's group never appears: absent is 0, below 0.5, nothing.
}

TEST(OvertakeTest, ThresholdOfAGroupThatAppearsCountsFromZero) {
  OvertakeConfig c = config(1);
  c.thresholds = {{k30d, "org", "new", 100, "up"}, {k30d, "org", "gone", 1, "down"}};
  OvertakeDetector detector(c);
  const auto events = run(detector, {values(kD0, {{"gone", 5}}), values(kD0 + 1, {{"new", 150}})});
  EXPECT_EQ(events, (std::vector<Event>{crossing(kD0 + 1, "new", "up", 100, 150), crossing(kD0 + 1, "gone", "down", 1, 0)}));
}

TEST(OvertakeTest, AnOldOrRepeatedDayReturnsNothingAndChangesNothing) {
  OvertakeDetector detector(config(2));
  detector.evaluate(values(kD0 + 5, {{"a", 1}, {"b", 2}}));
  detector.evaluate(values(kD0 + 6, {{"a", 3}, {"b", 2}}));  // run started
  // A repeat of day 6 with other values, and an older day: ignored.
  EXPECT_TRUE(detector.evaluate(values(kD0 + 6, {{"a", 1}, {"b", 9}})).empty());
  EXPECT_TRUE(detector.evaluate(values(kD0 + 3, {{"a", 9}, {"b", 1}})).empty());
  EXPECT_EQ(detector.last_evaluated_day(), kD0 + 6);
  EXPECT_EQ(detector.evaluate(values(kD0 + 7, {{"a", 3}, {"b", 2}})),
            std::vector<Event>{overtake(kD0 + 6, "a", "b", 3, 2)});
}

TEST(OvertakeTest, RanksListEveryMetric) {
  OvertakeDetector detector(config());
  EXPECT_FALSE(detector.rank(k30d, "org", "a"));
  auto v = values(kD0, {{"b", 5}, {"a", 5}, {"c", 7}});
  v.values[{k30d, "region"}] = {{"us", 1}, {"china", 2}};
  detector.evaluate(v);
  EXPECT_EQ(detector.rank(k30d, "org", "c"), 1);
  EXPECT_EQ(detector.rank(k30d, "org", "a"), 2);
  EXPECT_EQ(detector.rank(k30d, "org", "b"), 3);
  EXPECT_FALSE(detector.rank(k30d, "org", "zz"));
  EXPECT_FALSE(detector.rank("downloads_cumulative", "org", "a"));
  const auto ranks = detector.ranks();
  ASSERT_EQ(ranks.size(), 5u);
  EXPECT_EQ(ranks[3].key, (MetricKey{k30d, "region"}));
  EXPECT_EQ(ranks[3].group, "china");
  EXPECT_EQ(ranks[3].rank, 1);
  EXPECT_EQ(ranks[3].value, 2);
  EXPECT_EQ(ranks[4].group, "us");
  EXPECT_EQ(ranks[4].rank, 2);
}

TEST(OvertakeTest, RejectsABadConfig) {
  EXPECT_THROW(OvertakeDetector{config(0)}, std::invalid_argument);
  EXPECT_THROW(OvertakeDetector{config(2, -1)}, std::invalid_argument);
  OvertakeConfig c = config();
  c.thresholds = {{k30d, "org", "a", 1, "sideways"}};
  EXPECT_THROW(OvertakeDetector{c}, std::invalid_argument);
}

// A deterministic, busy history: 8 orgs and 2 metrics whose values wander so that pairs
// cross, flap and cross back, with thresholds on both sides.
std::vector<DayValues> wandering_history(int days) {
  std::uint64_t seed = 0x9e3779b97f4a7c15ULL;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(seed >> 40) / static_cast<double>(1ULL << 24);
  };
  const std::vector<std::string> orgs = {"Qwen", "deepseek-ai", "google", "meta-llama", "microsoft", "mistralai",
                                         "nvidia", "zai-org"};
  std::vector<double> level(orgs.size());
  for (std::size_t i = 0; i < orgs.size(); ++i) level[i] = 100 + 10 * static_cast<double>(i);
  std::vector<DayValues> history;
  for (int d = 0; d < days; ++d) {
    DayValues v;
    v.day = kD0 + d;
    for (std::size_t i = 0; i < orgs.size(); ++i) {
      level[i] = std::max(0.0, level[i] + (next() - 0.5) * 30);
      v.values[{k30d, "org"}][orgs[i]] = level[i];
      if (i % 2 == 0 || d > days / 3) v.values[{"downloads_cumulative", "org"}][orgs[i]] = level[i] * (1 + d);
      v.first_release["org"][orgs[i]] = kD0 - 400 + 60 * static_cast<DayIndex>(i);
    }
    history.push_back(std::move(v));
  }
  return history;
}

OvertakeConfig busy_config() {
  OvertakeConfig c = config(2, 6);
  c.thresholds = {{k30d, "org", "google", 120, "up"}, {k30d, "org", "google", 120, "down"},
                  {k30d, "org", "nvidia", 150, "down"}};
  return c;
}

TEST(OvertakeTest, ReplayingTheSameHistoryGivesTheSameEvents) {
  const auto history = wandering_history(120);
  OvertakeDetector first(busy_config()), second(busy_config());
  const auto a = run(first, history);
  const auto b = run(second, history);
  ASSERT_GT(a.size(), 20u);  // the history must actually exercise the rules
  EXPECT_EQ(a, b);
  std::set<std::string> ids;
  bool some_threshold = false, some_new_entrant = false, some_old = false;
  for (const Event& e : a) {
    EXPECT_TRUE(ids.insert(e.id()).second) << "duplicate id " << e.id();
    auto decoded = decode_event(encode(e));
    ASSERT_TRUE(decoded) << decoded.rejection().detail;
    EXPECT_EQ(decoded.value(), e);
    some_threshold |= e.kind == EventKind::threshold;
    (e.new_entrant ? some_new_entrant : some_old) = true;
  }
  EXPECT_TRUE(some_threshold);
  EXPECT_TRUE(some_new_entrant);
  EXPECT_TRUE(some_old);
  // Evaluating the history again on the same instance (a re-delivery) adds nothing.
  EXPECT_TRUE(run(first, history).empty());
}

TEST(OvertakeTest, ARestartAnywhereGivesTheSameEventsOnce) {
  const auto history = wandering_history(60);
  OvertakeDetector uninterrupted(busy_config());
  const auto expected = run(uninterrupted, history);
  ASSERT_GT(expected.size(), 5u);
  std::set<DayIndex> pending_after;  // days after which a run was under way (confirm = 2)
  for (const Event& e : expected) pending_after.insert(e.at);
  std::size_t restarts_with_a_run_under_way = 0;
  for (std::size_t k = 0; k < history.size(); ++k) {
    OvertakeDetector before(busy_config());
    std::vector<Event> events;
    for (std::size_t d = 0; d <= k; ++d)
      for (Event& e : before.evaluate(history[d])) events.push_back(std::move(e));
    std::map<std::string, std::string> store;
    before.save_state([&](std::string_view key, std::string_view value) { store.emplace(key, value); });

    OvertakeDetector after(busy_config());
    for (const auto& [key, value] : store) after.restore_state(key, value);
    EXPECT_EQ(after.last_evaluated_day(), history[k].day);
    // The source resumes from before the checkpoint: the repeated days are ignored.
    for (std::size_t d = k >= 3 ? k - 3 : 0; d < history.size(); ++d)
      for (Event& e : after.evaluate(history[d])) events.push_back(std::move(e));
    EXPECT_EQ(events, expected) << "restart after day " << k;

    std::map<std::string, std::string> again;
    after.save_state([&](std::string_view key, std::string_view value) { again.emplace(key, value); });
    std::map<std::string, std::string> reference;
    uninterrupted.save_state([&](std::string_view key, std::string_view value) { reference.emplace(key, value); });
    EXPECT_EQ(again, reference) << "restart after day " << k;
    restarts_with_a_run_under_way += pending_after.contains(history[k].day) ? 1 : 0;
  }
  EXPECT_GT(restarts_with_a_run_under_way, 5u);  // checkpoints taken in the middle of a run
}

TEST(OvertakeTest, RestoreRejectsABadValueAndClearForgets) {
  OvertakeDetector detector(config());
  EXPECT_THROW(detector.restore_state("day", std::string("\x01\x02", 2)), std::runtime_error);
  EXPECT_THROW(detector.restore_state("metric|downloads_30d|org", std::string("\x07", 1)), std::runtime_error);
  detector.evaluate(values(kD0, {{"a", 1}}));
  std::map<std::string, std::string> store;
  detector.save_state([&](std::string_view key, std::string_view value) { store.emplace(key, value); });
  ASSERT_EQ(store.size(), 2u);
  EXPECT_THROW(detector.restore_state("metric|downloads_30d|region", store["metric|downloads_30d|org"]),
               std::runtime_error);
  detector.clear_state();
  EXPECT_FALSE(detector.last_evaluated_day());
  EXPECT_FALSE(detector.rank(k30d, "org", "a"));
}

}  // namespace
}  // namespace atomd
