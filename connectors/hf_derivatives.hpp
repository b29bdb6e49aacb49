#pragma once
// The hf_derivatives poller: pages through the Hub's newest models (newest first) back to its
// cursor and emits one atom.hf.derivatives.v1 record per repo that names a base model
// (DESIGN §2, §4 "Derivatives"). Every relist_every-th poll re-lists the last relist_window
// so that derivatives crossing the download threshold later are seen again.
#include <utility>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "connectors/retry.hpp"
#include "core/time.hpp"

namespace atomd {

struct HfDerivativesConfig {
  std::string base_url = "https://huggingface.co";
  std::chrono::milliseconds interval{std::chrono::minutes(15)};
  std::chrono::milliseconds relist_window{std::chrono::hours(24 * 30)};
  int relist_every = 4;  // one poll in this many re-lists the window; so does every poll without a cursor
  int page_limit = 1000;
  RetryPolicy retry;
  std::string token;  // HF_TOKEN; sent as a Bearer token to base_url's origin only, never logged
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  std::size_t body_limit = 256 * 1024 * 1024;
};

// The newest listed model that a completed poll covered (derivative or not).
struct HfDerivativesCursor {
  TimeMs created_at = 0;
  std::string repo_id;
  bool operator==(const HfDerivativesCursor&) const = default;
};

// The checkpointed text of a cursor: "<created_at unix ms> <repo_id>". parse: nullopt unless
// an integer, one space and a non-empty repo id.
std::string format_derivatives_cursor(const HfDerivativesCursor& cursor);
std::optional<HfDerivativesCursor> parse_derivatives_cursor(std::string_view text);

class HfDerivativesConnector final : public Connector {
 public:
  explicit HfDerivativesConnector(HfDerivativesConfig config);

  std::string_view name() const override { return "hf_derivatives"; }
  std::chrono::milliseconds interval() const override { return config_.interval; }
  // Pages until an item at or older than the cursor (an incremental poll), or also older than
  // the newest createdAt seen minus relist_window (a relist poll; the first poll without a
  // cursor is one). The cursor moves only when every page was read; a failed poll leaves it,
  // so the next poll covers the gap (records are idempotent upserts, DESIGN §5).
  boost::asio::awaitable<void> poll(ConnectorContext& context) override;

  // For the state store; safe to call from any thread.
  std::optional<HfDerivativesCursor> cursor() const;
  void restore_cursor(HfDerivativesCursor cursor);

  // The listing URL of the first page.
  std::string first_page_url() const;

 private:
  HttpRequest request_for(const std::string& url) const;

  HfDerivativesConfig config_;
  std::string origin_;  // scheme://host:port of base_url: where the token may go

  mutable std::mutex mutex_;
  std::optional<HfDerivativesCursor> cursor_;
  int polls_since_relist_ = 0;  // completed incremental polls since the last completed relist
};

// Name "hf_derivatives", section connectors.hf_derivatives (its Hub URL is connectors.hf's;
// key relist_window); cursor as format_derivatives_cursor writes it.
ConnectorRegistration hf_derivatives_registration();

}  // namespace atomd
