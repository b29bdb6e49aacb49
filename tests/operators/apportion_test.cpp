#include <gtest/gtest.h>

#include <random>

#include "operators/downloads.hpp"
#include "operators/groups.hpp"
#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::day;

TEST(Apportion, MonthBoundaryInsideTheGapSplitsDelta) {
  // 24 h from 2025-01-31T12:00Z: half of it in January, half in February.
  auto inc = apportion(1000, at("2025-01-31T12:00:00Z"), at("2025-02-01T12:00:00Z"));
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_EQ(inc[0], (DayIncrement{day("2025-01-31"), 500}));
  EXPECT_EQ(inc[1], (DayIncrement{day("2025-02-01"), 500}));
}

TEST(Apportion, MultiDayGapIsLinearInOverlap) {
  // 60 h: 6 h on Mar 1, 24 h on Mar 2 and Mar 3, 6 h on Mar 4.
  auto inc = apportion(3600, at("2025-03-01T18:00:00Z"), at("2025-03-04T06:00:00Z"));
  ASSERT_EQ(inc.size(), 4u);
  EXPECT_EQ(inc[0], (DayIncrement{day("2025-03-01"), 360}));
  EXPECT_EQ(inc[1], (DayIncrement{day("2025-03-02"), 1440}));
  EXPECT_EQ(inc[2], (DayIncrement{day("2025-03-03"), 1440}));
  EXPECT_EQ(inc[3], (DayIncrement{day("2025-03-04"), 360}));
}

TEST(Apportion, IntervalIsHalfOpen) {
  // Ending exactly at midnight puts nothing on the next day.
  auto inc = apportion(200, at("2025-01-30T00:00:00Z"), at("2025-02-01T00:00:00Z"));
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_EQ(inc[0], (DayIncrement{day("2025-01-30"), 100}));
  EXPECT_EQ(inc[1], (DayIncrement{day("2025-01-31"), 100}));

  auto same_day = apportion(10, at("2025-01-30T10:00:00Z"), at("2025-01-30T11:00:00Z"));
  ASSERT_EQ(same_day.size(), 1u);
  EXPECT_EQ(same_day[0], (DayIncrement{day("2025-01-30"), 10}));
}

TEST(Apportion, EmptyOrBackwardIntervalGivesNothing) {
  EXPECT_TRUE(apportion(5, at("2025-01-30T10:00:00Z"), at("2025-01-30T10:00:00Z")).empty());
  EXPECT_TRUE(apportion(5, at("2025-01-30T10:00:00Z"), at("2025-01-29T10:00:00Z")).empty());
}

TEST(Apportion, ZeroDeltaMarksTheDaysAsKnownZero) {
  auto inc = apportion(0, at("2025-01-30T12:00:00Z"), at("2025-01-31T12:00:00Z"));
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_EQ(inc[0], (DayIncrement{day("2025-01-30"), 0}));
  EXPECT_EQ(inc[1], (DayIncrement{day("2025-01-31"), 0}));
}

TEST(Apportion, ThirdsSumToDeltaExactly) {
  auto inc = apportion(1000, at("2025-05-01T00:00:00Z"), at("2025-05-04T00:00:00Z"));
  ASSERT_EQ(inc.size(), 3u);
  double sum = 0;
  for (const auto& e : inc) {
    EXPECT_NEAR(e.downloads, 1000.0 / 3, 1e-9);
    sum += e.downloads;
  }
  EXPECT_EQ(sum, 1000.0);
}

TEST(Apportion, RandomGapsSumToDeltaExactlyInAnyOrder) {
  std::mt19937_64 rng(20250131);
  std::uniform_int_distribution<std::int64_t> delta_dist(0, 10'000'000'000LL);
  std::uniform_int_distribution<TimeMs> start_dist(at("2023-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"));
  std::uniform_int_distribution<TimeMs> span_dist(1, 400 * kMsPerDay);
  for (int i = 0; i < 20'000; ++i) {
    const double delta = static_cast<double>(delta_dist(rng));
    const TimeMs from = start_dist(rng);
    const TimeMs to = from + span_dist(rng);
    auto inc = apportion(delta, from, to);
    ASSERT_EQ(inc.front().day, day_of(from));
    ASSERT_EQ(inc.back().day, day_of(to - 1));
    ASSERT_EQ(static_cast<DayIndex>(inc.size()), day_of(to - 1) - day_of(from) + 1);
    double sum = 0, reverse_sum = 0;
    for (const auto& e : inc) {
      ASSERT_GE(e.downloads, 0) << "delta " << delta << " from " << from << " to " << to;
      sum += e.downloads;
    }
    for (auto it = inc.rbegin(); it != inc.rend(); ++it) reverse_sum += it->downloads;
    ASSERT_EQ(sum, delta) << "from " << from << " to " << to;
    // Stage 2 adds them up in other groupings (months, windows): those sums must be exact too.
    ASSERT_EQ(reverse_sum, delta) << "from " << from << " to " << to;
  }
}

TEST(Groups, LabelsRoundTrip) {
  EXPECT_EQ(to_string(GroupBy::size_bucket), "size_bucket");
  EXPECT_EQ(parse_group_by("region"), GroupBy::region);
  EXPECT_EQ(parse_group_by("org"), GroupBy::org);
  EXPECT_EQ(parse_group_by("model"), std::nullopt);
  EXPECT_EQ(to_string(DownloadWindow::d30), "30d");
  EXPECT_EQ(parse_download_window("30d"), DownloadWindow::d30);
  EXPECT_EQ(parse_download_window("cumulative"), DownloadWindow::cumulative);
  EXPECT_EQ(parse_download_window("month"), DownloadWindow::month);
  EXPECT_EQ(parse_download_window("7d"), std::nullopt);
  EXPECT_EQ(parse_series_window("day"), SeriesWindow::day);
  EXPECT_EQ(parse_series_window("month"), SeriesWindow::month);
  EXPECT_EQ(parse_series_window("week"), std::nullopt);
}

}  // namespace
}  // namespace atomd
