// Cost of the inference operator at a realistic scale: OpenRouter's daily table is the top 50
// models plus `other` (51 rows a day); the state holds 500 days of it (25,500 rows).
#include <benchmark/benchmark.h>

#include "operators/inference.hpp"

namespace atomd {
namespace {

constexpr int kDays = 500;
constexpr int kRowsPerDay = 51;  // top 50 + other
constexpr int kOrgs = 20;
// The history ends on the last day of a month, so window=month (month to date) is a full month.
const DayIndex kFirstDay = *parse_date("2025-05-31") - kDays + 1;

ReferenceData bench_reference() {
  ReferenceTexts t;
  t.tracked_models = "org,model,modelId\n";
  t.regions = "hf_org,region,notes\n";
  t.org_aliases = "alias,org\n";
  for (int org = 0; org < kOrgs; ++org) {
    const std::string name = "Org" + std::to_string(org);
    t.regions += name + (org % 3 == 0 ? ",china,\n" : org % 3 == 1 ? ",us,\n" : ",eu,\n");
    t.org_aliases += "org" + std::to_string(org) + "-ai," + name + "\n";  // OpenRouter author → HF org
  }
  t.sizes = "model_id,total_params_b,active_params_b,is_moe,notes\n";
  t.release_dates = "model_id,hf_created_at,actual_release_date,notes\n";
  return ReferenceData::parse(t);
}

// Row i of a day: i == 50 is `other`; even i are open models (HF id), odd i closed; every
// fifth is a ":free" variant of the one before it.
OpenRouterTokens bench_row(int i, DayIndex date, TimeMs observed_at) {
  OpenRouterTokens r;
  r.date = date;
  r.observed_at = observed_at;
  r.tokens = 1'000'000'000LL + static_cast<std::int64_t>(i) * 7'919'000 + static_cast<std::int64_t>(date % 97) * 1'000;
  if (i == kRowsPerDay - 1) {
    r.slug = std::string(kOtherSlug);
    r.org = std::string(kOtherSlug);
    return r;
  }
  const int model = i % 5 == 4 ? i - 1 : i;
  const int org = model % kOrgs;
  r.slug = "org" + std::to_string(org) + "-ai/model-" + std::to_string(model) + (i % 5 == 4 ? ":free" : "");
  if (model % 2 == 0) {
    r.hf_id = "Org" + std::to_string(org) + "/Model-" + std::to_string(model);
    r.org = "Org" + std::to_string(org);
  } else {
    r.org = "org" + std::to_string(org) + "-ai";
  }
  return r;
}

TimeMs first_observed(DayIndex date) { return day_start(date + 1) + 3'600'000; }

struct Loaded {
  ReferenceData reference = bench_reference();
  InferenceTokens op;
  DayIndex last_day = kFirstDay + kDays - 1;
  Loaded() {
    for (DayIndex d = kFirstDay; d <= last_day; ++d)
      for (int i = 0; i < kRowsPerDay; ++i) op.apply(bench_row(i, d, first_observed(d)));
  }
};

Loaded& loaded() {
  static Loaded instance;
  return instance;
}

// A newer observation of a stored (slug, date): the common case of a re-polled recent day.
void BM_ApplyCorrection(benchmark::State& state) {
  auto& l = loaded();
  std::vector<OpenRouterTokens> rows;
  for (int i = 0; i < kRowsPerDay; ++i) rows.push_back(bench_row(i, l.last_day, 0));
  TimeMs observed = first_observed(l.last_day) + 1;
  std::size_t i = 0;
  for (auto _ : state) {
    OpenRouterTokens& r = rows[i];
    r.date = l.last_day - static_cast<DayIndex>(observed % 30);
    r.observed_at = observed++;
    benchmark::DoNotOptimize(l.op.apply(r));
    if (++i == rows.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["rows"] = static_cast<double>(l.op.row_count());
}
BENCHMARK(BM_ApplyCorrection);

// A delivery not newer than the stored row (a restart re-polling): ignored.
void BM_ApplyStale(benchmark::State& state) {
  auto& l = loaded();
  std::vector<OpenRouterTokens> rows;
  for (int i = 0; i < kRowsPerDay; ++i) rows.push_back(bench_row(i, kFirstDay + 100, first_observed(kFirstDay + 100) - 1));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(l.op.apply(rows[i]));
    if (++i == rows.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ApplyStale);


void BM_Leaderboard(benchmark::State& state) {
  auto& l = loaded();
  const auto by = static_cast<GroupBy>(state.range(0));
  const auto window = static_cast<InferenceWindow>(state.range(1));
  const auto scope = static_cast<InferenceScope>(state.range(2));
  for (auto _ : state)
    benchmark::DoNotOptimize(l.op.leaderboard(by, window, scope, std::nullopt, l.last_day - 1, l.reference));
  state.SetLabel(std::string(to_string(by)) + "/" + std::string(to_string(window)) + "/" + std::string(to_string(scope)));
}
BENCHMARK(BM_Leaderboard)
    ->ArgsProduct({{static_cast<int>(GroupBy::org), static_cast<int>(GroupBy::region)},
                   {static_cast<int>(InferenceWindow::day), static_cast<int>(InferenceWindow::d7),
                    static_cast<int>(InferenceWindow::month)},
                   {static_cast<int>(InferenceScope::all), static_cast<int>(InferenceScope::open)}})
    ->Unit(benchmark::kMicrosecond);

// What the overtake operator asks once per closed day.
void BM_SharesAt(benchmark::State& state) {
  auto& l = loaded();
  const auto by = static_cast<GroupBy>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(l.op.shares_at(by, l.last_day - 1, l.reference));
}
BENCHMARK(BM_SharesAt)->Arg(static_cast<int>(GroupBy::org))->Arg(static_cast<int>(GroupBy::region))->Unit(benchmark::kMicrosecond);

// The full history of one org (all days in the state).
void BM_Series(benchmark::State& state) {
  auto& l = loaded();
  const auto window = static_cast<SeriesWindow>(state.range(0));
  for (auto _ : state)
    benchmark::DoNotOptimize(l.op.series(GroupBy::org, "Org4", window, InferenceScope::all, l.reference));
}
BENCHMARK(BM_Series)->Arg(static_cast<int>(SeriesWindow::day))->Arg(static_cast<int>(SeriesWindow::month))->Unit(benchmark::kMicrosecond);

void BM_SaveState(benchmark::State& state) {
  auto& l = loaded();
  for (auto _ : state) {
    std::size_t bytes = 0;
    l.op.save_state([&](std::string_view k, std::string_view v) { bytes += k.size() + v.size(); });
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["rows"] = static_cast<double>(l.op.row_count());
}
BENCHMARK(BM_SaveState)->Unit(benchmark::kMillisecond);

// A new day's 51 rows (inserts). Each iteration appends a day, so it runs last, with a fixed
// count (1,000 days: the state grows from 25,500 to 76,500 rows, reported as `rows`).
void BM_ApplyNewDay(benchmark::State& state) {
  auto& l = loaded();
  std::vector<OpenRouterTokens> rows;
  for (int i = 0; i < kRowsPerDay; ++i) rows.push_back(bench_row(i, l.last_day, 0));
  for (auto _ : state) {
    const DayIndex d = ++l.last_day;
    for (auto& r : rows) {
      r.date = d;
      r.observed_at = first_observed(d);
      benchmark::DoNotOptimize(l.op.apply(r));
    }
  }
  state.SetItemsProcessed(state.iterations() * kRowsPerDay);
  state.counters["rows"] = static_cast<double>(l.op.row_count());
}
BENCHMARK(BM_ApplyNewDay)->Iterations(1000);

}  // namespace
}  // namespace atomd

BENCHMARK_MAIN();
