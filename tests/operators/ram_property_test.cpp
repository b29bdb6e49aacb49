// RAM's incremental state against a from-scratch recomputation of DESIGN §4 on random
// streams (fixed seeds): sparse, hourly and daily snapshots, gap-filled and not, ties,
// decreases, redeliveries, size changes, a reference reload, and a state round trip.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>

#include "operators/ram.hpp"
#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

constexpr TimeMs kHour = 3'600'000;

// DESIGN §4 evaluated directly from every snapshot kept, with no incremental state.
class FromScratch {
 public:
  void apply(const DownloadContribution& c) {
    auto [it, fresh] = models_.try_emplace(c.repo_id);
    Model& m = it->second;
    if (fresh) {
      m.release = c.release_at;
      if (c.gap_filled && c.observed_at > c.release_at) m.points.push_back({0, 0});
    } else if (c.observed_at <= m.last_observed) {
      return;
    }
    m.points.push_back({c.observed_at - m.release, static_cast<double>(c.downloads_all_time)});
    m.last_observed = c.observed_at;
    m.all_time = c.downloads_all_time;
    m.params = c.params_total;
    t_ = std::max(t_, c.observed_at);
  }

  std::optional<double> cum(const std::string& repo_id, int d) const {
    const auto& points = models_.at(repo_id).points;
    const TimeMs instant = static_cast<TimeMs>(d) * kMsPerDay;
    if (d < 0 || d > kRamMaxDay || points.front().age > instant) return std::nullopt;
    auto it = std::find_if(points.begin(), points.end(), [&](const Point& p) { return p.age >= instant; });
    if (it == points.end()) return std::nullopt;
    if (it->age == instant) return it->value;
    const Point& prev = *std::prev(it);
    return prev.value + (it->value - prev.value) * static_cast<double>(instant - prev.age) /
                            static_cast<double>(it->age - prev.age);
  }

  // Both baselines and |R(b, d)| for every day of one bucket.
  struct Table {
    std::array<std::size_t, kRamMaxDay + 1> count{};
    std::array<std::optional<double>, kRamMaxDay + 1> tenth, median;
  };
  Table table(const ReferenceData& ref, SizeBucket b) const {
    Table t;
    std::optional<double> best_raw;
    for (int d = 0; d <= kRamMaxDay; ++d) {
      const auto day = static_cast<std::size_t>(d);
      auto r = members(ref, b, d);
      t.count[day] = r.size();
      if (b == SizeBucket::unknown || r.size() < 10) continue;
      std::vector<double> values;
      for (const auto& [id, v] : r) values.push_back(v);
      std::sort(values.rbegin(), values.rend());
      best_raw = std::max(best_raw.value_or(values[9]), values[9]);
      t.tenth[day] = best_raw;
      std::sort(r.begin(), r.end(), [&](const auto& x, const auto& y) {
        const auto ax = models_.at(x.first).all_time, ay = models_.at(y.first).all_time;
        return ax != ay ? ax > ay : x.first < y.first;
      });
      std::vector<double> leaders;
      for (std::size_t i = 0; i < 10; ++i) leaders.push_back(r[i].second);
      std::sort(leaders.begin(), leaders.end());
      t.median[day] = (leaders[4] + leaders[5]) / 2;
    }
    return t;
  }

  std::vector<ModelRam> models(const ReferenceData& ref) const {
    std::vector<ModelRam> out;
    std::map<SizeBucket, Table> tables;
    for (const auto& [id, m] : models_) {
      ModelRam r;
      r.repo_id = id;
      r.bucket = ref.size_bucket(id, m.params);
      const TimeMs age = t_ - m.release;
      r.current_age_days = static_cast<int>(age >= 0 ? age / kMsPerDay : -((-age + kMsPerDay - 1) / kMsPerDay));
      std::vector<std::pair<std::size_t, int>> slots;
      for (std::size_t i = 0; i < std::size(kRamCheckpoints); ++i) slots.push_back({i, kRamCheckpoints[i]});
      if (r.current_age_days >= 0 && r.current_age_days <= kRamMaxDay) slots.push_back({kRamCurrent, r.current_age_days});
      const Table& t = tables.try_emplace(r.bucket, table(ref, r.bucket)).first->second;
      for (auto [slot, d] : slots) {
        auto c = cum(id, d);
        auto tenth = t.tenth[static_cast<std::size_t>(d)];
        auto median = t.median[static_cast<std::size_t>(d)];
        if (c && tenth && *tenth > 0) r.tenth[slot] = *c / *tenth;
        if (c && median && *median > 0) r.median_top10[slot] = *c / *median;
      }
      out.push_back(r);
    }
    return out;
  }

  std::vector<std::string> repo_ids() const {
    std::vector<std::string> ids;
    for (const auto& [id, m] : models_) ids.push_back(id);
    return ids;
  }
  TimeMs stream_time() const { return t_; }

