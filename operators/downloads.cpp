#include "operators/downloads.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;

DownloadContribution facts_of(const HfModelSnapshot& s, TimeMs release_at) {
  DownloadContribution c;
  c.repo_id = s.repo_id;
  c.org = s.org;
  c.observed_at = s.observed_at;
  c.created_at = s.created_at;
  c.release_at = release_at;
  c.downloads_all_time = s.downloads_all_time;
  c.downloads_30d = s.downloads_30d;
  c.params_total = s.params_total;
  return c;
}

}  // namespace

std::vector<DayIncrement> apportion(double delta, TimeMs from, TimeMs to) {
  std::vector<DayIncrement> out;
  if (to <= from) return out;
  const DayIndex first = day_of(from);
  const DayIndex last = day_of(to - 1);
  out.reserve(static_cast<std::size_t>(last - first) + 1);
  const double span = static_cast<double>(to - from);
  // Every share is a multiple of ulp(delta), so any partial sum, in any order, is exact; the last
  // day takes the remainder, and the increments add up to delta bit for bit however summed.
  const double magnitude = std::fabs(delta);
  const double quantum = std::nextafter(magnitude, std::numeric_limits<double>::infinity()) - magnitude;
  double assigned = 0;
  for (DayIndex d = first; d < last; ++d) {
    const TimeMs overlap = std::min(to, day_end(d)) - std::max(from, day_start(d));
    double share = delta * static_cast<double>(overlap) / span;
    if (delta != 0) share = std::round(share / quantum) * quantum;
    out.push_back({d, share});
    assigned += share;
  }
  out.push_back({last, delta - assigned});
  return out;
}

SnapshotResult ModelDownloads::process(const HfModelSnapshot& s, const ReferenceData& reference) {
  const TimeMs t = s.observed_at;
  auto it = models_.find(s.repo_id);
  if (it == models_.end()) {
    const TimeMs release = reference.release_at(s.repo_id, s.created_at, t);
    DownloadContribution c = facts_of(s, release);
    SnapshotOutcome outcome = SnapshotOutcome::baseline;
    // "Released within the horizon before it": t - release <= horizon, inclusive. A release at
    // or after t (a midnight snapshot, clock skew) would leave [release, t) empty; the count then
    // goes to [t - 1 ms, t), so nothing is lost and, like every increment, it lies before t.
    if (t - release <= config_.gap_fill_horizon_ms) {
      outcome = SnapshotOutcome::gap_filled;
      c.gap_filled = true;
      c.increments = apportion(static_cast<double>(s.downloads_all_time), std::min(release, t - 1), t);
    }
    models_.emplace(s.repo_id, ModelState{t, t, s.downloads_all_time});
    return {outcome, std::move(c)};
  }

  ModelState& m = it->second;
  if (t <= m.last_observed_at) return {SnapshotOutcome::late, std::nullopt};
  DownloadContribution c = facts_of(s, reference.release_at(s.repo_id, s.created_at, m.first_observed_at));
  SnapshotOutcome outcome = SnapshotOutcome::apportioned;
  if (s.downloads_all_time < m.last_downloads_all_time) {
    outcome = SnapshotOutcome::anomalous_decrease;  // Δ = 0; the new value is the baseline
  } else {
    c.increments = apportion(static_cast<double>(s.downloads_all_time - m.last_downloads_all_time), m.last_observed_at, t);
  }
  m.last_observed_at = t;
  m.last_downloads_all_time = s.downloads_all_time;
  return {outcome, std::move(c)};
}

void ModelDownloads::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  for (const auto& [repo_id, m] : models_) {
    StateWriter w;
    w.u8(kStateVersion);
    w.i64(m.first_observed_at);
    w.i64(m.last_observed_at);
    w.i64(m.last_downloads_all_time);
    sink(repo_id, w.bytes());
  }
}

std::size_t ModelDownloads::drop_models(const std::function<bool(std::string_view repo_id)>& pred) {
  return std::erase_if(models_, [&](const auto& entry) { return pred(entry.first); });
}

void ModelDownloads::restore_state(std::string_view key, std::string_view value) {
  StateReader r(value, key);
  if (r.u8() != kStateVersion) r.fail("unknown version");
  ModelState m;
  m.first_observed_at = r.i64();
  m.last_observed_at = r.i64();
  m.last_downloads_all_time = r.i64();
  r.expect_end();
  models_.insert_or_assign(std::string(key), m);
}

}  // namespace atomd
