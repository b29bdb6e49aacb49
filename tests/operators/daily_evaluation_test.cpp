#include "operators/daily_evaluation.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "operators/download_aggregates.hpp"
#include "operators/overtake.hpp"
#include "tests/operators/fixtures.hpp"

namespace atomd {

// Failure messages show events as they go on the wire (same definition in overtake_test).
inline void PrintTo(const Event& e, std::ostream* os) { *os << encode(e); }

namespace {

using testing::at;
using testing::contribution;
using testing::day;

using Groups = std::map<std::string, double>;
const std::string k30d(kMetricDownloads30d);

Event overtake(DayIndex at_day, const std::string& winner, const std::string& loser, double v_winner, double v_loser,
               const std::string& group_by = "org") {
  Event e;
  e.kind = EventKind::overtake;
  e.metric = k30d;
  e.group_by = group_by;
  e.at = at_day;
  e.winner = winner;
  e.loser = loser;
  e.new_entrant = true;  // every group of these tests released in 2024
  e.values = {{"winner", v_winner}, {"loser", v_loser}};
  return e;
}

// values_at on hand-computed numbers. Models (releases from created_at):
//   Qwen/Qwen2.5-7B   2024-09-18, all-time 50,000: Nov 10 1000, Nov 20 2000, Dec 1 3000, Dec 15 4000
//   Qwen/Qwen2.5-72B  2024-12-05, all-time  3,000: Dec 5 1000, Dec 8 1500, Dec 11 500 (gap-filled)
//   meta-llama/...8B  2024-07-18, all-time 80,000: Nov 15 5000, Dec 5 1000
//   THUDM/glm-4-9b    2024-06-04, all-time 10,000: Dec 11 2500 (THUDM → zai-org, china)
class ValuesAtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agg_.apply(contribution("Qwen/Qwen2.5-7B", "2024-12-15T12:00:00Z", "2024-09-18T10:00:00Z", 50'000,
                            {{"2024-11-10", 1000}, {"2024-11-20", 2000}, {"2024-12-01", 3000}, {"2024-12-15", 4000}}));
    agg_.apply(contribution("Qwen/Qwen2.5-72B", "2024-12-12T00:00:00Z", "2024-12-05T00:00:00Z", 3'000,
                            {{"2024-12-05", 1000}, {"2024-12-08", 1500}, {"2024-12-11", 500}}));
    agg_.apply(contribution("meta-llama/Llama-3.1-8B", "2024-12-10T00:00:00Z", "2024-07-18T00:00:00Z", 80'000,
                            {{"2024-11-15", 5000}, {"2024-12-05", 1000}}));
    agg_.apply(contribution("THUDM/glm-4-9b", "2024-12-12T00:00:00Z", "2024-06-04T00:00:00Z", 10'000,
                            {{"2024-12-11", 2500}}));
  }
  ReferenceData reference_ = testing::test_reference(true);
  DownloadAggregates agg_;
};

