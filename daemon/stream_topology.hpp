#pragma once
// The topology (daemon/topology.hpp) as a part of the process: its stores, processors and
// stage-2 state, for the parts that feed, checkpoint, mirror and read it.
#include "daemon/component.hpp"
#include "daemon/reference_refresh.hpp"
#include "daemon/topology.hpp"

namespace atomd {

class StreamTopology final : public Component {
 public:
  explicit StreamTopology(ComponentContext& context)
      : topology_(context.config(), context.topics(), context.find<ReferenceRefresh>().holder(), context.metrics()) {}
  std::string_view name() const override { return "topology"; }
  void report(nlohmann::json& status) const override;

  Topology& topology() { return topology_; }
  const Topology& topology() const { return topology_; }

 private:
  Topology topology_;
};

}  // namespace atomd
