#include "operators/download_aggregates.hpp"

#include <gtest/gtest.h>

#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::contribution;
using testing::day;
using testing::month;

// A history that ends on 2024-12-15T12:00Z (T), whatever today's date is.
// 30d window = the 30 UTC days 2024-11-16 .. 2024-12-15.
class DownloadAggregatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agg_.apply(contribution("Qwen/Qwen2.5-7B", "2024-12-15T12:00:00Z", "2024-09-18T10:00:00Z", 50'000,
                            {{"2024-11-10", 1000}, {"2024-11-20", 2000}, {"2024-12-01", 3000}, {"2024-12-15", 4000}},
                            7'615'616'512, 12'345));
    agg_.apply(contribution("meta-llama/Llama-3.1-8B", "2024-12-10T00:00:00Z", "2024-07-18T00:00:00Z", 80'000,
                            {{"2024-11-15", 5000}, {"2024-12-05", 1000}}));
    agg_.apply(contribution("mistralai/Mistral-Large-Instruct-2407", "2024-12-14T00:00:00Z", "2024-07-24T00:00:00Z",
                            20'000, {{"2024-11-16", 500}, {"2024-12-13", 1500}}));
    agg_.apply(contribution("THUDM/glm-4-9b", "2024-12-12T00:00:00Z", "2024-06-04T00:00:00Z", 10'000,
                            {{"2024-12-11", 2500}}, 9'400'000'000));
  }

  static void expect_rows(const Leaderboard& board, const std::vector<GroupValue>& rows, double total) {
    ASSERT_EQ(board.rows.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(board.rows[i].group, rows[i].group) << "row " << i;
      EXPECT_EQ(board.rows[i].value, rows[i].value) << "row " << i;
    }
    EXPECT_EQ(board.total, total);
    double sum = 0, shares = 0;
    for (const auto& row : board.rows) {
      sum += row.value;
      shares += total > 0 ? row.value / board.total : 0;
    }
    EXPECT_EQ(sum, board.total);
    if (total > 0) {
      EXPECT_NEAR(shares, 1.0, 1e-12);
    }
  }

  ReferenceData with_alias_ = testing::test_reference(true);
  ReferenceData without_alias_ = testing::test_reference(false);
  DownloadAggregates agg_;
};

TEST_F(DownloadAggregatesTest, StreamTimeIsTheLargestObservedAt) {
  EXPECT_EQ(agg_.stream_time(), at("2024-12-15T12:00:00Z"));  // Qwen's, applied first
  EXPECT_EQ(agg_.model_count(), 4u);
  DownloadAggregates empty;
  EXPECT_EQ(empty.stream_time(), kNoTime);
  auto board = empty.leaderboard(GroupBy::org, DownloadWindow::month, std::nullopt, with_alias_);
  EXPECT_TRUE(board.rows.empty());
  EXPECT_EQ(board.total, 0);
  EXPECT_TRUE(empty.models(with_alias_).empty());
}

TEST_F(DownloadAggregatesTest, CumulativeIsTheSumOfLatestAllTime) {
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::cumulative, std::nullopt, with_alias_),
              {{"meta-llama", 80'000}, {"Qwen", 50'000}, {"mistralai", 20'000}, {"zai-org", 10'000}}, 160'000);
  expect_rows(agg_.leaderboard(GroupBy::region, DownloadWindow::cumulative, std::nullopt, with_alias_),
              {{"us", 80'000}, {"china", 60'000}, {"eu", 20'000}}, 160'000);
  // Qwen 7.6B (params), Llama 8B (table), GLM 9.4B (params) → 7-9B; Mistral 123B (table).
  expect_rows(agg_.leaderboard(GroupBy::size_bucket, DownloadWindow::cumulative, std::nullopt, with_alias_),
              {{"7-9B", 140'000}, {"100-250B", 20'000}}, 160'000);
}

TEST_F(DownloadAggregatesTest, MonthDefaultsToTheMonthContainingT) {
  // December 2024: Qwen 3000 + 4000, GLM 2500, Mistral 1500, Llama 1000.
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::month, std::nullopt, with_alias_),
              {{"Qwen", 7000}, {"zai-org", 2500}, {"mistralai", 1500}, {"meta-llama", 1000}}, 12'000);
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::month, month("2024-11"), with_alias_),
              {{"meta-llama", 5000}, {"Qwen", 3000}, {"mistralai", 500}, {"zai-org", 0}}, 8'500);
  // No downloads at all: every group is 0, ties ordered by group name (byte order).
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::month, month("2024-10"), with_alias_),
              {{"Qwen", 0}, {"meta-llama", 0}, {"mistralai", 0}, {"zai-org", 0}}, 0);
}

