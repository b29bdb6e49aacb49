#pragma once
#include <string>

#include "core/reference.hpp"
#include "daemon/topology.hpp"

namespace atomd {

struct LandingInfo {
  std::string version;
  bool embedded = true;
  std::string bootstrap;
  bool ready = false;
};

// The HTML page at "/": what atomd is, where its endpoints are, the current leaders.
std::string landing_page(const LandingInfo& info, const TopologyView& view, const ReferenceData& reference);

}  // namespace atomd
