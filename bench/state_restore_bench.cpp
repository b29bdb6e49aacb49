// Checkpoint and restore of the durable state at the scale the issue asks for: 2,000 models
// with full curves (every model past day 365: ModelDownloads, DownloadAggregates, RamOperator)
// and 5 million counted derivative ids (DerivativeDedupe and DerivativeAggregates). The state
// is checkpointed through StateDiff into a StateStore, then restored into fresh operators;
// every restore is checked against the original's saved bytes, so nothing passes vacuously.
// The store lives in $ATOMD_BENCH_STATE_DIR (kept afterwards), else <temp dir>/atomd-state-restore-bench
// (removed afterwards); either is wiped first.
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "operators/derivative_aggregates.hpp"
#include "operators/derivatives.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/downloads.hpp"
#include "operators/ram.hpp"
#include "operators/state_diff.hpp"
#include "operators/state_store.hpp"

namespace atomd {
namespace {

namespace fs = std::filesystem;

constexpr int kModels = 2'000;
constexpr int kReleaseSpanDays = 365;  // releases over the first year; T is 800 days in
constexpr int kHistoryDays = 800;      // so every model is 435–800 days old: complete curves
constexpr int kHubIds = 5'000'000;
const TimeMs kStart = day_start(*parse_date("2024-01-01"));
constexpr std::int64_t kParams[] = {500'000'000,    3'000'000'000,   8'000'000'000,  30'000'000'000,
                                    70'000'000'000, 150'000'000'000, 400'000'000'000};

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

TimeMs release_of(int m) { return kStart + static_cast<TimeMs>(m) * kReleaseSpanDays / kModels * kMsPerDay; }

HfModelSnapshot snapshot(int m, int age_days) {
  HfModelSnapshot s;
  s.org = "org" + std::to_string(m % 40);
  s.repo_id = s.org + "/Model-" + std::to_string(m);
  s.created_at = release_of(m);
  s.observed_at = s.created_at + static_cast<TimeMs>(age_days) * kMsPerDay + 6 * 3'600'000;
  const std::int64_t rate = 50 + (static_cast<std::int64_t>(m) * 7'919) % 1'000;
  s.downloads_all_time = rate * (age_days + 1) + (m % 13) * static_cast<std::int64_t>(age_days) * age_days / 10;
  s.downloads_30d = 30 * rate;
  s.params_total = kParams[m % 7];
  return s;
}

HfDerivative derivative(int i) {
  HfDerivative d;
  d.repo_id = "user" + std::to_string(i % 400'000) + "/model-" + std::to_string(i) + "-GGUF";
  d.created_at = kStart + static_cast<TimeMs>(i % 700) * kMsPerDay;
  d.observed_at = d.created_at + kMsPerDay;
  d.downloads_30d = 10;
  d.relations.push_back({Relation::quantized, "org" + std::to_string(i % 500) + "/base-" + std::to_string(i % 20'000)});
  if (i % 10 == 0) d.relations.push_back({Relation::merge, "org" + std::to_string(i % 7) + "/base-" + std::to_string(i % 97)});
  return d;
}

// The operators of one replica, as the daemon wires them.
struct Operators {
  ModelDownloads downloads{DownloadsConfig{}};
  DownloadAggregates download_aggregates;
  RamOperator ram;
  DerivativeDedupe derivatives{DerivativesConfig{}};
  DerivativeAggregates derivative_aggregates;
  std::vector<StatefulOperator*> all() { return {&downloads, &download_aggregates, &ram, &derivatives, &derivative_aggregates}; }
};

using Saved = std::unordered_map<std::string, std::string>;

Saved save(const StatefulOperator& op) {
  Saved out;
  op.save_state([&](std::string_view k, std::string_view v) { out.emplace(k, v); });
  return out;
}

// Every key the original saves, with the same bytes, and no other key.
std::string compare(const StatefulOperator& restored, const Saved& original) {
  std::size_t matched = 0;
  std::string error;
  restored.save_state([&](std::string_view k, std::string_view v) {
    auto it = original.find(std::string(k));
    if (it == original.end() || it->second != v) {
      if (error.empty()) error = std::string(restored.name()) + ": key " + std::string(k) + " differs";
    } else {
      ++matched;
    }
  });
  if (error.empty() && matched != original.size())
    error = std::string(restored.name()) + ": " + std::to_string(original.size() - matched) + " keys missing";
  return error;
}

struct World {
  ReferenceData reference = bench_reference();
  Operators ops;
  std::vector<StateDiff> diffs;
  int next_day = kHistoryDays;  // incremental checkpoints add one day of snapshots each
  int next_id = kHubIds;
  fs::path dir;
  double build_seconds = 0;
  std::vector<double> diff_seconds;  // per operator, summed over changes() calls

  World() {
    const char* env = std::getenv("ATOMD_BENCH_STATE_DIR");
    dir = env ? fs::path(env) : fs::temp_directory_path() / "atomd-state-restore-bench";
    StateStore::wipe(dir);
    const auto t0 = std::chrono::steady_clock::now();
    for (int m = 0; m < kModels; ++m)
      for (int age = 0; release_of(m) + age * kMsPerDay < kStart + kHistoryDays * kMsPerDay; ++age) apply(snapshot(m, age));
    for (int i = 0; i < kHubIds; ++i) apply(derivative(i));
    build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (StatefulOperator* op : ops.all()) diffs.emplace_back(std::string(op->name()));
  }
  ~World() {
    if (!std::getenv("ATOMD_BENCH_STATE_DIR")) StateStore::wipe(dir);  // a chosen directory is kept to inspect
  }

  void apply(const HfModelSnapshot& s) {
    if (auto r = ops.downloads.process(s, reference); r.contribution) {
      ops.download_aggregates.apply(*r.contribution);
      ops.ram.apply(*r.contribution, reference);
    }
  }
  void apply(const HfDerivative& d) {
    if (auto r = ops.derivatives.process(d); r.contribution) ops.derivative_aggregates.apply(*r.contribution);
  }
  // The next day's snapshot of the first `models` models and `derivatives` new derivatives.
  void advance(int models, int derivatives) {
    for (int m = 0; m < models; ++m)
      apply(snapshot(m, static_cast<int>((kStart + next_day * kMsPerDay - release_of(m)) / kMsPerDay)));
    for (int i = 0; i < derivatives; ++i) apply(derivative(next_id++));
    ++next_day;
  }

  // One checkpoint as the daemon takes it: every operator's changes in one synced batch.
  StateBatch changes() {
    StateBatch batch;
    auto all = ops.all();
    diff_seconds.resize(all.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      if (all[i] == &ops.derivatives)
        diffs[i].add_reported_changes([&](const StateDiff::Sink& sink) { ops.derivatives.save_changed_state(sink); }, batch);
      else
        diffs[i].add_changes(*all[i], batch);
      diff_seconds[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    batch.put(kMetaNamespace, "checkpoint", std::to_string(next_day));
    return batch;
  }
  void committed() {
    for (auto& d : diffs) d.mark_committed();
  }

  std::vector<Saved> saved() {
    std::vector<Saved> out;
    for (StatefulOperator* op : ops.all()) out.push_back(save(*op));
    return out;
  }
};

World& world() {
  static World w;
  return w;
}

std::uintmax_t dir_bytes(const fs::path& dir) {
  std::uintmax_t n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

// Bytes this process has read through read()/pread() (RocksDB reads tables with pread).
double read_bytes() {
  std::ifstream io("/proc/self/io");
  std::string field;
  double value = 0;
  while (io >> field >> value)
    if (field == "rchar:") return value;
  return 0;
}

constexpr double kMB = 1e6;

// Resets the process's peak resident set (VmHWM) so a phase's own peak can be read after it.
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }
double status_kb(std::string_view field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with(field)) return std::atof(line.c_str() + field.size());
  return 0;
}
double rss_mb() { return status_kb("VmRSS:") * 1024 / kMB; }
double peak_rss_mb() { return status_kb("VmHWM:") * 1024 / kMB; }

// The first checkpoint of the whole state (every key is new), committed by a forked child
// that is then killed with SIGKILL before RocksDB flushes anything: the store is left as after
// a crash right after a checkpoint (the batch only in the WAL), which the first restore below
// replays. Forked before this process opens any store, so the child inherits no RocksDB threads.
void BM_FullCheckpoint(benchmark::State& state) {
  World& w = world();
  state.counters["build_state_s"] = w.build_seconds;
  for (auto _ : state) {
    reset_peak_rss();
    const double rss_before = rss_mb();
    const auto t0 = std::chrono::steady_clock::now();
    StateBatch batch = w.changes();
    const auto t1 = std::chrono::steady_clock::now();
    const double batch_peak = peak_rss_mb() - rss_before;
    int fds[2];
    if (pipe(fds) != 0) return state.SkipWithError("pipe");
    const pid_t child = fork();
    if (child == 0) {
      close(fds[0]);
      auto store = StateStore::open(w.dir);
      reset_peak_rss();
      const double before = rss_mb();
      const auto c0 = std::chrono::steady_clock::now();
      store->commit(batch);
      const auto c1 = std::chrono::steady_clock::now();
      char report[64];
      const int n = std::snprintf(report, sizeof report, "%.6f %.1f", std::chrono::duration<double>(c1 - c0).count(),
                                  peak_rss_mb() - before);
      if (write(fds[1], report, static_cast<std::size_t>(n)) != n) _exit(1);
      std::raise(SIGKILL);
    }
    close(fds[1]);
    char report[64] = {};
    const ssize_t got = read(fds[0], report, sizeof report - 1);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    double commit_s = 0, commit_peak = 0;
    if (got <= 0 || std::sscanf(report, "%lf %lf", &commit_s, &commit_peak) != 2 || !WIFSIGNALED(status))
      return state.SkipWithError("the committing child failed");
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count() + commit_s);
    w.committed();
    state.counters["diff_s"] = std::chrono::duration<double>(t1 - t0).count();
    state.counters["commit_s"] = commit_s;
    state.counters["peak_extra_MB"] = batch_peak + commit_peak;  // the batch + RocksDB's WriteBatch and memtable
    state.counters["keys"] = static_cast<double>(batch.operations());
    state.counters["batch_MB"] = static_cast<double>(batch.bytes()) / kMB;
    state.counters["store_MB_after_kill"] = static_cast<double>(dir_bytes(w.dir)) / kMB;
  }
}
BENCHMARK(BM_FullCheckpoint)->Iterations(1)->Unit(benchmark::kMillisecond)->UseManualTime();

// Open + restore of every operator into fresh instances, checked against the original.
// First run: the store as the killed checkpoint left it (open replays the WAL into table files);
// later runs: a store whose data is all in table files (page cache warm: the files were just
// written or read).
void restore(benchmark::State& state) {
  World& w = world();
  const std::vector<Saved> original = w.saved();
  std::string error;
  for (auto _ : state) {
    Operators fresh;
    std::vector<StateDiff> diffs;
    for (StatefulOperator* op : fresh.all()) diffs.emplace_back(std::string(op->name()));
    const double read_before = read_bytes();
    reset_peak_rss();
    const double rss_before = rss_mb();
    const auto t0 = std::chrono::steady_clock::now();
    auto store = StateStore::open(w.dir);
    const auto t1 = std::chrono::steady_clock::now();
    std::size_t keys = 0;
    auto all = fresh.all();
    for (std::size_t i = 0; i < all.size(); ++i) keys += restore_operator(*store, *all[i], diffs[i]);
    const auto t2 = std::chrono::steady_clock::now();
    state.PauseTiming();
    if (!store->has_checkpoint() && error.empty()) error = "no checkpoint in the store: run BM_FullCheckpoint first";
    state.counters["peak_extra_MB"] = peak_rss_mb() - rss_before;  // the restored state + the store's buffers
    state.counters["open_s"] = std::chrono::duration<double>(t1 - t0).count();
    state.counters["restore_s"] = std::chrono::duration<double>(t2 - t1).count();
    state.counters["read_MB"] = (read_bytes() - read_before) / kMB;
    state.counters["keys"] = static_cast<double>(keys);
    std::size_t logical = 0;
    for (StatefulOperator* op : all)
      store->for_each(op->name(), [&](std::string_view k, std::string_view v) { logical += k.size() + v.size(); });
    state.counters["state_MB"] = static_cast<double>(logical) / kMB;
    state.counters["store_MB"] = static_cast<double>(dir_bytes(w.dir)) / kMB;
    for (std::size_t i = 0; i < all.size() && error.empty(); ++i) error = compare(*all[i], original[i]);
    if (error.empty() && fresh.ram.models() != w.ops.ram.models()) error = "ram: restored views differ";
    if (error.empty() && fresh.derivatives.counted_count() != w.ops.derivatives.counted_count())
      error = "derivatives: counted ids differ";
    state.ResumeTiming();
  }
  if (!error.empty()) state.SkipWithError(error.c_str());
  state.counters["counted_ids"] = static_cast<double>(w.ops.derivatives.counted_count());
}

void BM_RestoreAfterCheckpoint(benchmark::State& state) { restore(state); }
BENCHMARK(BM_RestoreAfterCheckpoint)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Restore(benchmark::State& state) { restore(state); }
BENCHMARK(BM_Restore)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

// A checkpoint after new records (arg 0: models with a new snapshot, arg 1: new derivatives):
// only the changed keys are written. The final state is then restored and checked like above.
void BM_IncrementalCheckpoint(benchmark::State& state) {
  World& w = world();
  auto store = StateStore::open(w.dir);
  std::size_t keys = 0, bytes = 0;
  w.diff_seconds.assign(w.diff_seconds.size(), 0.0);
  for (auto _ : state) {
    state.PauseTiming();
    w.advance(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
    state.ResumeTiming();
    StateBatch batch = w.changes();
    store->commit(batch);
    w.committed();
    keys += batch.operations();
    bytes += batch.bytes();
  }
  state.counters["keys_per_checkpoint"] = static_cast<double>(keys) / static_cast<double>(state.iterations());
  state.counters["MB_per_checkpoint"] = static_cast<double>(bytes) / kMB / static_cast<double>(state.iterations());
  auto ops = w.ops.all();
  for (std::size_t i = 0; i < ops.size(); ++i)  // where a checkpoint's time goes: the diff of each operator
    state.counters["diff_ms_" + std::string(ops[i]->name())] = w.diff_seconds[i] * 1e3 / static_cast<double>(state.iterations());
  store.reset();
  Operators fresh;
  auto original = w.ops.all();
  auto all = fresh.all();
  for (std::size_t i = 0; i < all.size(); ++i) {
    StateDiff diff{std::string(all[i]->name())};
    auto reopened = StateStore::open(w.dir);
    restore_operator(*reopened, *all[i], diff);
    if (auto error = compare(*all[i], save(*original[i])); !error.empty()) {
      state.SkipWithError(("after incremental checkpoints: " + error).c_str());
      return;
    }
  }
}
// A day of traffic (every model polled, 10,000 new derivatives) and one hourly model poll's
// share of a 5 s checkpoint interval with a few derivative sightings.
BENCHMARK(BM_IncrementalCheckpoint)
    ->Args({kModels, 10'000})
    ->Args({kModels / 720, 1})
    ->Iterations(5)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace atomd

BENCHMARK_MAIN();
