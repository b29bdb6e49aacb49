#include "operators/derivative_aggregates.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <tuple>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;
constexpr std::string_view kMetaKey = "meta";
constexpr std::string_view kCountedPrefix = "ids/";
constexpr std::string_view kBasePrefix = "base/";
constexpr std::string_view kLinkPrefix = "link/";
// 30d = (T - 30d, T], read as the 30 whole UTC days ending with the day of T - 1 ms, the same
// days as the downloads 30d window (download_aggregates.cpp), so the two metrics line up.
constexpr DayIndex kWindowDays = 30;

bool cell_before(DayIndex day, Relation relation, std::uint32_t k, DayIndex seen, DayIndex d2, Relation r2, std::uint32_t k2,
                 DayIndex seen2) {
  return std::tie(day, relation, k, seen) < std::tie(d2, r2, k2, seen2);
}

std::string hex16(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

std::string group_name(std::string_view raw_org, GroupBy by, const ReferenceData& reference) {
  std::string org = reference.canonical_org(raw_org);
  if (by == GroupBy::region) return std::string(to_string(reference.region_of(org)));
  return org;
}

void require_org_or_region(GroupBy by) {
  if (by == GroupBy::size_bucket) throw std::invalid_argument("derivatives: group_by must be org or region");
}

// Raw org → group, computed once per query.
class GroupCache {
 public:
  GroupCache(GroupBy by, const ReferenceData& reference) : by_(by), reference_(reference) {}
  const std::string& operator()(std::string_view raw_org) {
    auto it = cache_.find(raw_org);
    if (it == cache_.end()) it = cache_.emplace(std::string(raw_org), group_name(raw_org, by_, reference_)).first;
    return it->second;
  }

 private:
  GroupBy by_;
  const ReferenceData& reference_;
  std::map<std::string, std::string, std::less<>> cache_;
};

}  // namespace

// Roots of one query. A repo's roots are memoised (per remaining hops) only when its walk
// cut no link and stopped at no hop limit: only then are they independent of the path.
class DerivativeAggregates::RootResolver {
 public:
  explicit RootResolver(const DerivativeAggregates& agg) : agg_(agg) {}

  Roots of_base(std::string_view base) {
    bool path_dependent = false;
    return resolve(RepoIdSet::hash(base), repo_org(base), kMaxLineageHops - 1, path_dependent);
  }

 private:
  Roots resolve(std::uint64_t node, std::string_view org, int hops_left, bool& path_dependent) {
    auto link = agg_.links_.find(node);
    if (link == agg_.links_.end()) return {{org, 1.0}};
    if (hops_left == 0) {
      path_dependent = true;
      return {{org, 1.0}};
    }
    const auto key = std::make_pair(node, hops_left);
    if (auto m = memo_.find(key); m != memo_.end()) return m->second;

    std::vector<const BaseRef*> kept;
    for (const BaseRef& b : link->second.bases)
      if (std::find(path_.begin(), path_.end(), b.node) == path_.end()) kept.push_back(&b);
    bool dependent = kept.size() != link->second.bases.size();
    Roots out;
    if (kept.empty()) {
      out.push_back({org, 1.0});
    } else {
      path_.push_back(node);
      const double split = 1.0 / static_cast<double>(kept.size());
      for (const BaseRef* b : kept)
        for (const Root& r : resolve(b->node, agg_.orgs_[b->org], hops_left - 1, dependent)) {
          // Merge roots of one org in order of first appearance: one fixed order of addition.
          auto same = std::find_if(out.begin(), out.end(), [&](const Root& o) { return o.org == r.org; });
          if (same == out.end())
            out.push_back({r.org, r.weight * split});
          else
            same->weight += r.weight * split;
        }
      path_.pop_back();
    }
    if (dependent)
      path_dependent = true;
    else
      memo_.emplace(key, out);
    return out;
  }

  const DerivativeAggregates& agg_;
  std::vector<std::uint64_t> path_;
  std::map<std::pair<std::uint64_t, int>, Roots> memo_;
};

std::uint32_t DerivativeAggregates::intern_org(std::string_view org) {
  auto [it, inserted] = org_index_.try_emplace(std::string(org), static_cast<std::uint32_t>(orgs_.size()));
  if (inserted) orgs_.push_back(it->first);
  return it->second;
}

