// Cost of the downloads operators: one daily snapshot through stage 1 and stage 2, and the
// queries /metrics and the API make, at the scale of ATOM's tracked list (2,000 models with
// about 1,000 days of history each).
#include <benchmark/benchmark.h>

#include "operators/download_aggregates.hpp"
#include "operators/downloads.hpp"

namespace atomd {
namespace {

constexpr int kModels = 2'000;
constexpr int kDays = 1'000;
const TimeMs kStart = day_start(*parse_date("2023-06-01")) + 6 * 3'600'000;

ReferenceData bench_reference() {
  ReferenceTexts t;
  t.tracked_models = "org,model,modelId\n";
  t.regions = "hf_org,region,notes\n";
  for (int org = 0; org < 40; ++org) {
    t.regions += "org" + std::to_string(org) + (org % 3 == 0 ? ",china,\n" : org % 3 == 1 ? ",us,\n" : ",eu,\n");
    t.tracked_models += "org" + std::to_string(org) + ",m,org" + std::to_string(org) + "/m\n";
  }
  t.sizes = "model_id,total_params_b,active_params_b,is_moe,notes\n";
  t.release_dates = "model_id,hf_created_at,actual_release_date,notes\n";
  t.org_aliases = "alias,org\n";
  return ReferenceData::parse(t);
}

HfModelSnapshot snapshot(int model, int day) {
  HfModelSnapshot s;
  s.repo_id = "org" + std::to_string(model % 40) + "/Model-" + std::to_string(model) + "-" + std::to_string(1 + model % 70) + "B";
  s.org = "org" + std::to_string(model % 40);
  s.created_at = kStart - kMsPerDay / 2;
  s.observed_at = kStart + static_cast<TimeMs>(day) * kMsPerDay;
  s.downloads_all_time = 1'000 + static_cast<std::int64_t>(day) * (100 + model % 997);
  s.downloads_30d = 30 * (100 + model % 997);
  return s;
}

struct Loaded {
  ReferenceData reference = bench_reference();
  ModelDownloads stage1{DownloadsConfig{}};
  DownloadAggregates stage2;
  Loaded() {
    for (int day = 0; day < kDays; ++day)
      for (int m = 0; m < kModels; ++m)
        if (auto r = stage1.process(snapshot(m, day), reference); r.contribution) stage2.apply(*r.contribution);
  }
};

Loaded& loaded() {
  static Loaded instance;  // built once: 2 million snapshots
  return instance;
}

// One new daily snapshot of one model through both stages, on top of the full history.
void BM_SnapshotThroughBothStages(benchmark::State& state) {
  auto& l = loaded();
  int day = kDays, m = 0;
  for (auto _ : state) {
    auto r = l.stage1.process(snapshot(m, day), l.reference);
    if (r.contribution) l.stage2.apply(*r.contribution);
    if (++m == kModels) m = 0, ++day;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SnapshotThroughBothStages);

void BM_Leaderboard(benchmark::State& state) {
  auto& l = loaded();
  auto by = static_cast<GroupBy>(state.range(0));
  auto window = static_cast<DownloadWindow>(state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(l.stage2.leaderboard(by, window, std::nullopt, l.reference));
}
BENCHMARK(BM_Leaderboard)
    ->ArgsProduct({{static_cast<int>(GroupBy::org), static_cast<int>(GroupBy::region), static_cast<int>(GroupBy::size_bucket)},
                   {static_cast<int>(DownloadWindow::cumulative), static_cast<int>(DownloadWindow::month),
                    static_cast<int>(DownloadWindow::d30)}})
    ->Unit(benchmark::kMillisecond);

void BM_ModelViews(benchmark::State& state) {
  auto& l = loaded();
  for (auto _ : state) benchmark::DoNotOptimize(l.stage2.models(l.reference));
}
BENCHMARK(BM_ModelViews)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace atomd

BENCHMARK_MAIN();
