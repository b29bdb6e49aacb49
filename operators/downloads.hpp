#pragma once
// Stage 1 of the downloads family (DESIGN §4 "Downloads"): per-model snapshot history →
// per-UTC-day increments. Pure logic, no I/O; state is per model and serialisable.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/records.hpp"
#include "core/reference.hpp"
#include "operators/operator.hpp"

namespace atomd {

struct DownloadsConfig {
  TimeMs gap_fill_horizon_ms = 7 * kMsPerDay;
};

struct DayIncrement {
  DayIndex day = 0;
  double downloads = 0;
  bool operator==(const DayIncrement&) const = default;
};

// What stage 1 sends to stage 2 for one accepted snapshot: the model's latest facts and
// the increments the snapshot produced (possibly none).
struct DownloadContribution {
  std::string repo_id;
  std::string org;  // as published on the Hub; stage 2 applies aliases
  TimeMs observed_at = 0;
  TimeMs created_at = 0;
  TimeMs release_at = 0;
  std::int64_t downloads_all_time = 0;
  std::int64_t downloads_30d = 0;  // HF's own rolling 30 days
  std::optional<std::int64_t> params_total;
  std::vector<DayIncrement> increments;
  // The model's first snapshot was apportioned over [release, t1) (SnapshotOutcome::gap_filled):
  // its downloads curve starts at 0 on day 0 instead of at this snapshot (RAM, DESIGN §4).
  bool gap_filled = false;
  bool operator==(const DownloadContribution&) const = default;
};

enum class SnapshotOutcome {
  baseline,           // first snapshot of an older model: sets the baseline only
  gap_filled,         // first snapshot of a recent release: apportioned over [release, t1)
  apportioned,        // a newer snapshot: Δ apportioned over [t1, t2)
  late,               // not newer than the latest: ignored (atom_records_late_total)
  anomalous_decrease  // all-time went down: Δ = 0, baseline reset (atom_observations_anomalous_total)
};

struct SnapshotResult {
  SnapshotOutcome outcome;
  std::optional<DownloadContribution> contribution;  // absent only for `late`
};

// Linear apportioning of `delta` over [from, to) to UTC days by overlap; empty when to <= from.
// The increments add up to delta exactly, in any order (the last day takes the remainder).
std::vector<DayIncrement> apportion(double delta, TimeMs from, TimeMs to);

class ModelDownloads final : public StatefulOperator {
 public:
  explicit ModelDownloads(DownloadsConfig config) : config_(config) {}

  SnapshotResult process(const HfModelSnapshot& snapshot, const ReferenceData& reference);

  std::string_view name() const override { return "downloads"; }
  // One key per model: its repo id.
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  // Replaces that model's state only, so the models of a partition moving here merge in.
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override { models_.clear(); }
  // Forgets the models `pred` selects (those of a partition moving away); returns how many.
  std::size_t drop_models(const std::function<bool(std::string_view repo_id)>& pred);
  std::size_t model_count() const { return models_.size(); }

 private:
  struct ModelState {
    TimeMs first_observed_at = 0;
    TimeMs last_observed_at = 0;
    std::int64_t last_downloads_all_time = 0;
  };
  DownloadsConfig config_;
  std::unordered_map<std::string, ModelState> models_;
};

}  // namespace atomd
