#include "operators/daily_evaluation.hpp"

#include <algorithm>
#include <string>

namespace atomd {

std::optional<DayIndex> last_closed_day(TimeMs watermark) {
  if (watermark == kNoTime) return std::nullopt;
  return day_of(watermark) - 1;  // day_end(d) <= W  ⇔  d + 1 <= floor(W / day)
}

std::vector<DayIndex> DailyEvaluation::due(TimeMs watermark, DayIndex first_day, std::size_t max_days) const {
  std::vector<DayIndex> days;
  const auto last_closed = last_closed_day(watermark);
  if (!last_closed) return days;
  const DayIndex from = last_ ? std::max(first_day, *last_ + 1) : first_day;
  for (DayIndex d = from; d <= *last_closed && days.size() < max_days; ++d) days.push_back(d);
  return days;
}

void DailyEvaluation::mark_evaluated(DayIndex day) {
  if (!last_ || day > *last_) last_ = day;
}

void add_download_values(DayValues& values, const DownloadAggregates& downloads, const ReferenceData& reference) {
  constexpr GroupBy kBys[] = {GroupBy::org, GroupBy::region};
  auto groups = downloads.groups_at(kBys, values.day, reference);
  for (GroupBy by : kBys) {
    const std::string group_by(to_string(by));
    values.values[{std::string(kMetricDownloadsCumulative), group_by}] = std::move(groups[by].cumulative);
    values.values[{std::string(kMetricDownloads30d), group_by}] = std::move(groups[by].d30);
    auto& releases = values.first_release[group_by];
    for (const auto& [group, day] : groups[by].first_release) {
      auto [it, inserted] = releases.try_emplace(group, day);
      if (!inserted) it->second = std::min(it->second, day);
    }
  }
}

}  // namespace atomd
