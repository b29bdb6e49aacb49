#include "daemon/stream_topology.hpp"

#include "daemon/api.hpp"

namespace atomd {

void StreamTopology::report(nlohmann::json& status) const {
  topology_.read([&](const TopologyView& view) {
    status["watermark"] = time_or_null(view.watermark.watermark());
    status["stream_time"] = time_or_null(view.downloads.stream_time());
    status["models"] = view.downloads.model_count();
    return 0;
  });
}

}  // namespace atomd
