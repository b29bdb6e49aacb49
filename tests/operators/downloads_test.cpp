#include "operators/downloads.hpp"

#include <gtest/gtest.h>

#include <map>

#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::day;
using testing::snapshot;

constexpr const char* kOld = "2024-01-10T09:00:00Z";  // created long before any snapshot here

class ModelDownloadsTest : public ::testing::Test {
 protected:
  ReferenceData reference_ = testing::test_reference(true);
  ModelDownloads op_{DownloadsConfig{7 * kMsPerDay}};
};

TEST_F(ModelDownloadsTest, RecentReleaseIsGapFilledFromRelease) {
  // Created Apr 28 10:00 → release Apr 28 00:00; [release, May 1 12:00) is 84 h.
  auto r = op_.process(snapshot("Qwen/Qwen2.5-7B", "2025-05-01T12:00:00Z", "2025-04-28T10:00:00Z", 8400), reference_);
  EXPECT_EQ(r.outcome, SnapshotOutcome::gap_filled);
  ASSERT_TRUE(r.contribution);
  EXPECT_EQ(r.contribution->release_at, at("2025-04-28T00:00:00Z"));
  EXPECT_EQ(r.contribution->increments,
            (std::vector<DayIncrement>{{day("2025-04-28"), 2400}, {day("2025-04-29"), 2400},
                                       {day("2025-04-30"), 2400}, {day("2025-05-01"), 1200}}));
}

TEST_F(ModelDownloadsTest, GapFillUsesTheCorrectedReleaseDate) {
  // HF createdAt Dec 20, actual release Dec 23 (corrections table): [Dec 23, Dec 24 12:00) = 36 h.
  auto r = op_.process(snapshot("MiniMaxAI/MiniMax-M2.1", "2025-12-24T12:00:00Z", "2025-12-20T08:00:00Z", 3600),
                       reference_);
  EXPECT_EQ(r.outcome, SnapshotOutcome::gap_filled);
  EXPECT_EQ(r.contribution->release_at, at("2025-12-23T00:00:00Z"));
  EXPECT_EQ(r.contribution->increments,
            (std::vector<DayIncrement>{{day("2025-12-23"), 2400}, {day("2025-12-24"), 1200}}));
}

TEST_F(ModelDownloadsTest, CorrectionAfterTheFirstSnapshotFallsBackToCreatedAt) {
  // First seen Dec 22 12:00, before the corrected Dec 23: release = createdAt's day, 60 h.
  auto r = op_.process(snapshot("MiniMaxAI/MiniMax-M2.1", "2025-12-22T12:00:00Z", "2025-12-20T08:00:00Z", 600),
                       reference_);
  EXPECT_EQ(r.outcome, SnapshotOutcome::gap_filled);
  EXPECT_EQ(r.contribution->release_at, at("2025-12-20T00:00:00Z"));
  EXPECT_EQ(r.contribution->increments,
            (std::vector<DayIncrement>{{day("2025-12-20"), 240}, {day("2025-12-21"), 240}, {day("2025-12-22"), 120}}));
  // Later snapshots keep that release: it is evaluated against the first snapshot.
  auto next = op_.process(snapshot("MiniMaxAI/MiniMax-M2.1", "2025-12-25T00:00:00Z", "2025-12-20T08:00:00Z", 900),
                          reference_);
  EXPECT_EQ(next.contribution->release_at, at("2025-12-20T00:00:00Z"));
}