void DerivativeAggregates::apply(const DerivativeContribution& c) {
  stream_time_ = stream_time_ == kNoTime ? c.observed_at : std::max(stream_time_, c.observed_at);
  const std::vector<DerivativeBase> bases = distinct_bases(c.bases);

  if (c.link) {
    Link fresh{c.observed_at, {}};
    for (const DerivativeBase& b : bases) fresh.bases.push_back({RepoIdSet::hash(b.base), intern_org(repo_org(b.base))});
    std::sort(fresh.bases.begin(), fresh.bases.end(), [](const BaseRef& a, const BaseRef& b) { return a.node < b.node; });
    auto nodes = [](const Link& l) {
      std::vector<std::uint64_t> out;
      for (const BaseRef& b : l.bases) out.push_back(b.node);
      return out;
    };
    auto [it, inserted] = links_.try_emplace(RepoIdSet::hash(c.repo_id), fresh);
    // Newest observed_at wins; at equal times the larger base list, so the order never matters.
    if (!inserted && std::make_pair(fresh.observed_at, nodes(fresh)) > std::make_pair(it->second.observed_at, nodes(it->second)))
      it->second = std::move(fresh);
  }

  if (!c.counted || bases.empty()) return;
  if (!counted_.insert(c.repo_id)) {
    ++redeliveries_;
    return;
  }
  const DayIndex day = day_of(c.created_at);
  const DayIndex seen = day_of(c.observed_at);
  const auto k = static_cast<std::uint32_t>(bases.size());
  for (const DerivativeBase& b : bases) {
    Cells& cells = bases_[b.base];
    auto it = std::lower_bound(cells.begin(), cells.end(), 0, [&](const Cell& e, int) {
      return cell_before(e.day, e.relation, e.k, e.seen, day, b.relation, k, seen);
    });
    if (it != cells.end() && it->day == day && it->relation == b.relation && it->k == k && it->seen == seen)
      ++it->n;
    else
      cells.insert(it, Cell{day, b.relation, k, seen, 1});
  }
}

// fn(day, relation, root org, value) for every root share of every cell created in
// [first, last], in one fixed order: bases by id, cells by (day, relation, k), roots in walk order.
template <class Fn>
void DerivativeAggregates::visit(DayIndex first, DayIndex last, Fn&& fn, DayIndex seen_by) const {
  RootResolver resolver(*this);
  for (const auto& [base, cells] : bases_) {
    auto it = std::lower_bound(cells.begin(), cells.end(), first, [](const Cell& e, DayIndex d) { return e.day < d; });
    if (it == cells.end() || it->day > last) continue;
    const Roots roots = attribution_ == DerivativeAttribution::root ? resolver.of_base(base) : Roots{{repo_org(base), 1.0}};
    for (; it != cells.end() && it->day <= last; ++it) {
      if (it->seen > seen_by) continue;
      const double value = static_cast<double>(it->n) / static_cast<double>(it->k);
      for (const Root& r : roots) fn(it->day, it->relation, r.org, value * r.weight);
    }
  }
}

std::pair<DayIndex, DayIndex> DerivativeAggregates::window_days(DerivativeWindow window,
                                                                std::optional<MonthIndex> month) const {
  if (window == DerivativeWindow::d30) {
    const DayIndex last = day_of(stream_time_ - 1);
    return {last - kWindowDays + 1, last};
  }
  const MonthIndex m = month.value_or(month_of_day(day_of(stream_time_)));
  return {month_first_day(m), month_first_day(m + 1) - 1};
}

Leaderboard DerivativeAggregates::leaderboard(GroupBy by, DerivativeWindow window, std::optional<MonthIndex> month,
                                              const ReferenceData& reference) const {
  require_org_or_region(by);
  Leaderboard board;
  if (stream_time_ == kNoTime) return board;
  const auto [first, last] = window_days(window, month);
  GroupCache group_of(by, reference);
  std::map<std::string, double, std::less<>> groups;
  visit(first, last, [&](DayIndex, Relation, std::string_view org, double v) { groups[group_of(org)] += v; });
  for (auto& [group, value] : groups) board.rows.push_back({group, value});
  std::stable_sort(board.rows.begin(), board.rows.end(),
                   [](const GroupValue& a, const GroupValue& b) { return a.value > b.value; });
  for (const GroupValue& row : board.rows) board.total += row.value;
  return board;
}

std::map<Relation, double> DerivativeAggregates::by_relation(DerivativeWindow window,
                                                             std::optional<MonthIndex> month) const {
  std::map<Relation, double> out;
  for (Relation r : kAllRelations) out[r] = 0;
  if (stream_time_ == kNoTime) return out;
  const auto [first, last] = window_days(window, month);
  // Relations do not depend on roots: sum the cells directly, in the same fixed order.
  for (const auto& [base, cells] : bases_)
    for (const Cell& c : cells)
      if (c.day >= first && c.day <= last) out[c.relation] += static_cast<double>(c.n) / static_cast<double>(c.k);
  return out;
}

std::vector<SeriesPoint> DerivativeAggregates::series(GroupBy by, std::string_view group, SeriesWindow window,
                                                      const ReferenceData& reference) const {
  require_org_or_region(by);
  GroupCache group_of(by, reference);
  // Keyed by day or month start; each point adds its terms in visit order, as leaderboard does,
  // so a month point equals that month's leaderboard value exactly.
  std::map<TimeMs, double> sums;
  visit(std::numeric_limits<DayIndex>::min(), std::numeric_limits<DayIndex>::max(),
        [&](DayIndex day, Relation, std::string_view org, double v) {
          if (group_of(org) != group) return;
          const TimeMs t = window == SeriesWindow::day ? day_start(day) : day_start(month_first_day(month_of_day(day)));
          sums[t] += v;
        });
  std::vector<SeriesPoint> points;
  points.reserve(sums.size());
  for (const auto& [t, v] : sums) points.push_back({t, v});
  return points;
}

