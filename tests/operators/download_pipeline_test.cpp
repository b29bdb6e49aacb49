// Stage 1 → stage 2 end to end: month boundaries, interleaving independence, state round
// trip, and exact answers at the scale of the tracked list.
#include <gtest/gtest.h>

#include <map>

#include "operators/download_aggregates.hpp"
#include "operators/downloads.hpp"
#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::month;
using testing::snapshot;

struct Pipeline {
  ModelDownloads stage1{DownloadsConfig{7 * kMsPerDay}};
  DownloadAggregates stage2;

  // Returns what stage 1 produced, so a test can deliver it again.
  std::vector<DownloadContribution> feed(const std::vector<HfModelSnapshot>& snapshots, const ReferenceData& reference) {
    std::vector<DownloadContribution> produced;
    for (const auto& s : snapshots) {
      auto r = stage1.process(s, reference);
      if (!r.contribution) continue;
      stage2.apply(*r.contribution);
      produced.push_back(*r.contribution);
    }
    return produced;
  }
};

void expect_same(const DownloadAggregates& a, const DownloadAggregates& b, const ReferenceData& reference,
                 const std::vector<MonthIndex>& months) {
  ASSERT_EQ(a.stream_time(), b.stream_time());
  ASSERT_EQ(a.model_count(), b.model_count());
  for (GroupBy by : {GroupBy::org, GroupBy::region, GroupBy::size_bucket}) {
    std::vector<std::pair<DownloadWindow, std::optional<MonthIndex>>> windows = {
        {DownloadWindow::cumulative, std::nullopt}, {DownloadWindow::month, std::nullopt}, {DownloadWindow::d30, std::nullopt}};
    for (MonthIndex m : months) windows.push_back({DownloadWindow::month, m});
    for (const auto& [window, m] : windows) {
      auto la = a.leaderboard(by, window, m, reference);
      auto lb = b.leaderboard(by, window, m, reference);
      ASSERT_EQ(la.rows.size(), lb.rows.size());
      EXPECT_EQ(la.total, lb.total) << to_string(by) << " " << to_string(window);
      for (std::size_t i = 0; i < la.rows.size(); ++i) {
        EXPECT_EQ(la.rows[i].group, lb.rows[i].group);
        EXPECT_EQ(la.rows[i].value, lb.rows[i].value) << to_string(by) << " " << la.rows[i].group;
        for (SeriesWindow sw : {SeriesWindow::day, SeriesWindow::month}) {
          auto sa = a.series(by, la.rows[i].group, sw, reference);
          auto sb = b.series(by, la.rows[i].group, sw, reference);
          ASSERT_EQ(sa.size(), sb.size());
          for (std::size_t j = 0; j < sa.size(); ++j) {
            EXPECT_EQ(sa[j].t, sb[j].t);
            EXPECT_EQ(sa[j].value, sb[j].value);
          }
        }
      }
    }
  }
  auto ma = a.models(reference), mb = b.models(reference);
  ASSERT_EQ(ma.size(), mb.size());
  for (std::size_t i = 0; i < ma.size(); ++i) {
    EXPECT_EQ(ma[i].repo_id, mb[i].repo_id);
    EXPECT_EQ(ma[i].release_at, mb[i].release_at);
    EXPECT_EQ(ma[i].cumulative, mb[i].cumulative);
    EXPECT_EQ(ma[i].month, mb[i].month);
    EXPECT_EQ(ma[i].d30, mb[i].d30);
    EXPECT_EQ(ma[i].hf_30d, mb[i].hf_30d);
  }
}

