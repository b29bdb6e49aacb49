#include "daemon/landing_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

namespace atomd {
namespace {

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// 1157300000 → "1,157,300,000"
std::string grouped(double value) {
  std::string digits = fmt::format("{:.0f}", value);
  std::string out;
  std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i >= lead && (i - lead) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

std::string leaderboard_table(const std::string& title, const Leaderboard& board, std::size_t limit,
                              const char* unit = "downloads") {
  std::string out =
      fmt::format("<h3>{}</h3><table><tr><th>#</th><th>group</th><th>{}</th><th>share</th></tr>", escape(title), unit);
  for (std::size_t i = 0; i < board.rows.size() && i < limit; ++i) {
    const auto& r = board.rows[i];
    out += fmt::format("<tr><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{:.1f}%</td></tr>", i + 1,
                       escape(r.group), grouped(r.value), board.total > 0 ? 100 * r.value / board.total : 0.0);
  }
  return out + "</table>";
}

}  // namespace

std::string landing_page(const LandingInfo& info, const TopologyView& view, const ReferenceData& reference) {
  const TimeMs t = view.downloads.stream_time();
  std::string html = R"(<!doctype html><html><head><meta charset="utf-8"><title>atomd</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin-bottom:1em}
td,th{border:1px solid #ccc;padding:.2em .6em}td.n{text-align:right}.grid{display:flex;gap:2em;flex-wrap:wrap}</style>
</head><body><h1>atomd</h1>
<p>Live adoption metrics of open language models, after <em>The ATOM Report</em> (Lambert &amp; Brand, 2026).</p>)";
  html += fmt::format("<p>version {} &middot; {} &middot; Kafka: {} <code>{}</code> &middot; stream time T: {} &middot; watermark: {}</p>",
                      escape(info.version), info.ready ? "ready" : "starting", info.embedded ? "embedded broker" : "cluster",
                      escape(info.bootstrap), t == kNoTime ? "none" : format_rfc3339(t),
                      view.watermark.watermark() == kNoTime ? "none" : format_rfc3339(view.watermark.watermark()));
  html += R"(<p><a href="/metrics">/metrics</a> &middot; <a href="/api/v1/status">/api/v1/status</a> &middot;
<a href="/api/v1/leaderboard?metric=downloads&group_by=org&window=cumulative&limit=20">leaderboard</a> &middot;
<a href="/-/healthy">/-/healthy</a> &middot; <a href="/-/ready">/-/ready</a></p><div class=grid>)";
  html += "<div>" + leaderboard_table("Downloads by region (cumulative)",
                                      view.downloads.leaderboard(GroupBy::region, DownloadWindow::cumulative, std::nullopt, reference), 5) + "</div>";
  html += "<div>" + leaderboard_table("Downloads by org (cumulative)",
                                      view.downloads.leaderboard(GroupBy::org, DownloadWindow::cumulative, std::nullopt, reference), 10) + "</div>";
  html += "<div>" + leaderboard_table("Downloads by org (month to date at T)",
                                      view.downloads.leaderboard(GroupBy::org, DownloadWindow::month, std::nullopt, reference), 10) + "</div>";
  html += "<div>" + leaderboard_table("Downloads by size bucket (30 days)",
                                      view.downloads.leaderboard(GroupBy::size_bucket, DownloadWindow::d30, std::nullopt, reference), 8) + "</div>";
  if (view.derivatives.stream_time() != kNoTime) {
    const MonthIndex m = month_of_day(day_of(view.derivatives.stream_time())) - 1;
    html += "<div>" + leaderboard_table("Derivative share by base org (" + format_month(m) + ")",
                                        view.derivatives.leaderboard(GroupBy::org, DerivativeWindow::month, m, reference), 10,
                                        "derivatives") + "</div>";
  }
  if (view.inference.stream_time() != kNoTime) {
    for (InferenceScope scope : {InferenceScope::open, InferenceScope::all})
      html += "<div>" + leaderboard_table(fmt::format("OpenRouter tokens by org (7 days, scope {})", to_string(scope)),
                                          view.inference_leaderboard(GroupBy::org, InferenceWindow::d7, scope, std::nullopt, reference),
                                          10, "tokens") + "</div>";
  }
  html += "</div><h2>Latest overtakes</h2><table><tr><th>day</th><th>metric</th><th>by</th><th>winner</th><th>loser</th><th>new entrant</th></tr>";
  for (const auto& e : view.events.list(EventKind::overtake, 15))
    html += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", format_date(e.at),
                        escape(e.metric), escape(e.group_by), escape(e.winner.value_or("")), escape(e.loser.value_or("")),
                        e.new_entrant ? "yes" : "");
  html += R"(</table><p><a href="/api/v1/events">all events</a></p><h2>RAM leaders at 30 days (baseline tenth)</h2>
<table><tr><th>size bucket</th><th>baseline</th><th>leaders (RAM)</th></tr>)";
  auto ranking = ram_ranking(view.ram, RamBaseline::tenth, kRamDay30);
  for (SizeBucket bucket : kAllSizeBuckets) {
    if (bucket == SizeBucket::unknown) continue;
    auto base = view.ram.baseline(bucket, RamBaseline::tenth, 30);
    const auto& list = ranking[bucket];
    std::string names;
    for (std::size_t i = 0; i < list.size() && i < 5; ++i)
      names += fmt::format("{}{} ({:.2f})", i ? ", " : "", escape(list[i].repo_id), list[i].ram);
    html += fmt::format("<tr><td>{}</td><td class=n>{}</td><td>{}</td></tr>", to_string(bucket),
                        base ? grouped(*base) : "&ndash;", base ? names : "fewer than 10 models reach day 30");
  }
  return html + "</table></body></html>\n";
}

}  // namespace atomd