 private:
  struct Point {
    TimeMs age;
    double value;
  };
  struct Model {
    TimeMs release = 0;
    TimeMs last_observed = kNoTime;
    std::int64_t all_time = 0;
    std::optional<std::int64_t> params;
    std::vector<Point> points;
  };
  std::vector<std::pair<std::string, double>> members(const ReferenceData& ref, SizeBucket b, int d) const {
    std::vector<std::pair<std::string, double>> r;
    for (const auto& [id, m] : models_)
      if (ref.size_bucket(id, m.params) == b)
        if (auto c = cum(id, d)) r.push_back({id, *c});
    return r;
  }
  std::map<std::string, Model> models_;
  TimeMs t_ = kNoTime;
};

void expect_matches(const RamOperator& op, const FromScratch& scratch, const ReferenceData& ref) {
  ASSERT_EQ(op.stream_time(), scratch.stream_time());
  for (SizeBucket b : kAllSizeBuckets) {
    const FromScratch::Table t = scratch.table(ref, b);
    for (int d = 0; d <= kRamMaxDay; ++d) {
      const auto day = static_cast<std::size_t>(d);
      ASSERT_EQ(op.reference_count(b, d), b == SizeBucket::unknown ? 0 : t.count[day]) << to_string(b) << " day " << d;
      ASSERT_EQ(op.baseline(b, RamBaseline::tenth, d), t.tenth[day]) << to_string(b) << " tenth day " << d;
      ASSERT_EQ(op.baseline(b, RamBaseline::median_top10, d), t.median[day]) << to_string(b) << " median day " << d;
    }
  }
  for (const std::string& id : scratch.repo_ids())
    for (int d = 0; d <= kRamMaxDay; ++d) ASSERT_EQ(op.cumulative_at(id, d), scratch.cum(id, d)) << id << " day " << d;
  const auto expected = scratch.models(ref);
  ASSERT_EQ(op.models(), expected);
  for (const ModelRam& m : expected) ASSERT_EQ(op.model(m.repo_id), m);
}

ReferenceData reference_with_sizes(const std::string& rows) {
  ReferenceTexts t;
  t.tracked_models = "org,model,modelId\n";
  t.regions = "hf_org,region,notes\n";
  t.sizes = "model_id,total_params_b,active_params_b,is_moe,notes\n" + rows;
  t.release_dates = "model_id,hf_created_at,actual_release_date,notes\n";
  t.org_aliases = "alias,org\n";
  return ReferenceData::parse(t);
}

// Per model, its contributions in order; released within 120 days of each other.
std::vector<std::vector<DownloadContribution>> random_streams(std::mt19937_64& rng, int models, TimeMs start) {
  auto uniform = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  std::vector<std::vector<DownloadContribution>> streams(static_cast<std::size_t>(models));
  for (int i = 0; i < models; ++i) {
    const std::string id = "lab/m" + std::to_string(100 + i);
    const TimeMs release = day_start(day_of(start) + static_cast<DayIndex>(uniform(0, 120)));
    std::optional<std::int64_t> params = i % 9 == 0 ? std::nullopt : std::optional<std::int64_t>(i % 2 ? 3'000'000'000 : 8'000'000'000);
    const int kind = static_cast<int>(uniform(0, 19));
    TimeMs age;
    bool gap_filled = false;
    if (kind < 9) gap_filled = true, age = uniform(1, 7 * kMsPerDay);
    else if (kind == 9) gap_filled = true, age = -uniform(0, 2) * kHour;  // a release at or after the snapshot
    else if (kind < 13) age = uniform(1, 200) * kMsPerDay;                   // midnight exactly
    else if (kind < 17) age = uniform(1, 200 * kMsPerDay);
    else age = uniform(300 * kMsPerDay, 420 * kMsPerDay);  // first seen too old for a curve
    std::int64_t all_time = uniform(0, 50) * 100;
    const int count = static_cast<int>(uniform(1, 45));
    for (int s = 0; s < count; ++s) {
      DownloadContribution c;
      c.repo_id = id;
      c.org = "lab";
      c.release_at = c.created_at = release;
      c.observed_at = release + age;
      c.downloads_all_time = all_time;
      c.params_total = params;
      c.gap_filled = s == 0 && gap_filled;
      streams[static_cast<std::size_t>(i)].push_back(c);
      const int gap = static_cast<int>(uniform(0, 9));
      age += gap < 3 ? uniform(1, 23) * kHour : gap < 8 ? kMsPerDay : uniform(2, 60) * kMsPerDay + uniform(0, kMsPerDay);
      all_time = uniform(0, 32) == 0 ? all_time / 2 : all_time + uniform(0, 60) * 100;  // ties, a rare decrease
      if (i % 17 == 1 && s == count / 2) params = 8'000'000'000;  // safetensors metadata appears: may change bucket
    }
  }
  return streams;
}

