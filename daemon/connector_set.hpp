#pragma once
// The enabled pollers and what they need from the daemon: a producer for their records,
// metrics and status for their outcomes, the current reference data.
#include <utility>
#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <string>

#include "connectors/hf_derivatives.hpp"
#include "connectors/hf_models.hpp"
#include "connectors/http_client.hpp"
#include "connectors/openrouter.hpp"
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
  std::size_t stale_models() const { return hf_models_ ? hf_models_->stale_models() : 0; }
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
  std::shared_ptr<HfModelsConnector> hf_models_;
  std::shared_ptr<HfDerivativesConnector> hf_derivatives_;
  std::shared_ptr<OpenRouterConnector> openrouter_;
  std::unique_ptr<ConnectorRunner> runner_;
};

RetryPolicy retry_policy(const Config& config);

}  // namespace atomd
