#pragma once
// The openrouter poller: OpenRouter's model catalogue (for hugging_face_id) and its daily
// token rankings, joined into atom.openrouter.tokens.v1 records (DESIGN §2, §4).
#include <utility>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/openrouter_parse.hpp"
#include "connectors/registry.hpp"
#include "connectors/retry.hpp"

namespace atomd {

// At most `limit` requests in any window of `window` (half-open), as a sliding log of the
// last `limit` send times. Times are on any monotonic scale; the caller owns the clock.
class RequestPacer {
 public:
  RequestPacer(int limit, std::chrono::milliseconds window);
  // How long after `now` the next request may be sent (zero: now).
  std::chrono::milliseconds wait(std::chrono::milliseconds now) const;
  // A request was sent at `now` (not earlier than the previous one).
  void sent(std::chrono::milliseconds now);

 private:
  std::size_t limit_;
  std::chrono::milliseconds window_;
  std::deque<std::chrono::milliseconds> sent_;  // the last `limit_` send times, oldest first
};

struct OpenRouterConfig {
  std::string base_url = "https://openrouter.ai";
  std::chrono::milliseconds interval{std::chrono::hours(1)};
  DayIndex start_date = kOpenRouterFirstDay;  // the first run backfills from here
  std::string api_key;  // OPENROUTER_API_KEY; sent as a Bearer token to base_url's origin only, never logged
  int max_requests_per_minute = 30;  // the Data API's limit per key
  int days_per_request = 30;         // rankings-daily window per request (the API allows up to 366)
  RetryPolicy retry;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  std::size_t body_limit = 64 * 1024 * 1024;
  // Clocks, injectable for tests. `wall_clock` (unix ms) gives "today" and observed_at when
  // a response has no Date header; `monotonic_clock` paces requests. Empty: the system's.
  std::function<TimeMs()> wall_clock;
  std::function<std::chrono::milliseconds()> monotonic_clock;
};

class OpenRouterConnector final : public Connector {
 public:
  // Throws std::invalid_argument on a bad limit or window, HttpError on a malformed base_url.
  explicit OpenRouterConnector(OpenRouterConfig config);

  std::string_view name() const override { return "openrouter"; }
  std::chrono::milliseconds interval() const override { return config_.interval; }
  // Throws ConnectorError("openrouter: disabled: OPENROUTER_API_KEY is not set") without a key.
  boost::asio::awaitable<void> poll(ConnectorContext& context) override;

  bool has_key() const { return !config_.api_key.empty(); }

  // The last day whose rankings were fetched (nullopt before the first). Each poll fetches
  // from the day before it (a day's figure may still be corrected) through yesterday (UTC).
  // Safe to call from any thread.
  std::optional<DayIndex> cursor() const;
  void restore_cursor(DayIndex day);

  std::string models_url() const;
  std::string rankings_url(DayIndex from, DayIndex to) const;

 private:
  class PacedContext;

  boost::asio::awaitable<OpenRouterModelIndex> fetch_models(PacedContext& context, std::optional<TimeMs>& server_time);
  boost::asio::awaitable<void> fetch_rankings(PacedContext& context, const OpenRouterModelIndex& models,
                                              const ReferenceData& reference, DayIndex from, DayIndex to);
  boost::asio::awaitable<HttpResponse> fetch(PacedContext& context, const std::string& url);
  HttpRequest request_for(const std::string& url) const;
  TimeMs wall_now() const;
  void advance_cursor(DayIndex day);

  OpenRouterConfig config_;
  std::string origin_;  // scheme://host:port of base_url: where the key may go
  RequestPacer pacer_;  // shared by consecutive polls: the limit is per key, not per poll

  mutable std::mutex cursor_mutex_;
  std::optional<DayIndex> cursor_;
};

// Name "openrouter", section connectors.openrouter (key start_date); off without
// OPENROUTER_API_KEY; cursor "YYYY-MM-DD".
ConnectorRegistration openrouter_registration();

}  // namespace atomd
