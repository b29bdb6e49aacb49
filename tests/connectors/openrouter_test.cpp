#include "connectors/openrouter.hpp"

#include <gtest/gtest.h>

#include <random>

#include "tests/connectors/test_context.hpp"
#include "tests/support/fake_http_server.hpp"

namespace atomd {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::fixture;
using testing::read_file;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::RecordingContext;
using testing::run_task;

constexpr const char* kKey = "sk-or-v1-test-key";
constexpr const char* kRankingsPath = "/api/v1/datasets/rankings-daily";

DayIndex day(const char* text) { return *parse_date(text); }

std::shared_ptr<const ReferenceData> aliases() {
  ReferenceTexts texts;
  texts.org_aliases = "alias,org\nTHUDM,zai-org\nqwen,Qwen\nz-ai,zai-org\n";
  return std::make_shared<const ReferenceData>(ReferenceData::parse(texts));
}

// Records like RecordingContext but never really waits: a sleep moves a fake monotonic clock.
class FakeClockContext : public RecordingContext {
 public:
  using RecordingContext::RecordingContext;
  boost::asio::awaitable<void> sleep(milliseconds delay) override {
    sleeps.push_back(delay);
    now += delay;
    co_return;
  }
  milliseconds now{0};
};

std::string rankings_target(const char* from, const char* to) {
  return std::string(kRankingsPath) + "?start_date=" + from + "&end_date=" + to;
}

FakeResponse json_ok(std::string body, std::string date = "") {
  FakeResponse r{200, {{"Content-Type", "application/json"}}, std::move(body)};
  if (!date.empty()) r.headers.emplace_back("Date", std::move(date));
  return r;
}

const std::string kOneModel = R"({"data":[{"id":"a/b","canonical_slug":"a/b-01","hugging_face_id":"A/B"}]})";
const std::string kNoRows = R"({"data":[],"meta":{"version":"v1"}})";

class OpenRouterTest : public ::testing::Test {
 protected:
  OpenRouterConfig config() {
    OpenRouterConfig c;
    c.base_url = server.base_url() + "/";
    c.api_key = kKey;
    c.start_date = day("2026-03-01");
    c.retry = RetryPolicy{10ms, 40ms, 3};
    c.request_timeout = 2s;
    c.wall_clock = [this] { return wall; };
    c.monotonic_clock = [this] { return context.now; };
    return c;
  }
  void poll(OpenRouterConnector& connector) { run_task(ioc, connector.poll(context)); }
  std::string poll_error(OpenRouterConnector& connector) {
    try {
      poll(connector);
    } catch (const ConnectorError& e) {
      return e.what();
    }
    return "no error";
  }
  std::vector<std::string> rankings_requests() const {
    std::vector<std::string> out;
    for (const auto& r : server.requests())
      if (r.path == kRankingsPath) out.push_back(r.query);
    return out;
  }