TEST_F(ValuesAtTest, CumulativeSubtractsLaterIncrementsAndSkipsUnreleasedModels) {
  // Dec 10: Qwen 50,000 − 4000 + (3000 − 500); Llama 80,000; GLM 10,000 − 2500.
  EXPECT_EQ(agg_.values_at(GroupBy::org, DownloadWindow::cumulative, day("2024-12-10"), reference_),
            (Groups{{"Qwen", 48'500}, {"meta-llama", 80'000}, {"zai-org", 7'500}}));
  EXPECT_EQ(agg_.values_at(GroupBy::region, DownloadWindow::cumulative, day("2024-12-10"), reference_),
            (Groups{{"china", 56'000}, {"us", 80'000}}));
  // Dec 4: Qwen2.5-72B is not released yet; Llama 80,000 − 1000.
  EXPECT_EQ(agg_.values_at(GroupBy::org, DownloadWindow::cumulative, day("2024-12-04"), reference_),
            (Groups{{"Qwen", 46'000}, {"meta-llama", 79'000}, {"zai-org", 7'500}}));
  // Dec 5, its release day: 3000 − 1500 − 500.
  EXPECT_EQ(agg_.values_at(GroupBy::org, DownloadWindow::cumulative, day("2024-12-05"), reference_).at("Qwen"),
            46'000 + 1'000);
  // Before any increment, a baseline-only model is held at its baseline (an approximation).
  EXPECT_EQ(agg_.values_at(GroupBy::org, DownloadWindow::cumulative, day("2024-09-18"), reference_),
            (Groups{{"Qwen", 40'000}, {"meta-llama", 74'000}, {"zai-org", 7'500}}));
  // Only GLM is released by July 1: the other groups are absent.
  EXPECT_EQ(agg_.values_at(GroupBy::org, DownloadWindow::cumulative, day("2024-07-01"), reference_),
            (Groups{{"zai-org", 7'500}}));
  // After the last increment: the latest all-time figures.
  EXPECT_EQ(agg_.values_at(GroupBy::org, DownloadWindow::cumulative, day("2025-01-01"), reference_),
            (Groups{{"Qwen", 53'000}, {"meta-llama", 80'000}, {"zai-org", 10'000}}));
}

TEST_F(ValuesAtTest, ThirtyDaysEndWithTheDay) {
  // Dec 10 → Nov 11 .. Dec 10: Qwen 2000 + 3000 + 1000 + 1500; Llama 5000 + 1000; GLM nothing.
  EXPECT_EQ(agg_.values_at(GroupBy::org, DownloadWindow::d30, day("2024-12-10"), reference_),
            (Groups{{"Qwen", 7'500}, {"meta-llama", 6'000}, {"zai-org", 0}}));
  // Dec 14 → Nov 15 .. Dec 14 keeps Llama's Nov 15; Dec 15 → Nov 16 .. Dec 15 drops it.
  EXPECT_EQ(agg_.values_at(GroupBy::org, DownloadWindow::d30, day("2024-12-14"), reference_).at("meta-llama"), 6'000);
  EXPECT_EQ(agg_.values_at(GroupBy::region, DownloadWindow::d30, day("2024-12-15"), reference_),
            (Groups{{"china", 14'500}, {"us", 1'000}}));
  EXPECT_THROW(agg_.values_at(GroupBy::org, DownloadWindow::month, day("2024-12-10"), reference_), std::invalid_argument);
}

TEST_F(ValuesAtTest, TheLatestDayMatchesTheLeaderboardExactly) {
  // T = 2024-12-15T12:00Z: the leaderboard's 30d is the 30 days ending Dec 15, its cumulative
  // the latest all-time figures; values_at on Dec 15 must give the same doubles.
  for (GroupBy by : {GroupBy::org, GroupBy::region})
    for (DownloadWindow window : {DownloadWindow::cumulative, DownloadWindow::d30}) {
      Groups board;
      for (const GroupValue& row : agg_.leaderboard(by, window, std::nullopt, reference_).rows) board[row.group] = row.value;
      EXPECT_EQ(agg_.values_at(by, window, day("2024-12-15"), reference_), board) << to_string(by) << " " << to_string(window);
    }
  const GroupBy bys[] = {GroupBy::region, GroupBy::size_bucket};
  auto groups = agg_.groups_at(bys, day("2024-12-10"), reference_);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[GroupBy::region].cumulative, agg_.values_at(GroupBy::region, DownloadWindow::cumulative, day("2024-12-10"), reference_));
  // Sizes: Qwen2.5-7B, glm-4-9b (names) and Llama (table, 8) → 7-9B; Qwen2.5-72B → 50-100B.
  EXPECT_EQ(groups[GroupBy::size_bucket].d30, (Groups{{"50-100B", 2'500}, {"7-9B", 11'000}}));
}

TEST_F(ValuesAtTest, FirstReleaseAndFirstDataDay) {
  EXPECT_EQ(agg_.first_release(GroupBy::org, reference_),
            (std::map<std::string, DayIndex>{
                {"Qwen", day("2024-09-18")}, {"meta-llama", day("2024-07-18")}, {"zai-org", day("2024-06-04")}}));
  EXPECT_EQ(agg_.first_release(GroupBy::region, reference_),
            (std::map<std::string, DayIndex>{{"china", day("2024-06-04")}, {"us", day("2024-07-18")}}));
  EXPECT_EQ(agg_.first_data_day(), day("2024-11-10"));
  EXPECT_FALSE(DownloadAggregates().first_data_day());
}

TEST(DailyEvaluationTest, DueDaysAreTheClosedOnesNotYetEvaluated) {
  DailyEvaluation daily;
  EXPECT_TRUE(daily.due(kNoTime, day("2024-12-08")).empty());
  // W at midnight closes the day before it; a millisecond earlier it does not.
  EXPECT_EQ(daily.due(at("2024-12-11T00:00:00Z"), day("2024-12-08")),
            (std::vector<DayIndex>{day("2024-12-08"), day("2024-12-09"), day("2024-12-10")}));
  EXPECT_EQ(daily.due(at("2024-12-10T23:59:59.999Z"), day("2024-12-08")),
            (std::vector<DayIndex>{day("2024-12-08"), day("2024-12-09")}));
  EXPECT_EQ(daily.due(at("2024-12-11T00:00:00Z"), day("2024-12-08"), 1), std::vector<DayIndex>{day("2024-12-08")});
  daily.mark_evaluated(day("2024-12-09"));
  daily.mark_evaluated(day("2024-12-01"));  // older: no effect
  EXPECT_EQ(daily.last_evaluated(), day("2024-12-09"));
  EXPECT_EQ(daily.due(at("2024-12-11T06:00:00Z"), day("2024-12-08")), std::vector<DayIndex>{day("2024-12-10")});
  EXPECT_TRUE(daily.due(at("2024-12-10T06:00:00Z"), day("2024-12-08")).empty());
  // Restarted from the detector's last day.
  EXPECT_EQ(DailyEvaluation(day("2024-12-10")).due(at("2024-12-12T00:00:00Z"), day("2024-12-08")),
            std::vector<DayIndex>{day("2024-12-11")});
}

TEST_F(ValuesAtTest, DownloadOvertakesEndToEnd) {
  // Every closed day from the first day with data to Dec 16, as the pipeline will run it.
  OvertakeDetector detector(OvertakeConfig{});  // confirm 2, top 20
  DailyEvaluation daily(detector.last_evaluated_day());
  std::vector<Event> events;
  const auto days = daily.due(at("2024-12-17T00:00:00Z"), *agg_.first_data_day());
  ASSERT_EQ(days.size(), 37u);  // Nov 10 .. Dec 16
  for (DayIndex d : days) {
    DayValues v;
    v.day = d;
    add_download_values(v, agg_, reference_);
    ASSERT_EQ(v.values.size(), 4u);
    EXPECT_EQ(v.values[(MetricKey{"downloads_30d", "region"})],
              agg_.values_at(GroupBy::region, DownloadWindow::d30, d, reference_));
    for (Event& e : detector.evaluate(v)) events.push_back(std::move(e));
    daily.mark_evaluated(d);
  }
  // 30d by org: Llama's Nov 15 passes Qwen (1000) and GLM (0); Qwen's Dec 1 (6000) passes
  // Llama (5000); when Nov 15 leaves the window on Dec 15, GLM (2500) passes Llama (1000).
  // Cumulative never changes order. Every group released in 2024: all new entrants.
  const std::vector<Event> expected = {
      overtake(day("2024-11-15"), "meta-llama", "Qwen", 5000, 1000),
      overtake(day("2024-11-15"), "meta-llama", "zai-org", 5000, 0),
      overtake(day("2024-11-15"), "us", "china", 5000, 1000, "region"),
      overtake(day("2024-12-01"), "Qwen", "meta-llama", 6000, 5000),
      overtake(day("2024-12-01"), "china", "us", 6000, 5000, "region"),
      overtake(day("2024-12-15"), "zai-org", "meta-llama", 2500, 1000),
  };
  EXPECT_EQ(events, expected);
  EXPECT_EQ(detector.rank("downloads_cumulative", "org", "meta-llama"), 1);
  EXPECT_EQ(detector.rank("downloads_30d", "org", "Qwen"), 1);
  EXPECT_EQ(detector.rank("downloads_30d", "org", "meta-llama"), 3);
}

}  // namespace
}  // namespace atomd
