#pragma once
// Which closed UTC days the overtake evaluation still owes (DESIGN §4: once per closed day,
// in day order), and the downloads part of a day's values. Pure; the pipeline calls it when
// the watermark moves and hands each day to OvertakeDetector::evaluate. State keys:
// "last_evaluated" and "first_day", each present once set.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/reference.hpp"
#include "core/time.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/operator.hpp"
#include "operators/overtake.hpp"

namespace atomd {

class DailyEvaluation final : public StatefulOperator {
 public:
  // `last_evaluated`: the detector's last_evaluated_day() after a restore, if any.
  explicit DailyEvaluation(std::optional<DayIndex> last_evaluated = std::nullopt) : last_(last_evaluated) {}

  // The closed days (end <= watermark) not yet evaluated, in order, starting no earlier than
  // `first_day` (the first day with data), at most `max_days` of them (so a long catch-up
  // can be checkpointed in steps). Empty before any watermark.
  std::vector<DayIndex> due(TimeMs watermark, DayIndex first_day, std::size_t max_days = SIZE_MAX) const;
  // Records `day` as evaluated; an earlier or equal day changes nothing.
  void mark_evaluated(DayIndex day);
  std::optional<DayIndex> last_evaluated() const { return last_; }

  // A record's day: until the first evaluation, the earliest one seen is where evaluations
  // start; after it, nothing (an old record arriving late never reopens evaluated days).
  void note_data_day(DayIndex day);
  std::optional<DayIndex> first_day() const { return first_day_; }

  std::string_view name() const override { return "evaluation"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override;

 private:
  std::optional<DayIndex> last_;
  std::optional<DayIndex> first_day_;
};

// The last closed day under `watermark`, if any (a day is closed when its end <= W).
std::optional<DayIndex> last_closed_day(TimeMs watermark);

// Adds downloads_cumulative and downloads_30d, by org and by region, at the end of `values.day`,
// and the first tracked release of every org and region.
void add_download_values(DayValues& values, const DownloadAggregates& downloads, const ReferenceData& reference);

}  // namespace atomd
