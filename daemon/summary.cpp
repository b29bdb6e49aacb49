#include "daemon/summary.hpp"

#include <fmt/format.h>

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

}  // namespace

std::string replay_summary(const ReplayStats& stats, const PipelineView& view, const ReferenceData& reference,
                           std::int64_t rejected_records) {
  std::string out;
  const TimeMs t = view.downloads.stream_time();
  out += fmt::format("\nReplay summary: {} lines, {} produced, {} rejected lines, {} rejected records, {:.1f}s ({:.0f} lines/s)\n",
                     stats.lines, stats.produced, stats.rejected, rejected_records, stats.seconds,
                     stats.seconds > 0 ? stats.lines / stats.seconds : 0.0);
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
  return out;
}

}  // namespace atomd
