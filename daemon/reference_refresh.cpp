#include "daemon/reference_refresh.hpp"

#include <spdlog/spdlog.h>

#include "connectors/fetch_url.hpp"
#include "daemon/reference_loader.hpp"

namespace atomd {

ReferenceRefresh::ReferenceRefresh(ComponentContext& context)
    : config_(context.config().reference), stop_(context.stop()) {
  load_or_throw();
}

void ReferenceRefresh::load_or_throw() {
  auto data = std::make_shared<ReferenceData>(load_reference(config_, fetch_url_blocking));
  if (data->tracked_models().empty())
    throw ReferenceError(config_.tracked_models + ": the tracked-model list is empty");
  spdlog::info("reference data loaded: {} tracked models in {} orgs", data->tracked_models().size(),
               data->tracked_orgs().size());
  holder_.set(std::move(data));
}

void ReferenceRefresh::start() {
  thread_ = std::thread([this] {
    while (!stop_.wait_for(std::chrono::milliseconds(config_.refresh))) {
      try {
        load_or_throw();
      } catch (const std::exception& e) {
        spdlog::error("reference reload failed, keeping the previous data: {}", e.what());
      }
    }
  });
}

void ReferenceRefresh::stop() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace atomd
