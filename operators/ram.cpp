#include "operators/ram.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;
constexpr int kDays = kRamMaxDay + 1;  // days 0..365
constexpr double kNone = -std::numeric_limits<double>::infinity();

TimeMs floor_div(TimeMs a, TimeMs b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

std::string_view to_string(RamBaseline b) { return b == RamBaseline::tenth ? "tenth" : "median_top10"; }

std::optional<RamBaseline> parse_ram_baseline(std::string_view label) {
  for (RamBaseline b : kAllRamBaselines)
    if (to_string(b) == label) return b;
  return std::nullopt;
}

// Both baselines of one size bucket, for days 0..365.
struct RamOperator::BucketIndex {
  // `tenth`: the 10 largest cum(·, d) over R(b, d), descending, and |R(b, d)|. R only grows,
  // so the 10 largest are all that raw(b, d) ever needs.
  struct DayTop {
    std::array<double, kRamReferenceSize> top{};
    std::uint32_t count = 0;
  };
  std::array<DayTop, kDays> tops;
  std::array<double, kDays> base;  // prefix max of raw; kNone before the first defined raw

  // `median_top10`: a segment tree over days; a model sits in the O(log 366) nodes that tile
  // its defined run, keyed by its current cumulative.
  struct Leader {
    std::int64_t downloads_all_time;
    const std::string* repo_id;
    const Curve* curve;
  };
  struct LeaderOrder {
    bool operator()(const Leader& a, const Leader& b) const {
      if (a.downloads_all_time != b.downloads_all_time) return a.downloads_all_time > b.downloads_all_time;
      return *a.repo_id < *b.repo_id;
    }
  };
  using LeaderSet = std::set<Leader, LeaderOrder>;
  std::vector<LeaderSet> tree = std::vector<LeaderSet>(4 * kDays);

  BucketIndex() { base.fill(kNone); }

  void add_days(const Curve& c, int from) {
    if (c.empty() || from > c.end_day()) return;
    for (int d = from; d <= c.end_day(); ++d) insert_top(tops[static_cast<std::size_t>(d)], c.at(d));
    double running = from > 0 ? base[static_cast<std::size_t>(from - 1)] : kNone;
    for (int d = from; d < kDays; ++d) {
      const DayTop& t = tops[static_cast<std::size_t>(d)];
      if (t.count >= kRamReferenceSize) running = std::max(running, t.top[kRamReferenceSize - 1]);
      base[static_cast<std::size_t>(d)] = running;
    }
  }

  void add_leader(const std::string& repo_id, const Curve& c) {
    if (c.empty()) return;
    const Leader key{c.downloads_all_time, &repo_id, &c};
    cover(1, 0, kRamMaxDay, c.start_day, c.end_day(), [&](LeaderSet& s) { s.insert(key); });
  }
  // Must see the curve as it was when added (same downloads_all_time and run).
  void remove_leader(const std::string& repo_id, const Curve& c) {
    if (c.empty()) return;
    const Leader key{c.downloads_all_time, &repo_id, &c};
    cover(1, 0, kRamMaxDay, c.start_day, c.end_day(), [&](LeaderSet& s) { s.erase(key); });
  }

  std::optional<double> tenth(int d) const {
    if (tops[static_cast<std::size_t>(d)].count < kRamReferenceSize) return std::nullopt;
    return base[static_cast<std::size_t>(d)];
  }

  std::optional<double> median_top10(int d) const {
    if (tops[static_cast<std::size_t>(d)].count < kRamReferenceSize) return std::nullopt;
    // Every model on the path to leaf d covers d, and appears in at most one node of it.
    std::vector<Leader> candidates;
    candidates.reserve(kRamReferenceSize * 10);  // ≤ 10 from each of the ≤ 10 nodes on the path
    int node = 1, lo = 0, hi = kRamMaxDay;
    while (true) {
      std::size_t taken = 0;
      for (auto it = tree[static_cast<std::size_t>(node)].begin();
           it != tree[static_cast<std::size_t>(node)].end() && taken < kRamReferenceSize; ++it, ++taken)
        candidates.push_back(*it);
      if (lo == hi) break;
      const int mid = (lo + hi) / 2;
      if (d <= mid) node = 2 * node, hi = mid;
      else node = 2 * node + 1, lo = mid + 1;
    }
    std::partial_sort(candidates.begin(), candidates.begin() + kRamReferenceSize, candidates.end(), LeaderOrder{});
    std::array<double, kRamReferenceSize> values;
    for (std::size_t i = 0; i < kRamReferenceSize; ++i) values[i] = candidates[i].curve->at(d);
    std::sort(values.begin(), values.end());
    return (values[4] + values[5]) / 2;
  }

 private:
  static void insert_top(DayTop& t, double v) {
    std::size_t n = std::min<std::size_t>(t.count, kRamReferenceSize);
    ++t.count;
    if (n == kRamReferenceSize) {
      if (!(v > t.top[kRamReferenceSize - 1])) return;
      n = kRamReferenceSize - 1;  // the smallest drops out
    }
    std::size_t i = n;
    for (; i > 0 && t.top[i - 1] < v; --i) t.top[i] = t.top[i - 1];
    t.top[i] = v;
  }

  template <class F>
  void cover(int node, int lo, int hi, int from, int to, const F& f) {
    if (to < lo || hi < from) return;
    if (from <= lo && hi <= to) return f(tree[static_cast<std::size_t>(node)]);
    const int mid = (lo + hi) / 2;
    cover(2 * node, lo, mid, from, to, f);
    cover(2 * node + 1, mid + 1, hi, from, to, f);
  }
};

namespace {

// Defines the days whose instant release + d lies in (last snapshot, this one], by linear
// interpolation from the last snapshot.
template <class Curve>
void extend(Curve& c, TimeMs age, double value) {
  for (int d = c.start_day + static_cast<int>(c.days.size()); d <= kRamMaxDay; ++d) {
    const TimeMs instant = static_cast<TimeMs>(d) * kMsPerDay;
    if (instant > age) break;
    c.days.push_back(instant == age ? value
                                    : c.last_value + (value - c.last_value) * static_cast<double>(instant - c.last_age) /
                                                         static_cast<double>(age - c.last_age));
  }
  c.last_age = age;
  c.last_value = value;
}

}  // namespace

RamOperator::RamOperator() {
  for (auto& b : buckets_) b = std::make_unique<BucketIndex>();
}
RamOperator::~RamOperator() = default;

RamOperator::BucketIndex* RamOperator::index_of(SizeBucket b) const {
  const auto i = static_cast<std::size_t>(b);
  return i < buckets_.size() ? buckets_[i].get() : nullptr;
}

void RamOperator::index_model(const Models::value_type& m) {
  if (BucketIndex* index = index_of(m.second.bucket)) {
    index->add_days(m.second, m.second.start_day);
    index->add_leader(m.first, m.second);
  }
}

void RamOperator::rebuild(SizeBucket b) {
  const auto i = static_cast<std::size_t>(b);
  if (i >= buckets_.size()) return;
  buckets_[i] = std::make_unique<BucketIndex>();
  for (const auto& m : models_)
    if (m.second.bucket == b) index_model(m);
}

void RamOperator::apply(const DownloadContribution& c, const ReferenceData& reference) {
  const SizeBucket bucket = reference.size_bucket(c.repo_id, c.params_total);
  const double value = static_cast<double>(c.downloads_all_time);
  auto it = models_.find(c.repo_id);
  if (it == models_.end()) {
    Curve curve;
    curve.bucket = bucket;
    curve.params_total = c.params_total;
    curve.release_at = c.release_at;
    curve.last_observed_at = c.observed_at;
    curve.downloads_all_time = c.downloads_all_time;
    const TimeMs age = c.observed_at - c.release_at;
    if (c.gap_filled && age > 0) {
      curve.start_day = 0;  // day 0 = 0, then the first snapshot
      extend(curve, age, value);
    } else {
      // A release at or after the snapshot (clock skew) has no day-0 point to add: day 0
      // comes from the next snapshot, like any other day.
      curve.start_day = age <= 0 ? 0 : static_cast<int>(std::min<TimeMs>((age + kMsPerDay - 1) / kMsPerDay, kDays));
      curve.last_age = age;
      curve.last_value = value;
      if (curve.start_day <= kRamMaxDay && static_cast<TimeMs>(curve.start_day) * kMsPerDay == age)
        curve.days.push_back(value);
    }
    it = models_.emplace(c.repo_id, std::move(curve)).first;
    index_model(*it);
  } else {
    Curve& m = it->second;
    if (c.observed_at <= m.last_observed_at) {
      ++redeliveries_;
      return;
    }
    BucketIndex* index = index_of(m.bucket);
    if (index) index->remove_leader(it->first, m);
    const int first_new_day = m.start_day + static_cast<int>(m.days.size());
    extend(m, c.observed_at - m.release_at, value);
    m.downloads_all_time = c.downloads_all_time;
    m.params_total = c.params_total;
    m.last_observed_at = c.observed_at;
    if (bucket != m.bucket) {
      const SizeBucket old = m.bucket;
      m.bucket = bucket;
      rebuild(old);  // R(old, d) loses a model: the only time a reference set shrinks
      index_model(*it);
    } else if (index) {
      index->add_days(m, first_new_day);
      index->add_leader(it->first, m);
    }
  }
  stream_time_ = stream_time_ == kNoTime ? c.observed_at : std::max(stream_time_, c.observed_at);
}

std::size_t RamOperator::rebucket(const ReferenceData& reference) {
  std::array<bool, std::size(kAllSizeBuckets)> changed{};
  std::size_t moved = 0;
  for (auto& [repo_id, m] : models_) {
    const SizeBucket b = reference.size_bucket(repo_id, m.params_total);
    if (b == m.bucket) continue;
    changed[static_cast<std::size_t>(m.bucket)] = changed[static_cast<std::size_t>(b)] = true;
    m.bucket = b;
    ++moved;
  }
  for (SizeBucket b : kAllSizeBuckets)
    if (changed[static_cast<std::size_t>(b)]) rebuild(b);
  return moved;
}

std::optional<double> RamOperator::baseline(SizeBucket bucket, RamBaseline which, int day) const {
  const BucketIndex* index = index_of(bucket);
  if (!index || day < 0 || day > kRamMaxDay) return std::nullopt;
  return which == RamBaseline::tenth ? index->tenth(day) : index->median_top10(day);
}

std::optional<double> RamOperator::cumulative_at(std::string_view repo_id, int day) const {
  auto it = models_.find(repo_id);
  if (it == models_.end() || !it->second.covers(day)) return std::nullopt;
  return it->second.at(day);
}

std::size_t RamOperator::reference_count(SizeBucket bucket, int day) const {
  const BucketIndex* index = index_of(bucket);
  if (!index || day < 0 || day > kRamMaxDay) return 0;
  return index->tops[static_cast<std::size_t>(day)].count;
}

ModelRam RamOperator::view(const Models::value_type& entry,
                           const std::function<std::optional<double>(RamBaseline, int)>& base) const {
  const Curve& m = entry.second;
  ModelRam r;
  r.repo_id = entry.first;
  r.bucket = m.bucket;
  r.current_age_days = static_cast<int>(floor_div(stream_time_ - m.release_at, kMsPerDay));
  if (!index_of(m.bucket)) return r;
  auto fill = [&](std::size_t slot, int d) {
    if (!m.covers(d)) return;
    for (RamBaseline b : kAllRamBaselines) {
      const std::optional<double> denominator = base(b, d);
      if (denominator && *denominator > 0)
        (b == RamBaseline::tenth ? r.tenth : r.median_top10)[slot] = m.at(d) / *denominator;
    }
  };
  for (std::size_t i = 0; i < std::size(kRamCheckpoints); ++i) fill(i, kRamCheckpoints[i]);
  if (r.current_age_days >= 0 && r.current_age_days <= kRamMaxDay) fill(kRamCurrent, r.current_age_days);
  return r;
}

std::optional<ModelRam> RamOperator::model(std::string_view repo_id) const {
  auto it = models_.find(repo_id);
  if (it == models_.end()) return std::nullopt;
  return view(*it, [&](RamBaseline b, int d) { return baseline(it->second.bucket, b, d); });
}

std::vector<ModelRam> RamOperator::models() const {
  // A median baseline costs a merge of ~90 leaders; every (bucket, day) is merged once here.
  std::vector<std::optional<std::optional<double>>> medians(buckets_.size() * kDays);
  std::vector<ModelRam> out;
  out.reserve(models_.size());
  for (const auto& entry : models_) {
    const SizeBucket bucket = entry.second.bucket;
    out.push_back(view(entry, [&](RamBaseline b, int d) {
      if (b == RamBaseline::tenth) return baseline(bucket, b, d);
      auto& memo = medians[static_cast<std::size_t>(bucket) * kDays + static_cast<std::size_t>(d)];
      if (!memo) memo = baseline(bucket, b, d);
      return *memo;
    }));
  }
  return out;
}

void RamOperator::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  for (const auto& [repo_id, m] : models_) {
    StateWriter w;
    w.u8(kStateVersion);
    w.u8(static_cast<std::uint8_t>(m.bucket));
    w.u8(m.params_total ? 1 : 0);
    w.i64(m.params_total.value_or(0));
    w.i64(m.release_at);
    w.i64(m.last_observed_at);
    w.i64(m.downloads_all_time);
    w.i64(m.last_age);
    w.f64(m.last_value);
    w.i32(m.start_day);
    w.u64(m.days.size());
    for (double v : m.days) w.f64(v);
    sink(repo_id, w.bytes());
  }
}

