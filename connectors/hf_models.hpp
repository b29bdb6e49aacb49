#pragma once
// The hf_models poller: for each tracked org, pages through Hugging Face's model listing and
// emits one atom.hf.models.v1 snapshot per tracked model (DESIGN §2, §3).
#include <utility>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "connectors/retry.hpp"

namespace atomd {

struct HfModelsConfig {
  std::string base_url = "https://huggingface.co";
  std::chrono::milliseconds interval{std::chrono::hours(1)};
  int page_limit = 1000;
  RetryPolicy retry;
  std::string token;  // HF_TOKEN; sent as a Bearer token to base_url's origin only, never logged
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  std::size_t body_limit = 256 * 1024 * 1024;
};

class HfModelsConnector final : public Connector, public TracksStaleModels {
 public:
  explicit HfModelsConnector(HfModelsConfig config);

  std::string_view name() const override { return "hf_models"; }
  std::chrono::milliseconds interval() const override { return config_.interval; }
  boost::asio::awaitable<void> poll(ConnectorContext& context) override;

  // Tracked models absent from each of the last 3 successful polls (0 until 3 polls have
  // succeeded), for atom_tracked_models_stale. Safe to call from any thread.
  std::size_t stale_models() const override { return stale_count_.load(); }
  std::vector<std::string> stale_model_ids() const;

  // The listing URL of one org's first page.
  std::string first_page_url(std::string_view org) const;

 private:
  boost::asio::awaitable<void> poll_org(ConnectorContext& context, const ReferenceData& reference,
                                        const std::string& org, std::vector<std::string>& seen);
  HttpRequest request_for(const std::string& url) const;
  void record_successful_poll(const ReferenceData& reference, const std::vector<std::string>& seen);

  HfModelsConfig config_;
  std::string origin_;  // scheme://host:port of base_url: where the token may go

  // Staleness: poll number (1-based, successful polls only) in which each model was last seen.
  std::int64_t successful_polls_ = 0;
  std::unordered_map<std::string, std::int64_t> last_seen_poll_;
  std::atomic<std::size_t> stale_count_{0};
  mutable std::mutex stale_mutex_;
  std::vector<std::string> stale_ids_;
};

// Name "hf_models", section connectors.hf; no cursor (every poll lists every tracked org).
ConnectorRegistration hf_models_registration();

}  // namespace atomd