std::map<std::string, double> DerivativeAggregates::shares_at(GroupBy by, DayIndex day,
                                                              const ReferenceData& reference) const {
  require_org_or_region(by);
  GroupCache group_of(by, reference);
  std::map<std::string, double> groups;
  visit(
      month_first_day(month_of_day(day)), day,
      [&](DayIndex, Relation, std::string_view org, double v) { groups[group_of(org)] += v; }, day);
  double total = 0;
  for (const auto& [group, value] : groups) total += value;
  if (total <= 0) return {};
  for (auto& [group, value] : groups) value /= total;
  return groups;
}

void DerivativeAggregates::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  {
    StateWriter w;
    w.u8(kStateVersion);
    w.i64(stream_time_);
    w.u64(redeliveries_);
    sink(kMetaKey, w.bytes());
  }
  counted_.save(kCountedPrefix.substr(0, kCountedPrefix.size() - 1), sink);
  for (const auto& [base, cells] : bases_) {
    StateWriter w;
    w.u8(kStateVersion);
    w.u64(cells.size());
    for (const Cell& c : cells) {
      w.i32(c.day);
      w.u8(static_cast<std::uint8_t>(c.relation));
      w.i64(c.k);
      w.i32(c.seen);
      w.i64(c.n);
    }
    sink(std::string(kBasePrefix) + base, w.bytes());
  }
  for (const auto& [node, link] : links_) {
    StateWriter w;
    w.u8(kStateVersion);
    w.i64(link.observed_at);
    w.u64(link.bases.size());
    for (const BaseRef& b : link.bases) {
      w.u64(b.node);
      w.str(orgs_[b.org]);
    }
    sink(std::string(kLinkPrefix) + hex16(node), w.bytes());
  }
}

void DerivativeAggregates::restore_state(std::string_view key, std::string_view value) {
  StateReader r(value, key);
  if (key.starts_with(kCountedPrefix)) {
    counted_.restore(key.substr(kCountedPrefix.size()), value);
    return;
  }
  if (r.u8() != kStateVersion) r.fail("unknown version");
  if (key == kMetaKey) {
    const TimeMs t = r.i64();
    redeliveries_ = r.u64();
    r.expect_end();
    if (t != kNoTime) stream_time_ = stream_time_ == kNoTime ? t : std::max(stream_time_, t);
  } else if (key.starts_with(kBasePrefix)) {
    const std::string_view base = key.substr(kBasePrefix.size());
    if (!is_repo_id(base)) r.fail("not a repo id");
    Cells cells;
    const auto n = r.count(25);
    cells.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) {
      Cell c;
      c.day = r.i32();
      const auto relation = r.u8();
      if (relation > static_cast<std::uint8_t>(Relation::unspecified)) r.fail("unknown relation");
      c.relation = static_cast<Relation>(relation);
      const std::int64_t k = r.i64();
      c.seen = r.i32();
      c.n = r.i64();
      if (k < 1 || k > UINT32_MAX || c.n < 1) r.fail("count out of range");
      c.k = static_cast<std::uint32_t>(k);
      if (!cells.empty() && !cell_before(cells.back().day, cells.back().relation, cells.back().k, cells.back().seen, c.day,
                                         c.relation, c.k, c.seen))
        r.fail("cells out of order");
      cells.push_back(c);
    }
    r.expect_end();
    bases_.insert_or_assign(std::string(base), std::move(cells));
  } else if (key.starts_with(kLinkPrefix)) {
    const std::string node_text(key.substr(kLinkPrefix.size()));
    unsigned long long node = 0;
    char extra = 0;
    if (node_text.size() != 16 || std::sscanf(node_text.c_str(), "%16llx%c", &node, &extra) != 1) r.fail("bad link key");
    Link link;
    link.observed_at = r.i64();
    const auto n = r.count(16);
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t base = r.u64();
      const std::string org = r.str();
      if (!link.bases.empty() && base <= link.bases.back().node) r.fail("link bases out of order");
      link.bases.push_back({base, intern_org(org)});
    }
    r.expect_end();
    links_.insert_or_assign(node, std::move(link));
  } else {
    r.fail("unknown key");
  }
}

void DerivativeAggregates::clear_state() {
  bases_.clear();
  links_.clear();
  orgs_.clear();
  org_index_.clear();
  counted_.clear();
  stream_time_ = kNoTime;
  redeliveries_ = 0;
}

}  // namespace atomd