TEST_F(DownloadAggregatesTest, ThirtyDaysAreTheThirtyUtcDaysUpToT) {
  // Nov 15 (Llama 5000) is the 31st day back and excluded; Nov 16 (Mistral 500) is included.
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::d30, std::nullopt, with_alias_),
              {{"Qwen", 9000}, {"zai-org", 2500}, {"mistralai", 2000}, {"meta-llama", 1000}}, 14'500);
  expect_rows(agg_.leaderboard(GroupBy::region, DownloadWindow::d30, std::nullopt, with_alias_),
              {{"china", 11'500}, {"eu", 2000}, {"us", 1000}}, 14'500);
  expect_rows(agg_.leaderboard(GroupBy::size_bucket, DownloadWindow::d30, std::nullopt, with_alias_),
              {{"7-9B", 12'500}, {"100-250B", 2000}}, 14'500);
}

TEST_F(DownloadAggregatesTest, WindowsFollowStreamTimeNotTheClock) {
  // A later contribution moves T to 2025-01-02: month is January 2025, 30d is Dec 4 .. Jan 2.
  agg_.apply(contribution("meta-llama/Llama-3.1-8B", "2025-01-02T06:00:00Z", "2024-07-18T00:00:00Z", 80'700,
                          {{"2024-12-31", 400}, {"2025-01-01", 200}, {"2025-01-02", 100}}));
  EXPECT_EQ(agg_.stream_time(), at("2025-01-02T06:00:00Z"));
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::month, std::nullopt, with_alias_),
              {{"meta-llama", 300}, {"Qwen", 0}, {"mistralai", 0}, {"zai-org", 0}}, 300);
  // Qwen: Dec 15 4000 (Dec 1 is out); Llama: Dec 5 1000 + 700; GLM 2500; Mistral Dec 13 1500.
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::d30, std::nullopt, with_alias_),
              {{"Qwen", 4000}, {"zai-org", 2500}, {"meta-llama", 1700}, {"mistralai", 1500}}, 9'700);
}

TEST_F(DownloadAggregatesTest, MidnightTCountsTheThirtyDaysBeforeIt) {
  // T = 2025-01-01T00:00Z: month-to-date is January (nothing yet); 30d is Dec 2 .. Dec 31 (not
  // Dec 3 .. Jan 1): Qwen2.5-72B's 100 a day over [Dec 2, Jan 1) all count, Qwen's Dec 1 does not.
  auto c = contribution("Qwen/Qwen2.5-72B", "2025-01-01T00:00:00Z", "2024-12-02T00:00:00Z", 3000, {});
  c.increments = apportion(3000, at("2024-12-02T00:00:00Z"), at("2025-01-01T00:00:00Z"));
  agg_.apply(c);
  EXPECT_EQ(agg_.stream_time(), at("2025-01-01T00:00:00Z"));
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::month, std::nullopt, with_alias_),
              {{"Qwen", 0}, {"meta-llama", 0}, {"mistralai", 0}, {"zai-org", 0}}, 0);
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::d30, std::nullopt, with_alias_),
              {{"Qwen", 7000}, {"zai-org", 2500}, {"mistralai", 1500}, {"meta-llama", 1000}}, 12'000);
  auto v = agg_.model("Qwen/Qwen2.5-72B", with_alias_);
  EXPECT_EQ(v->d30, 3000);
  EXPECT_EQ(v->month, 0);
  EXPECT_EQ(v->release_at, at("2024-12-02T00:00:00Z"));
}

