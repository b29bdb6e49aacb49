#pragma once
// The enabled pollers and what they need from the daemon: a producer for their records,
// metrics and status for their outcomes, the current reference data. Which pollers exist is
// the connector registry's business (connectors/registry.hpp); this file knows none by name.
#include <utility>
#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/http_client.hpp"
#include "connectors/registry.hpp"
#include "connectors/runner.hpp"
#include "core/topics.hpp"
#include "daemon/config.hpp"
#include "daemon/connector_status.hpp"
#include "daemon/metrics.hpp"
#include "daemon/rate_limited_log.hpp"
#include "daemon/reference_holder.hpp"
#include "daemon/source_sink.hpp"
#include "kafka/kafka.hpp"

namespace atomd {

struct ConnectorDeps {
  const Config& config;
  const TopicNames& topics;
  SourceSink& sink;
  Metrics& metrics;
  ConnectorStatusBoard& status;
  ReferenceHolder& reference;
};

class ConnectorSet final : public ConnectorObserver {
 public:
  ConnectorSet(boost::asio::any_io_executor executor, ConnectorDeps deps);
  ~ConnectorSet() override;
  void start();
  void stop();
  // Summed over the running connectors that track the reference list (TracksStaleModels).
  std::size_t stale_models() const;
  // The pollers' resume positions, by connector name, as checkpointed (DESIGN §5); connectors
  // without one are absent. restore_cursors() before start(); unknown or malformed entries are
  // logged and ignored (the connector re-polls from its start, which idempotence absorbs).
  std::map<std::string, std::string> cursors() const;
  void restore_cursors(const std::map<std::string, std::string>& cursors);

  void on_poll(const PollReport& report) override;
  void on_rate_limited(std::string_view connector) override;
  void on_partial_error(std::string_view connector, std::string_view what) override;

 private:
  class Context;
  ConnectorDeps deps_;
  HttpClient http_;
  RateLimitedLog reject_log_;
  struct Running {
    const ConnectorRegistration* registration;  // in builtin_connectors(), which lives forever
    std::shared_ptr<Connector> connector;
  };
  std::vector<Running> running_;
  std::unique_ptr<ConnectorRunner> runner_;
};

RetryPolicy retry_policy(const Config& config);
// A registered section's values from Config. Throws std::logic_error for a section Config has
// no fields for (a connector registered without its config keys).
ConnectorSettings connector_settings(const Config& config, std::string_view section);

}  // namespace atomd
