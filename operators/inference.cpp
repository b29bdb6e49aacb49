#include "operators/inference.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;
constexpr DayIndex kWeekDays = 7;
constexpr std::string_view kOtherRegion = "unknown";  // DESIGN §4: the `other` row's region

// A row's event time (DESIGN §4): the last millisecond of its date.
constexpr TimeMs event_time(DayIndex date) { return day_end(date) - 1; }

void require_defined(GroupBy by) {
  if (by == GroupBy::size_bucket) throw std::invalid_argument("inference: group_by=size_bucket is not defined for tokens");
}

bool is_other(std::string_view slug) { return slug == kOtherSlug; }

bool in_scope(std::string_view slug, const std::optional<std::string>& hf_id, InferenceScope scope) {
  return scope == InferenceScope::all || (hf_id.has_value() && !is_other(slug));
}

std::string group_of_org(std::string_view org, GroupBy by, const ReferenceData& reference) {
  if (by == GroupBy::region) return std::string(to_string(reference.region_of(org)));
  return reference.canonical_org(org);
}

std::string other_group(GroupBy by) { return std::string(by == GroupBy::org ? kOtherSlug : kOtherRegion); }

MonthIndex month_of_time(TimeMs t) { return month_of_day(day_of(t)); }

}  // namespace

bool InferenceTokens::replaces(const OpenRouterTokens& incoming, const Row& stored) {
  const std::string_view in_hf = incoming.hf_id ? std::string_view(*incoming.hf_id) : std::string_view();
  const std::string_view st_hf = stored.hf_id ? std::string_view(*stored.hf_id) : std::string_view();
  return std::tie(incoming.observed_at, incoming.tokens) > std::tie(stored.observed_at, stored.tokens) ||
         (std::tie(incoming.observed_at, incoming.tokens) == std::tie(stored.observed_at, stored.tokens) &&
          std::make_tuple(incoming.hf_id.has_value(), in_hf, std::string_view(incoming.org)) >
              std::make_tuple(stored.hf_id.has_value(), st_hf, std::string_view(stored.org)));
}

void InferenceTokens::store(DayIndex date, std::string slug, Row row) {
  auto [it, inserted] = days_[date].insert_or_assign(std::move(slug), std::move(row));
  if (inserted) ++row_count_;
  const TimeMs t = event_time(date);
  stream_time_ = stream_time_ == kNoTime ? t : std::max(stream_time_, t);
}

UpsertOutcome InferenceTokens::apply(const OpenRouterTokens& row) {
  UpsertOutcome outcome = UpsertOutcome::inserted;
  if (auto day = days_.find(row.date); day != days_.end()) {
    if (auto stored = day->second.find(row.slug); stored != day->second.end()) {
      if (!replaces(row, stored->second)) {
        ++stale_;
        return UpsertOutcome::stale;
      }
      outcome = UpsertOutcome::updated;
    }
  }
  store(row.date, row.slug, Row{row.observed_at, row.tokens, row.hf_id, row.org});
  return outcome;
}

std::map<std::string, std::int64_t> InferenceTokens::group_tokens(GroupBy by, DayIndex first, DayIndex last,
                                                                  InferenceScope scope,
                                                                  const ReferenceData& reference) const {
  // Sum per org as written first, then resolve each distinct org once: aliases and regions
  // are looked up ~30 times per query instead of once per row. Integer sums: exact in any order.
  std::map<std::string_view, std::int64_t, std::less<>> by_org;
  std::int64_t other = 0;
  bool has_other = false;
  for (auto day = days_.lower_bound(first); day != days_.end() && day->first <= last; ++day)
    for (const auto& [slug, row] : day->second) {
      if (!in_scope(slug, row.hf_id, scope)) continue;
      if (is_other(slug)) {
        other += row.tokens;
        has_other = true;
      } else {
        by_org[row.org] += row.tokens;
      }
    }
  std::map<std::string, std::int64_t> groups;
  for (const auto& [org, tokens] : by_org) groups[group_of_org(org, by, reference)] += tokens;
  if (has_other) groups[other_group(by)] += other;
  return groups;
}

