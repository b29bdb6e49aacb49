#include "connectors/retry.hpp"

#include "core/records.hpp"

#include <boost/beast/http/status.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <string_view>
#include <vector>

namespace atomd {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits on `separator` outside double quotes (structured-field lists and parameters).
std::vector<std::string_view> split_unquoted(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"' && (i == 0 || s[i - 1] != '\\')) quoted = !quoted;
    if (s[i] == separator && !quoted) {
      parts.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(trim(s.substr(start)));
  return parts;
}

std::optional<std::int64_t> parse_seconds(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::int64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<std::int64_t> ratelimit_reset(std::string_view header) {
  std::optional<std::int64_t> exhausted_max, any_max;
  for (auto item : split_unquoted(header, ',')) {
    std::optional<std::int64_t> remaining, reset;
    auto params = split_unquoted(item, ';');
    for (std::size_t i = 1; i < params.size(); ++i) {
      auto eq = params[i].find('=');
      if (eq == std::string_view::npos) continue;
      auto key = trim(params[i].substr(0, eq));
      auto value = parse_seconds(params[i].substr(eq + 1));
      if (key == "r") remaining = value;
      if (key == "t") reset = value;
    }
    if (!reset) continue;
    any_max = std::max(any_max.value_or(0), *reset);
    if (remaining && *remaining == 0) exhausted_max = std::max(exhausted_max.value_or(0), *reset);
  }
  return exhausted_max ? exhausted_max : any_max;
}

bool is_retryable_status(int status) { return status == 408 || status == 429 || (status >= 500 && status <= 599); }

// Whole names for the short words ("author" is not "auth"), substrings for the long ones.
bool is_secret_name(std::string_view name) {
  const std::string lower = ascii_lower(name);
  for (const char* word : {"key", "sig", "auth", "session", "code"})
    if (lower == word) return true;
  for (const char* part : {"token", "secret", "password", "passwd", "apikey", "api_key", "credential", "signature"})
    if (lower.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

std::optional<std::chrono::milliseconds> rate_limit_wait(const HttpHeaders& headers) {
  std::optional<std::int64_t> seconds;
  if (auto it = headers.find("RateLimit"); it != headers.end()) seconds = ratelimit_reset(it->second);
  if (auto it = headers.find("Retry-After"); it != headers.end()) {
    if (auto retry_after = parse_seconds(it->second)) seconds = std::max(seconds.value_or(0), *retry_after);
  }
  if (!seconds) return std::nullopt;
  return std::chrono::milliseconds(*seconds * 1000);
}

std::chrono::milliseconds backoff_delay(int attempt, const RetryPolicy& policy, double jitter) {
  int exponent = std::clamp(attempt - 1, 0, 40);
  double ceiling = std::min(static_cast<double>(policy.max.count()),
                            static_cast<double>(policy.initial.count()) * std::pow(2.0, exponent));
  jitter = std::clamp(jitter, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<std::int64_t>(ceiling / 2 + jitter * ceiling / 2));
}

std::string redact_url(const std::string& url) {
  auto no_fragment = url.substr(0, url.find('#'));
  auto question = no_fragment.find('?');
  if (question == std::string::npos) return no_fragment;
  std::string out = no_fragment.substr(0, question + 1);
  std::string_view query = std::string_view(no_fragment).substr(question + 1);
  bool first = true;
  while (true) {
    auto amp = query.find('&');
    auto param = query.substr(0, amp);
    auto eq = param.find('=');
    if (!first) out += '&';
    first = false;
    if (eq == std::string_view::npos) {
      out.append(param);
    } else {
      auto name = param.substr(0, eq);
      auto value = param.substr(eq + 1);
      out.append(name).append("=");
      if (is_secret_name(name)) out.append("REDACTED");
      else if (value.size() > 40) out.append(value.substr(0, 16)).append("...");
      else out.append(value);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string describe_status(const HttpResponse& response) {
  namespace http = boost::beast::http;
  std::string out = std::to_string(response.status);
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(response.status)));
  if (!reason.empty() && reason != "<unknown-status>") out.append(" ").append(reason.data(), reason.size());
  std::string detail = response.header("X-Error-Message");
  if (detail.empty()) detail = response.body.substr(0, 200);
  for (char& c : detail)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  if (!trim(detail).empty()) out.append(": ").append(trim(detail));
  return out;
}

boost::asio::awaitable<HttpResponse> fetch_with_retry(HttpClient& client, ConnectorContext& context,
                                                      HttpRequest request, RetryPolicy policy) {
  const std::string what = "GET " + redact_url(request.url);
  std::minstd_rand random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  const int max_attempts = std::max(1, policy.max_attempts);
  for (int attempt = 1;; ++attempt) {
    std::string failure;
    std::optional<std::chrono::milliseconds> told;
    bool limited = false;
    try {
      HttpResponse response = co_await client.get(request);
      if (!is_retryable_status(response.status)) co_return response;
      failure = describe_status(response);
      if (response.status == 429) {
        limited = true;
        context.rate_limited();
        told = rate_limit_wait(response.headers);
        if (told && *told > policy.max_rate_limit_wait)
          throw RateLimitedError(what + ": " + failure + "; asked to wait " + std::to_string(told->count() / 1000) +
                                 " s, more than the allowed " +
                                 std::to_string(policy.max_rate_limit_wait.count() / 1000) + " s");
      }
    } catch (const HttpError& e) {
      failure = e.what();
    }
    if (attempt >= max_attempts) {
      std::string message = what + ": " + failure + " (after " + std::to_string(attempt) + " attempts)";
      if (limited) throw RateLimitedError(message);
      throw ConnectorError(message);
    }
    auto delay = told.value_or(backoff_delay(attempt, policy, jitter(random)));
    spdlog::info("{}: {}; retrying in {} ms (attempt {} of {})", what, failure, delay.count(), attempt + 1,
                 max_attempts);
    co_await context.sleep(delay);
  }
}

}  // namespace atomd
