// Cost of the derivatives operators at Hub scale (DESIGN §4 "Derivatives": plan for 5 million
// repo ids): the dedupe set's bytes per id and inserts per second, stage 1's cost per sighting
// with 5 million ids counted, and stage 2's queries over a million counted derivatives.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <string>

#include "operators/derivative_aggregates.hpp"
#include "operators/derivatives.hpp"
#include "operators/repo_id_set.hpp"

namespace atomd {
namespace {

constexpr int kHubIds = 5'000'000;
const TimeMs kStart = day_start(*parse_date("2024-01-01"));

// Resident set size of this process, from /proc/self/statm.
double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// "user<i % 400000>/model-<i>-GGUF": about the length of real derivative ids.
std::string_view repo_id(int i, char (&buf)[64]) {
  char* p = buf;
  for (char c : std::string_view("user")) *p++ = c;
  p = std::to_chars(p, buf + sizeof buf, i % 400'000).ptr;
  for (char c : std::string_view("/model-")) *p++ = c;
  p = std::to_chars(p, buf + sizeof buf, i).ptr;
  for (char c : std::string_view("-GGUF")) *p++ = c;
  return {buf, static_cast<std::size_t>(p - buf)};
}

HfDerivative derivative(int i, std::int64_t downloads, int bases_from = 20'000) {
  char buf[64];
  HfDerivative d;
  d.repo_id = std::string(repo_id(i, buf));
  d.created_at = kStart + static_cast<TimeMs>(i % 365) * kMsPerDay;
  d.observed_at = d.created_at + kMsPerDay;
  d.downloads_30d = downloads;
  d.relations.push_back({Relation::quantized, "org" + std::to_string(i % 500) + "/base-" + std::to_string(i % bases_from)});
  if (i % 10 == 0) d.relations.push_back({Relation::merge, "org" + std::to_string(i % 7) + "/base-" + std::to_string(i % 97)});
  return d;
}

// Filling the set from empty to 5 million ids (the id text is formatted and hashed per insert).
void BM_RepoIdSetInsert5M(benchmark::State& state) {
  double rss_per_id = 0;
  for (auto _ : state) {
    const double rss_before = rss_bytes();
    RepoIdSet set;
    char buf[64];
    for (int i = 0; i < kHubIds; ++i) set.insert(repo_id(i, buf));
    const double rss_after = rss_bytes();
    state.counters["ids"] = static_cast<double>(set.size());
    state.counters["bytes_per_id"] = static_cast<double>(set.allocated_bytes()) / static_cast<double>(set.size());
    // Only a first fill shows in RSS: later ones reuse the pages freed by the one before.
    rss_per_id = std::max(rss_per_id, (rss_after - rss_before) / static_cast<double>(set.size()));
  }
  state.counters["rss_bytes_per_id"] = rss_per_id;
  state.SetItemsProcessed(state.iterations() * kHubIds);
}
BENCHMARK(BM_RepoIdSetInsert5M)->Iterations(3)->Unit(benchmark::kMillisecond);

RepoIdSet& hub_set() {
  static RepoIdSet set = [] {
    RepoIdSet s;
    char buf[64];
    for (int i = 0; i < kHubIds; ++i) s.insert(repo_id(i, buf));
    return s;
  }();
  return set;
}

// Lookups in the full set: arg 0 = ids in it, 1 = ids not in it.
void BM_RepoIdSetContains5M(benchmark::State& state) {
  RepoIdSet& set = hub_set();
  const int offset = state.range(0) == 0 ? 0 : kHubIds;
  char buf[64];
  int i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.contains(repo_id(offset + i, buf)));
    i = (i + 7919) % kHubIds;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RepoIdSetContains5M)->Arg(0)->Arg(1);

// Stage 1 with 5 million derivatives counted (and, in root mode, 5 million link fingerprints).
struct LoadedDedupe {
  DerivativeDedupe dedupe;
  double rss_per_id = 0;
  explicit LoadedDedupe(DerivativeAttribution a) : dedupe(DerivativesConfig{.attribution = a}) {
    const double before = rss_bytes();
    for (int i = 0; i < kHubIds; ++i) dedupe.process(derivative(i, 10));
    rss_per_id = (rss_bytes() - before) / kHubIds;
  }
};

LoadedDedupe& loaded_dedupe(DerivativeAttribution a) {
  static LoadedDedupe by_namespace(DerivativeAttribution::namespace_);
  if (a == DerivativeAttribution::namespace_) return by_namespace;
  static LoadedDedupe by_root(DerivativeAttribution::root);
  return by_root;
}

// Gives `d` a repo id never used before: "new<n>/model" (about 20 ns, included in the timing).
void give_new_id(HfDerivative& d, int n) {
  char buf[32] = "new";
  char* end = std::to_chars(buf + 3, buf + sizeof buf, n).ptr;
  d.repo_id.assign(buf, end);
  d.repo_id += "/model";
}

// One sighting through process(): arg 0 = attribution (0 namespace, 1 root); arg 1 = a re-poll
// of a counted id (0) or a new id crossing the threshold (1).
void BM_DedupeProcess5M(benchmark::State& state) {
  const auto mode = state.range(0) == 0 ? DerivativeAttribution::namespace_ : DerivativeAttribution::root;
  LoadedDedupe& l = loaded_dedupe(mode);
  const bool fresh = state.range(1) == 1;
  std::vector<HfDerivative> sightings;
  for (int i = 0; i < 4096; ++i) sightings.push_back(derivative(i * 1201, 10));
  std::size_t n = 0;
  int next_fresh = 0;
  for (auto _ : state) {
    HfDerivative& d = sightings[n++ % sightings.size()];
    if (fresh) give_new_id(d, next_fresh++);
    benchmark::DoNotOptimize(l.dedupe.process(d));
  }
  state.counters["counted"] = static_cast<double>(l.dedupe.counted_count());
  state.counters["state_bytes_per_id"] = static_cast<double>(l.dedupe.state_bytes()) / kHubIds;
  state.counters["rss_bytes_per_id"] = l.rss_per_id;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DedupeProcess5M)->Args({0, 0})->Args({1, 0})->Args({0, 1})->Args({1, 1});

// Saving the whole 5-million-id dedupe state (256 + 256 chunks in root mode).
void BM_DedupeSaveState5M(benchmark::State& state) {
  LoadedDedupe& l = loaded_dedupe(DerivativeAttribution::root);
  for (auto _ : state) {
    std::size_t bytes = 0, keys = 0;
    l.dedupe.save_state([&](std::string_view, std::string_view v) { bytes += v.size(), ++keys; });
    state.counters["keys"] = static_cast<double>(keys);
    state.counters["bytes"] = static_cast<double>(bytes);
  }
}
BENCHMARK(BM_DedupeSaveState5M)->Unit(benchmark::kMillisecond);

// Stage 2 with one million counted derivatives over 20,000 bases and a year of createdAt days;
// in root mode every base is itself a derivative of one of 500 roots, and a tenth of the
// derivatives have links too.
constexpr int kCounted = 1'000'000;

ReferenceData bench_reference() {
  ReferenceTexts t;
  t.tracked_models = "org,model,modelId\n";
  t.regions = "hf_org,region,notes\n";
  for (int org = 0; org < 500; ++org) t.regions += "org" + std::to_string(org) + (org % 2 ? ",china,\n" : ",us,\n");
  t.sizes = "model_id,total_params_b,active_params_b,is_moe,notes\n";
  t.release_dates = "model_id,hf_created_at,actual_release_date,notes\n";
  t.org_aliases = "alias,org\n";
  return ReferenceData::parse(t);
}

struct LoadedAggregates {
  ReferenceData reference = bench_reference();
  DerivativeAggregates agg;
  double rss_per_counted = 0;
  explicit LoadedAggregates(DerivativeAttribution a) : agg(a) {
    const double before = rss_bytes();
    DerivativeDedupe stage1(DerivativesConfig{.attribution = a});
    for (int i = 0; i < kCounted; ++i) {
      auto r = stage1.process(derivative(i, 10));
      if (r.contribution) agg.apply(*r.contribution);
    }
    if (a == DerivativeAttribution::root)
      for (int b = 0; b < 20'000; ++b) {
        DerivativeContribution link;
        link.repo_id = "org" + std::to_string(b % 500) + "/base-" + std::to_string(b);
        link.observed_at = kStart;
        link.link = true;
        link.bases.push_back({Relation::finetune, "root" + std::to_string(b % 50) + "/model-" + std::to_string(b % 500)});
        agg.apply(link);
      }
    rss_per_counted = (rss_bytes() - before) / kCounted;
  }
};

LoadedAggregates& loaded_aggregates(DerivativeAttribution a) {
  static LoadedAggregates by_namespace(DerivativeAttribution::namespace_);
  if (a == DerivativeAttribution::namespace_) return by_namespace;
  static LoadedAggregates by_root(DerivativeAttribution::root);
  return by_root;
}

// arg 0 = attribution, arg 1 = group_by (org, region), arg 2 = window (month, 30d).
void BM_AggregatesLeaderboard1M(benchmark::State& state) {
  const auto mode = state.range(0) == 0 ? DerivativeAttribution::namespace_ : DerivativeAttribution::root;
  LoadedAggregates& l = loaded_aggregates(mode);
  const auto by = static_cast<GroupBy>(state.range(1));
  const auto window = static_cast<DerivativeWindow>(state.range(2));
  for (auto _ : state) benchmark::DoNotOptimize(l.agg.leaderboard(by, window, std::nullopt, l.reference));
  state.counters["links"] = static_cast<double>(l.agg.link_count());
  state.counters["rss_bytes_per_counted"] = l.rss_per_counted;
}
BENCHMARK(BM_AggregatesLeaderboard1M)
    ->ArgsProduct({{0, 1}, {static_cast<int>(GroupBy::org), static_cast<int>(GroupBy::region)}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

// The overtake operator's per-day query.
void BM_AggregatesSharesAt1M(benchmark::State& state) {
  const auto mode = state.range(0) == 0 ? DerivativeAttribution::namespace_ : DerivativeAttribution::root;
  LoadedAggregates& l = loaded_aggregates(mode);
  const DayIndex last = day_of(l.agg.stream_time());
  for (auto _ : state) benchmark::DoNotOptimize(l.agg.shares_at(GroupBy::org, last, l.reference));
}
BENCHMARK(BM_AggregatesSharesAt1M)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// One counted contribution into stage 2 (a new id; 1M already counted).
void BM_AggregatesApply1M(benchmark::State& state) {
  LoadedAggregates& l = loaded_aggregates(DerivativeAttribution::namespace_);
  HfDerivative d = derivative(0, 10);
  DerivativeContribution c{d.repo_id, d.observed_at, d.created_at, true, false, d.relations};
  int i = 3 * kHubIds;
  for (auto _ : state) {
    give_new_id(d, i++);
    c.repo_id = d.repo_id;
    l.agg.apply(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AggregatesApply1M);

}  // namespace
}  // namespace atomd

BENCHMARK_MAIN();
