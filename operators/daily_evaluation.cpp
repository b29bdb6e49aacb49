#include "operators/daily_evaluation.hpp"

#include <algorithm>
#include <string>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;
constexpr std::string_view kLastKey = "last_evaluated";
constexpr std::string_view kFirstKey = "first_day";

void save_day(const std::function<void(std::string_view, std::string_view)>& sink, std::string_view key, DayIndex day) {
  StateWriter w;
  w.u8(kStateVersion);
  w.i32(day);
  sink(key, w.bytes());
}

}  // namespace

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

void DailyEvaluation::note_data_day(DayIndex day) {
  if (!last_ && (!first_day_ || day < *first_day_)) first_day_ = day;
}

void DailyEvaluation::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  if (last_) save_day(sink, kLastKey, *last_);
  if (first_day_) save_day(sink, kFirstKey, *first_day_);
}

void DailyEvaluation::restore_state(std::string_view key, std::string_view value) {
  StateReader r(value, key);
  if (key != kLastKey && key != kFirstKey) r.fail("unknown key");
  if (r.u8() != kStateVersion) r.fail("unknown version");
  const DayIndex day = r.i32();
  r.expect_end();
  if (key == kLastKey)
    mark_evaluated(day);  // never back, like the detector's own day
  else
    first_day_ = day;
}

void DailyEvaluation::clear_state() {
  last_.reset();
  first_day_.reset();
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