  TimeMs wall = *parse_rfc3339("2026-06-01T12:00:00Z");  // the local clock, when no Date header says otherwise
  FakeHttpServer server;
  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
  FakeClockContext context{client, aliases()};
};

TEST_F(OpenRouterTest, PagesModelsThenBackfillsInChunksFromStartDate) {
  OpenRouterConnector connector(config());
  server.route("/api/v1/models", {json_ok(read_file(fixture("openrouter_models_page1.json")),
                                          "Mon, 11 May 2026 10:00:00 GMT")});
  server.route("/api/v1/models?offset=4&limit=4", {json_ok(read_file(fixture("openrouter_models_page2.json")))});
  server.route(rankings_target("2026-03-01", "2026-03-30"),
               {json_ok(R"({"data":[{"date":"2026-03-01","model_permaslug":"deepseek/deepseek-chat-v3-0324",)"
                        R"("total_tokens":"111"},{"date":"2026-03-01","model_permaslug":"other","total_tokens":"222"}]})")});
  server.route(rankings_target("2026-03-31", "2026-04-29"),
               {json_ok(R"({"data":[{"date":"2026-04-29","model_permaslug":"other","total_tokens":"333"}]})")});
  server.route(rankings_target("2026-04-30", "2026-05-10"),
               {json_ok(read_file(fixture("openrouter_rankings_daily_mixed.json")), "Mon, 11 May 2026 10:00:05 GMT")});

  EXPECT_EQ(connector.cursor(), std::nullopt);
  poll(connector);

  auto requests = server.requests();
  std::vector<std::string> targets;
  for (const auto& r : requests) targets.push_back(r.target);
  // "Today" is the Date of the models answer (2026-05-11), not the local clock.
  EXPECT_EQ(targets, (std::vector<std::string>{"/api/v1/models", "/api/v1/models?offset=4&limit=4",
                                               rankings_target("2026-03-01", "2026-03-30"),
                                               rankings_target("2026-03-31", "2026-04-29"),
                                               rankings_target("2026-04-30", "2026-05-10")}));
  for (const auto& r : requests) {
    EXPECT_EQ(r.header("Authorization"), std::string("Bearer ") + kKey) << r.target;
    EXPECT_EQ(r.header("Accept"), "application/json");
  }
  EXPECT_EQ(connector.cursor(), day("2026-05-10"));

  ASSERT_EQ(context.emitted.size(), 13u);
  for (const auto& e : context.emitted) EXPECT_EQ(e.topic, "openrouter.tokens");
  EXPECT_EQ(context.emitted[0].key, "deepseek/deepseek-chat-v3-0324@2026-03-01");
  // No Date header on that answer: observed_at from the local clock.
  EXPECT_EQ(context.emitted[0].value,
            R"({"date":"2026-03-01","hf_id":"deepseek-ai/DeepSeek-V3-0324","observed_at":"2026-06-01T12:00:00Z",)"
            R"("org":"deepseek-ai","schema":1,"slug":"deepseek/deepseek-chat-v3-0324","tokens":111})");
  EXPECT_EQ(context.emitted[2].key, "other@2026-04-29");
  EXPECT_EQ(context.emitted[3].key, "qwen/qwen3-8b-04-28:free@2026-05-09");
  EXPECT_EQ(context.emitted[3].value,
            R"({"date":"2026-05-09","hf_id":"Qwen/Qwen3-8B","observed_at":"2026-05-11T10:00:05Z","org":"Qwen",)"
            R"("schema":1,"slug":"qwen/qwen3-8b-04-28:free","tokens":5000000000})");
  EXPECT_EQ(context.emitted[5].key, "qwen/qwen3-8b-04-28@2026-05-09");  // the variant stays a distinct key
  EXPECT_EQ(context.emitted[6].value,
            R"({"date":"2026-05-09","observed_at":"2026-05-11T10:00:05Z","org":"Qwen","schema":1,)"
            R"("slug":"qwen/qwen3-max","tokens":650000})");
  EXPECT_EQ(context.emitted[8].value,
            R"({"date":"2026-05-10","hf_id":"THUDM/GLM-4-32B-0414","observed_at":"2026-05-11T10:00:05Z",)"
            R"("org":"zai-org","schema":1,"slug":"z-ai/glm-4-32b-0414","tokens":800000})");
  EXPECT_EQ(context.emitted[12].key, "other@2026-05-10");
  for (const auto& e : context.emitted) EXPECT_TRUE(decode_openrouter_tokens(e.value).ok()) << e.value;

  // The bad catalogue entry and the five bad rows are counted; the rest went out.
  ASSERT_EQ(context.rejected.size(), 6u);
  for (const auto& r : context.rejected) EXPECT_EQ(r.topic, "openrouter.tokens");
  EXPECT_EQ(context.rejected[0].reason, RejectReason::wrong_type);
  EXPECT_EQ(context.rejected[0].detail, "models: hugging_face_id: expected string (model broken/model)");
  EXPECT_EQ(context.rejected[1].detail, "total_tokens: negative: '-5' (x/negative@2026-05-09)");
  EXPECT_EQ(context.rejected[3].reason, RejectReason::missing_field);

  EXPECT_EQ(context.rate_limited_count, 0);
  EXPECT_TRUE(context.sleeps.empty());  // five requests: far below 30 a minute
}

TEST_F(OpenRouterTest, CursorAdvancesAndTheLastTwoDaysAreFetchedAgain) {
  auto c = config();
  c.start_date = day("2026-05-08");
  OpenRouterConnector connector(c);
  server.route("/api/v1/models", {json_ok(kOneModel, "Mon, 11 May 2026 10:00:00 GMT"),
                                  json_ok(kOneModel, "Mon, 11 May 2026 11:00:00 GMT"),
                                  json_ok(kOneModel, "Wed, 13 May 2026 09:00:00 GMT")});
  server.route(FakeHttpServer::path_is(kRankingsPath), {json_ok(kNoRows)});

  poll(connector);
  EXPECT_EQ(connector.cursor(), day("2026-05-10"));
  poll(connector);  // same day: the cursor's day and the one before it again
  EXPECT_EQ(connector.cursor(), day("2026-05-10"));
  poll(connector);  // two days later
  EXPECT_EQ(connector.cursor(), day("2026-05-12"));
  // A cursor from the state store; never before start_date.
  connector.restore_cursor(day("2026-05-01"));
  EXPECT_EQ(connector.cursor(), day("2026-05-01"));
  poll(connector);
  EXPECT_EQ(connector.cursor(), day("2026-05-12"));

  EXPECT_EQ(rankings_requests(), (std::vector<std::string>{"start_date=2026-05-08&end_date=2026-05-10",
                                                           "start_date=2026-05-09&end_date=2026-05-10",
                                                           "start_date=2026-05-09&end_date=2026-05-12",
                                                           "start_date=2026-05-08&end_date=2026-05-12"}));
}

TEST_F(OpenRouterTest, RestoredCursorResumesTheBackfill) {
  OpenRouterConnector connector(config());
  connector.restore_cursor(day("2026-04-20"));
  server.route("/api/v1/models", {json_ok(kOneModel, "Mon, 11 May 2026 10:00:00 GMT")});
  server.route(FakeHttpServer::path_is(kRankingsPath), {json_ok(kNoRows)});
  poll(connector);
  EXPECT_EQ(rankings_requests(), (std::vector<std::string>{"start_date=2026-04-19&end_date=2026-05-10"}));
  EXPECT_EQ(connector.cursor(), day("2026-05-10"));
}

TEST_F(OpenRouterTest, NoDateHeaderMeansTheLocalClockGivesToday) {
  auto c = config();
  c.start_date = day("2026-05-30");
  OpenRouterConnector connector(c);
  server.route("/api/v1/models", {json_ok(kOneModel)});
  server.route(FakeHttpServer::path_is(kRankingsPath), {json_ok(kNoRows)});
  poll(connector);
  EXPECT_EQ(rankings_requests(), (std::vector<std::string>{"start_date=2026-05-30&end_date=2026-05-31"}));
}

TEST_F(OpenRouterTest, OneRateLimitIsCountedWaitedAndRetried) {
  auto c = config();
  c.start_date = day("2026-05-09");
  OpenRouterConnector connector(c);
  server.route("/api/v1/models", {json_ok(read_file(fixture("openrouter_models_page2.json")),
                                          "Mon, 11 May 2026 10:00:00 GMT")});
  server.route(rankings_target("2026-05-09", "2026-05-10"),
               {FakeResponse{429, {{"Retry-After", "7"}}, R"({"error":{"code":429,"message":"Rate limit exceeded"}})"},
                json_ok(read_file(fixture("openrouter_rankings_daily_mixed.json")))});
  poll(connector);
  EXPECT_EQ(context.rate_limited_count, 1);
  EXPECT_EQ(context.sleeps, (std::vector<milliseconds>{7000ms}));  // as Retry-After said
  EXPECT_EQ(context.emitted.size(), 10u);
  EXPECT_EQ(connector.cursor(), day("2026-05-10"));
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].target, rankings_target("2026-05-09", "2026-05-10"));
  EXPECT_EQ(requests[2].header("Authorization"), std::string("Bearer ") + kKey);
}