TEST_F(DownloadAggregatesTest, ReferenceReloadRegroupsWithoutAStateReset) {
  expect_rows(agg_.leaderboard(GroupBy::org, DownloadWindow::cumulative, std::nullopt, without_alias_),
              {{"meta-llama", 80'000}, {"Qwen", 50'000}, {"mistralai", 20'000}, {"THUDM", 10'000}}, 160'000);
  expect_rows(agg_.leaderboard(GroupBy::region, DownloadWindow::d30, std::nullopt, without_alias_),
              {{"china", 9000}, {"unknown", 2500}, {"eu", 2000}, {"us", 1000}}, 14'500);
  // Same operator, new reference: THUDM is now zai-org, in china.
  expect_rows(agg_.leaderboard(GroupBy::region, DownloadWindow::d30, std::nullopt, with_alias_),
              {{"china", 11'500}, {"eu", 2000}, {"us", 1000}}, 14'500);
  EXPECT_EQ(agg_.model("THUDM/glm-4-9b", without_alias_)->region, Region::unknown);
  EXPECT_EQ(agg_.model("THUDM/glm-4-9b", with_alias_)->org, "zai-org");
  EXPECT_EQ(agg_.model("THUDM/glm-4-9b", with_alias_)->region, Region::china);
}

TEST_F(DownloadAggregatesTest, SeriesPerDayAndPerMonth) {
  auto qwen = agg_.series(GroupBy::org, "Qwen", SeriesWindow::day, with_alias_);
  ASSERT_EQ(qwen.size(), 4u);
  const std::vector<std::pair<const char*, double>> expected = {
      {"2024-11-10", 1000}, {"2024-11-20", 2000}, {"2024-12-01", 3000}, {"2024-12-15", 4000}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(qwen[i].t, day_start(day(expected[i].first)));
    EXPECT_EQ(qwen[i].value, expected[i].second);
  }
  auto china = agg_.series(GroupBy::region, "china", SeriesWindow::month, with_alias_);
  ASSERT_EQ(china.size(), 2u);
  EXPECT_EQ(china[0].t, at("2024-11-01T00:00:00Z"));
  EXPECT_EQ(china[0].value, 3000);
  EXPECT_EQ(china[1].t, at("2024-12-01T00:00:00Z"));
  EXPECT_EQ(china[1].value, 9500);
  auto china_days = agg_.series(GroupBy::region, "china", SeriesWindow::day, with_alias_);
  ASSERT_EQ(china_days.size(), 5u);
  EXPECT_EQ(china_days[3].t, at("2024-12-11T00:00:00Z"));
  EXPECT_EQ(china_days[3].value, 2500);
  EXPECT_TRUE(agg_.series(GroupBy::region, "china", SeriesWindow::day, without_alias_).size() == 4u);
  EXPECT_TRUE(agg_.series(GroupBy::org, "nobody", SeriesWindow::day, with_alias_).empty());
}

TEST_F(DownloadAggregatesTest, ModelView) {
  auto v = agg_.model("Qwen/Qwen2.5-7B", with_alias_);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->repo_id, "Qwen/Qwen2.5-7B");
  EXPECT_EQ(v->org, "Qwen");
  EXPECT_EQ(v->region, Region::china);
  ASSERT_TRUE(v->size_b);
  EXPECT_DOUBLE_EQ(*v->size_b, 7.615616512);
  EXPECT_EQ(v->size_bucket, SizeBucket::b7_9);
  EXPECT_EQ(v->release_at, at("2024-09-18T00:00:00Z"));
  EXPECT_EQ(v->cumulative, 50'000);
  EXPECT_EQ(v->month, 7000);
  EXPECT_EQ(v->d30, 9000);
  EXPECT_EQ(v->hf_30d, 12'345);
  EXPECT_FALSE(agg_.model("Qwen/unknown", with_alias_));

  auto all = agg_.models(with_alias_);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].repo_id, "Qwen/Qwen2.5-7B");  // by repo id
  EXPECT_EQ(all[3].repo_id, "mistralai/Mistral-Large-Instruct-2407");
  EXPECT_EQ(all[3].size_b, 123.0);
  EXPECT_EQ(all[3].size_bucket, SizeBucket::b100_250);
}

TEST_F(DownloadAggregatesTest, OlderContributionOfAnotherModelAddsButKeepsT) {
  agg_.apply(contribution("Qwen/Qwen2.5-72B", "2024-12-01T00:00:00Z", "2024-09-18T00:00:00Z", 3000,
                          {{"2024-11-30", 3000}}, 72'700'000'000));
  EXPECT_EQ(agg_.stream_time(), at("2024-12-15T12:00:00Z"));
  expect_rows(agg_.leaderboard(GroupBy::region, DownloadWindow::d30, std::nullopt, with_alias_),
              {{"china", 14'500}, {"eu", 2000}, {"us", 1000}}, 17'500);
}

TEST_F(DownloadAggregatesTest, RedeliveredContributionIsNotCountedTwice) {
  auto again = contribution("THUDM/glm-4-9b", "2024-12-12T00:00:00Z", "2024-06-04T00:00:00Z", 10'000,
                            {{"2024-12-11", 2500}}, 9'400'000'000);
  agg_.apply(again);
  EXPECT_EQ(agg_.redelivery_count(), 1u);
  EXPECT_EQ(agg_.model("THUDM/glm-4-9b", with_alias_)->d30, 2500);
  auto next = contribution("THUDM/glm-4-9b", "2024-12-13T00:00:00Z", "2024-06-04T00:00:00Z", 10'100,
                           {{"2024-12-12", 100}}, 9'400'000'000);
  agg_.apply(next);
  EXPECT_EQ(agg_.redelivery_count(), 1u);
  EXPECT_EQ(agg_.model("THUDM/glm-4-9b", with_alias_)->d30, 2600);
  EXPECT_EQ(agg_.model("THUDM/glm-4-9b", with_alias_)->cumulative, 10'100);
}

}  // namespace
}  // namespace atomd
