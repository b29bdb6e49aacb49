// Durable state of the downloads family (ModelDownloads, DownloadAggregates, RamOperator),
// the watermark and the daily evaluation: save → restore into a cleared instance → save gives
// the same bytes, the restored instance answers and goes on exactly like the original, and
// a damaged value is rejected. Also the scale-out moves of ModelDownloads (drop + merge).
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "operators/daily_evaluation.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/downloads.hpp"
#include "operators/ram.hpp"
#include "operators/watermark.hpp"
#include "tests/operators/fixtures.hpp"
#include "tests/operators/state_roundtrip.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::day;
using testing::Dump;
using testing::saved;
using testing::Store;

constexpr TimeMs kHour = 3'600'000;
const TimeMs kStart = at("2025-01-10T00:00:00Z");

// 20 models of five orgs, released 0..19 days (and some hours) before their first snapshot,
// so the first six are gap-filled; 24 snapshots each, two days apart, at uneven hours, so the
// increments are fractions. 12 models are 8B (7-9B: RAM baselines defined), one of them moves
// to 50-100B; others are 3B or unknown. One model has a decrease, one is delivered twice.
std::vector<HfModelSnapshot> download_history() {
  const char* const orgs[] = {"Qwen", "meta-llama", "mistralai", "THUDM", "lab"};
  std::vector<HfModelSnapshot> out;
  for (int i = 0; i < 20; ++i) {
    HfModelSnapshot s;
    s.org = orgs[i % 5];
    s.repo_id = s.org + "/m" + std::to_string(i);
    s.created_at = kStart - i * kMsPerDay - i * 5 * kHour;
    if (i % 5 <= 2) s.params_total = 8'000'000'000;
    if (i % 5 == 3) s.params_total = 3'000'000'000;
    std::int64_t all_time = 1000 * (i + 1) + 37 * i;
    for (int k = 0; k < 24; ++k) {
      s.observed_at = kStart + k * 2 * kMsPerDay + i * 7 * kHour + (k % 3) * 13 * 60'000;
      all_time += (k + 1) * (i + 3) * 11 + (k * i) % 7;
      if (i == 5 && k == 9) all_time -= 5000;
      if (i == 6 && k == 12) s.params_total = 60'000'000'000;
      s.downloads_all_time = all_time;
      s.downloads_30d = all_time / 10;
      out.push_back(s);
      if (i == 2 && k % 5 == 0) out.push_back(s);  // redelivered: late
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.observed_at < b.observed_at; });
  return out;
}

struct DownloadsFamily {
  ModelDownloads stage1{DownloadsConfig{}};
  DownloadAggregates aggregates;
  RamOperator ram;
  std::vector<DownloadContribution> sent;

  std::vector<SnapshotResult> feed(std::span<const HfModelSnapshot> snapshots, const ReferenceData& reference) {
    std::vector<SnapshotResult> results;
    for (const HfModelSnapshot& s : snapshots) {
      results.push_back(stage1.process(s, reference));
      if (!results.back().contribution) continue;
      aggregates.apply(*results.back().contribution);
      ram.apply(*results.back().contribution, reference);
      sent.push_back(*results.back().contribution);
    }
    return results;
  }
};

std::string answers(const DownloadAggregates& agg, const ReferenceData& reference) {
  Dump d;
  d << "T" << agg.stream_time() << agg.model_count() << agg.first_data_day() << "\n";
  for (GroupBy by : {GroupBy::org, GroupBy::region, GroupBy::size_bucket}) {
    for (DownloadWindow w : {DownloadWindow::cumulative, DownloadWindow::month, DownloadWindow::d30})
      d << agg.leaderboard(by, w, std::nullopt, reference);
    d << agg.leaderboard(by, DownloadWindow::month, testing::month("2025-01"), reference);
    for (DayIndex day = day_of(kStart) - 20; day <= day_of(agg.stream_time()); day += 3)
      d << day << agg.values_at(by, DownloadWindow::cumulative, day, reference)
        << agg.values_at(by, DownloadWindow::d30, day, reference);
    const auto firsts = agg.first_release(by, reference);
    d << firsts;
    for (const auto& [group, first] : firsts)
      for (SeriesWindow w : {SeriesWindow::day, SeriesWindow::month}) d << agg.series(by, group, w, reference);
  }
  for (const ModelDownloadsView& v : agg.models(reference))
    d << v.repo_id << v.org << v.region << v.size_b << v.size_bucket << v.release_at << v.cumulative << v.month << v.d30
      << v.hf_30d << "\n";
  return d.str();
}

