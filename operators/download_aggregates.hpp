#pragma once
// Stage 2 of the downloads family: per-model day contributions → group aggregates and
// shares over the windows cumulative / month / 30d, relative to stream time T (the largest
// event time seen here), never the wall clock. Groups are derived at query time from
// reference data, so a reference reload takes effect without a state reset.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/reference.hpp"
#include "operators/downloads.hpp"
#include "operators/groups.hpp"
#include "operators/operator.hpp"

namespace atomd {

struct ModelDownloadsView {
  std::string repo_id;
  std::string org;  // after aliases
  Region region = Region::unknown;
  std::optional<double> size_b;
  SizeBucket size_bucket = SizeBucket::unknown;
  TimeMs release_at = 0;
  double cumulative = 0;  // latest downloads_all_time
  double month = 0;       // month containing T
  double d30 = 0;         // the 30 UTC days up to T (see download_aggregates.cpp)
  double hf_30d = 0;      // HF's own rolling figure
};

class DownloadAggregates final : public StatefulOperator {
 public:
  void apply(const DownloadContribution& c);

  TimeMs stream_time() const { return stream_time_; }  // T; kNoTime before any record

  // `month` only with DownloadWindow::month (defaults to the month containing T).
  Leaderboard leaderboard(GroupBy by, DownloadWindow window, std::optional<MonthIndex> month,
                          const ReferenceData& reference) const;
  std::vector<SeriesPoint> series(GroupBy by, std::string_view group, SeriesWindow window,
                                  const ReferenceData& reference) const;
  // Each group's value at the end of UTC day `day` (window cumulative or d30; month throws
  // std::invalid_argument), over the groups with a model released by then. cumulative = latest
  // downloads_all_time minus the increments after `day`, 0 before release; before a baseline-only first
  // snapshot that is the baseline (no earlier increments exist), so it overstates, and after
  // an anomalous decrease it is the reset value minus later increments (never below 0).
  // d30 = the increments of the 30 days ending with `day`. For the daily overtake evaluation.
  std::map<std::string, double> values_at(GroupBy by, DownloadWindow window, DayIndex day,
                                          const ReferenceData& reference) const;
  // The earliest release day of each group's models (a group's first tracked release).
  std::map<std::string, DayIndex> first_release(GroupBy by, const ReferenceData& reference) const;

  struct GroupsAtDay {
    std::map<std::string, double> cumulative, d30;   // as values_at
    std::map<std::string, DayIndex> first_release;  // as first_release
  };
  // All of the above for each of `bys` in one pass over the models, the reference consulted
  // once per model: what one closed day's evaluation needs.
  std::map<GroupBy, GroupsAtDay> groups_at(std::span<const GroupBy> bys, DayIndex day,
                                           const ReferenceData& reference) const;
  // The first UTC day with data: the earliest increment or first snapshot; none when empty.
  std::optional<DayIndex> first_data_day() const;

  std::optional<ModelDownloadsView> model(std::string_view repo_id, const ReferenceData& reference) const;
  std::vector<ModelDownloadsView> models(const ReferenceData& reference) const;
  std::size_t model_count() const { return models_.size(); }
  // Contributions ignored because their model already had one at or after their observed_at
  // (a stage-1 record produced again after a restart); they must not be added twice.
  std::uint64_t redelivery_count() const { return redeliveries_; }

  std::string_view name() const override { return "download_aggregates"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override;

 private:
  using Daily = std::vector<DayIncrement>;  // sorted by day, one entry per day

  struct ModelTotals {
    std::string org;
    TimeMs created_at = 0;
    TimeMs first_observed_at = 0;   // for release_at (a correction after it is ignored)
    TimeMs latest_observed_at = 0;  // contributions not newer than this are redeliveries
    std::int64_t downloads_all_time = 0;
    std::int64_t hf_30d = 0;
    std::optional<std::int64_t> params_total;
    Daily daily;  // apportioned increments per UTC day
  };

  std::string group_of(const std::string& repo_id, const ModelTotals& m, GroupBy by,
                       const ReferenceData& reference) const;
  double window_value(const ModelTotals& m, DownloadWindow window, MonthIndex month) const;
  ModelDownloadsView view(const std::string& repo_id, const ModelTotals& m, const ReferenceData& reference) const;

  // Ordered by repo id so every sum over models runs in one order, whatever the arrival order.
  std::map<std::string, ModelTotals, std::less<>> models_;
  TimeMs stream_time_ = kNoTime;
  std::uint64_t redeliveries_ = 0;
};

}  // namespace atomd