TEST_F(OpenRouterTest, NoKeyIsAClearErrorWithoutRequests) {
  auto c = config();
  c.api_key.clear();
  OpenRouterConnector connector(c);
  EXPECT_FALSE(connector.has_key());
  EXPECT_EQ(poll_error(connector), "openrouter: disabled: OPENROUTER_API_KEY is not set");
  EXPECT_EQ(server.request_count(), 0u);
  EXPECT_TRUE(OpenRouterConnector(config()).has_key());
}

TEST_F(OpenRouterTest, RejectedKeyFailsThePollWithoutShowingIt) {
  OpenRouterConnector connector(config());
  server.route("/api/v1/models", {json_ok(kOneModel, "Mon, 11 May 2026 10:00:00 GMT")});
  server.route(FakeHttpServer::path_is(kRankingsPath),
               {FakeResponse{401, {}, R"({"error":{"code":401,"message":"Missing Authentication header"}})"}});
  auto error = poll_error(connector);
  EXPECT_EQ(error, "openrouter: GET " + connector.rankings_url(day("2026-03-01"), day("2026-03-30")) +
                       ": 401 Unauthorized: {\"error\":{\"code\":401,\"message\":\"Missing Authentication header\"}}"
                       " (check OPENROUTER_API_KEY)");
  EXPECT_EQ(error.find(kKey), std::string::npos);
  EXPECT_EQ(connector.cursor(), std::nullopt);
  EXPECT_EQ(server.request_count(), 2u);  // not retried
}

