#include "daemon/adoption_metrics.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace atomd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily gauge_family(const char* name, const char* help) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = MetricType::Gauge;
  return f;
}

void add(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

constexpr DownloadWindow kWindows[] = {DownloadWindow::cumulative, DownloadWindow::month, DownloadWindow::d30};
constexpr GroupBy kGroupBys[] = {GroupBy::org, GroupBy::region, GroupBy::size_bucket};

void add_group_downloads(const AdoptionInputs& in, MetricFamily& values, MetricFamily& shares) {
  for (GroupBy by : kGroupBys) {
    for (DownloadWindow w : kWindows) {
      Leaderboard board = in.downloads.leaderboard(by, w, std::nullopt, in.reference);
      auto rows = by == GroupBy::org ? limit_org_series(board.rows, in.reference) : board.rows;
      for (const auto& row : rows) {
        std::vector<ClientMetric::Label> labels = {
            {"group_by", std::string(to_string(by))}, {"group", row.group}, {"window", std::string(to_string(w))}};
        add(values, labels, row.value);
        add(shares, labels, board.total > 0 ? row.value / board.total : 0.0);
      }
    }
  }
}

void add_model_downloads(const AdoptionInputs& in, MetricFamily& per_model, MetricFamily& truncated) {
  auto models = in.downloads.models(in.reference);
  std::map<SizeBucket, std::vector<const ModelDownloadsView*>> by_bucket;
  for (const auto& m : models) by_bucket[m.size_bucket].push_back(&m);
  const TimeMs now = in.downloads.stream_time();
  double hidden = 0;
  for (auto& [bucket, list] : by_bucket) {
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) {
      return a->cumulative != b->cumulative ? a->cumulative > b->cumulative : a->repo_id < b->repo_id;
    });
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto& m = *list[i];
      bool recent = now != kNoTime && now - m.release_at <= kRecentReleaseMs;
      if (static_cast<int>(i) >= in.model_series_per_bucket && !recent) {
        ++hidden;
        continue;
      }
      const double values[] = {m.cumulative, m.month, m.d30};
      for (int w = 0; w < 3; ++w)
        add(per_model,
            {{"model", m.repo_id},
             {"org", m.org},
             {"region", std::string(to_string(m.region))},
             {"size_bucket", std::string(to_string(m.size_bucket))},
             {"window", std::string(to_string(kWindows[w]))}},
            values[w]);
    }
  }
  add(truncated, {}, hidden);
}

}  // namespace

std::vector<GroupValue> limit_org_series(const std::vector<GroupValue>& rows, const ReferenceData& reference) {
  std::set<std::string> tracked;
  for (const auto& org : reference.tracked_orgs()) tracked.insert(reference.canonical_org(org));
  std::vector<GroupValue> out;
  std::size_t others = 0;
  GroupValue rest{"other", 0};
  bool has_rest = false;
  for (const auto& row : rows) {  // rows are by value, descending
    if (tracked.count(row.group) || (row.group != "other" && others++ < kUntrackedOrgSeries)) {
      out.push_back(row);
    } else {
      rest.value += row.value;
      has_rest = true;
    }
  }
  if (has_rest) out.push_back(rest);
  return out;
}

std::vector<prometheus::MetricFamily> adoption_families(const AdoptionInputs& in) {
  auto downloads = gauge_family("atom_downloads", "Hugging Face downloads of tracked models per group and window");
  auto shares = gauge_family("atom_downloads_share", "Share (0..1) of all tracked downloads per group and window");
  auto per_model = gauge_family("atom_model_downloads",
                                "Downloads per model (top models per size bucket and recent releases)");
  auto truncated = gauge_family("atom_model_series_truncated",
                                "Models without per-model series (still in the JSON API)");
  auto watermark = gauge_family("atom_watermark_timestamp_seconds", "Event-time watermark W (unix seconds)");
  auto stale = gauge_family("atom_tracked_models_stale", "Tracked models absent from the last 3 Hub polls");

  add_group_downloads(in, downloads, shares);
  add_model_downloads(in, per_model, truncated);
  if (in.watermark != kNoTime) add(watermark, {}, static_cast<double>(in.watermark) / 1000.0);
  add(stale, {}, static_cast<double>(in.stale_models));

  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&downloads, &shares, &per_model, &truncated, &watermark, &stale})
    if (!f->metric.empty()) out.push_back(std::move(*f));
  return out;
}

}  // namespace atomd
