// Cost of the RAM operator at the scale of ATOM's tracked list: 2,000 models in the seven
// size buckets, released evenly over two years, with a daily snapshot each from release to
// T; the first 1,000 have complete 365-day curves, the other 1,000 are in their first year.
#include <benchmark/benchmark.h>

#include "operators/ram.hpp"

namespace atomd {
namespace {

constexpr int kModels = 2'000;
constexpr int kSpanDays = 730;  // releases spread over this many days; T = start + kSpanDays
const TimeMs kStart = day_start(*parse_date("2024-01-01"));
constexpr std::int64_t kParams[] = {500'000'000,    3'000'000'000,   8'000'000'000,  30'000'000'000,
                                    70'000'000'000, 150'000'000'000, 400'000'000'000};

ReferenceData bench_reference(const std::string& size_rows = "") {
  ReferenceTexts t;
  t.tracked_models = "org,model,modelId\n";
  t.regions = "hf_org,region,notes\n";
  t.sizes = "model_id,total_params_b,active_params_b,is_moe,notes\n" + size_rows;
  t.release_dates = "model_id,hf_created_at,actual_release_date,notes\n";
  t.org_aliases = "alias,org\n";
  return ReferenceData::parse(t);
}

std::string repo_of(int m) { return "org" + std::to_string(m % 40) + "/Model-" + std::to_string(m); }
TimeMs release_of(int m) { return kStart + static_cast<TimeMs>(m) * kSpanDays / kModels * kMsPerDay; }

DownloadContribution snapshot(int m, int age_days) {
  DownloadContribution c;
  c.repo_id = repo_of(m);
  c.org = "org" + std::to_string(m % 40);
  c.release_at = c.created_at = release_of(m);
  c.observed_at = c.release_at + static_cast<TimeMs>(age_days) * kMsPerDay + 6 * 3'600'000;
  const std::int64_t rate = 50 + (static_cast<std::int64_t>(m) * 7'919) % 1'000;
  c.downloads_all_time = rate * (age_days + 1) + (m % 13) * static_cast<std::int64_t>(age_days) * age_days / 10;
  c.params_total = kParams[m % 7];
  c.gap_filled = age_days == 0;
  return c;
}

struct Loaded {
  ReferenceData reference = bench_reference();
  RamOperator ram;
  std::vector<int> next_age;  // per model, the age of its next snapshot (days)
  std::size_t snapshots = 0;
  Loaded() {
    const TimeMs end = kStart + kSpanDays * kMsPerDay;
    for (int m = 0; m < kModels; ++m) {
      int age = 0;
      for (; release_of(m) + age * kMsPerDay < end; ++age, ++snapshots) ram.apply(snapshot(m, age), reference);
      next_age.push_back(age);
    }
  }
  void advance(int m) { ram.apply(snapshot(m, next_age[static_cast<std::size_t>(m)]++), reference); }
};

Loaded& loaded() {
  static Loaded instance;
  return instance;
}

// Building the whole state from the history (a replay, or a rebuild after a reset).
void BM_LoadHistory(benchmark::State& state) {
  std::size_t snapshots = 0, bytes = 0;
  for (auto _ : state) {
    Loaded fresh;
    snapshots = fresh.snapshots;
    state.PauseTiming();
    bytes = 0;
    fresh.ram.save_state([&](std::string_view k, std::string_view v) { bytes += k.size() + v.size(); });
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(snapshots));
  state.counters["snapshots"] = static_cast<double>(snapshots);
  state.counters["state_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_LoadHistory)->Iterations(1)->Unit(benchmark::kMillisecond);

// A daily snapshot of a model past day 365: its curve is complete, only its rank among
// the leaders (current cumulative) moves.
void BM_ApplyCompleteCurve(benchmark::State& state) {
  auto& l = loaded();
  int m = 0;
  for (auto _ : state) {
    l.advance(m);
    if (++m == kModels / 2) m = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyCompleteCurve);

// A daily snapshot in a model's first year: defines one new day of its curve (tenth's top 10
// and prefix max, the leaders' segment tree). Models 1,000..1,999 are 1..365 days old; one
// whose next snapshot would be past day 365 is skipped (fixed iterations keep enough left).
void BM_ApplyFirstYearDay(benchmark::State& state) {
  auto& l = loaded();
  int m = kModels / 2;
  for (auto _ : state) {
    while (l.next_age[static_cast<std::size_t>(m)] > kRamMaxDay) m = m + 1 == kModels ? kModels / 2 : m + 1;
    l.advance(m);
    m = m + 1 == kModels ? kModels / 2 : m + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyFirstYearDay)->Iterations(20'000);

// One model's view (the JSON API) and every model's view (one /metrics scrape).
void BM_ModelView(benchmark::State& state) {
  auto& l = loaded();
  int m = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(l.ram.model(repo_of(m)));
    if (++m == kModels) m = 0;
  }
}
BENCHMARK(BM_ModelView);

void BM_AllModelViews(benchmark::State& state) {
  auto& l = loaded();
  for (auto _ : state) benchmark::DoNotOptimize(l.ram.models());
}
BENCHMARK(BM_AllModelViews)->Unit(benchmark::kMillisecond);

// Both baselines of every bucket at every checkpoint (atom_ram_baseline).
void BM_BaselineGauges(benchmark::State& state) {
  auto& l = loaded();
  for (auto _ : state)
    for (SizeBucket b : kAllSizeBuckets)
      for (RamBaseline which : kAllRamBaselines)
        for (int d : kRamCheckpoints) benchmark::DoNotOptimize(l.ram.baseline(b, which, d));
}
BENCHMARK(BM_BaselineGauges)->Unit(benchmark::kMicrosecond);

// A reference reload that moves one model between two buckets: both are rebuilt.
void BM_RebucketOneModel(benchmark::State& state) {
  auto& l = loaded();
  const ReferenceData moved = bench_reference(repo_of(2) + ",3,,,\n");  // 7-9B → 1-5B
  bool flip = false;
  for (auto _ : state) {
    flip = !flip;
    benchmark::DoNotOptimize(l.ram.rebucket(flip ? moved : l.reference));
  }
}
BENCHMARK(BM_RebucketOneModel)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace atomd

BENCHMARK_MAIN();
