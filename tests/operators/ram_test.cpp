// RAM (DESIGN §4): both baselines on hand-computed tables, the curve's interpolation and its
// undefined days, the checkpoints, and incremental results against a from-scratch recomputation.
#include "operators/ram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;

constexpr std::int64_t k3B = 3'000'000'000;  // 1-5B
constexpr std::int64_t k8B = 8'000'000'000;  // 7-9B
constexpr TimeMs kHour = 3'600'000;
const TimeMs kRelease = at("2025-01-01T00:00:00Z");

std::size_t slot_of(int checkpoint) {
  for (std::size_t i = 0; i < std::size(kRamCheckpoints); ++i)
    if (kRamCheckpoints[i] == checkpoint) return i;
  throw std::logic_error("not a checkpoint");
}

DownloadContribution snap(const std::string& repo_id, TimeMs observed_at, std::int64_t all_time, bool gap_filled = false,
                          std::optional<std::int64_t> params = k8B, TimeMs release = kRelease) {
  DownloadContribution c;
  c.repo_id = repo_id;
  c.org = std::string(repo_org(repo_id));
  c.observed_at = observed_at;
  c.created_at = release;
  c.release_at = release;
  c.downloads_all_time = all_time;
  c.params_total = params;
  c.gap_filled = gap_filled;
  return c;
}

TimeMs day_after(int days, TimeMs release = kRelease) { return release + days * kMsPerDay; }

std::string name(int i) {
  std::string n = std::to_string(i);
  return "lab/m" + std::string(3 - n.size(), '0') + n;
}

class RamTest : public ::testing::Test {
 protected:
  void apply(const DownloadContribution& c) { op_.apply(c, reference_); }
  std::optional<double> tenth(int d) const { return op_.baseline(SizeBucket::b7_9, RamBaseline::tenth, d); }
  std::optional<double> median(int d) const { return op_.baseline(SizeBucket::b7_9, RamBaseline::median_top10, d); }

  ReferenceData reference_ = testing::test_reference(true);
  RamOperator op_;
};

TEST(RamBaselineLabel, RoundTrips) {
  for (RamBaseline b : kAllRamBaselines) EXPECT_EQ(parse_ram_baseline(to_string(b)), b);
  EXPECT_EQ(to_string(RamBaseline::tenth), "tenth");
  EXPECT_EQ(to_string(RamBaseline::median_top10), "median_top10");
  EXPECT_EQ(parse_ram_baseline("median"), std::nullopt);
}

TEST_F(RamTest, BothBaselinesOnTwelveModelsAtDay30) {
  // Gap-filled, one snapshot at day 30: cum(i, d) = V_i · d / 30 for d ≤ 30.
  const std::int64_t v[] = {1200, 1100, 1000, 900, 800, 700, 600, 500, 400, 300, 200, 100};
  for (int i = 0; i < 12; ++i) apply(snap(name(i), day_after(30), v[i], true));
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 30), 12u);
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 31), 0u);
  // 10th highest of {1200 … 100} is 300; raw(d) = 10·d rises to it, so base(30) = 300.
  EXPECT_EQ(tenth(30), 300);
  EXPECT_DOUBLE_EQ(*tenth(7), 70);
  // The top 10 are 1200 … 300; ascending, the 5th and 6th are 700 and 800.
  EXPECT_EQ(median(30), 750);
  EXPECT_EQ(tenth(31), std::nullopt);

  auto top = op_.model(name(0));
  ASSERT_TRUE(top);
  EXPECT_EQ(top->bucket, SizeBucket::b7_9);
  EXPECT_EQ(top->current_age_days, 30);
  EXPECT_DOUBLE_EQ(*top->tenth[slot_of(30)], 4.0);
  EXPECT_DOUBLE_EQ(*top->median_top10[slot_of(30)], 1.6);
  EXPECT_DOUBLE_EQ(*top->tenth[slot_of(7)], 4.0);
  EXPECT_EQ(top->tenth[slot_of(60)], std::nullopt);  // curve and R end at day 30
  EXPECT_EQ(top->tenth[kRamCurrent], top->tenth[slot_of(30)]);
  auto last = op_.model(name(11));
  EXPECT_DOUBLE_EQ(*last->tenth[slot_of(30)], 100.0 / 300);
  EXPECT_DOUBLE_EQ(*last->median_top10[slot_of(30)], 100.0 / 750);
}

