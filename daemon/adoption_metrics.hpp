#pragma once
// Adoption gauges (DESIGN §6), built at scrape time from operator state: group downloads
// and shares, bounded per-model series, the watermark.
#include <prometheus/metric_family.h>

#include <cstddef>
#include <vector>

#include "core/reference.hpp"
#include "operators/download_aggregates.hpp"

namespace atomd {

struct AdoptionInputs {
  const DownloadAggregates& downloads;
  const ReferenceData& reference;
  TimeMs watermark = kNoTime;
  std::size_t stale_models = 0;
  int model_series_per_bucket = 25;
};

// Orgs outside the tracked list beyond this many are summed into group="other".
inline constexpr std::size_t kUntrackedOrgSeries = 50;
// Models released this recently (relative to T) always get per-model series.
inline constexpr TimeMs kRecentReleaseMs = 180 * kMsPerDay;

std::vector<prometheus::MetricFamily> adoption_families(const AdoptionInputs& in);

// Per-org rows limited as DESIGN §6 says: tracked orgs plus the top `kUntrackedOrgSeries`
// others by value, the rest summed in "other".
std::vector<GroupValue> limit_org_series(const std::vector<GroupValue>& rows, const ReferenceData& reference);

}  // namespace atomd
