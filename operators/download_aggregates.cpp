#include "operators/download_aggregates.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <stdexcept>

#include "core/records.hpp"
#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;
// 30d = (T - 30d, T], read as the 30 whole UTC days ending with the day of T - 1 ms: every
// increment lies in some [t1, t2) with t2 <= T, so no data can sit later; at a midnight T this
// is exactly the 30 days before T (counting T's own day would swap a full day for an empty one).
constexpr DayIndex kWindowDays = 30;
constexpr DayIndex kNoDay = INT32_MIN;  // before every release: first_release needs no values

bool day_before(const DayIncrement& e, DayIndex d) { return e.day < d; }

void add_to_day(std::vector<DayIncrement>& daily, DayIndex day, double downloads) {
  // Increments almost always land on or after the last stored day: append or merge there.
  if (daily.empty() || daily.back().day < day) {
    daily.push_back({day, downloads});
    return;
  }
  auto it = std::lower_bound(daily.begin(), daily.end(), day, day_before);
  if (it != daily.end() && it->day == day)
    it->downloads += downloads;
  else
    daily.insert(it, {day, downloads});
}

// Sum over days [first, last], in day order.
double sum_days(const std::vector<DayIncrement>& daily, DayIndex first, DayIndex last) {
  double sum = 0;
  for (auto it = std::lower_bound(daily.begin(), daily.end(), first, day_before); it != daily.end() && it->day <= last; ++it)
    sum += it->downloads;
  return sum;
}

MonthIndex month_of_time(TimeMs t) { return month_of_day(day_of(t)); }

// A model's cumulative and 30d at the end of `day`. Scans back from the latest day, since a
// daily evaluation asks for a day near it; the 30d sum then runs in day order like sum_days,
// so it equals the leaderboard's 30d bit for bit when the windows coincide.
struct AtDay {
  double cumulative = 0;
  double d30 = 0;
};
AtDay at_day(const std::vector<DayIncrement>& daily, std::int64_t downloads_all_time, DayIndex day, DayIndex window_days) {
  double after = 0;
  auto end = daily.end();
  while (end != daily.begin() && std::prev(end)->day > day) after += (--end)->downloads;
  auto begin = end;
  while (begin != daily.begin() && std::prev(begin)->day > day - window_days) --begin;
  AtDay out;
  for (auto it = begin; it != end; ++it) out.d30 += it->downloads;
  out.cumulative = std::max(0.0, static_cast<double>(downloads_all_time) - after);
  return out;
}

}  // namespace

void DownloadAggregates::apply(const DownloadContribution& c) {
  auto [it, inserted] = models_.try_emplace(c.repo_id);
  ModelTotals& m = it->second;
  if (!inserted && c.observed_at <= m.latest_observed_at) {
    ++redeliveries_;
    return;
  }
  if (inserted) m.first_observed_at = c.observed_at;
  m.latest_observed_at = c.observed_at;
  m.org = c.org;
  m.created_at = c.created_at;
  m.downloads_all_time = c.downloads_all_time;
  m.hf_30d = c.downloads_30d;
  m.params_total = c.params_total;
  for (const DayIncrement& inc : c.increments) add_to_day(m.daily, inc.day, inc.downloads);
  stream_time_ = stream_time_ == kNoTime ? c.observed_at : std::max(stream_time_, c.observed_at);
}

std::string DownloadAggregates::group_of(const std::string& repo_id, const ModelTotals& m, GroupBy by,
                                         const ReferenceData& reference) const {
  const std::string org = reference.canonical_org(m.org.empty() ? repo_org(repo_id) : std::string_view(m.org));
  switch (by) {
    case GroupBy::org: return org;
    case GroupBy::region: return std::string(to_string(reference.region_of(org)));
    case GroupBy::size_bucket: return std::string(to_string(reference.size_bucket(repo_id, m.params_total)));
  }
  return org;
}

double DownloadAggregates::window_value(const ModelTotals& m, DownloadWindow window, MonthIndex month) const {
  switch (window) {
    case DownloadWindow::cumulative:
      return static_cast<double>(m.downloads_all_time);
    case DownloadWindow::month:
      return sum_days(m.daily, month_first_day(month), month_first_day(month + 1) - 1);
    case DownloadWindow::d30: {
      const DayIndex last = day_of(stream_time_ - 1);
      return sum_days(m.daily, last - kWindowDays + 1, last);
    }
  }
  return 0;
}

Leaderboard DownloadAggregates::leaderboard(GroupBy by, DownloadWindow window, std::optional<MonthIndex> month,
                                            const ReferenceData& reference) const {
  Leaderboard board;
  if (models_.empty()) return board;  // otherwise T is known
  const MonthIndex m = month.value_or(month_of_time(stream_time_));
  // Group sums are built in repo-id order (models_ is ordered), so they are bit-identical
  // however the contributions were interleaved. Ties keep the groups' byte order.
  std::map<std::string, double, std::less<>> groups;
  for (const auto& [repo_id, totals] : models_) groups[group_of(repo_id, totals, by, reference)] += window_value(totals, window, m);
  board.rows.reserve(groups.size());
  for (auto& [group, value] : groups) board.rows.push_back({group, value});
  std::stable_sort(board.rows.begin(), board.rows.end(),
                   [](const GroupValue& a, const GroupValue& b) { return a.value > b.value; });
  for (const GroupValue& row : board.rows) board.total += row.value;
  return board;
}

