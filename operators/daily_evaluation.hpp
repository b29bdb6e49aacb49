#pragma once
// Which closed UTC days the overtake evaluation still owes (DESIGN §4: once per closed day,
// in day order), and the downloads part of a day's values. Pure; the pipeline calls it when
// the watermark moves and hands each day to OvertakeDetector::evaluate.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/reference.hpp"
#include "core/time.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/overtake.hpp"

namespace atomd {

class DailyEvaluation {
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

 private:
  std::optional<DayIndex> last_;
};

// The last closed day under `watermark`, if any (a day is closed when its end <= W).
std::optional<DayIndex> last_closed_day(TimeMs watermark);

// Adds downloads_cumulative and downloads_30d, by org and by region, at the end of `values.day`,
// and the first tracked release of every org and region.
void add_download_values(DayValues& values, const DownloadAggregates& downloads, const ReferenceData& reference);

}  // namespace atomd
