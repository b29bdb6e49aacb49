#pragma once
// The live sources (connectors/) on their own io thread: every enabled poller, their
// status for /api/v1/status and their cursors, which checkpoints record once every record
// polled before them is processed (DESIGN §5).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>

#include "daemon/checkpoint_coordinator.hpp"
#include "daemon/component.hpp"
#include "daemon/connector_set.hpp"
#include "daemon/connector_status.hpp"

namespace atomd {

class Pollers final : public Component, public CheckpointedSource {
 public:
  explicit Pollers(ComponentContext& context);
  ~Pollers() override;
  std::string_view name() const override { return "connectors"; }
  void start() override;
  void stop() override;
  void report(nlohmann::json& status) const override;

  std::string_view position_namespace() const override;
  std::optional<std::map<std::string, std::string>> checkpoint_positions() override;

  // Tracked models absent from the last polls (atom_tracked_models_stale).
  std::size_t stale_models() const { return connectors_->stale_models(); }

 private:
  SourceSink& sink_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  ConnectorStatusBoard status_;
  std::unique_ptr<ConnectorSet> connectors_;
  std::thread thread_;
};

}  // namespace atomd
