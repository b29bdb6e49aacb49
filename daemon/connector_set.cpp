#include "daemon/connector_set.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

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
  if (hf_derivatives_)
    if (auto c = hf_derivatives_->cursor()) out["hf_derivatives"] = std::to_string(c->created_at) + " " + c->repo_id;
  if (openrouter_)
    if (auto day = openrouter_->cursor()) out["openrouter"] = format_date(*day);
  return out;
}

void ConnectorSet::restore_cursors(const std::map<std::string, std::string>& cursors) {
  for (const auto& [name, value] : cursors) {
    bool ok = false;
    if (name == "hf_derivatives" && hf_derivatives_) {
      auto space = value.find(' ');
      if (space != std::string::npos && space > 0) {
        try {
          hf_derivatives_->restore_cursor(HfDerivativesCursor{std::stoll(value.substr(0, space)), value.substr(space + 1)});
          ok = true;
        } catch (const std::exception&) {
        }
      }
    } else if (name == "openrouter" && openrouter_) {
      if (auto day = parse_date(value)) {
        openrouter_->restore_cursor(*day);
        ok = true;
      }
    } else {
      continue;  // a connector disabled in this run keeps no cursor
    }
    if (ok) {
      spdlog::info("connector {}: resumes from its checkpointed cursor {}", name, value);
    } else {
      spdlog::warn("connector {}: ignoring a malformed checkpointed cursor '{}'; it polls from its start", name, value);
    }
  }
}

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
  const char* hf_token = std::getenv("HF_TOKEN");
  if (c.connectors.hf_derivatives.enabled) {
    HfDerivativesConfig d;
    d.base_url = c.connectors.hf.base_url;
    d.interval = std::chrono::milliseconds(c.connectors.hf_derivatives.interval);
    d.relist_window = std::chrono::milliseconds(c.connectors.hf_derivatives.relist_window);
    d.retry = retry_policy(c);
    if (hf_token) d.token = hf_token;
    hf_derivatives_ = std::make_shared<HfDerivativesConnector>(d);
    runner_->add(hf_derivatives_, std::make_shared<Context>(*this));
    deps_.status.enabled("hf_derivatives", true, d.token.empty() ? "anonymous (no HF_TOKEN)" : "authenticated");
    spdlog::info("connector hf_derivatives: new models on {} every {}s, re-listing the last {} days every {} polls",
                 d.base_url, c.connectors.hf_derivatives.interval / 1000, c.connectors.hf_derivatives.relist_window / kMsPerDay,
                 d.relist_every);
  } else {
    deps_.status.enabled("hf_derivatives", false, "disabled by connectors.hf_derivatives.enabled");
  }
  if (!c.connectors.openrouter.enabled) {
    deps_.status.enabled("openrouter", false, "disabled by connectors.openrouter.enabled");
  } else if (const char* key = std::getenv("OPENROUTER_API_KEY"); !key || !*key) {
    // The rankings endpoint needs a key: without one the connector stays off (no error loop).
    deps_.status.enabled("openrouter", false, "disabled: OPENROUTER_API_KEY is not set");
    spdlog::warn("connector openrouter: disabled: OPENROUTER_API_KEY is not set (set it to track inference share)");
  } else {
    OpenRouterConfig o;
    o.base_url = c.connectors.openrouter.base_url;
    o.interval = std::chrono::milliseconds(c.connectors.openrouter.interval);
    o.start_date = *parse_date(c.connectors.openrouter.start_date);  // validated by load_config
    o.api_key = key;
    o.retry = retry_policy(c);
    openrouter_ = std::make_shared<OpenRouterConnector>(o);
    runner_->add(openrouter_, std::make_shared<Context>(*this));
    deps_.status.enabled("openrouter", true, "with OPENROUTER_API_KEY");
    spdlog::info("connector openrouter: daily token rankings from {} on {} every {}s", c.connectors.openrouter.start_date,
                 o.base_url, c.connectors.openrouter.interval / 1000);
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