std::vector<SeriesPoint> DownloadAggregates::series(GroupBy by, std::string_view group, SeriesWindow window,
                                                    const ReferenceData& reference) const {
  std::vector<const ModelTotals*> members;
  DayIndex first = 0, last = -1;
  for (const auto& [repo_id, totals] : models_) {
    if (totals.daily.empty() || group_of(repo_id, totals, by, reference) != group) continue;
    if (members.empty() || totals.daily.front().day < first) first = totals.daily.front().day;
    if (members.empty() || totals.daily.back().day > last) last = totals.daily.back().day;
    members.push_back(&totals);
  }
  std::vector<SeriesPoint> points;
  if (members.empty()) return points;

  // Dense accumulators over the group's span; only days (months) some model has are shown,
  // since a day no snapshot pair covers is unknown, not zero.
  if (window == SeriesWindow::day) {
    std::vector<double> sums(static_cast<std::size_t>(last - first) + 1, 0.0);
    std::vector<char> seen(sums.size(), 0);
    for (const ModelTotals* m : members)
      for (const DayIncrement& e : m->daily) {
        sums[e.day - first] += e.downloads;
        seen[e.day - first] = 1;
      }
    for (std::size_t i = 0; i < sums.size(); ++i)
      if (seen[i]) points.push_back({day_start(first + static_cast<DayIndex>(i)), sums[i]});
    return points;
  }

  // Per model first, then across models: the same order as leaderboard(month), so a month
  // point equals that month's leaderboard value exactly.
  const MonthIndex first_month = month_of_day(first);
  std::vector<double> sums(static_cast<std::size_t>(month_of_day(last) - first_month) + 1, 0.0);
  std::vector<char> seen(sums.size(), 0);
  for (const ModelTotals* m : members) {
    MonthIndex current = month_of_day(m->daily.front().day);
    DayIndex next_month_start = month_first_day(current + 1);
    double sum = 0;
    for (const DayIncrement& e : m->daily) {
      if (e.day >= next_month_start) {
        sums[current - first_month] += sum;
        seen[current - first_month] = 1;
        current = month_of_day(e.day);
        next_month_start = month_first_day(current + 1);
        sum = 0;
      }
      sum += e.downloads;
    }
    sums[current - first_month] += sum;
    seen[current - first_month] = 1;
  }
  for (std::size_t i = 0; i < sums.size(); ++i)
    if (seen[i]) points.push_back({day_start(month_first_day(first_month + static_cast<MonthIndex>(i))), sums[i]});
  return points;
}

std::map<std::string, double> DownloadAggregates::values_at(GroupBy by, DownloadWindow window, DayIndex day,
                                                           const ReferenceData& reference) const {
  if (window == DownloadWindow::month) throw std::invalid_argument("values_at: cumulative or 30d only");
  const GroupBy bys[] = {by};
  auto groups = groups_at(bys, day, reference);
  return std::move(window == DownloadWindow::cumulative ? groups[by].cumulative : groups[by].d30);
}

std::map<std::string, DayIndex> DownloadAggregates::first_release(GroupBy by, const ReferenceData& reference) const {
  const GroupBy bys[] = {by};
  return std::move(groups_at(bys, kNoDay, reference)[by].first_release);
}

std::map<GroupBy, DownloadAggregates::GroupsAtDay> DownloadAggregates::groups_at(std::span<const GroupBy> bys,
                                                                                DayIndex day,
                                                                                const ReferenceData& reference) const {
  struct Sums {
    double cumulative = 0, d30 = 0;
    DayIndex first_release = INT32_MAX;
    bool released = false;  // some model released by `day`
  };
  std::map<GroupBy, std::map<std::string, Sums, std::less<>>> sums;
  for (GroupBy by : bys) sums[by];
  auto* by_org = sums.contains(GroupBy::org) ? &sums[GroupBy::org] : nullptr;
  auto* by_region = sums.contains(GroupBy::region) ? &sums[GroupBy::region] : nullptr;
  auto* by_size = sums.contains(GroupBy::size_bucket) ? &sums[GroupBy::size_bucket] : nullptr;
  // Most of a reference lookup's cost is lowercasing and hashing, and 2,000 models share ~60
  // orgs: each published org name is resolved once per call, to its groups' sums (map nodes
  // do not move).
  struct OrgSums {
    Sums* org = nullptr;
    Sums* region = nullptr;
  };
  std::map<std::string_view, OrgSums, std::less<>> orgs;
  auto add = [day](Sums& s, DayIndex release, const AtDay& values) {
    s.first_release = std::min(s.first_release, release);
    if (release > day) return;
    s.released = true;
    s.cumulative += values.cumulative;
    s.d30 += values.d30;
  };
  for (const auto& [repo_id, m] : models_) {
    const DayIndex release = day_of(reference.release_at(repo_id, m.created_at, m.first_observed_at));
    const AtDay values = release <= day ? at_day(m.daily, m.downloads_all_time, day, kWindowDays) : AtDay{};
    const std::string_view published = m.org.empty() ? repo_org(repo_id) : std::string_view(m.org);
    auto known = orgs.find(published);
    if (known == orgs.end()) {
      const std::string org = group_of(repo_id, m, GroupBy::org, reference);
      OrgSums o;
      if (by_org) o.org = &(*by_org)[org];
      if (by_region) o.region = &(*by_region)[std::string(to_string(reference.region_of(org)))];
      known = orgs.emplace(published, o).first;
    }
    if (known->second.org) add(*known->second.org, release, values);
    if (known->second.region) add(*known->second.region, release, values);
    if (by_size) add((*by_size)[group_of(repo_id, m, GroupBy::size_bucket, reference)], release, values);
  }
  std::map<GroupBy, GroupsAtDay> out;
  for (auto& [by, groups] : sums) {
    GroupsAtDay& g = out[by];
    for (auto& [group, s] : groups) {
      g.first_release.emplace(group, s.first_release);
      if (!s.released) continue;
      g.cumulative.emplace(group, s.cumulative);
      g.d30.emplace(group, s.d30);
    }
  }
  return out;
}