// Four models, uneven gaps and counts (so the apportioned shares are not round numbers).
std::vector<std::vector<HfModelSnapshot>> histories() {
  const char* old = "2024-06-04T00:00:00Z";
  return {
      {snapshot("Qwen/Qwen2.5-7B", "2025-01-29T07:13:00Z", "2025-01-27T15:00:00Z", 7'777, 900, 7'615'616'512),
       snapshot("Qwen/Qwen2.5-7B", "2025-02-02T19:01:00Z", "2025-01-27T15:00:00Z", 19'991, 15'000, 7'615'616'512),
       snapshot("Qwen/Qwen2.5-7B", "2025-02-03T03:33:00Z", "2025-01-27T15:00:00Z", 20'011, 15'100, 7'615'616'512)},
      {snapshot("THUDM/glm-4-9b", "2025-01-30T11:00:00Z", old, 333'333, 1000, 9'400'000'000),
       snapshot("THUDM/glm-4-9b", "2025-02-01T13:17:00Z", old, 340'001, 1100, 9'400'000'000),
       snapshot("THUDM/glm-4-9b", "2025-02-01T12:00:00Z", old, 339'000, 1100, 9'400'000'000),  // late
       snapshot("THUDM/glm-4-9b", "2025-02-02T23:59:00Z", old, 338'000, 1200, 9'400'000'000),  // decrease
       snapshot("THUDM/glm-4-9b", "2025-02-04T00:00:00Z", old, 341'234, 1300, 9'400'000'000)},
      {snapshot("meta-llama/Llama-3.1-8B", "2025-01-31T12:00:00Z", old, 1'000'000),
       snapshot("meta-llama/Llama-3.1-8B", "2025-02-01T12:00:00Z", old, 1'001'000),
       snapshot("meta-llama/Llama-3.1-8B", "2025-02-04T05:00:00Z", old, 1'004'567)},
      {snapshot("mistralai/Mistral-Large-Instruct-2407", "2025-01-28T00:00:00Z", old, 50'000),
       snapshot("mistralai/Mistral-Large-Instruct-2407", "2025-02-03T17:45:00Z", old, 57'123)},
  };
}

TEST(DownloadPipeline, MonthBoundarySplitsTheIncrement) {
  ReferenceData reference = testing::test_reference(true);
  Pipeline p;
  p.feed(histories()[2], reference);  // Llama: +1000 over Jan 31 12:00 → Feb 1 12:00, then +3567
  auto jan = p.stage2.leaderboard(GroupBy::org, DownloadWindow::month, month("2025-01"), reference);
  ASSERT_EQ(jan.rows.size(), 1u);
  EXPECT_EQ(jan.rows[0].value, 500);
  // February: 500 + all of the 3567 (Feb 1 12:00 → Feb 4 05:00 lies in February).
  auto feb = p.stage2.leaderboard(GroupBy::org, DownloadWindow::month, std::nullopt, reference);
  EXPECT_EQ(feb.rows[0].value, 4067);
  auto months = p.stage2.series(GroupBy::org, "meta-llama", SeriesWindow::month, reference);
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[0].t, at("2025-01-01T00:00:00Z"));
  EXPECT_EQ(months[0].value, 500);
  EXPECT_EQ(months[1].t, at("2025-02-01T00:00:00Z"));
  EXPECT_EQ(months[1].value, 4067);
  EXPECT_EQ(p.stage2.model("meta-llama/Llama-3.1-8B", reference)->cumulative, 1'004'567);
}

TEST(DownloadPipeline, ResultDoesNotDependOnInterleaving) {
  ReferenceData reference = testing::test_reference(true);
  auto h = histories();
  // Order A: model after model. Order B: by observed_at across models. Order C: round robin
  // over the models in reverse. Each model's own order is kept in all three (as Kafka does).
  std::vector<HfModelSnapshot> a, b, c;
  for (const auto& model : h) a.insert(a.end(), model.begin(), model.end());
  std::vector<std::size_t> next(h.size(), 0);
  while (b.size() < a.size()) {  // merge by the head's observed_at
    std::size_t pick = h.size();
    for (std::size_t m = 0; m < h.size(); ++m)
      if (next[m] < h[m].size() && (pick == h.size() || h[m][next[m]].observed_at < h[pick][next[pick]].observed_at))
        pick = m;
    b.push_back(h[pick][next[pick]++]);
  }
  for (std::size_t i = 0; i < 5; ++i)
    for (auto it = h.rbegin(); it != h.rend(); ++it)
      if (i < it->size()) c.push_back((*it)[i]);
  ASSERT_NE(a[0].repo_id, b[0].repo_id);
  ASSERT_NE(a[0].repo_id, c[0].repo_id);

  Pipeline pa, pb, pc;
  pa.feed(a, reference);
  pb.feed(b, reference);
  pc.feed(c, reference);
  const std::vector<MonthIndex> months = {month("2025-01"), month("2025-02")};
  expect_same(pa.stage2, pb.stage2, reference, months);
  expect_same(pa.stage2, pc.stage2, reference, months);
  EXPECT_EQ(pa.stage2.stream_time(), at("2025-02-04T05:00:00Z"));
  // The group total is the sum of the Δs actually counted: Qwen gap fill 7777 + 12214 + 20,
  // GLM 6668 + 3234 (the decrease adds 0), Llama 1000 + 3567, Mistral 7123.
  auto jan = pa.stage2.leaderboard(GroupBy::org, DownloadWindow::month, month("2025-01"), reference);
  auto feb = pa.stage2.leaderboard(GroupBy::org, DownloadWindow::month, month("2025-02"), reference);
  EXPECT_NEAR(jan.total + feb.total, 7777 + 12214 + 20 + 6668 + 3234 + 1000 + 3567 + 7123, 1e-6);
}

TEST(DownloadPipeline, StateRoundTripGivesTheSameOutputs) {
  ReferenceData reference = testing::test_reference(true);
  Pipeline p;
  auto h = histories();
  for (const auto& model : h) p.feed({model.begin(), model.end() - 1}, reference);  // all but the last

  std::map<std::string, std::string> s1, s2;
  p.stage1.save_state([&](std::string_view k, std::string_view v) { s1.emplace(k, v); });
  p.stage2.save_state([&](std::string_view k, std::string_view v) { s2.emplace(k, v); });
  EXPECT_EQ(s2.size(), 4u);
  Pipeline restored;
  for (const auto& [k, v] : s1) restored.stage1.restore_state(k, v);
  for (const auto& [k, v] : s2) restored.stage2.restore_state(k, v);
  const std::vector<MonthIndex> months = {month("2025-01"), month("2025-02")};
  expect_same(p.stage2, restored.stage2, reference, months);

  // Both continue identically; stage 1's outputs delivered a second time (a crash between
  // producing and checkpointing) change nothing.
  std::vector<HfModelSnapshot> rest;
  for (const auto& model : h) rest.push_back(model.back());
  p.feed(rest, reference);
  auto produced = restored.feed(rest, reference);
  ASSERT_EQ(produced.size(), 4u);
  for (const auto& c : produced) restored.stage2.apply(c);
  EXPECT_EQ(restored.stage2.redelivery_count(), 4u);
  expect_same(p.stage2, restored.stage2, reference, months);

  EXPECT_THROW(restored.stage2.restore_state("a/b", s2.begin()->second.substr(0, 20)), std::runtime_error);
  EXPECT_THROW(restored.stage2.restore_state("a/b", s2.begin()->second + "x"), std::runtime_error);
  restored.stage2.clear_state();
  EXPECT_EQ(restored.stage2.model_count(), 0u);
  EXPECT_EQ(restored.stage2.stream_time(), kNoTime);
}

// At the scale of the tracked list every leaderboard still adds up exactly. How fast the
// queries are is measured in bench/downloads_bench.cpp (BM_Leaderboard, bench/RESULTS.md),
// not asserted here: a wall-clock bound in a unit test only fails on a busy machine.
TEST(DownloadPipeline, QueriesAtTrackedListScaleSumEveryModel) {
  // 2,000 models × 1,000 days, one contribution per model every 10 days.
  ReferenceData reference = testing::test_reference(true);
  DownloadAggregates agg;
  const TimeMs start = at("2023-01-01T00:00:00Z");
  for (int step = 1; step <= 100; ++step)
    for (int m = 0; m < 2000; ++m) {
      DownloadContribution c;
      c.repo_id = "org" + std::to_string(m % 50) + "/model-" + std::to_string(m);
      c.org = "org" + std::to_string(m % 50);
      c.observed_at = start + step * 10 * kMsPerDay;
      c.downloads_all_time = step * 1000;
      c.params_total = static_cast<std::int64_t>(m % 300 + 1) * 1'000'000'000;
      c.increments = apportion(1000, c.observed_at - 10 * kMsPerDay, c.observed_at);
      agg.apply(c);
    }
  ASSERT_EQ(agg.model_count(), 2000u);
  for (GroupBy by : {GroupBy::org, GroupBy::region, GroupBy::size_bucket}) {
    SCOPED_TRACE(std::string(to_string(by)));
    std::map<DownloadWindow, Leaderboard> boards;
    for (DownloadWindow w : {DownloadWindow::cumulative, DownloadWindow::month, DownloadWindow::d30}) {
      boards[w] = agg.leaderboard(by, w, std::nullopt, reference);
      double rows = 0;
      for (const auto& row : boards[w].rows) rows += row.value;
      EXPECT_NEAR(rows, boards[w].total, 1e-6 * boards[w].total);  // the rows are every model's
    }
    EXPECT_EQ(boards[DownloadWindow::cumulative].total, 2000.0 * 100'000);
    EXPECT_NEAR(boards[DownloadWindow::d30].total, 2000.0 * 3000, 1e-6);    // 30 whole days at 100 a day
    EXPECT_NEAR(boards[DownloadWindow::month].total, 2000.0 * 2600, 1e-6);  // T = 2025-09-27: 26 days of September
    if (by == GroupBy::org) {
      EXPECT_EQ(boards[DownloadWindow::cumulative].rows.size(), 50u);
    }
  }
}

}  // namespace
}  // namespace atomd
