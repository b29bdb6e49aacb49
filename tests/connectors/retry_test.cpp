#include "connectors/retry.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <random>

#include "tests/connectors/test_context.hpp"
#include "tests/support/fake_http_server.hpp"

namespace atomd {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::RecordingContext;
using testing::run_task;

HttpHeaders headers(std::initializer_list<std::pair<const std::string, std::string>> list) {
  return HttpHeaders(list);
}

TEST(RateLimitWait, VerbatimRateLimitHeaders) {
  auto samples = testing::api_samples() / "hf_http_behaviour.json";
  if (!std::filesystem::exists(samples)) GTEST_SKIP() << samples << " not present";
  auto behaviour = nlohmann::json::parse(testing::read_file(samples));
  std::vector<std::chrono::milliseconds> waits;
  for (const auto& example : behaviour["ratelimit_headers"]) {
    HttpHeaders h;
    for (const auto& [name, value] : example["headers"].items()) h[name] = value.get<std::string>();
    auto wait = rate_limit_wait(h);
    ASSERT_TRUE(wait.has_value()) << example.dump();
    waits.push_back(*wait);
  }
  // "api";r=0;t=55 and "resolvers";r=2997;t=213 (header names arrive lower-cased there).
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{55s, 213s}));
}

TEST(RateLimitWait, RetryAfterAndCombinations) {
  EXPECT_EQ(rate_limit_wait(headers({{"Retry-After", "120"}})), 120s);
  EXPECT_EQ(rate_limit_wait(headers({{"Retry-After", " 7 "}})), 7s);
  EXPECT_EQ(rate_limit_wait(headers({{"Retry-After", "Wed, 22 Jan 2025 18:24:32 GMT"}})), std::nullopt);
  EXPECT_EQ(rate_limit_wait(headers({{"RateLimit", "\"api\";r=0;t=55"}, {"Retry-After", "60"}})), 60s);
  EXPECT_EQ(rate_limit_wait(headers({{"RateLimit", "\"api\";r=0;t=55"}, {"Retry-After", "5"}})), 55s);
  EXPECT_EQ(rate_limit_wait(headers({{"RateLimit", "\"a\";r=0;t=10, \"b\";r=3;t=300"}})), 10s);
  EXPECT_EQ(rate_limit_wait(headers({{"RateLimit", "\"a\";r=0;t=10, \"b\";r=0;t=30"}})), 30s);
  EXPECT_EQ(rate_limit_wait(headers({{"RateLimit", "\"api\";r=0"}})), std::nullopt);
  EXPECT_EQ(rate_limit_wait(headers({{"RateLimit", "\"api\";r=0;t=soon"}})), std::nullopt);
  EXPECT_EQ(rate_limit_wait(headers({{"Content-Type", "text/plain"}})), std::nullopt);
}

TEST(Backoff, CappedExponentialWithJitter) {
  RetryPolicy policy{100ms, 1000ms, 10};
  EXPECT_EQ(backoff_delay(1, policy, 0.0), 50ms);
  EXPECT_EQ(backoff_delay(1, policy, 0.999999), 99ms);
  EXPECT_EQ(backoff_delay(2, policy, 0.0), 100ms);
  EXPECT_EQ(backoff_delay(3, policy, 0.5), 300ms);
  EXPECT_EQ(backoff_delay(5, policy, 0.0), 500ms);  // 1600 capped at 1000
  EXPECT_EQ(backoff_delay(60, policy, 0.0), 500ms);  // no overflow far out
  std::mt19937 random(7);
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  for (int attempt = 1; attempt <= 12; ++attempt) {
    auto ceiling = std::min<std::int64_t>(1000, 100LL << std::min(attempt - 1, 20));
    for (int i = 0; i < 200; ++i) {
      auto d = backoff_delay(attempt, policy, jitter(random)).count();
      EXPECT_GE(d, ceiling / 2);
      EXPECT_LE(d, ceiling);
    }
  }
}

TEST(RedactUrl, HidesSecretsAndShortensCursors) {
  EXPECT_EQ(redact_url("https://h/api/models?author=Qwen&access_token=hf_abc&limit=1000#x"),
            "https://h/api/models?author=Qwen&access_token=REDACTED&limit=1000");
  EXPECT_EQ(redact_url("https://h/api/models?cursor=eyIkb3IiOlt7Imxpa2VzIjoyOTQsIl9pZCI6eyIkZ3QiOiI2MjFm&flag"),
            "https://h/api/models?cursor=eyIkb3IiOlt7Imxp...&flag");
  EXPECT_EQ(redact_url("https://h/p"), "https://h/p");
}

TEST(DescribeStatus, UsesTheHubsErrorMessage) {
  HttpResponse r;
  r.status = 401;
  r.headers["X-Error-Message"] = "Invalid username or password.";
  r.body = R"({"error":"Invalid username or password."})";
  EXPECT_EQ(describe_status(r), "401 Unauthorized: Invalid username or password.");
  r.headers.clear();
  r.status = 404;
  EXPECT_EQ(describe_status(r), R"(404 Not Found: {"error":"Invalid username or password."})");
  r.body.clear();
  r.status = 299;  // no reason phrase known
  EXPECT_EQ(describe_status(r), "299");
}

