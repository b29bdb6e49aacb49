#pragma once
// Adoption gauges (DESIGN §6), built at scrape time from operator state: group downloads
// and shares, bounded per-model series, the watermark.
#include <prometheus/metric_family.h>

#include <cstddef>
#include <vector>

#include "core/reference.hpp"
#include "operators/event_log.hpp"
#include "operators/daily_evaluation.hpp"
#include "operators/derivative_aggregates.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/inference.hpp"
#include "operators/overtake.hpp"
#include "operators/ram.hpp"

namespace atomd {

struct AdoptionInputs {
  const DownloadAggregates& downloads;
  const DerivativeAggregates& derivatives;
  const InferenceTokens& inference;
  const RamOperator& ram;
  const OvertakeDetector& overtake;
  const EventLog& events;
  const ReferenceData& reference;
  TimeMs watermark = kNoTime;
  std::size_t stale_models = 0;
  int model_series_per_bucket = 25;
};

// Ranks are exported for the top this many groups of each metric (the overtake comparison set
// is overtake.top_n; the JSON API has every group).
inline constexpr int kRankSeries = 50;

// Orgs outside the tracked list beyond this many are summed into group="other".
inline constexpr std::size_t kUntrackedOrgSeries = 50;
// Models released this recently (relative to T) always get per-model series.
inline constexpr TimeMs kRecentReleaseMs = 180 * kMsPerDay;

std::vector<prometheus::MetricFamily> adoption_families(const AdoptionInputs& in);

// Per-org rows limited as DESIGN §6 says: tracked orgs plus the top `kUntrackedOrgSeries`
// others by value, the rest summed in "other".
std::vector<GroupValue> limit_org_series(const std::vector<GroupValue>& rows, const ReferenceData& reference);

}  // namespace atomd