void RamOperator::restore_state(std::string_view key, std::string_view value) {
  StateReader r(value, key);
  if (r.u8() != kStateVersion) r.fail("unknown version");
  Curve m;
  const std::uint8_t bucket = r.u8();
  if (bucket >= std::size(kAllSizeBuckets)) r.fail("unknown size bucket");
  m.bucket = static_cast<SizeBucket>(bucket);
  const bool has_params = r.u8() != 0;
  const std::int64_t params = r.i64();
  if (has_params) m.params_total = params;
  m.release_at = r.i64();
  m.last_observed_at = r.i64();
  m.downloads_all_time = r.i64();
  m.last_age = r.i64();
  m.last_value = r.f64();
  m.start_day = r.i32();
  const std::uint64_t n = r.count(8);
  if (m.start_day < 0 || m.start_day > kDays || (n > 0 && m.start_day + n > static_cast<std::uint64_t>(kDays)))
    r.fail("curve outside days 0..365");
  m.days.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) m.days.push_back(r.f64());
  r.expect_end();

  if (auto old = models_.find(key); old != models_.end()) {
    const SizeBucket was = old->second.bucket;
    models_.erase(old);
    rebuild(was);
  }
  const auto it = models_.emplace(std::string(key), std::move(m)).first;
  index_model(*it);
  const TimeMs t = it->second.last_observed_at;
  stream_time_ = stream_time_ == kNoTime ? t : std::max(stream_time_, t);
}

void RamOperator::clear_state() {
  for (auto& b : buckets_) b = std::make_unique<BucketIndex>();
  models_.clear();
  stream_time_ = kNoTime;
  redeliveries_ = 0;
}

std::map<SizeBucket, std::vector<RamRank>> ram_ranking(const RamOperator& ram, RamBaseline baseline,
                                                       std::size_t checkpoint) {
  std::map<SizeBucket, std::vector<RamRank>> out;
  for (const auto& m : ram.models())  // by repo id, so a stable sort keeps ties in that order
    if (const auto& v = m.by(baseline)[checkpoint]; m.bucket != SizeBucket::unknown && v)
      out[m.bucket].push_back({m.repo_id, *v});
  for (auto& [bucket, list] : out)
    std::stable_sort(list.begin(), list.end(), [](const RamRank& a, const RamRank& b) { return a.ram > b.ram; });
  return out;
}

}  // namespace atomd