std::string answers(const RamOperator& ram) {
  Dump d;
  d << "T" << ram.stream_time() << ram.model_count() << "\n";
  const auto models = ram.models();
  for (const ModelRam& m : models) {
    d << m.repo_id << m.bucket << m.current_age_days;
    for (const auto& v : m.tenth) d << v;
    for (const auto& v : m.median_top10) d << v;
    for (int day = 0; day <= kRamMaxDay; ++day) d << ram.cumulative_at(m.repo_id, day);
    d << "\n";
  }
  for (SizeBucket b : kAllSizeBuckets) {
    for (int day = 0; day <= kRamMaxDay; ++day)
      d << ram.baseline(b, RamBaseline::tenth, day) << ram.baseline(b, RamBaseline::median_top10, day)
        << ram.reference_count(b, day);
    d << "\n";
  }
  for (RamBaseline b : kAllRamBaselines)
    for (std::size_t checkpoint = 0; checkpoint <= kRamCurrent; ++checkpoint)
      for (const auto& [bucket, ranks] : ram_ranking(ram, b, checkpoint))
        for (const RamRank& r : ranks) d << bucket << r.repo_id << r.ram;
  return d.str();
}

void expect_same_results(const std::vector<SnapshotResult>& got, const std::vector<SnapshotResult>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].outcome, expected[i].outcome) << "record " << i;
    EXPECT_TRUE(got[i].contribution == expected[i].contribution) << "record " << i;
  }
}

TEST(StateRoundTrip, DownloadsFamilyRestoresExactlyAndGoesOnAlike) {
  const ReferenceData reference = testing::test_reference(true);
  const auto history = download_history();
  const std::size_t cut = history.size() * 2 / 3;
  const std::span<const HfModelSnapshot> before(history.data(), cut), after(history.data() + cut, history.size() - cut);

  DownloadsFamily original, copy;
  copy.feed(after.subspan(0, 40), reference);  // state of its own, which the restore must replace
  original.feed(before, reference);
  std::size_t with_ram = 0;  // the RAM state is not trivial: baselines exist
  for (const ModelRam& m : original.ram.models())
    with_ram += std::any_of(m.median_top10.begin(), m.median_top10.end(), [](const auto& v) { return v.has_value(); });
  ASSERT_GE(with_ram, 5u);

  testing::expect_round_trip(original.stage1, copy.stage1);
  testing::expect_round_trip(original.aggregates, copy.aggregates);
  testing::expect_round_trip(original.ram, copy.ram);
  EXPECT_EQ(answers(copy.aggregates, reference), answers(original.aggregates, reference));
  EXPECT_EQ(answers(copy.ram), answers(original.ram));

  // The rest of the history, then stage-1 output produced again (a crash before a checkpoint).
  expect_same_results(copy.feed(after, reference), original.feed(after, reference));
  const auto agg_redeliveries = original.aggregates.redelivery_count();
  const auto copy_agg_redeliveries = copy.aggregates.redelivery_count();
  const auto ram_redeliveries = original.ram.redelivery_count();
  const auto copy_ram_redeliveries = copy.ram.redelivery_count();
  for (std::size_t i = 0; i < cut; i += 7) {
    for (DownloadsFamily* f : {&original, &copy}) {
      f->aggregates.apply(original.sent[i]);
      f->ram.apply(original.sent[i], reference);
    }
  }
  EXPECT_GT(original.aggregates.redelivery_count(), agg_redeliveries);
  EXPECT_EQ(copy.aggregates.redelivery_count() - copy_agg_redeliveries,
            original.aggregates.redelivery_count() - agg_redeliveries);
  EXPECT_EQ(copy.ram.redelivery_count() - copy_ram_redeliveries, original.ram.redelivery_count() - ram_redeliveries);
  EXPECT_EQ(answers(copy.aggregates, reference), answers(original.aggregates, reference));
  EXPECT_EQ(answers(copy.ram), answers(original.ram));
  EXPECT_EQ(saved(copy.stage1), saved(original.stage1));
  EXPECT_EQ(saved(copy.aggregates), saved(original.aggregates));
  EXPECT_EQ(saved(copy.ram), saved(original.ram));
}

