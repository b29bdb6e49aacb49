#include "tools/demo_history.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <stdexcept>

#include "tools/demo_random.hpp"

namespace atomd {
namespace {

using demo::day_or_throw;
using demo::fnv1a64;
using demo::portable_exp;
using demo::SplitMix64;

constexpr TimeMs kMsPerHour = 3'600'000;
constexpr TimeMs kSnapshotHour = 6;          // every snapshot is taken at 06:00 UTC
constexpr double kNoise = 0.06;              // day-to-day noise: ±6 %
constexpr double kWeekendFactor = 0.85;      // fewer downloads on Saturdays and Sundays
constexpr double kLikesPerSqrtDownload = 0.4;
constexpr std::string_view kGrowthOrigin = "2025-01-01";

bool is_weekend(DayIndex d) {
  const int weekday = ((d % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday == 0 || weekday == 6;
}

// HF tags of a model: library and format, task, traits, licence and base model relations.
std::vector<std::string> tags_of(const DemoModel& m) {
  std::vector<std::string> tags{"transformers", "safetensors", std::string(m.pipeline_tag)};
  if (m.traits & kChat) tags.emplace_back("conversational");
  if (m.traits & kCustomCode) tags.emplace_back("custom_code");
  if (m.repo_id.ends_with("-FP8")) tags.emplace_back("fp8");
  tags.emplace_back("license:" + std::string(m.license));
  if (!m.base.empty()) {
    const auto colon = m.base.find(':');
    const auto base_id = std::string(m.base.substr(colon + 1));
    tags.emplace_back("base_model:" + base_id);
    tags.emplace_back("base_model:" + std::string(m.base.substr(0, colon)) + ":" + base_id);
  }
  if (m.pipeline_tag == "text-generation") tags.emplace_back("text-generation-inference");
  return tags;
}

// Unscaled downloads per snapshot window: w[k] is the amount between snapshot k-1 and
// snapshot k (window 0 starts at created_at).
std::vector<double> download_weights(const DemoModel& m, DayIndex first_snapshot_day, double first_window_days,
                                     std::size_t count) {
  const DownloadCurve& c = *m.curve;
  const DayIndex origin = day_or_throw(kGrowthOrigin);
  SplitMix64 rng(fnv1a64(m.repo_id));
  std::vector<double> w(count);
  for (std::size_t k = 0; k < count; ++k) {
    const double age = static_cast<double>(k);
    // The day a window mostly covers: the release day for window 0, the day before its end after.
    const DayIndex day = first_snapshot_day + static_cast<DayIndex>(k) - (k > 0 ? 1 : 0);
    const double ramp = 1.0 - portable_exp(-(age + 1.0) / c.ramp_days);
    const double life = c.plateau + (1.0 - c.plateau) * portable_exp(-age / c.decay_days);
    const double growth = portable_exp(c.growth_per_year * (day - origin) / 365.0);
    const double noise = 1.0 + kNoise * (2.0 * rng.uniform() - 1.0);
    const double week = is_weekend(day) ? kWeekendFactor : 1.0;
    w[k] = ramp * life * growth * noise * week * (k == 0 ? first_window_days : 1.0);
  }
  return w;
}

// One model's history: its fixed fields and, per daily snapshot, downloads and likes.
struct ModelHistory {
  HfModelSnapshot base;
  TimeMs first_snapshot = 0;
  std::vector<std::int64_t> all_time;
  std::vector<std::int64_t> likes;

  std::size_t size() const { return all_time.size(); }
  HfModelSnapshot at(std::size_t k) const {
    HfModelSnapshot s = base;
    s.observed_at = first_snapshot + static_cast<TimeMs>(k) * kMsPerDay;
    s.downloads_all_time = all_time[k];
    s.downloads_30d = all_time[k] - (k >= 30 ? all_time[k - 30] : 0);
    s.likes = likes[k];
    return s;
  }
};

ModelHistory history_of(const DemoModel& m, DayIndex until) {
  const DayIndex release = day_or_throw(m.release_date);
  const DayIndex calibration = day_or_throw(kDemoCalibrationDate);
  if (release >= calibration)
    throw std::logic_error("demo catalogue: released after the calibration day: " + std::string(m.repo_id));
  const DayIndex first_day = release;

  // Created in the small hours (repos are mostly created privately before the launch), so the
  // release day's 06:00 snapshot is the first: within a day of release, as the daemon's
  // gap-fill and RAM's day 0 expect.
  const std::uint64_t h = fnv1a64(m.repo_id);
  const TimeMs created_at = day_start(release) + static_cast<TimeMs>(h % 6) * kMsPerHour +
                            static_cast<TimeMs>((h >> 8) % 3600) * kMsPerSecond;
  ModelHistory out;
  out.first_snapshot = day_start(first_day) + kSnapshotHour * kMsPerHour;
  out.base.repo_id = std::string(m.repo_id);
  out.base.org = std::string(repo_org(m.repo_id));
  out.base.created_at = created_at;
  out.base.params_total = std::llround(m.params_b * 1e9);
  out.base.pipeline_tag = std::string(m.pipeline_tag);
  out.base.library = "transformers";
  out.base.gated = (m.traits & kGated) != 0;
  out.base.tags = tags_of(m);
  if (until < first_day) return out;

  // Weights are drawn through max(until, calibration) so values never depend on `until`.
  const double first_window_days = static_cast<double>(out.first_snapshot - created_at) / kMsPerDay;
  const auto count = static_cast<std::size_t>(std::max(until, calibration) - first_day + 1);
  const auto w = download_weights(m, first_day, first_window_days, count);
  double weight_to_calibration = 0;
  for (std::size_t k = 0; k <= static_cast<std::size_t>(calibration - first_day); ++k) weight_to_calibration += w[k];
  const double target = m.downloads_m * 1e6;
  const double scale = target / weight_to_calibration;
  const double likes_at_calibration = kLikesPerSqrtDownload * std::sqrt(target);

  const auto n = static_cast<std::size_t>(until - first_day + 1);
  out.all_time.resize(n);
  out.likes.resize(n);
  double cumulative_weight = 0;
  for (std::size_t k = 0; k < n; ++k) {
    cumulative_weight += w[k];
    // Rounding the scaled running sum (not each day) keeps all_time exact and non-decreasing.
    const double downloads = scale * cumulative_weight;
    out.all_time[k] = std::llround(downloads);
    out.likes[k] = std::llround(likes_at_calibration * std::sqrt(downloads / target));
  }
  return out;
}

}  // namespace

DayIndex demo_calibration_day() { return day_or_throw(kDemoCalibrationDate); }

TimeMs demo_history_end(DayIndex until) { return day_start(until) + kSnapshotHour * kMsPerHour; }

std::string replay_line(const HfModelSnapshot& snapshot) {
  return R"({"topic":"hf.models","value":)" + encode(snapshot) + "}";
}

std::string replay_line(const HfDerivative& sighting) {
  return R"({"topic":"hf.derivatives","value":)" + encode(sighting) + "}";
}

std::string replay_line(const OpenRouterTokens& row) {
  return R"({"topic":"openrouter.tokens","value":)" + encode(row) + "}";
}

DemoHistoryCounts write_demo_history(std::ostream& out, DayIndex until) {
  std::vector<ModelHistory> histories;
  DayIndex first = until + 1;
  for (const auto& m : demo_catalogue()) {
    histories.push_back(history_of(m, until));
    if (histories.back().size() > 0) first = std::min(first, day_of(histories.back().first_snapshot));
  }
  const auto sightings = demo_derivative_sightings(until);
  const auto rows = demo_token_rows(until);
  DemoHistoryCounts counts;
  // Both lists are sorted by event time and end at demo_history_end(until); each is drained up to
  // a day's snapshot instant (token rows first at equal times), then the day's snapshots follow.
  std::size_t next_sighting = 0;
  std::size_t next_row = 0;
  auto drain_through = [&](TimeMs t) {
    for (;;) {
      const bool has_row = next_row < rows.size() && token_event_time(rows[next_row]) <= t;
      const bool has_sighting = next_sighting < sightings.size() && sightings[next_sighting].observed_at <= t;
      if (has_row && (!has_sighting || token_event_time(rows[next_row]) <= sightings[next_sighting].observed_at)) {
        out << replay_line(rows[next_row++]) << '\n';
        ++counts.openrouter_tokens;
      } else if (has_sighting) {
        out << replay_line(sightings[next_sighting++]) << '\n';
        ++counts.hf_derivatives;
      } else {
        return;
      }
    }
  };
  // Every snapshot is taken at 06:00, so day order then catalogue order is observed_at order.
  for (DayIndex day = first; day <= until; ++day) {
    drain_through(demo_history_end(day));
    for (const auto& h : histories) {
      const DayIndex k = day - day_of(h.first_snapshot);
      if (k < 0 || static_cast<std::size_t>(k) >= h.size()) continue;
      out << replay_line(h.at(static_cast<std::size_t>(k))) << '\n';
      ++counts.hf_models;
    }
  }
  return counts;
}

}  // namespace atomd
