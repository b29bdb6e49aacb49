#include "daemon/connector_set.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

namespace atomd {

// The runner's view of the daemon for one connector.
class ConnectorSet::Context final : public ConnectorContext {
 public:
  explicit Context(ConnectorSet& set) : set_(set) {}
  void emit(std::string_view topic, const std::string& key, const std::string& value) override {
    set_.deps_.sink.produce(topic, key, value);
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

std::map<std::string, std::string> ConnectorSet::cursors() const {
  std::map<std::string, std::string> out;
  for (const auto& [registration, connector] : running_)
    if (registration->cursor)
      if (auto text = registration->cursor.encode(*connector)) out[registration->name] = std::move(*text);
  return out;
}

void ConnectorSet::restore_cursors(const std::map<std::string, std::string>& cursors) {
  for (const auto& [name, value] : cursors) {
    auto running = std::find_if(running_.begin(), running_.end(),
                                [&name = name](const Running& r) { return r.registration->name == name; });
    // A connector disabled in this run keeps no cursor.
    if (running == running_.end() || !running->registration->cursor) continue;
    if (running->registration->cursor.decode(*running->connector, value)) {
      spdlog::info("connector {}: resumes from its checkpointed cursor {}", name, value);
    } else {
      spdlog::warn("connector {}: ignoring a malformed checkpointed cursor '{}'; it polls from its start", name, value);
    }
  }
}

std::size_t ConnectorSet::stale_models() const {
  std::size_t stale = 0;
  for (const auto& running : running_)
    if (const auto* tracker = dynamic_cast<const TracksStaleModels*>(running.connector.get()))
      stale += tracker->stale_models();
  return stale;
}

RetryPolicy retry_policy(const Config& config) {
  RetryPolicy policy;
  policy.initial = std::chrono::milliseconds(config.connectors.backoff_initial);
  policy.max = std::chrono::milliseconds(config.connectors.backoff_max);
  policy.max_attempts = config.connectors.max_attempts;
  return policy;
}

ConnectorSettings connector_settings(const Config& config, std::string_view section) {
  const auto& c = config.connectors;
  ConnectorSettings s;
  s.retry = retry_policy(config);
  if (section == "connectors.hf") {
    s.enabled = c.hf.enabled;
    s.base_url = c.hf.base_url;
    s.interval = std::chrono::milliseconds(c.hf.interval);
  } else if (section == "connectors.hf_derivatives") {
    s.enabled = c.hf_derivatives.enabled;
    s.base_url = c.hf.base_url;  // the same Hub: the section has no base_url of its own
    s.interval = std::chrono::milliseconds(c.hf_derivatives.interval);
    s.values["relist_window"] = std::to_string(c.hf_derivatives.relist_window) + "ms";
  } else if (section == "connectors.openrouter") {
    s.enabled = c.openrouter.enabled;
    s.base_url = c.openrouter.base_url;
    s.interval = std::chrono::milliseconds(c.openrouter.interval);
    s.values["start_date"] = c.openrouter.start_date;
  } else {
    throw std::logic_error("connector section " + std::string(section) + " has no keys in Config (daemon/config.hpp)");
  }
  return s;
}

ConnectorSet::ConnectorSet(boost::asio::any_io_executor executor, ConnectorDeps deps)
    : deps_(deps), http_(executor), runner_(std::make_unique<ConnectorRunner>(executor, *this)) {
  for (const auto& registration : builtin_connectors().all()) {
    ConnectorBuild built = registration.build(connector_settings(deps_.config, registration.config_section));
    deps_.status.enabled(registration.name, built.enabled(), built.note);
    if (!built.enabled()) {
      if (!built.message.empty()) spdlog::warn("connector {}: {}", registration.name, built.message);
      continue;
    }
    runner_->add(built.connector, std::make_shared<Context>(*this));
    if (!built.message.empty()) spdlog::info("connector {}: {}", registration.name, built.message);
    running_.push_back({&registration, std::move(built.connector)});
  }
}

ConnectorSet::~ConnectorSet() { stop(); }

void ConnectorSet::start() { runner_->start(); }
void ConnectorSet::stop() {
  if (runner_) runner_->stop();
}

void ConnectorSet::on_poll(const PollReport& report) {
  std::string name(report.connector);
  deps_.metrics.poll(name, to_string(report.outcome));
  deps_.metrics.poll_duration(name, std::chrono::duration<double>(report.duration).count());
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