TEST_F(RamTest, RankingIsByRamThenRepoIdPerBucket) {
  // Two models tie at the top (1200); the ranking breaks the tie by repo id.
  const std::int64_t v[] = {1200, 1200, 1000, 900, 800, 700, 600, 500, 400, 300, 200, 100};
  for (int i = 11; i >= 0; --i) apply(snap(name(i), day_after(30), v[i], true));
  auto ranking = ram_ranking(op_, RamBaseline::tenth, kRamDay30);
  ASSERT_EQ(ranking.size(), 1u);
  const auto& list = ranking.at(SizeBucket::b7_9);
  ASSERT_EQ(list.size(), 12u);
  EXPECT_EQ(list[0].repo_id, name(0));
  EXPECT_EQ(list[1].repo_id, name(1));
  EXPECT_DOUBLE_EQ(list[0].ram, 4.0);
  EXPECT_EQ(list[11].repo_id, name(11));
  EXPECT_DOUBLE_EQ(list[11].ram, 100.0 / 300);
  EXPECT_TRUE(ram_ranking(op_, RamBaseline::tenth, 4).empty());  // nobody reaches day 90
}

TEST_F(RamTest, TiesCountEveryModelForTheTenth) {
  // Descending 900 800 700 600 500 400 300 200 200 200 200 50: the 10th highest is 200.
  const std::int64_t v[] = {900, 800, 700, 600, 500, 400, 300, 200, 200, 200, 200, 50};
  for (int i = 0; i < 12; ++i) apply(snap(name(i), day_after(30), v[i], true));
  EXPECT_EQ(tenth(30), 200);
  // Top 10 ascending: 200 200 200 300 400 500 …: the 5th and 6th are 400 and 500.
  EXPECT_EQ(median(30), 450);
}

TEST_F(RamTest, MedianLeadersAreTheTopTenByCurrentCumulativeTiesByRepoId) {
  // cum at day 30, then the current all-time (a later snapshot at day 40).
  struct Row {
    const char* repo;
    std::int64_t cum30, current;
  };
  const Row rows[] = {{"lab/a", 100, 10000}, {"lab/b", 200, 9000}, {"lab/c", 300, 8000}, {"lab/d", 400, 7000},
                      {"lab/e", 500, 6000},  {"lab/f", 600, 5800}, {"lab/g", 700, 5600}, {"lab/h", 800, 5400},
                      {"lab/i", 900, 5200},  {"lab/j", 1000, 2000},
                      // Ties with lab/j on current cumulative and loses on repo id.
                      {"lab/k", 50, 2000},
                      // Most downloads at day 30, no growth since: 12th by current cumulative.
                      {"lab/x", 1900, 1900}};
  for (const Row& r : rows) {
    apply(snap(r.repo, day_after(30), r.cum30, true));
    apply(snap(r.repo, day_after(40), r.current));
  }
  // Leaders a … j: cum30 100 … 1000, 5th and 6th 500 and 600. (With k instead of j: 450;
  // leaders by cum at day 30, x … b: 650.)
  EXPECT_EQ(median(30), 550);
  // `tenth` ranks cum at the day itself: 1900 1000 900 … 200 → the 10th is 200.
  EXPECT_EQ(tenth(30), 200);
}

TEST_F(RamTest, FewerThanTenReferenceModelsGiveNullNotZero) {
  for (int i = 0; i < 9; ++i) apply(snap(name(i), day_after(40), 100 * (i + 1), true));
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 30), 9u);
  for (int d : kRamCheckpoints) {
    EXPECT_EQ(tenth(d), std::nullopt) << d;
    EXPECT_EQ(median(d), std::nullopt) << d;
  }
  auto m = op_.model(name(8));
  ASSERT_TRUE(m);
  for (std::size_t i = 0; i < m->tenth.size(); ++i) {
    EXPECT_EQ(m->tenth[i], std::nullopt);
    EXPECT_EQ(m->median_top10[i], std::nullopt);
  }
  EXPECT_TRUE(op_.cumulative_at(name(8), 30));  // the model's own curve is there
  apply(snap(name(9), day_after(40), 50, true));
  EXPECT_DOUBLE_EQ(*tenth(30), 50.0 * 30 / 40);
  EXPECT_TRUE(op_.model(name(8))->tenth[slot_of(30)]);
}