TEST(StateRoundTrip, DownloadsFamilyRejectsDamagedValues) {
  const ReferenceData reference = testing::test_reference(true);
  const auto history = download_history();
  DownloadsFamily family, scratch;
  family.feed(history, reference);
  testing::expect_bad_values_throw(scratch.stage1, saved(family.stage1));
  testing::expect_bad_values_throw(scratch.aggregates, saved(family.aggregates));
  testing::expect_bad_values_throw(scratch.ram, saved(family.ram));
}

TEST(ModelDownloadsScaleOut, AModelsStateMovesWithItsPartition) {
  const ReferenceData reference = testing::test_reference(true);
  const auto history = download_history();
  const std::size_t cut = history.size() / 2;
  auto moves = [](std::string_view repo_id) { return repo_org(repo_id) == "Qwen" || repo_org(repo_id) == "lab"; };

  ModelDownloads whole(DownloadsConfig{}), here(DownloadsConfig{}), there(DownloadsConfig{});
  for (std::size_t i = 0; i < cut; ++i) {
    whole.process(history[i], reference);
    here.process(history[i], reference);
  }
  // `there` already owns a model of another partition; the move must not disturb it.
  there.process(testing::snapshot("other/x", "2025-01-11T00:00:00Z", "2024-01-01T00:00:00Z", 500), reference);
  const Store there_own = saved(there);

  Store moving;
  for (const auto& [key, value] : saved(here))
    if (moves(key)) moving.emplace(key, value);
  ASSERT_EQ(moving.size(), 8u);
  const std::size_t held = here.model_count();
  EXPECT_EQ(here.drop_models(moves), moving.size());
  EXPECT_EQ(here.model_count(), held - moving.size());
  EXPECT_EQ(here.drop_models(moves), 0u);
  for (const auto& [key, value] : moving) there.restore_state(key, value);  // merged, not cleared
  EXPECT_EQ(there.model_count(), moving.size() + 1);

  // Each later record goes to the instance that now owns its model: the same outputs as one
  // instance that kept everything.
  for (std::size_t i = cut; i < history.size(); ++i) {
    const SnapshotResult expected = whole.process(history[i], reference);
    const SnapshotResult got = (moves(history[i].repo_id) ? there : here).process(history[i], reference);
    EXPECT_EQ(got.outcome, expected.outcome) << "record " << i;
    EXPECT_TRUE(got.contribution == expected.contribution) << "record " << i;
  }
  Store merged = saved(here);
  for (const auto& [key, value] : saved(there)) {
    if (key == "other/x") {
      EXPECT_EQ(value, there_own.at(key));
      continue;
    }
    EXPECT_TRUE(merged.emplace(key, value).second) << key;
  }
  EXPECT_EQ(merged, saved(whole));

  // A dropped model starts afresh: its next snapshot only sets a baseline.
  EXPECT_EQ(here.process(testing::snapshot("Qwen/m10", "2025-03-01T00:00:00Z", "2024-12-21T00:00:00Z", 999'999),
                         reference)
                .outcome,
            SnapshotOutcome::baseline);
}

TEST(ModelDownloadsScaleOut, RestoringOneKeyReplacesThatModelOnly) {
  const ReferenceData reference = testing::test_reference(true);
  const auto history = download_history();
  ModelDownloads op(DownloadsConfig{});
  for (std::size_t i = 0; i < history.size() / 3; ++i) op.process(history[i], reference);
  const Store early = saved(op);
  for (std::size_t i = history.size() / 3; i < history.size(); ++i) op.process(history[i], reference);
  const Store late = saved(op);
  ASSERT_NE(early.at("THUDM/m3"), late.at("THUDM/m3"));

  op.restore_state("THUDM/m3", early.at("THUDM/m3"));
  Store expected = late;
  expected["THUDM/m3"] = early.at("THUDM/m3");
  EXPECT_EQ(saved(op), expected);
  // Its baseline is the early one again: a snapshot after it apportions from there.
  const auto* last_early = &history[0];
  for (std::size_t i = 0; i < history.size() / 3; ++i)
    if (history[i].repo_id == "THUDM/m3") last_early = &history[i];
  HfModelSnapshot next = *last_early;
  next.observed_at = at("2025-06-01T00:00:00Z");
  next.downloads_all_time += 100;
  const auto result = op.process(next, reference);
  ASSERT_TRUE(result.contribution);
  double total = 0;
  for (const DayIncrement& inc : result.contribution->increments) total += inc.downloads;
  EXPECT_EQ(total, 100);
  EXPECT_EQ(result.contribution->increments.front().day, day_of(last_early->observed_at));
}

// Watermark: a restored instance holds the same s_p, S and W and moves W exactly as the
// original on the same further records.
TEST(WatermarkState, RestoredInstanceMovesLikeTheOriginal) {
  auto t = [](double days) { return kStart + static_cast<TimeMs>(days * kMsPerDay); };
  Watermark original(3 * kMsPerDay), copy(3 * kMsPerDay);
  copy.observe("atom.hf.models.v1/9", t(40));  // replaced by the restore
  original.observe("atom.hf.models.v1/0", t(4));
  original.observe("atom.hf.models.v1/1", t(5.5));
  original.observe("atom.openrouter.tokens.v1/0", t(2));
  original.observe("atom.hf.models.v1/0", t(9));
  original.observe("atom.hf.derivatives.v1/2", t(8.25));
  original.observe("atom.hf.models.v1/0", t(1));  // old: s_p stays 9
  ASSERT_EQ(original.watermark(), t(6));          // 9 - 3 when m/0 reached 9 (m/1 at 5.5 went idle)

  testing::expect_round_trip(original, copy);
  EXPECT_EQ(copy.watermark(), original.watermark());
  EXPECT_EQ(copy.stream_time(), original.stream_time());
  EXPECT_EQ(copy.partition_count(), 4u);
  EXPECT_EQ(copy.partition_time("atom.hf.models.v1/0"), t(9));
  EXPECT_EQ(copy.partition_time("atom.hf.models.v1/9"), kNoTime);

  const std::pair<const char*, TimeMs> further[] = {
      {"atom.hf.models.v1/1", t(7)},           {"atom.openrouter.tokens.v1/0", t(8)},  // back: holds W
      {"atom.hf.models.v1/0", t(12)},          {"atom.hf.derivatives.v1/2", t(13)},
      {"atom.hf.models.v1/1", t(14)},          {"atom.openrouter.tokens.v1/0", t(6)},
      {"atom.hf.models.v1/3", t(15)},          {"atom.hf.derivatives.v1/2", t(20)},
  };
  for (const auto& [source, time] : further) {
    original.observe(source, time);
    copy.observe(source, time);
    EXPECT_EQ(copy.watermark(), original.watermark()) << source;
    EXPECT_EQ(copy.stream_time(), original.stream_time()) << source;
  }
  EXPECT_EQ(saved(copy), saved(original));
  EXPECT_EQ(original.watermark(), t(17));  // 20 - 3: the derivatives partition alone is within 3 days of S

  Watermark scratch(3 * kMsPerDay);
  testing::expect_bad_values_throw(scratch, saved(original));
  EXPECT_THROW(scratch.restore_state("x", saved(original).at("w")), std::runtime_error);
}

TEST(WatermarkState, RestoreNeverMovesTimesBack) {
  Watermark w(kMsPerDay);
  w.observe("a/0", kStart + 10 * kMsPerDay);
  w.observe("b/0", kStart + 8 * kMsPerDay);
  const Store later = saved(w);
  Watermark old(kMsPerDay);
  old.observe("a/0", kStart + 2 * kMsPerDay);
  old.observe("b/0", kStart + 9 * kMsPerDay);
  for (const auto& [key, value] : saved(old)) w.restore_state(key, value);  // merged, no clear
  EXPECT_EQ(w.partition_time("a/0"), kStart + 10 * kMsPerDay);
  EXPECT_EQ(w.partition_time("b/0"), kStart + 9 * kMsPerDay);
  EXPECT_EQ(w.watermark(), kStart + 9 * kMsPerDay);
  EXPECT_EQ(w.stream_time(), kStart + 10 * kMsPerDay);
  EXPECT_NE(saved(w), later);
  // restore(W) is kept for the daemon's own checkpoint.
  w.restore(kStart);
  EXPECT_EQ(w.watermark(), kStart + 9 * kMsPerDay);
}

// Processing time is not state: a restored partition is not busy until it delivers again.
TEST(WatermarkState, ARestoredPartitionIsNotBusyUntilItDeliversAgain) {
  const TimeMs busy = 60'000;
  auto t = [](int days) { return kStart + days * kMsPerDay; };
  Watermark original(kMsPerDay, busy);
  original.observe("b/0", t(2), 1'000);
  original.observe("a/0", t(10), 1'000);  // b is far behind, but delivering: it holds W
  ASSERT_EQ(original.watermark(), t(1));

  Watermark copy(kMsPerDay, busy);
  testing::expect_round_trip(original, copy);
  EXPECT_EQ(copy.watermark(), t(1));
  copy.observe("a/0", t(12), 5'000);  // b has not delivered since the restore: W moves past it
  EXPECT_EQ(copy.watermark(), t(11));
  original.observe("a/0", t(12), 5'000);  // the original still sees b busy
  EXPECT_EQ(original.watermark(), t(1));

  copy.observe("b/0", t(3), 6'000);  // delivering again: busy, and holds W where it is
  copy.observe("a/0", t(20), 7'000);
  EXPECT_EQ(copy.watermark(), t(11));
  copy.observe("a/0", t(21), 6'000 + busy);  // b idle for busy_ms: W follows a
  EXPECT_EQ(copy.watermark(), t(20));
}

// After a restore, stage 2 expects every input partition: one that never delivered holds W
// for the busy time; a restored one (already seen) is not made busy; expected partitions
// that never delivered are not saved.
TEST(WatermarkState, AfterARestoreOnlyUnseenExpectedPartitionsHoldW) {
  const TimeMs busy = 60'000;
  auto t = [](int days) { return kStart + days * kMsPerDay; };
  Watermark original(kMsPerDay, busy);
  original.observe("b/0", t(3), 0);
  original.observe("a/0", t(10), busy);  // b idle by now
  ASSERT_EQ(original.watermark(), t(9));
  original.expect("never/0", busy);
  EXPECT_EQ(saved(original).count("p/never/0"), 0u);

  Watermark copy(kMsPerDay, busy);
  testing::expect_round_trip(original, copy);
  for (const char* source : {"a/0", "b/0", "never/0"}) copy.expect(source, 1'000'000);
  copy.observe("a/0", t(12), 1'000'001);
  EXPECT_EQ(copy.watermark(), t(9));  // held by never/0
  copy.advance(1'000'000 + busy);
  EXPECT_EQ(copy.watermark(), t(11));

  Watermark seen_only(kMsPerDay, busy);
  testing::expect_round_trip(original, seen_only);
  for (const char* source : {"a/0", "b/0"}) seen_only.expect(source, 1'000'000);
  seen_only.observe("a/0", t(12), 1'000'001);
  EXPECT_EQ(seen_only.watermark(), t(11));  // b (3) is idle, not held by expect
}

TEST(DailyEvaluationState, FirstDayIsTheEarliestDataDayBeforeTheFirstEvaluation) {
  DailyEvaluation e;
  EXPECT_TRUE(saved(e).empty());
  EXPECT_EQ(e.first_day(), std::nullopt);
  e.note_data_day(day("2024-12-10"));
  e.note_data_day(day("2024-12-12"));
  EXPECT_EQ(e.first_day(), day("2024-12-10"));
  e.note_data_day(day("2024-12-08"));
  EXPECT_EQ(e.first_day(), day("2024-12-08"));

  DailyEvaluation copy(day("2025-01-01"));  // cleared by the restore
  testing::expect_round_trip(e, copy);
  EXPECT_EQ(copy.first_day(), day("2024-12-08"));
  EXPECT_EQ(copy.last_evaluated(), std::nullopt);
  copy.note_data_day(day("2024-12-07"));  // nothing evaluated yet: still moves
  EXPECT_EQ(copy.first_day(), day("2024-12-07"));
  e.note_data_day(day("2024-12-07"));

  e.mark_evaluated(day("2024-12-09"));
  e.note_data_day(day("2024-12-01"));  // evaluated already: a late old record changes nothing
  EXPECT_EQ(e.first_day(), day("2024-12-07"));
  testing::expect_round_trip(e, copy);
  EXPECT_EQ(copy.last_evaluated(), day("2024-12-09"));
  EXPECT_EQ(copy.first_day(), day("2024-12-07"));
  copy.note_data_day(day("2024-11-30"));
  EXPECT_EQ(copy.first_day(), day("2024-12-07"));
  const TimeMs w = at("2024-12-14T00:00:00Z");
  EXPECT_EQ(copy.due(w, *copy.first_day()), e.due(w, *e.first_day()));
  const std::vector<DayIndex> due = {day("2024-12-10"), day("2024-12-11"), day("2024-12-12"), day("2024-12-13")};
  EXPECT_EQ(copy.due(w, *copy.first_day()), due);

  DailyEvaluation scratch;
  testing::expect_bad_values_throw(scratch, saved(e));
  EXPECT_THROW(scratch.restore_state("first", saved(e).at("first_day")), std::runtime_error);
}

}  // namespace
}  // namespace atomd