TEST_F(OpenRouterTest, MalformedChunkFailsThePollAndHoldsTheCursor) {
  auto c = config();
  c.start_date = day("2026-05-07");
  c.days_per_request = 2;
  OpenRouterConnector connector(c);
  server.route("/api/v1/models", {json_ok(kOneModel, "Mon, 11 May 2026 10:00:00 GMT")});
  server.route(rankings_target("2026-05-07", "2026-05-08"), {json_ok(kNoRows)});
  server.route(rankings_target("2026-05-09", "2026-05-10"), {json_ok(R"({"data":[{"date":"2026-05-09",)")});
  auto error = poll_error(connector);
  EXPECT_EQ(error, "openrouter: GET " + connector.rankings_url(day("2026-05-09"), day("2026-05-10")) +
                       ": page: not valid JSON");
  ASSERT_EQ(context.rejected.size(), 1u);
  EXPECT_EQ(context.rejected[0].reason, RejectReason::malformed_json);
  EXPECT_EQ(connector.cursor(), day("2026-05-08"));
}

TEST_F(OpenRouterTest, EmptyOrMalformedCatalogueFailsThePollBeforeAnyRankings) {
  OpenRouterConnector connector(config());
  server.route("/api/v1/models", {json_ok(R"({"data":[]})"), json_ok("<html>")});
  EXPECT_EQ(poll_error(connector), "openrouter: GET " + connector.models_url() + " listed no models");
  EXPECT_EQ(poll_error(connector), "openrouter: GET " + connector.models_url() + ": page: not valid JSON");
  EXPECT_TRUE(rankings_requests().empty());
  EXPECT_TRUE(context.emitted.empty());
}