Leaderboard InferenceTokens::leaderboard(GroupBy by, InferenceWindow window, InferenceScope scope,
                                         std::optional<MonthIndex> month, DayIndex last_closed_day,
                                         const ReferenceData& reference) const {
  require_defined(by);
  Leaderboard board;
  if (days_.empty()) return board;  // otherwise T is known
  DayIndex first = last_closed_day, last = last_closed_day;
  switch (window) {
    case InferenceWindow::day:
      break;
    case InferenceWindow::d7:
      last = day_of(stream_time_);
      first = last - kWeekDays + 1;
      break;
    case InferenceWindow::month: {
      const MonthIndex m = month.value_or(month_of_time(stream_time_));
      first = month_first_day(m);
      last = month_first_day(m + 1) - 1;
      break;
    }
  }
  std::int64_t total = 0;
  for (const auto& [group, tokens] : group_tokens(by, first, last, scope, reference)) {
    board.rows.push_back({group, static_cast<double>(tokens)});
    total += tokens;
  }
  // The map gave name order; a stable sort by value keeps it for ties.
  std::stable_sort(board.rows.begin(), board.rows.end(),
                   [](const GroupValue& a, const GroupValue& b) { return a.value > b.value; });
  board.total = static_cast<double>(total);
  return board;
}

std::map<std::string, double> InferenceTokens::shares_at(GroupBy by, DayIndex day,
                                                         const ReferenceData& reference) const {
  require_defined(by);
  const auto groups = group_tokens(by, day - kWeekDays + 1, day, InferenceScope::all, reference);
  std::int64_t total = 0;
  for (const auto& [group, tokens] : groups) total += tokens;
  std::map<std::string, double> shares;
  for (const auto& [group, tokens] : groups)
    shares.emplace(group, total > 0 ? static_cast<double>(tokens) / static_cast<double>(total) : 0.0);
  return shares;
}

std::vector<SeriesPoint> InferenceTokens::series(GroupBy by, std::string_view group, SeriesWindow window,
                                                 InferenceScope scope, const ReferenceData& reference) const {
  require_defined(by);
  // Whether each org as written belongs to `group`, resolved once per distinct org.
  std::map<std::string_view, bool, std::less<>> member;
  const bool other_member = other_group(by) == group;
  auto belongs = [&](std::string_view slug, const Row& row) {
    if (is_other(slug)) return other_member;
    auto [it, inserted] = member.try_emplace(row.org, false);
    if (inserted) it->second = group_of_org(row.org, by, reference) == group;
    return it->second;
  };

  std::vector<SeriesPoint> points;
  std::int64_t sum = 0;
  bool seen = false;
  std::optional<MonthIndex> current;  // the month being summed (SeriesWindow::month)
  auto flush = [&](TimeMs t) {
    if (seen) points.push_back({t, static_cast<double>(sum)});
    sum = 0;
    seen = false;
  };
  for (const auto& [date, rows] : days_) {
    if (window == SeriesWindow::month && current != month_of_day(date)) {
      if (current) flush(day_start(month_first_day(*current)));
      current = month_of_day(date);
    }
    for (const auto& [slug, row] : rows)
      if (in_scope(slug, row.hf_id, scope) && belongs(slug, row)) {
        sum += row.tokens;
        seen = true;
      }
    if (window == SeriesWindow::day) flush(day_start(date));
  }
  if (window == SeriesWindow::month && current) flush(day_start(month_first_day(*current)));
  return points;
}

void InferenceTokens::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  for (const auto& [date, rows] : days_)
    for (const auto& [slug, row] : rows) {
      StateWriter w;
      w.u8(kStateVersion);
      w.i64(row.observed_at);
      w.i64(row.tokens);
      w.u8(row.hf_id ? 1 : 0);
      w.str(row.hf_id.value_or(""));
      w.str(row.org);
      sink(slug + "@" + format_date(date), w.bytes());
    }
}

void InferenceTokens::restore_state(std::string_view key, std::string_view value) {
  StateReader r(value, key);
  const auto at = key.rfind('@');
  if (at == std::string_view::npos || at == 0) r.fail("key is not slug@date");
  const auto date = parse_date(key.substr(at + 1));
  if (!date) r.fail("key has no valid date");
  if (r.u8() != kStateVersion) r.fail("unknown version");
  Row row;
  row.observed_at = r.i64();
  row.tokens = r.i64();
  const bool has_hf_id = r.u8() != 0;
  std::string hf_id = r.str();
  if (has_hf_id) row.hf_id = std::move(hf_id);
  row.org = r.str();
  r.expect_end();
  store(*date, std::string(key.substr(0, at)), std::move(row));
}

void InferenceTokens::clear_state() {
  days_.clear();
  row_count_ = 0;
  stream_time_ = kNoTime;
  stale_ = 0;
}

}  // namespace atomd
