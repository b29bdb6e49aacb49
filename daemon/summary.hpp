#pragma once
// The table printed after a replay: top orgs and regions by cumulative and month downloads.
#include <string>

#include "connectors/replay.hpp"
#include "core/reference.hpp"
#include "daemon/topology.hpp"

namespace atomd {

std::string replay_summary(const ReplayStats& stats, const TopologyView& view, const ReferenceData& reference,
                           std::int64_t rejected_records);

}  // namespace atomd
