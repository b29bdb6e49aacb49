#include "daemon/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

namespace atomd {
namespace {

constexpr std::size_t kTopOrgs = 12;

std::string human(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}B", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}K", v / 1e3);
  return fmt::format("{:.0f}", v);
}

void table(std::string& out, const std::string& title, const Leaderboard& cumulative, const Leaderboard& month,
           std::size_t limit) {
  out += fmt::format("\n{}\n", title);
  out += fmt::format("  {:<4} {:<22} {:>12} {:>7}   {:<22} {:>12} {:>7}\n", "rank", "by cumulative", "downloads",
                     "share", "by month", "downloads", "share");
  std::size_t n = std::min(limit, std::max(cumulative.rows.size(), month.rows.size()));
  for (std::size_t i = 0; i < n; ++i) {
    auto cell = [&](const Leaderboard& b) {
      if (i >= b.rows.size()) return fmt::format("{:<22} {:>12} {:>7}", "", "", "");
      const auto& r = b.rows[i];
      return fmt::format("{:<22} {:>12} {:>6.1f}%", r.group, human(r.value), b.total > 0 ? 100 * r.value / b.total : 0.0);
    };
    out += fmt::format("  {:<4} {}   {}\n", i + 1, cell(cumulative), cell(month));
  }
}

void share_table(std::string& out, const std::string& title, const Leaderboard& board, std::size_t limit,
                 const char* unit) {
  out += fmt::format("\n{}\n", title);
  if (board.rows.empty()) {
    out += "  (no data)\n";
    return;
  }
  for (std::size_t i = 0; i < board.rows.size() && i < limit; ++i) {
    const auto& r = board.rows[i];
    out += fmt::format("  {:<4} {:<24} {:>12} {:>6.1f}%\n", i + 1, r.group, human(r.value) + unit,
                       board.total > 0 ? 100 * r.value / board.total : 0.0);
  }
}

// The groups whose pairs the summary names: every region, and the leading orgs by the
// metric's latest ranking (the full list is /api/v1/events).
bool notable(const Event& e, const OvertakeDetector& overtake, int top_orgs) {
  if (e.group_by == "region") return true;
  for (const auto* group : {&*e.winner, &*e.loser}) {
    auto rank = overtake.rank(e.metric, e.group_by, *group);
    if (!rank || *rank > top_orgs) return false;
  }
  return true;
}

void overtake_lines(std::string& out, const TopologyView& view) {
  auto events = view.events.list(EventKind::overtake);
  out += fmt::format("\nOvertakes confirmed in the replayed history: {} events (all on /api/v1/events and atom.events.v1)\n",
                     events.size());
  // Per metric and grouping, each pair with the days its overtakes started, oldest first.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::vector<std::string>>> pairs;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    const int top_orgs = it->metric.rfind("downloads", 0) == 0 ? 5 : 3;
    if (!notable(*it, view.overtake, top_orgs)) continue;
    pairs[{it->metric, it->group_by}][*it->winner + " over " + *it->loser].push_back(format_date(it->at));
  }
  for (const char* metric : {"downloads_cumulative", "downloads_30d", "derivative_share_month", "inference_share_7d"})
    for (const char* group_by : {"region", "org"}) {
      auto found = pairs.find({metric, group_by});
      if (found == pairs.end()) continue;
      out += fmt::format("  {} by {}{}:\n", metric, group_by, std::string_view(group_by) == "org" ? " (leading orgs)" : "");
      for (const auto& [pair, days] : found->second) {
        std::string list;
        for (std::size_t i = 0; i < days.size(); ++i) {
          if (i == 6 && days.size() > 8) {
            list += fmt::format(", … ({} more), {}", days.size() - 7, days.back());
            break;
          }
          list += (i ? ", " : "") + days[i];
        }
        out += fmt::format("    {:<30} {}\n", pair, list);
      }
    }
}