TEST_F(OpenRouterTest, KeyIsNotSentToAnotherOrigin) {
  auto c = config();
  c.start_date = day("2026-05-10");
  OpenRouterConnector connector(c);
  std::string elsewhere = "http://localhost:" + std::to_string(server.port()) + "/api/v1/models?offset=1&limit=1";
  server.route("/api/v1/models",
               {json_ok(R"({"data":[{"id":"a/b","hugging_face_id":"A/B"}],"links":{"next":")" + elsewhere + "\"}}",
                        "Mon, 11 May 2026 10:00:00 GMT")});
  server.route("/api/v1/models?offset=1&limit=1", {json_ok(R"({"data":[],"links":{"next":"/api/v1/models?offset=2"}})")});
  server.route(FakeHttpServer::path_is(kRankingsPath), {json_ok(kNoRows)});
  poll(connector);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);  // an empty page ends the paging whatever links.next says
  EXPECT_EQ(requests[0].header("Authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(requests[1].target, "/api/v1/models?offset=1&limit=1");
  EXPECT_EQ(requests[1].header("Authorization"), "");
  EXPECT_EQ(requests[2].header("Authorization"), std::string("Bearer ") + kKey);
}

TEST_F(OpenRouterTest, ModelsPagingLoopIsAnError) {
  OpenRouterConnector connector(config());
  server.route("/api/v1/models", {json_ok(R"({"data":[{"id":"a/b"}],"links":{"next":"/api/v1/models?offset=1"}})")});
  server.route("/api/v1/models?offset=1", {json_ok(R"({"data":[{"id":"a/c"}],"links":{"next":"/api/v1/models?offset=1"}})")});
  EXPECT_EQ(poll_error(connector), "openrouter: models paging loops back to " + server.base_url() + "/api/v1/models?offset=1");
}

TEST_F(OpenRouterTest, RequestsArePacedAcrossPolls) {
  auto c = config();
  c.start_date = day("2026-05-08");
  c.days_per_request = 1;
  c.max_requests_per_minute = 2;
  OpenRouterConnector connector(c);
  server.route("/api/v1/models", {json_ok(kOneModel, "Mon, 11 May 2026 10:00:00 GMT")});
  server.route(FakeHttpServer::path_is(kRankingsPath), {json_ok(kNoRows)});
  // Requests at 0, 0, then 60 s (one waits for the first to leave the window), 60 s.
  poll(connector);
  EXPECT_EQ(context.sleeps, (std::vector<milliseconds>{60000ms}));
  EXPECT_EQ(server.request_count(), 4u);
  // The next poll at 60 s: models at 120 s, 05-09 at 120 s, 05-10 at 180 s.
  poll(connector);
  EXPECT_EQ(context.sleeps, (std::vector<milliseconds>{60000ms, 60000ms, 60000ms}));
  EXPECT_EQ(context.now, 180000ms);
  EXPECT_EQ(rankings_requests().size(), 5u);
}

TEST_F(OpenRouterTest, RetriesArePacedToo) {
  auto c = config();
  c.start_date = day("2026-05-10");
  c.max_requests_per_minute = 1;
  OpenRouterConnector connector(c);
  server.route("/api/v1/models", {json_ok(kOneModel, "Mon, 11 May 2026 10:00:00 GMT")});
  server.route(FakeHttpServer::path_is(kRankingsPath), {FakeResponse{503, {}, "busy"}, json_ok(kNoRows)});
  poll(connector);
  // Models at 0; rankings at 60 s; its retry after the backoff and then the rest of a minute.
  ASSERT_EQ(context.sleeps.size(), 3u);
  EXPECT_EQ(context.sleeps[0], 60000ms);
  EXPECT_GE(context.sleeps[1], 5ms);
  EXPECT_LE(context.sleeps[1], 10ms);
  EXPECT_EQ(context.sleeps[1] + context.sleeps[2], 60000ms);
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_EQ(connector.cursor(), day("2026-05-10"));
}

TEST_F(OpenRouterTest, ConfigIsChecked) {
  auto c = config();
  c.days_per_request = 367;
  EXPECT_THROW(OpenRouterConnector{c}, std::invalid_argument);
  c.days_per_request = 0;
  EXPECT_THROW(OpenRouterConnector{c}, std::invalid_argument);
  c = config();
  c.max_requests_per_minute = 0;
  EXPECT_THROW(OpenRouterConnector{c}, std::invalid_argument);
  c = config();
  c.base_url = "openrouter.ai";
  EXPECT_THROW(OpenRouterConnector{c}, HttpError);
  OpenRouterConnector connector(config());
  EXPECT_EQ(connector.name(), "openrouter");
  EXPECT_EQ(connector.interval(), std::chrono::milliseconds(std::chrono::hours(1)));
  EXPECT_EQ(connector.rankings_url(day("2025-01-01"), day("2025-01-30")),
            server.base_url() + "/api/v1/datasets/rankings-daily?start_date=2025-01-01&end_date=2025-01-30");
  EXPECT_EQ(OpenRouterConfig{}.start_date, day("2025-01-01"));
}

TEST(RequestPacer, BurstThenWaitsForTheOldestToLeaveTheWindow) {
  RequestPacer pacer(30, 60s);
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(pacer.wait(1000ms), 0ms) << i;
    pacer.sent(1000ms);
  }
  EXPECT_EQ(pacer.wait(1000ms), 60000ms);
  EXPECT_EQ(pacer.wait(60999ms), 1ms);
  EXPECT_EQ(pacer.wait(61000ms), 0ms);
  pacer.sent(61000ms);
  EXPECT_EQ(pacer.wait(61000ms), 0ms);  // the 29 others left at 61 s too
  EXPECT_THROW(RequestPacer(0, 60s), std::invalid_argument);
}

TEST(RequestPacer, NeverMoreThan30InAnyMinuteAndNeverSlowerThanNeeded) {
  std::mt19937 random(20260511);
  std::exponential_distribution<double> gap(1.0 / 1500.0);  // a request every 1.5 s on average, bursty
  RequestPacer pacer(30, 60s);
  milliseconds now{0};
  std::vector<milliseconds> wanted, sent;
  for (int i = 0; i < 2000; ++i) {
    now += milliseconds(static_cast<std::int64_t>(gap(random)));
    wanted.push_back(now);
    now += pacer.wait(now);
    pacer.sent(now);
    sent.push_back(now);
  }
  int delayed = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    // Any 31 consecutive requests span at least a minute: no half-open 60 s window holds 31.
    if (i >= 30) {
      EXPECT_GE(sent[i] - sent[i - 30], 60000ms) << i;
    }
    // A request held back goes exactly when the 30th before it leaves the window.
    if (sent[i] > wanted[i]) {
      ++delayed;
      ASSERT_GE(i, 30u);
      EXPECT_EQ(sent[i], std::max(wanted[i], sent[i - 30] + 60000ms)) << i;
    }
  }
  EXPECT_GT(delayed, 100);  // the test did exercise the limit
}

}  // namespace
}  // namespace atomd
