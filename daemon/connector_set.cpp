#include "daemon/connector_set.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace atomd {

// The runner's view of the daemon for one connector.
class ConnectorSet::Context final : public ConnectorContext {
 public:
  explicit Context(ConnectorSet& set) : set_(set) {}
  void emit(std::string_view topic, const std::string& key, const std::string& value) override {
    set_.deps_.producer.produce(set_.deps_.topics.full(topic), key, value);
    set_.deps_.in_flight.produced(static_cast<std::int64_t>(key.size() + value.size()));
    set_.deps_.producer.poll();
  }
  void reject(std::string_view topic, RejectReason reason, std::string_view detail) override {
    auto full = set_.deps_.topics.full(topic);
    set_.deps_.metrics.rejected(full, to_string(reason));
    if (set_.reject_log_.allow(full + "|" + std::string(to_string(reason))))
      spdlog::warn("source record for {} rejected: {} ({}); this reason is logged at most once a minute", full,
                   to_string(reason), detail);
  }
  void rate_limited() override {}
  void partial_error(std::string_view) override {}
  std::shared_ptr<const ReferenceData> reference() override { return set_.deps_.reference.get(); }
  HttpClient& http() override { return set_.http_; }

 private:
  ConnectorSet& set_;
};

RetryPolicy retry_policy(const Config& config) {
  RetryPolicy policy;
  policy.initial = std::chrono::milliseconds(config.connectors.backoff_initial);
  policy.max = std::chrono::milliseconds(config.connectors.backoff_max);
  policy.max_attempts = config.connectors.max_attempts;
  return policy;
}

ConnectorSet::ConnectorSet(boost::asio::any_io_executor executor, ConnectorDeps deps)
    : deps_(deps), http_(executor), runner_(std::make_unique<ConnectorRunner>(executor, *this)) {
  const Config& c = deps_.config;
  if (c.connectors.hf.enabled) {
    HfModelsConfig hf;
    hf.base_url = c.connectors.hf.base_url;
    hf.interval = std::chrono::milliseconds(c.connectors.hf.interval);
    hf.retry = retry_policy(c);
    if (const char* token = std::getenv("HF_TOKEN")) hf.token = token;
    hf_models_ = std::make_shared<HfModelsConnector>(hf);
    runner_->add(hf_models_, std::make_shared<Context>(*this));
    deps_.status.enabled("hf_models", true, hf.token.empty() ? "anonymous (no HF_TOKEN)" : "authenticated");
    spdlog::info("connector hf_models: polling {} every {}s ({})", hf.base_url, c.connectors.hf.interval / 1000,
                 hf.token.empty() ? "anonymous; set HF_TOKEN for higher rate limits" : "with HF_TOKEN");
  } else {
    deps_.status.enabled("hf_models", false, "disabled by connectors.hf.enabled");
  }
  for (const char* name : {"hf_derivatives", "openrouter"})
    deps_.status.enabled(name, false, "not implemented in this version");
}

ConnectorSet::~ConnectorSet() { stop(); }

void ConnectorSet::start() { runner_->start(); }
void ConnectorSet::stop() {
  if (runner_) runner_->stop();
}

void ConnectorSet::on_poll(const PollReport& report) {
  std::string name(report.connector);
  deps_.metrics.poll(name, to_string(report.outcome));
  if (report.outcome == PollOutcome::ok) {
    deps_.metrics.connector_success(name, static_cast<double>(report.finished_at) / 1000.0);
    deps_.status.success(name, report.finished_at);
  } else {
    deps_.status.error(name, report.finished_at, std::string(report.error));
  }
}

void ConnectorSet::on_rate_limited(std::string_view connector) { deps_.metrics.rate_limited(connector); }

void ConnectorSet::on_partial_error(std::string_view connector, std::string_view what) {
  deps_.status.error(std::string(connector), kNoTime, std::string(what));
}

}  // namespace atomd
