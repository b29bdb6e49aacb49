#include "daemon/adoption_metrics.hpp"

#include <algorithm>
#include <limits>
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

MetricFamily counter_family(const char* name, const char* help) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = MetricType::Counter;
  return f;
}

void add(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

std::vector<ClientMetric::Label> group_labels(GroupBy by, const std::string& group, std::string_view window) {
  return {{"group_by", std::string(to_string(by))}, {"group", group}, {"window", std::string(window)}};
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

// Models with per-model series: the top `model_series_per_bucket` by cumulative downloads per
// size bucket plus releases of the last 180 days (relative to T); the rest are counted.
void add_model_downloads(const AdoptionInputs& in, MetricFamily& per_model, MetricFamily& truncated,
                         std::vector<std::pair<std::string, std::string>>& shown /* repo id, org */) {
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
      shown.emplace_back(m.repo_id, m.org);
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

void add_derivatives(const AdoptionInputs& in, MetricFamily& counts, MetricFamily& shares, MetricFamily& by_relation) {
  for (DerivativeWindow w : {DerivativeWindow::month, DerivativeWindow::d30}) {
    for (GroupBy by : {GroupBy::org, GroupBy::region}) {
      Leaderboard board = in.derivatives.leaderboard(by, w, std::nullopt, in.reference);
      auto rows = by == GroupBy::org ? limit_org_series(board.rows, in.reference) : board.rows;
      for (const auto& row : rows) {
        auto labels = group_labels(by, row.group, to_string(w));
        add(counts, labels, row.value);
        add(shares, labels, board.total > 0 ? row.value / board.total : 0.0);
      }
    }
    for (const auto& [relation, n] : in.derivatives.by_relation(w, std::nullopt))
      add(by_relation, {{"relation", std::string(to_string(relation))}, {"window", std::string(to_string(w))}}, n);
  }
}

void add_inference(const AdoptionInputs& in, MetricFamily& tokens, MetricFamily& shares) {
  const DayIndex closed = last_closed_day(in.watermark).value_or(std::numeric_limits<DayIndex>::min());
  for (InferenceWindow w : {InferenceWindow::day, InferenceWindow::d7, InferenceWindow::month}) {
    for (GroupBy by : {GroupBy::org, GroupBy::region}) {
      for (InferenceScope scope : {InferenceScope::all, InferenceScope::open}) {
        Leaderboard board = in.inference.leaderboard(by, w, scope, std::nullopt, closed, in.reference);
        auto rows = by == GroupBy::org ? limit_org_series(board.rows, in.reference) : board.rows;
        for (const auto& row : rows) {
          auto labels = group_labels(by, row.group, to_string(w));
          if (scope == InferenceScope::all) add(tokens, labels, row.value);
          labels.push_back({"scope", std::string(to_string(scope))});
          add(shares, labels, board.total > 0 ? row.value / board.total : 0.0);
        }
      }
    }
  }
}

std::string checkpoint_label(std::size_t i) {
  return i == kRamCurrent ? "current" : std::to_string(kRamCheckpoints[i]);
}

void add_ram(const AdoptionInputs& in, const std::vector<std::pair<std::string, std::string>>& shown,
             MetricFamily& per_model, MetricFamily& baselines) {
  for (const auto& [repo_id, org] : shown) {
    auto ram = in.ram.model(repo_id);
    if (!ram || ram->bucket == SizeBucket::unknown) continue;
    for (RamBaseline b : kAllRamBaselines)
      for (std::size_t i = 0; i <= kRamCurrent; ++i)
        if (const auto& v = ram->by(b)[i])
          add(per_model,
              {{"model", repo_id}, {"org", org}, {"size_bucket", std::string(to_string(ram->bucket))},
               {"baseline", std::string(to_string(b))}, {"checkpoint", checkpoint_label(i)}},
              *v);
  }
  for (SizeBucket bucket : kAllSizeBuckets) {
    if (bucket == SizeBucket::unknown) continue;
    for (RamBaseline b : kAllRamBaselines)
      for (std::size_t i = 0; i < kRamCurrent; ++i)
        if (auto v = in.ram.baseline(bucket, b, kRamCheckpoints[i]))
          add(baselines,
              {{"size_bucket", std::string(to_string(bucket))}, {"baseline", std::string(to_string(b))},
               {"checkpoint", checkpoint_label(i)}},
              *v);
  }
}

void add_overtakes(const AdoptionInputs& in, MetricFamily& ranks, MetricFamily& overtakes, MetricFamily& crossings) {
  for (const auto& r : in.overtake.ranks())
    if (r.rank <= kRankSeries)
      add(ranks, {{"metric", r.key.metric}, {"group_by", r.key.group_by}, {"group", r.group}}, r.rank);
  for (const auto& c : in.events.counts(EventKind::overtake))
    add(overtakes, {{"metric", c.metric}, {"group_by", c.group_by}, {"winner", c.first}, {"loser", c.second}}, c.count);
  for (const auto& c : in.events.counts(EventKind::threshold))
    add(crossings, {{"metric", c.metric}, {"group_by", c.group_by}, {"group", c.first}, {"direction", c.second}}, c.count);
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

  auto derivatives = gauge_family("atom_derivatives", "Derivative models counted per base group and window (by createdAt)");
  auto derivative_share = gauge_family("atom_derivative_share", "Share (0..1) of all counted derivatives per group and window");
  auto by_relation = gauge_family("atom_derivatives_by_relation", "Derivative models counted per relation to their bases");
  auto tokens = gauge_family("atom_inference_tokens", "OpenRouter tokens per group and window (all rows)");
  auto inference_share = gauge_family("atom_inference_share", "Share (0..1) of OpenRouter tokens per group, window and scope");
  auto model_ram = gauge_family("atom_model_ram", "Relative Adoption Metric per model, baseline and checkpoint (days since release)");
  auto ram_baseline = gauge_family("atom_ram_baseline", "RAM baseline downloads per size bucket, baseline and checkpoint");
  auto ranks = gauge_family("atom_group_rank", "Rank (1 = first) of a group by an overtake metric on the last evaluated day");
  auto overtakes = counter_family("atom_overtakes_total", "Confirmed overtakes per metric and pair of groups");
  auto crossings = counter_family("atom_threshold_crossings_total", "Confirmed threshold crossings per metric, group and direction");

  std::vector<std::pair<std::string, std::string>> shown;
  add_group_downloads(in, downloads, shares);
  add_model_downloads(in, per_model, truncated, shown);
  add_derivatives(in, derivatives, derivative_share, by_relation);
  add_inference(in, tokens, inference_share);
  add_ram(in, shown, model_ram, ram_baseline);
  add_overtakes(in, ranks, overtakes, crossings);
  if (in.watermark != kNoTime) add(watermark, {}, static_cast<double>(in.watermark) / 1000.0);
  add(stale, {}, static_cast<double>(in.stale_models));

  std::vector<prometheus::MetricFamily> out;
  for (auto* f : {&downloads, &shares, &per_model, &truncated, &derivatives, &derivative_share, &by_relation, &tokens,
                  &inference_share, &model_ram, &ram_baseline, &ranks, &overtakes, &crossings, &watermark, &stale})
    if (!f->metric.empty()) out.push_back(std::move(*f));
  return out;
}

}  // namespace atomd