class FetchWithRetry : public ::testing::Test {
 protected:
  HttpRequest request(const std::string& target) {
    HttpRequest r;
    r.url = server.base_url() + target;
    r.timeout = 2s;
    return r;
  }
  HttpResponse fetch(const std::string& target, RetryPolicy policy) {
    return run_task(ioc, fetch_with_retry(client, context, request(target), policy));
  }
  std::string failure(const std::string& target, RetryPolicy policy, bool expect_rate_limited) {
    try {
      fetch(target, policy);
    } catch (const RateLimitedError& e) {
      EXPECT_TRUE(expect_rate_limited) << e.what();
      return e.what();
    } catch (const ConnectorError& e) {
      EXPECT_FALSE(expect_rate_limited) << e.what();
      return e.what();
    }
    return "no error";
  }

  FakeHttpServer server;
  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
  RecordingContext context{client, nullptr};
  RetryPolicy fast{10ms, 40ms, 4};
};

TEST_F(FetchWithRetry, WaitsAsToldOn429) {
  server.route("/m", {FakeResponse{429, {{"RateLimit", "\"api\";r=0;t=1"}}, "slow down"}, FakeResponse{200, {}, "[]"}});
  // The wait the 429 asked for (RateLimit t=1), between the 429 and the retry: told by the
  // requests the server had answered when the sleep began, not by a stopwatch.
  std::vector<std::size_t> requests_at_sleep;
  context.on_sleep = [&](std::chrono::milliseconds) { requests_at_sleep.push_back(server.request_count()); };
  auto response = fetch("/m", fast);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(context.rate_limited_count, 1);
  EXPECT_EQ(context.sleeps, (std::vector<std::chrono::milliseconds>{1000ms}));
  EXPECT_EQ(requests_at_sleep, (std::vector<std::size_t>{1}));
  EXPECT_EQ(server.request_count(), 2u);
}

TEST_F(FetchWithRetry, BacksOffOn5xxThenSucceeds) {
  server.route("/m", {FakeResponse{503}, FakeResponse{500}, FakeResponse{200, {}, "ok"}});
  EXPECT_EQ(fetch("/m", fast).body, "ok");
  ASSERT_EQ(context.sleeps.size(), 2u);
  EXPECT_GE(context.sleeps[0], 5ms);
  EXPECT_LE(context.sleeps[0], 10ms);
  EXPECT_GE(context.sleeps[1], 10ms);
  EXPECT_LE(context.sleeps[1], 20ms);
  EXPECT_EQ(context.rate_limited_count, 0);
}

TEST_F(FetchWithRetry, GivesUpNamingUrlAndLastFailure) {
  server.route("/m?author=a&token=hf_secret", {FakeResponse{503, {}, "down"}});
  auto error = failure("/m?author=a&token=hf_secret", fast, false);
  EXPECT_EQ(error, "GET " + server.base_url() + "/m?author=a&token=REDACTED: 503 Service Unavailable: down (after 4 attempts)");
  EXPECT_EQ(server.request_count(), 4u);
  EXPECT_EQ(context.sleeps.size(), 3u);
}

TEST_F(FetchWithRetry, PersistentRateLimitingFailsAsRateLimited) {
  server.route("/m", {FakeResponse{429, {}, ""}});
  auto error = failure("/m", fast, true);
  EXPECT_NE(error.find("429 Too Many Requests"), std::string::npos) << error;
  EXPECT_EQ(context.rate_limited_count, 4);
  EXPECT_EQ(context.sleeps.size(), 3u);  // not told how long: backoff
  EXPECT_LE(context.sleeps[0], 10ms);
}

TEST_F(FetchWithRetry, TooLongARateLimitWaitIsNotHonoured) {
  server.route("/m", {FakeResponse{429, {{"Retry-After", "3600"}}, ""}});
  RetryPolicy policy = fast;
  policy.max_rate_limit_wait = 10s;
  auto error = failure("/m", policy, true);
  EXPECT_NE(error.find("asked to wait 3600 s"), std::string::npos) << error;
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_TRUE(context.sleeps.empty());
}

TEST_F(FetchWithRetry, RetriesTimeoutsAndTruncatedBodies) {
  FakeResponse truncated{200, {}, "[{\"id\":\"a/b\"}]"};
  truncated.truncate_body_at = 3;
  server.route("/m", {FakeResponse{200, {}, "late", 800ms}, truncated, FakeResponse{200, {}, "[]"}});
  auto req = request("/m");
  req.timeout = 150ms;
  auto response = run_task(ioc, fetch_with_retry(client, context, req, fast));
  EXPECT_EQ(response.body, "[]");
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_EQ(context.sleeps.size(), 2u);
}

TEST_F(FetchWithRetry, OtherStatusesAreReturnedAtOnce) {
  server.route("/m", {FakeResponse{404, {}, "{\"error\":\"Repository not found\"}"}});
  EXPECT_EQ(fetch("/m", fast).status, 404);
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_TRUE(context.sleeps.empty());
}

}  // namespace
}  // namespace atomd