void ram_lines(std::string& out, const TopologyView& view) {
  out += "\nModels with RAM >= 1 at 30 days (baseline tenth: on track to be a top-10 model of their size)\n";
  auto ranking = ram_ranking(view.ram, RamBaseline::tenth, kRamDay30);
  for (SizeBucket bucket : kAllSizeBuckets) {
    if (bucket == SizeBucket::unknown) continue;
    auto base = view.ram.baseline(bucket, RamBaseline::tenth, 30);
    std::string names;
    for (const auto& r : ranking[bucket])
      if (r.ram >= 1.0) names += fmt::format("{}{} {:.2f}", names.empty() ? "" : ", ", r.repo_id, r.ram);
    out += fmt::format("  {:<9} baseline {:>8}  {}\n", to_string(bucket), base ? human(*base) : "none",
                       base ? (names.empty() ? "(none)" : names) : "(fewer than 10 models reach day 30)");
  }
}

}  // namespace

std::string replay_summary(const ReplayStats& stats, const TopologyView& view, const ReferenceData& reference,
                           std::int64_t rejected_records) {
  std::string out;
  const TimeMs t = view.downloads.stream_time();
  out += fmt::format("\nReplay summary: {} lines, {} produced, {} rejected lines, {} rejected records, {:.1f}s ({:.0f} lines/s)\n",
                     stats.lines, stats.produced, stats.rejected, rejected_records, stats.seconds,
                     stats.seconds > 0 ? stats.lines / stats.seconds : 0.0);
  if (stats.skipped > 0)
    out += fmt::format("  resumed from the checkpointed state: the first {} lines were already processed\n", stats.skipped);
  for (const auto& [topic, n] : stats.produced_by_topic) out += fmt::format("  {:<20} {}\n", topic, n);
  if (t == kNoTime) {
    out += "No download data was processed.\n";
    return out;
  }
  const MonthIndex month = month_of_day(day_of(t));
  out += fmt::format("Stream time T = {}; watermark W = {}; month = {} (month-to-date at T); {} models\n",
                     format_rfc3339(t),
                     view.watermark.watermark() == kNoTime ? "none" : format_rfc3339(view.watermark.watermark()),
                     format_month(month), view.downloads.model_count());
  for (GroupBy by : {GroupBy::region, GroupBy::org}) {
    auto cumulative = view.downloads.leaderboard(by, DownloadWindow::cumulative, std::nullopt, reference);
    auto monthly = view.downloads.leaderboard(by, DownloadWindow::month, std::nullopt, reference);
    table(out, fmt::format("Hugging Face downloads by {} (total {})", to_string(by), human(cumulative.total)),
          cumulative, monthly, by == GroupBy::org ? kTopOrgs : cumulative.rows.size());
  }
  if (view.derivatives.stream_time() != kNoTime) {
    // The last complete month: month-to-date shares at T rest on few derivatives.
    const MonthIndex last_full = month_of_day(day_of(view.derivatives.stream_time())) - 1;
    for (GroupBy by : {GroupBy::org, GroupBy::region})
      share_table(out,
                  fmt::format("Derivative share by base {} in {} ({} derivatives counted that month)", to_string(by),
                              format_month(last_full),
                              human(view.derivatives.leaderboard(by, DerivativeWindow::month, last_full, reference).total)),
                  view.derivatives.leaderboard(by, DerivativeWindow::month, last_full, reference), 8, "");
  }
  if (view.inference.stream_time() != kNoTime) {
    for (InferenceScope scope : {InferenceScope::open, InferenceScope::all})
      for (GroupBy by : {GroupBy::region, GroupBy::org})
        share_table(out,
                    fmt::format("OpenRouter tokens by {}, 7 days to {}, scope {}", to_string(by),
                                format_date(day_of(view.inference.stream_time())), to_string(scope)),
                    view.inference_leaderboard(by, InferenceWindow::d7, scope, std::nullopt, reference),
                    by == GroupBy::org ? 8 : 5, "");
  }
  overtake_lines(out, view);
  ram_lines(out, view);
  return out;
}

}  // namespace atomd