TEST_F(RamTest, AModelYoungerThanACheckpointIsNullThereAndOutsideR) {
  for (int i = 0; i < 10; ++i) apply(snap(name(i), day_after(60), 60 * (i + 1), true));  // cum(i, d) = (i+1)·d
  // Young: released 40 days later, seen at its day 20 with far more than anyone.
  const TimeMs young_release = kRelease + 40 * kMsPerDay;
  apply(snap("lab/young", day_after(20, young_release), 1'000'000, true, k8B, young_release));
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 14), 11u);
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 30), 10u);
  // Young is in R(b, d) up to day 20 only. With it raw(d) = 2d (the second-smallest of
  // d, 2d, … 10d); without it raw(d) = d. So raw(30) = 30, but base(30) keeps raw(20) = 40.
  EXPECT_EQ(tenth(14), 28);
  EXPECT_EQ(tenth(30), 40);
  // Leaders of R(b, 30) are the ten old models: 150 and 180 (with young in: 195).
  EXPECT_EQ(median(30), 165);
  auto young = op_.model("lab/young");
  EXPECT_EQ(young->current_age_days, 20);
  EXPECT_TRUE(young->tenth[slot_of(14)]);
  EXPECT_EQ(young->tenth[slot_of(30)], std::nullopt);
  EXPECT_EQ(young->median_top10[slot_of(30)], std::nullopt);
  EXPECT_TRUE(young->tenth[kRamCurrent]);  // day 20 has 11 reference models
}

TEST_F(RamTest, TenthIsMonotoneWhenTheRawTenthFalls) {
  // Ten slow models (cum 10i at day 30, 20i at day 60) and two fast ones seen only at day 30.
  for (int i = 1; i <= 10; ++i) {
    apply(snap(name(i), day_after(30), 10 * i, true));
    apply(snap(name(i), day_after(60), 20 * i));
  }
  for (int i = 11; i <= 12; ++i) apply(snap(name(i), day_after(30), 1000, true));
  // raw(30) = 30 (12 models); raw(60) = 20 (only the slow ten reach day 60).
  EXPECT_EQ(tenth(30), 30);
  EXPECT_EQ(tenth(45), 30);
  EXPECT_EQ(tenth(60), 30);
  EXPECT_EQ(median(60), 110);  // not monotone: the slow ten's 5th and 6th, 100 and 120
  for (int d = 1; d <= 60; ++d) EXPECT_GE(*tenth(d), *tenth(d - 1)) << d;
  EXPECT_DOUBLE_EQ(*op_.model(name(10))->tenth[slot_of(60)], 200.0 / 30);
}

TEST_F(RamTest, CumIsInterpolatedBetweenSparseSnapshots) {
  // Not gap-filled: seen at day 10 (1000), then day 40 (4000).
  apply(snap("lab/sparse", day_after(10), 1000));
  EXPECT_EQ(op_.cumulative_at("lab/sparse", 10), 1000);
  EXPECT_EQ(op_.cumulative_at("lab/sparse", 11), std::nullopt);  // nothing at or after day 11 yet
  apply(snap("lab/sparse", day_after(40), 4000));
  EXPECT_EQ(op_.cumulative_at("lab/sparse", 9), std::nullopt);  // before the first snapshot
  EXPECT_DOUBLE_EQ(*op_.cumulative_at("lab/sparse", 30), 3000);
  EXPECT_DOUBLE_EQ(*op_.cumulative_at("lab/sparse", 17), 1700);
  EXPECT_EQ(op_.cumulative_at("lab/sparse", 40), 4000);
  EXPECT_EQ(op_.cumulative_at("lab/sparse", 41), std::nullopt);

  // Off-midnight snapshots: day 10 + 12 h (1000), day 12 + 12 h (3000).
  apply(snap("lab/hours", day_after(10) + 12 * kHour, 1000));
  EXPECT_EQ(op_.cumulative_at("lab/hours", 10), std::nullopt);
  EXPECT_EQ(op_.cumulative_at("lab/hours", 11), std::nullopt);
  apply(snap("lab/hours", day_after(12) + 12 * kHour, 3000));
  EXPECT_DOUBLE_EQ(*op_.cumulative_at("lab/hours", 11), 1500);
  EXPECT_DOUBLE_EQ(*op_.cumulative_at("lab/hours", 12), 2500);
}

