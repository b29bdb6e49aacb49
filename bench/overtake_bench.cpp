// Cost of the daily overtake evaluation (DESIGN §4 "Overtake") at production scale: 2,000
// tracked models of ~60 orgs with 365 days of daily increments. One closed day = the group
// values of both download windows by org and by region (groups_at) + OvertakeDetector::evaluate
// with top_n 20; amortised over the day's ~2,000 snapshots it is the per-record update cost.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "operators/daily_evaluation.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/overtake.hpp"

namespace atomd {
namespace {

constexpr int kOrgs = 60;
const DayIndex kFirstDay = *parse_date("2025-01-01");

ReferenceData bench_reference() {
  ReferenceTexts t;
  t.tracked_models = "org,model,modelId\n";
  t.regions = "hf_org,region,notes\n";
  const char* regions[] = {"us", "china", "eu", "other"};
  for (int org = 0; org < kOrgs; ++org) {
    t.regions += "org" + std::to_string(org) + "," + regions[org % 4] + ",\n";
    t.tracked_models += "org" + std::to_string(org) + ",m,org" + std::to_string(org) + "/m\n";
  }
  t.sizes = "model_id,total_params_b,active_params_b,is_moe,notes\n";
  t.release_dates = "model_id,hf_created_at,actual_release_date,notes\n";
  t.org_aliases = "alias,org\n";
  return ReferenceData::parse(t);
}

// Model m: released before the history (two thirds) or during it; its daily downloads grow
// or shrink at its own rate, so orgs cross each other now and then.
double daily_downloads(int m, int day) {
  const double base = 100 + (m * 37) % 997;
  const double trend = ((m % 7) - 3) * 0.002;
  return base * std::max(0.1, 1 + trend * day);
}

struct State {
  ReferenceData reference = bench_reference();
  DownloadAggregates downloads;
  int models = 0;
  int days = 0;

  State(int model_count, int day_count) : models(model_count), days(day_count) {
    std::vector<double> all_time(models, 0.0);
    for (int day = 0; day < days; ++day)
      for (int m = 0; m < models; ++m) {
        const int release = m % 3 == 0 ? (m * 13) % days : -400;
        if (day < release) continue;
        DownloadContribution c;
        c.org = "org" + std::to_string(m % kOrgs);
        c.repo_id = c.org + "/model-" + std::to_string(m);
        c.created_at = day_start(kFirstDay + release);
        c.observed_at = day_start(kFirstDay + day + 1) + 3'600'000;
        const double inc = daily_downloads(m, day);
        all_time[m] += inc;
        c.downloads_all_time = 50'000 + static_cast<std::int64_t>(all_time[m]);
        c.increments = {{kFirstDay + day, inc}};
        downloads.apply(c);
      }
  }
  DayIndex last_day() const { return kFirstDay + days - 1; }
};

State& production() {
  static State s(2'000, 365);
  return s;
}

State& demo_scale() {  // the demo replay: 162 models over ~1,000 days
  static State s(162, 1'000);
  return s;
}

// One values_at call: Args = group_by (0 org, 1 region), window (0 cumulative, 2 30d), days
// back from the latest closed day (182: each model's scan then walks ~180 later days).
void BM_ValuesAt(benchmark::State& state) {
  auto& s = production();
  const auto by = static_cast<GroupBy>(state.range(0));
  const auto window = static_cast<DownloadWindow>(state.range(1));
  const DayIndex day = s.last_day() - static_cast<DayIndex>(state.range(2));
  for (auto _ : state) benchmark::DoNotOptimize(s.downloads.values_at(by, window, day, s.reference));
}
BENCHMARK(BM_ValuesAt)
    ->ArgsProduct({{static_cast<int>(GroupBy::org), static_cast<int>(GroupBy::region)},
                   {static_cast<int>(DownloadWindow::cumulative), static_cast<int>(DownloadWindow::d30)},
                   {0, 182}})
    ->Unit(benchmark::kMicrosecond);

// The downloads part of one day's values: groups_at for org and region in one pass.
void BM_BuildDayValues(benchmark::State& state) {
  auto& s = production();
  for (auto _ : state) {
    DayValues v;
    v.day = s.last_day();
    add_download_values(v, s.downloads, s.reference);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_BuildDayValues)->Unit(benchmark::kMicrosecond);

// evaluate() alone over the real day-by-day values (4 metrics × ~60 orgs / 4 regions, top 20),
// cycling through the year with ever-increasing day numbers.
void BM_Evaluate(benchmark::State& state) {
  auto& s = production();
  std::vector<DayValues> year;
  for (DayIndex d = kFirstDay; d <= s.last_day(); ++d) {
    DayValues v;
    v.day = d;
    add_download_values(v, s.downloads, s.reference);
    year.push_back(std::move(v));
  }
  OvertakeDetector detector(OvertakeConfig{});
  std::size_t events = 0;
  DayIndex day = kFirstDay;
  for (auto _ : state) {
    DayValues& v = year[static_cast<std::size_t>(day - kFirstDay) % year.size()];
    v.day = day++;
    events += detector.evaluate(v).size();
  }
  state.counters["events_per_day"] = benchmark::Counter(static_cast<double>(events) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_Evaluate)->Unit(benchmark::kMicrosecond);

// One closed day end to end (values + evaluate), and per snapshot: a day brings one snapshot
// per tracked model, so time / 2,000 is the overtake cost added to each record.
void BM_OneClosedDay(benchmark::State& state) {
  auto& s = production();
  OvertakeDetector detector(OvertakeConfig{});
  DayIndex day = s.last_day();
  for (auto _ : state) {
    DayValues v;
    v.day = s.last_day();
    add_download_values(v, s.downloads, s.reference);
    v.day = day++;  // same values under a new day number, so every iteration is evaluated
    benchmark::DoNotOptimize(detector.evaluate(v));
  }
  state.counters["per_snapshot"] =
      benchmark::Counter(s.models, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_OneClosedDay)->Unit(benchmark::kMicrosecond);

// Catching up every day of a full history at once (a state restored without the detector's,
// or the worst case of a replay whose watermark only moves at the end). Arg 0: 2,000 models
// × 365 days; Arg 1: 162 models × 1,000 days.
void BM_CatchUpFullHistory(benchmark::State& state) {
  State& s = state.range(0) == 0 ? production() : demo_scale();
  for (auto _ : state) {
    OvertakeDetector detector(OvertakeConfig{});
    DailyEvaluation daily;
    std::size_t events = 0;
    for (DayIndex d : daily.due(day_end(s.last_day()), kFirstDay)) {
      DayValues v;
      v.day = d;
      add_download_values(v, s.downloads, s.reference);
      events += detector.evaluate(v).size();
      daily.mark_evaluated(d);
    }
    state.counters["events"] = static_cast<double>(events);
  }
}
BENCHMARK(BM_CatchUpFullHistory)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace atomd

BENCHMARK_MAIN();
