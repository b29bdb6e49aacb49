#pragma once
// Retrying a GET through HTTP faults (DESIGN §5): 429 waits as the server says
// (RateLimit / Retry-After), 5xx, timeouts and truncated bodies back off exponentially
// with jitter. The header parsing and the delay arithmetic are pure.
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/http_client.hpp"

namespace atomd {

struct RetryPolicy {
  std::chrono::milliseconds initial{1'000};
  std::chrono::milliseconds max{60'000};
  int max_attempts = 5;  // requests in all, the first included
  // A 429 asking for a longer wait fails the poll as rate limited instead of stalling it.
  std::chrono::milliseconds max_rate_limit_wait{std::chrono::minutes(15)};
};

// The wait a 429 asks for: `RateLimit: "api";r=0;t=55` (t in seconds; with several
// policies, the longest among the exhausted ones) or an integer `Retry-After` (the
// HTTP-date form is ignored); the longer when both are present. nullopt when not told.
std::optional<std::chrono::milliseconds> rate_limit_wait(const HttpHeaders& headers);

// Delay before the retry that follows the `attempt`-th failure (1-based): initial * 2^(attempt-1)
// capped at max, then "equal jitter": a uniform pick in [d/2, d] driven by `jitter` in [0, 1).
std::chrono::milliseconds backoff_delay(int attempt, const RetryPolicy& policy, double jitter);

// The URL for messages and logs: the values of query parameters that may carry secrets are
// replaced by "REDACTED" and long values (cursors) are shortened.
std::string redact_url(const std::string& url);

// "404 Not Found: Repository not found": the status, its reason and the server's own
// message (X-Error-Message, else the start of the body), for error messages.
std::string describe_status(const HttpResponse& response);

// GET with retries. 429 → context.rate_limited(), wait, retry; 408/5xx and HttpErrors → back
// off and retry; up to policy.max_attempts requests, then throws ConnectorError (or
// RateLimitedError when the last answer was 429) naming the URL and the last failure. Any
// other status is returned. Waits go through context.sleep().
boost::asio::awaitable<HttpResponse> fetch_with_retry(HttpClient& client, ConnectorContext& context,
                                                      HttpRequest request, RetryPolicy policy);

}  // namespace atomd