TEST_F(RamTest, RamAtACheckpointUsesTheInterpolatedValue) {
  // Ten models with 10,000·(i+1) at day 30; the sparse one stays below all of them.
  for (int i = 0; i < 10; ++i) apply(snap(name(i), day_after(30), 10'000 * (i + 1), true));
  apply(snap("lab/sparse", day_after(10), 1000));
  apply(snap("lab/sparse", day_after(40), 4000));
  EXPECT_EQ(tenth(30), 10'000);
  EXPECT_EQ(median(30), 55'000);
  auto m = op_.model("lab/sparse");
  EXPECT_DOUBLE_EQ(*m->tenth[slot_of(30)], 0.3);  // 3000 (interpolated) / 10,000
  EXPECT_DOUBLE_EQ(*m->median_top10[slot_of(30)], 3000.0 / 55'000);
  EXPECT_DOUBLE_EQ(*m->tenth[slot_of(14)], 1400.0 / (10'000.0 * 14 / 30));
  EXPECT_EQ(m->tenth[slot_of(7)], std::nullopt);  // before its first snapshot
}

TEST_F(RamTest, GapFilledFirstSnapshotStartsAtZeroOnDayZero) {
  apply(snap("lab/filled", day_after(2), 200, true));
  apply(snap("lab/plain", day_after(2), 200, false));
  EXPECT_EQ(op_.cumulative_at("lab/filled", 0), 0);
  EXPECT_EQ(op_.cumulative_at("lab/filled", 1), 100);
  EXPECT_EQ(op_.cumulative_at("lab/filled", 2), 200);
  EXPECT_EQ(op_.cumulative_at("lab/plain", 0), std::nullopt);
  EXPECT_EQ(op_.cumulative_at("lab/plain", 1), std::nullopt);
  EXPECT_EQ(op_.cumulative_at("lab/plain", 2), 200);
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 1), 1u);
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 2), 2u);
  // gap_filled only means something on a model's first snapshot.
  apply(snap("lab/plain", day_after(3), 300, true));
  EXPECT_EQ(op_.cumulative_at("lab/plain", 0), std::nullopt);
}

TEST_F(RamTest, OldModelFirstSeenPastDay365HasNoCurve) {
  apply(snap("lab/old", day_after(400), 5000));
  apply(snap("lab/old", day_after(401), 6000));
  for (int d = 0; d <= kRamMaxDay; ++d) EXPECT_EQ(op_.cumulative_at("lab/old", d), std::nullopt);
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 365), 0u);
  EXPECT_EQ(op_.model("lab/old")->current_age_days, 401);
}

TEST_F(RamTest, CurrentCheckpointFollowsStreamTimeAndIsNullPast365) {
  for (int i = 0; i < 10; ++i)
    for (int d = 1; d <= 20; ++d) apply(snap(name(i), day_after(d) + 6 * kHour, 100 * (i + 1) * d, d == 1));
  apply(snap("lab/stale", day_after(15), 1500, true));
  EXPECT_EQ(op_.stream_time(), day_after(20) + 6 * kHour);
  auto m = op_.model(name(4));
  EXPECT_EQ(m->current_age_days, 20);
  ASSERT_TRUE(m->tenth[kRamCurrent]);
  EXPECT_DOUBLE_EQ(*m->tenth[kRamCurrent], *op_.cumulative_at(name(4), 20) / *tenth(20));
  EXPECT_DOUBLE_EQ(*m->median_top10[kRamCurrent], *op_.cumulative_at(name(4), 20) / *median(20));
  // Not observed since its day 15: cum at its current age (20) is undefined.
  auto stale = op_.model("lab/stale");
  EXPECT_EQ(stale->current_age_days, 20);
  EXPECT_EQ(stale->tenth[kRamCurrent], std::nullopt);
  EXPECT_TRUE(stale->tenth[slot_of(14)]);

  // Past 365 days: `current` is null, the 365 checkpoint stays.
  for (int i = 0; i < 10; ++i) apply(snap(name(i), day_after(400), 100'000 * (i + 1)));
  m = op_.model(name(4));
  EXPECT_EQ(m->current_age_days, 400);
  EXPECT_EQ(m->tenth[kRamCurrent], std::nullopt);
  EXPECT_EQ(m->median_top10[kRamCurrent], std::nullopt);
  EXPECT_TRUE(m->tenth[slot_of(365)]);
  EXPECT_TRUE(m->median_top10[slot_of(365)]);
}

TEST_F(RamTest, UnknownBucketHasNoRam) {
  for (int i = 0; i < 12; ++i) apply(snap(name(i), day_after(30), 100 * (i + 1), true, std::nullopt));
  auto m = op_.model(name(3));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->bucket, SizeBucket::unknown);
  EXPECT_EQ(m->tenth[slot_of(30)], std::nullopt);
  EXPECT_EQ(op_.baseline(SizeBucket::unknown, RamBaseline::tenth, 30), std::nullopt);
  EXPECT_EQ(op_.model("lab/never"), std::nullopt);
}

TEST_F(RamTest, RedeliveryChangesNothing) {
  for (int i = 0; i < 10; ++i) apply(snap(name(i), day_after(30), 100 * (i + 1), true));
  const auto before = op_.models();
  apply(snap(name(0), day_after(30), 999'999));
  apply(snap(name(0), day_after(29), 999'999));
  EXPECT_EQ(op_.redelivery_count(), 2u);
  EXPECT_EQ(op_.models(), before);
  EXPECT_EQ(tenth(30), 100);
}

TEST_F(RamTest, AChangedSizeMovesTheModelBetweenBuckets) {
  for (int i = 0; i < 10; ++i) apply(snap(name(i), day_after(30), 100 * (i + 1), true));
  EXPECT_EQ(tenth(30), 100);
  apply(snap(name(9), day_after(31), 1100, false, k3B));  // safetensors now says 3B
  EXPECT_EQ(op_.model(name(9))->bucket, SizeBucket::b1_5);
  EXPECT_EQ(op_.reference_count(SizeBucket::b7_9, 30), 9u);
  EXPECT_EQ(tenth(30), std::nullopt);
  EXPECT_EQ(op_.reference_count(SizeBucket::b1_5, 31), 1u);
  EXPECT_EQ(op_.cumulative_at(name(9), 31), 1100);
}

TEST(RamPipeline, StageOneMarksOnlyTheGapFilledFirstSnapshot) {
  const ReferenceData reference = testing::test_reference(true);
  ModelDownloads stage1{DownloadsConfig{7 * kMsPerDay}};
  RamOperator ram;
  // Released Apr 28, first seen May 1 12:00 (gap-filled), then May 2 12:00.
  auto r1 = stage1.process(testing::snapshot("Qwen/Qwen2.5-7B", "2025-05-01T12:00:00Z", "2025-04-28T10:00:00Z", 3500), reference);
  auto r2 = stage1.process(testing::snapshot("Qwen/Qwen2.5-7B", "2025-05-02T12:00:00Z", "2025-04-28T10:00:00Z", 4500), reference);
  // An old model: the first snapshot only sets the baseline.
  auto r3 = stage1.process(testing::snapshot("meta-llama/Llama-3.1-8B", "2025-05-01T00:00:00Z", "2025-04-01T09:00:00Z", 10), reference);
  ASSERT_TRUE(r1.contribution && r2.contribution && r3.contribution);
  EXPECT_TRUE(r1.contribution->gap_filled);
  EXPECT_FALSE(r2.contribution->gap_filled);
  EXPECT_FALSE(r3.contribution->gap_filled);
  for (const auto* r : {&r1, &r2, &r3}) ram.apply(*r->contribution, reference);
  // [Apr 28, May 1 12:00) = 3.5 days: 1000 a day, then May 1 12:00 → May 2 12:00 adds 1000.
  EXPECT_EQ(ram.cumulative_at("Qwen/Qwen2.5-7B", 0), 0);
  EXPECT_DOUBLE_EQ(*ram.cumulative_at("Qwen/Qwen2.5-7B", 3), 3000);
  EXPECT_DOUBLE_EQ(*ram.cumulative_at("Qwen/Qwen2.5-7B", 4), 4000);
  EXPECT_EQ(ram.cumulative_at("meta-llama/Llama-3.1-8B", 30), 10);
  EXPECT_EQ(ram.cumulative_at("meta-llama/Llama-3.1-8B", 29), std::nullopt);
  EXPECT_EQ(ram.model("meta-llama/Llama-3.1-8B")->bucket, SizeBucket::b7_9);  // the sizes table
}

}  // namespace
}  // namespace atomd