TEST_F(ModelDownloadsTest, OlderModelFirstSnapshotOnlySetsTheBaseline) {
  auto r = op_.process(snapshot("meta-llama/Llama-3.1-8B", "2025-05-01T00:00:00Z", kOld, 1'000'000, 42'000,
                                8'030'261'248),
                       reference_);
  EXPECT_EQ(r.outcome, SnapshotOutcome::baseline);
  ASSERT_TRUE(r.contribution);
  EXPECT_TRUE(r.contribution->increments.empty());
  // The facts travel even without increments.
  EXPECT_EQ(r.contribution->repo_id, "meta-llama/Llama-3.1-8B");
  EXPECT_EQ(r.contribution->org, "meta-llama");
  EXPECT_EQ(r.contribution->observed_at, at("2025-05-01T00:00:00Z"));
  EXPECT_EQ(r.contribution->created_at, at(kOld));
  EXPECT_EQ(r.contribution->release_at, at("2024-01-10T00:00:00Z"));
  EXPECT_EQ(r.contribution->downloads_all_time, 1'000'000);
  EXPECT_EQ(r.contribution->downloads_30d, 42'000);
  EXPECT_EQ(r.contribution->params_total, 8'030'261'248);

  auto next = op_.process(snapshot("meta-llama/Llama-3.1-8B", "2025-05-02T00:00:00Z", kOld, 1'002'400), reference_);
  EXPECT_EQ(next.outcome, SnapshotOutcome::apportioned);
  EXPECT_EQ(next.contribution->increments, (std::vector<DayIncrement>{{day("2025-05-01"), 2400}}));
}

TEST_F(ModelDownloadsTest, HorizonIsInclusive) {
  // Release May 1 00:00; a first snapshot exactly 7 days later is gap-filled, 100 a day.
  auto r = op_.process(snapshot("a/exactly-7d", "2025-05-08T00:00:00Z", "2025-05-01T09:00:00Z", 700), reference_);
  EXPECT_EQ(r.outcome, SnapshotOutcome::gap_filled);
  ASSERT_EQ(r.contribution->increments.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(r.contribution->increments[i], (DayIncrement{day("2025-05-01") + i, 100}));
  // One millisecond later it is an older model.
  auto late = op_.process(snapshot("a/7d-and-1ms", "2025-05-08T00:00:00.001Z", "2025-05-01T09:00:00Z", 700), reference_);
  EXPECT_EQ(late.outcome, SnapshotOutcome::baseline);
  EXPECT_TRUE(late.contribution->increments.empty());
}

TEST_F(ModelDownloadsTest, ReleaseOnTheSnapshotsDayOrLater) {
  // Released the same day, earlier: [May 8 00:00, 18:00) lies in one day.
  auto same_day = op_.process(snapshot("a/same-day", "2025-05-08T18:00:00Z", "2025-05-08T06:00:00Z", 90), reference_);
  EXPECT_EQ(same_day.outcome, SnapshotOutcome::gap_filled);
  EXPECT_EQ(same_day.contribution->increments, (std::vector<DayIncrement>{{day("2025-05-08"), 90}}));
  // Release == t1 (a midnight snapshot): [t1, t1) is empty, the count goes to [t1 - 1 ms, t1),
  // the day before: downloads reported at t1 happened before t1.
  auto at_t1 = op_.process(snapshot("a/at-t1", "2025-05-08T00:00:00Z", "2025-05-08T00:00:00Z", 5), reference_);
  EXPECT_EQ(at_t1.outcome, SnapshotOutcome::gap_filled);
  EXPECT_EQ(at_t1.contribution->release_at, at("2025-05-08T00:00:00Z"));
  EXPECT_EQ(at_t1.contribution->increments, (std::vector<DayIncrement>{{day("2025-05-07"), 5}}));
  // createdAt after the snapshot (clock skew across midnight): t1's day, never later.
  auto skew = op_.process(snapshot("a/skew", "2025-05-08T23:59:59Z", "2025-05-09T00:00:01Z", 3), reference_);
  EXPECT_EQ(skew.outcome, SnapshotOutcome::gap_filled);
  EXPECT_EQ(skew.contribution->release_at, at("2025-05-09T00:00:00Z"));
  EXPECT_EQ(skew.contribution->increments, (std::vector<DayIncrement>{{day("2025-05-08"), 3}}));
}

TEST_F(ModelDownloadsTest, DecreaseIsAnAnomalyAndResetsTheBaseline) {
  op_.process(snapshot("meta-llama/Llama-3.1-8B", "2025-06-01T00:00:00Z", kOld, 10'000), reference_);
  auto down = op_.process(snapshot("meta-llama/Llama-3.1-8B", "2025-06-02T00:00:00Z", kOld, 9'000), reference_);
  EXPECT_EQ(down.outcome, SnapshotOutcome::anomalous_decrease);
  ASSERT_TRUE(down.contribution);
  EXPECT_TRUE(down.contribution->increments.empty());
  EXPECT_EQ(down.contribution->downloads_all_time, 9'000);
  // Counted from the new baseline 9,000 (from 10,000 it would be another decrease).
  auto up = op_.process(snapshot("meta-llama/Llama-3.1-8B", "2025-06-03T00:00:00Z", kOld, 9'500), reference_);
  EXPECT_EQ(up.outcome, SnapshotOutcome::apportioned);
  EXPECT_EQ(up.contribution->increments, (std::vector<DayIncrement>{{day("2025-06-02"), 500}}));
}

TEST_F(ModelDownloadsTest, DuplicateAndOutOfOrderSnapshotsAreLate) {
  const std::string id = "mistralai/Mistral-Large-Instruct-2407";
  op_.process(snapshot(id, "2025-06-01T00:00:00Z", kOld, 1'000), reference_);
  auto first_again = op_.process(snapshot(id, "2025-06-01T00:00:00Z", kOld, 1'000), reference_);
  EXPECT_EQ(first_again.outcome, SnapshotOutcome::late);
  EXPECT_FALSE(first_again.contribution);

  auto gap = op_.process(snapshot(id, "2025-06-03T00:00:00Z", kOld, 3'000), reference_);
  EXPECT_EQ(gap.contribution->increments,
            (std::vector<DayIncrement>{{day("2025-06-01"), 1'000}, {day("2025-06-02"), 1'000}}));
  auto duplicate = op_.process(snapshot(id, "2025-06-03T00:00:00Z", kOld, 3'000), reference_);
  EXPECT_EQ(duplicate.outcome, SnapshotOutcome::late);
  EXPECT_FALSE(duplicate.contribution);
  auto out_of_order = op_.process(snapshot(id, "2025-06-02T00:00:00Z", kOld, 2'000), reference_);
  EXPECT_EQ(out_of_order.outcome, SnapshotOutcome::late);
  EXPECT_FALSE(out_of_order.contribution);
  // The ignored records changed nothing: Δ is from 3,000 at Jun 3.
  auto next = op_.process(snapshot(id, "2025-06-04T00:00:00Z", kOld, 3'500), reference_);
  EXPECT_EQ(next.outcome, SnapshotOutcome::apportioned);
  EXPECT_EQ(next.contribution->increments, (std::vector<DayIncrement>{{day("2025-06-03"), 500}}));
  EXPECT_EQ(op_.model_count(), 1u);
}

TEST_F(ModelDownloadsTest, HorizonComesFromTheConfig) {
  ModelDownloads one_day{DownloadsConfig{kMsPerDay}};
  auto r = one_day.process(snapshot("Qwen/Qwen2.5-7B", "2025-05-01T12:00:00Z", "2025-04-28T10:00:00Z", 8400), reference_);
  EXPECT_EQ(r.outcome, SnapshotOutcome::baseline);
}

TEST_F(ModelDownloadsTest, StateRoundTrip) {
  op_.process(snapshot("Qwen/Qwen2.5-7B", "2025-05-01T12:00:00Z", "2025-04-28T10:00:00Z", 8400), reference_);
  op_.process(snapshot("MiniMaxAI/MiniMax-M2.1", "2025-12-22T12:00:00Z", "2025-12-20T08:00:00Z", 600), reference_);
  op_.process(snapshot("meta-llama/Llama-3.1-8B", "2025-05-01T00:00:00Z", kOld, 1'000'000), reference_);
  op_.process(snapshot("meta-llama/Llama-3.1-8B", "2025-05-03T00:00:00Z", kOld, 1'000'200), reference_);

  std::map<std::string, std::string> store;
  op_.save_state([&](std::string_view k, std::string_view v) { store.emplace(k, v); });
  ASSERT_EQ(store.size(), 3u);
  ModelDownloads restored{DownloadsConfig{7 * kMsPerDay}};
  for (const auto& [k, v] : store) restored.restore_state(k, v);
  EXPECT_EQ(restored.model_count(), 3u);

  const std::vector<HfModelSnapshot> next = {
      snapshot("meta-llama/Llama-3.1-8B", "2025-05-03T00:00:00Z", kOld, 1'000'300),  // duplicate time: late
      snapshot("meta-llama/Llama-3.1-8B", "2025-05-04T12:00:00Z", kOld, 1'000'500),
      snapshot("Qwen/Qwen2.5-7B", "2025-05-02T00:00:00Z", "2025-04-28T10:00:00Z", 8000),  // decrease
      snapshot("MiniMaxAI/MiniMax-M2.1", "2025-12-26T00:00:00Z", "2025-12-20T08:00:00Z", 900),
  };
  for (const auto& s : next) {
    auto a = op_.process(s, reference_);
    auto b = restored.process(s, reference_);
    EXPECT_EQ(a.outcome, b.outcome) << s.repo_id;
    ASSERT_EQ(a.contribution.has_value(), b.contribution.has_value());
    if (a.contribution) {
      EXPECT_EQ(a.contribution->increments, b.contribution->increments);
      EXPECT_EQ(a.contribution->release_at, b.contribution->release_at);
    }
  }
  auto llama = restored.process(snapshot("meta-llama/Llama-3.1-8B", "2025-05-05T12:00:00Z", kOld, 1'000'600), reference_);
  EXPECT_EQ(llama.contribution->increments, (std::vector<DayIncrement>{{day("2025-05-04"), 50}, {day("2025-05-05"), 50}}));

  EXPECT_THROW(restored.restore_state("x/y", "\x01\x02"), std::runtime_error);
  restored.clear_state();
  EXPECT_EQ(restored.model_count(), 0u);
}

}  // namespace
}  // namespace atomd