std::optional<DayIndex> DownloadAggregates::first_data_day() const {
  std::optional<DayIndex> first;
  for (const auto& [repo_id, m] : models_) {
    DayIndex d = day_of(m.first_observed_at);
    if (!m.daily.empty()) d = std::min(d, m.daily.front().day);
    if (!first || d < *first) first = d;
  }
  return first;
}

ModelDownloadsView DownloadAggregates::view(const std::string& repo_id, const ModelTotals& m,
                                            const ReferenceData& reference) const {
  ModelDownloadsView v;
  v.repo_id = repo_id;
  v.org = group_of(repo_id, m, GroupBy::org, reference);
  v.region = reference.region_of(v.org);
  v.size_b = reference.size_b(repo_id, m.params_total);
  v.size_bucket = reference.size_bucket(repo_id, m.params_total);
  v.release_at = reference.release_at(repo_id, m.created_at, m.first_observed_at);
  const MonthIndex month = month_of_time(stream_time_);  // a stored model implies T is known
  v.cumulative = window_value(m, DownloadWindow::cumulative, month);
  v.month = window_value(m, DownloadWindow::month, month);
  v.d30 = window_value(m, DownloadWindow::d30, month);
  v.hf_30d = static_cast<double>(m.hf_30d);
  return v;
}

std::optional<ModelDownloadsView> DownloadAggregates::model(std::string_view repo_id,
                                                            const ReferenceData& reference) const {
  auto it = models_.find(repo_id);
  if (it == models_.end()) return std::nullopt;
  return view(it->first, it->second, reference);
}

std::vector<ModelDownloadsView> DownloadAggregates::models(const ReferenceData& reference) const {
  std::vector<ModelDownloadsView> out;
  out.reserve(models_.size());
  for (const auto& [repo_id, totals] : models_) out.push_back(view(repo_id, totals, reference));
  return out;
}

void DownloadAggregates::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  for (const auto& [repo_id, m] : models_) {
    StateWriter w;
    w.u8(kStateVersion);
    w.str(m.org);
    w.i64(m.created_at);
    w.i64(m.first_observed_at);
    w.i64(m.latest_observed_at);
    w.i64(m.downloads_all_time);
    w.i64(m.hf_30d);
    w.u8(m.params_total ? 1 : 0);
    w.i64(m.params_total.value_or(0));
    w.u64(m.daily.size());
    for (const DayIncrement& e : m.daily) {
      w.i32(e.day);
      w.f64(e.downloads);
    }
    sink(repo_id, w.bytes());
  }
}

void DownloadAggregates::restore_state(std::string_view key, std::string_view value) {
  StateReader r(value, key);
  if (r.u8() != kStateVersion) r.fail("unknown version");
  ModelTotals m;
  m.org = r.str();
  m.created_at = r.i64();
  m.first_observed_at = r.i64();
  m.latest_observed_at = r.i64();
  m.downloads_all_time = r.i64();
  m.hf_30d = r.i64();
  const bool has_params = r.u8() != 0;
  const std::int64_t params = r.i64();
  if (has_params) m.params_total = params;
  const auto n = r.count(12);
  m.daily.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const DayIndex day = r.i32();
    const double downloads = r.f64();
    if (!m.daily.empty() && day <= m.daily.back().day) r.fail("days out of order");
    m.daily.push_back({day, downloads});
  }
  r.expect_end();
  // T is the largest observed_at of any contribution, which every model keeps as its latest.
  stream_time_ = stream_time_ == kNoTime ? m.latest_observed_at : std::max(stream_time_, m.latest_observed_at);
  models_.insert_or_assign(std::string(key), std::move(m));
}

void DownloadAggregates::clear_state() {
  models_.clear();
  stream_time_ = kNoTime;
  redeliveries_ = 0;
}

}  // namespace atomd