class RamProperty : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(RamProperty, IncrementalEqualsFromScratchThroughReloadAndRestore) {
  std::mt19937_64 rng(GetParam());
  const ReferenceData ref = reference_with_sizes("");
  const TimeMs start = *parse_rfc3339("2025-01-01T00:00:00Z");
  auto streams = random_streams(rng, 64, start);

  RamOperator op;
  FromScratch scratch;
  std::vector<DownloadContribution> applied;
  std::vector<std::size_t> next(streams.size(), 0);
  std::size_t remaining = 0;
  for (const auto& s : streams) remaining += s.size();
  const std::size_t total = remaining;
  while (remaining > 0) {
    // Any interleaving across models; each model's own order kept (as Kafka keeps it).
    std::size_t i = std::uniform_int_distribution<std::size_t>(0, streams.size() - 1)(rng);
    while (next[i] == streams[i].size()) i = (i + 1) % streams.size();
    const DownloadContribution& c = streams[i][next[i]++];
    --remaining;
    op.apply(c, ref);
    scratch.apply(c);
    applied.push_back(c);
    if (std::uniform_int_distribution<int>(0, 30)(rng) == 0) {  // a redelivery
      const auto& again = applied[std::uniform_int_distribution<std::size_t>(0, applied.size() - 1)(rng)];
      op.apply(again, ref);
      scratch.apply(again);
    }
    if ((total - remaining) % 400 == 0) {
      ASSERT_NO_FATAL_FAILURE(expect_matches(op, scratch, ref));
    }
  }
  ASSERT_NO_FATAL_FAILURE(expect_matches(op, scratch, ref));
  EXPECT_GT(op.redelivery_count(), 0u);

  // A reference reload sizes three models by table: two change bucket, one leaves `unknown`.
  const ReferenceData reloaded = reference_with_sizes("lab/m102,3,,,\nlab/m103,8,,,\nlab/m109,8,,,\n");
  EXPECT_EQ(op.rebucket(reloaded), 3u);
  ASSERT_NO_FATAL_FAILURE(expect_matches(op, scratch, reloaded));

  // Save, restore into a fresh operator in reverse key order (one key twice), compare.
  std::vector<std::pair<std::string, std::string>> saved;
  op.save_state([&](std::string_view k, std::string_view v) { saved.emplace_back(k, v); });
  ASSERT_EQ(saved.size(), op.model_count());
  RamOperator restored;
  restored.restore_state(saved.front().first, saved.front().second);
  for (auto it = saved.rbegin(); it != saved.rend(); ++it) restored.restore_state(it->first, it->second);
  EXPECT_EQ(restored.rebucket(reloaded), 0u);
  ASSERT_NO_FATAL_FAILURE(expect_matches(restored, scratch, reloaded));

  // Both carry on identically.
  for (auto& s : streams)
    for (int k = 1; k <= 3; ++k) {
      DownloadContribution c = s.back();
      c.observed_at += k * 5 * kMsPerDay;
      c.downloads_all_time += k * 1000;
      c.gap_filled = false;
      op.apply(c, reloaded);
      restored.apply(c, reloaded);
      scratch.apply(c);
    }
  ASSERT_NO_FATAL_FAILURE(expect_matches(op, scratch, reloaded));
  ASSERT_NO_FATAL_FAILURE(expect_matches(restored, scratch, reloaded));

  restored.clear_state();
  EXPECT_EQ(restored.model_count(), 0u);
  EXPECT_EQ(restored.stream_time(), kNoTime);
  EXPECT_EQ(restored.reference_count(SizeBucket::b7_9, 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(FixedSeeds, RamProperty, ::testing::Values(1u, 2u, 20260401u));

TEST(RamState, RejectsABadValue) {
  RamOperator op;
  DownloadContribution c;
  c.repo_id = "lab/a";
  c.release_at = 0;
  c.observed_at = 10 * kMsPerDay;
  c.downloads_all_time = 5;
  c.params_total = 8'000'000'000;
  op.apply(c, reference_with_sizes(""));
  std::string value;
  op.save_state([&](std::string_view, std::string_view v) { value = v; });
  RamOperator other;
  EXPECT_THROW(other.restore_state("lab/a", value.substr(0, value.size() - 1)), std::runtime_error);
  EXPECT_THROW(other.restore_state("lab/a", value + "x"), std::runtime_error);
  std::string bad_version = value;
  bad_version[0] = 9;
  EXPECT_THROW(other.restore_state("lab/a", bad_version), std::runtime_error);
  other.restore_state("lab/a", value);
  EXPECT_EQ(other.cumulative_at("lab/a", 10), 5);
}

}  // namespace
}  // namespace atomd
