#include "connectors/hf_derivatives.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/connectors/test_context.hpp"
#include "tests/support/fake_http_server.hpp"

namespace atomd {
namespace {

using namespace std::chrono_literals;
using testing::fixture;
using testing::read_file;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::RecordingContext;
using testing::run_task;

constexpr const char* kDate1 = "Tue, 10 Jun 2025 12:30:00 GMT";
constexpr TimeMs kObserved1 = 1749558600000;
constexpr const char* kDate2 = "Tue, 10 Jun 2025 12:30:05 GMT";
constexpr TimeMs kNewest = 1749556800000;  // 2025-06-10T12:00:00.000Z, zeta/Qwen3-8B-abliterated
constexpr TimeMs kLater = 1749632400000;   // 2025-06-11T09:00:00.000Z, lambda/Qwen3-phi-merge

const std::string kPage2 = "/api/models?sort=createdAt&direction=-1&cursor=eyJfaWQiOiI2ODQ4YTNjMCJ9";
const std::string kPage3 = "/api/models?sort=createdAt&direction=-1&cursor=eyJfaWQiOiI2ODQ4YTNjOCJ9";

std::vector<std::string> keys(const std::vector<testing::Emitted>& emitted) {
  std::vector<std::string> out;
  for (const auto& e : emitted) out.push_back(e.key);
  return out;
}

HfDerivative decoded(const testing::Emitted& e) {
  auto d = decode_hf_derivative(e.value);
  if (!d.ok()) throw std::runtime_error(e.key + ": " + d.rejection().detail);
  return d.value();
}

class HfDerivativesTest : public ::testing::Test {
 protected:
  HfDerivativesConfig config() {
    HfDerivativesConfig c;
    c.base_url = server.base_url() + "/";
    c.retry = RetryPolicy{10ms, 40ms, 3};
    c.token = "hf_test_token";
    c.request_timeout = 2s;
    return c;
  }
  std::string first_page(const HfDerivativesConnector& connector) {
    return connector.first_page_url().substr(server.base_url().size());
  }
  FakeResponse listing(const std::string& fixture_name, const std::string& date, const std::string& next = "") {
    FakeResponse response{200, {{"Date", date}, {"Content-Type", "application/json; charset=utf-8"}},
                          read_file(fixture(fixture_name))};
    if (!next.empty()) response.headers.emplace_back("Link", "<" + server.base_url() + next + ">; rel=\"next\"");
    return response;
  }
  // Page 1 → page 2 → page 3; the poll must stop inside page 2 and never ask for page 3.
  void route_two_pages(const HfDerivativesConnector& connector) {
    server.route(first_page(connector), {listing("hf_derivatives_newest_page1.json", kDate1, kPage2)});
    server.route(kPage2, {listing("hf_derivatives_newest_page2.json", kDate2, kPage3)});
    server.route(kPage3, {FakeResponse{500, {}, "page 3 must not be read"}});
  }
  void poll(HfDerivativesConnector& connector) { run_task(ioc, connector.poll(context)); }
  std::string poll_error(HfDerivativesConnector& connector) { return testing::poll_error(ioc, connector, context); }

  FakeHttpServer server;
  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
  RecordingContext context{client, nullptr};
};

TEST_F(HfDerivativesTest, FirstPageUrlListsNewestFirstWithTheExpandedFields) {
  auto c = config();
  c.page_limit = 250;
  HfDerivativesConnector connector(c);
  EXPECT_EQ(connector.name(), "hf_derivatives");
  EXPECT_EQ(connector.interval(), 15min);
  EXPECT_EQ(first_page(connector),
            "/api/models?sort=createdAt&direction=-1&expand[]=createdAt&expand[]=downloads&expand[]=tags"
            "&expand[]=cardData&limit=250");
}

TEST_F(HfDerivativesTest, FirstPollPagesBackThroughTheRelistWindow) {
  HfDerivativesConnector connector(config());
  route_two_pages(connector);
  EXPECT_EQ(connector.cursor(), std::nullopt);
  poll(connector);

  // Stops at kappa/mistral-7b-ft-v0, 1 ms older than the newest createdAt minus 30 days.
  ASSERT_EQ(keys(context.emitted), (std::vector<std::string>{"zeta/Qwen3-8B-abliterated", "omega/gemma-3-1b-it-Q8_0-GGUF",
                                                             "kappa/phi-4-lora", "kappa/mistral-7b-ft"}));
  for (const auto& e : context.emitted) EXPECT_EQ(e.topic, "hf.derivatives");
  EXPECT_EQ(context.emitted[0].value,
            R"({"created_at":"2025-06-10T12:00:00Z","downloads_30d":40,"observed_at":"2025-06-10T12:30:00Z",)"
            R"("relations":[{"base":"Qwen/Qwen3-8B","relation":"finetune"}],"repo_id":"zeta/Qwen3-8B-abliterated","schema":1})");
  auto lora = decoded(context.emitted[2]);
  EXPECT_EQ(lora.observed_at, kObserved1 + 5000);  // page 2's Date
  EXPECT_EQ(lora.relations, (std::vector<DerivativeBase>{{Relation::adapter, "microsoft/phi-4"}}));
  EXPECT_EQ(decoded(context.emitted[3]).relations,
            (std::vector<DerivativeBase>{{Relation::unspecified, "mistralai/Mistral-7B-v0.1"}}));

  ASSERT_EQ(context.rejected.size(), 1u);
  EXPECT_EQ(context.rejected[0].topic, "hf.derivatives");
  EXPECT_EQ(context.rejected[0].reason, RejectReason::bad_relation);
  EXPECT_EQ(context.rejected[0].detail, "cardData.base_model: not an org/name repo id: 'gemma' (omega/broken-card)");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, first_page(connector));
  EXPECT_EQ(requests[1].target, kPage2);
  EXPECT_EQ(connector.cursor(), (HfDerivativesCursor{kNewest, "zeta/Qwen3-8B-abliterated"}));
  EXPECT_EQ(context.rate_limited_count, 0);
}

TEST_F(HfDerivativesTest, SecondPollStopsAtTheCursor) {
  HfDerivativesConnector connector(config());
  route_two_pages(connector);
  server.enqueue(first_page(connector), listing("hf_derivatives_newest_later.json", kDate2, kPage2));
  poll(connector);
  context.emitted.clear();
  poll(connector);

  // lambda/same-second shares the cursor's createdAt and is listed before it: passed, not stopped at.
  EXPECT_EQ(keys(context.emitted), (std::vector<std::string>{"lambda/Qwen3-phi-merge", "lambda/same-second"}));
  EXPECT_EQ(decoded(context.emitted[0]).relations,
            (std::vector<DerivativeBase>{{Relation::merge, "Qwen/Qwen3-8B"}, {Relation::merge, "microsoft/phi-4"}}));
  EXPECT_EQ(server.request_count(), 3u);  // page 2 not read again
  EXPECT_EQ(connector.cursor(), (HfDerivativesCursor{kLater, "lambda/Qwen3-phi-merge"}));
}

TEST_F(HfDerivativesTest, RateLimitAndServerErrorAreRetried) {
  HfDerivativesConnector connector(config());
  server.route(first_page(connector),
               {FakeResponse{429, {{"RateLimit", "\"api\";r=0;t=1"}, {"RateLimit-Policy", "\"fixed window\";\"api\";q=500;w=300"}}, ""},
                listing("hf_derivatives_newest_page1.json", kDate1, kPage2)});
  server.route(kPage2, {FakeResponse{503, {}, "upstream down"}, listing("hf_derivatives_newest_page2.json", kDate2, kPage3)});
  poll(connector);

  EXPECT_EQ(context.rate_limited_count, 1);
  ASSERT_EQ(context.sleeps.size(), 2u);
  EXPECT_EQ(context.sleeps[0], 1000ms);  // as RateLimit said
  EXPECT_GE(context.sleeps[1], 5ms);     // backoff after the 503: [initial/2, initial]
  EXPECT_LE(context.sleeps[1], 10ms);
  EXPECT_EQ(context.emitted.size(), 4u);
  EXPECT_EQ(server.request_count(), 4u);
  EXPECT_EQ(connector.cursor(), (HfDerivativesCursor{kNewest, "zeta/Qwen3-8B-abliterated"}));
}

TEST_F(HfDerivativesTest, FailedPollLeavesTheCursorAndTheNextPollCoversTheGap) {
  HfDerivativesConnector connector(config());
  const HfDerivativesCursor restored{1747735200000, "kappa/phi-4-lora"};  // 2025-05-20T10:00:00.000Z
  connector.restore_cursor(restored);
  server.route(first_page(connector), {listing("hf_derivatives_newest_page1.json", kDate1, kPage2)});
  server.route(kPage2, {FakeResponse{502, {}, "bad gateway"}, FakeResponse{502, {}, "bad gateway"},
                        FakeResponse{502, {}, "bad gateway"}, listing("hf_derivatives_newest_page2.json", kDate2, kPage3)});

  auto error = poll_error(connector);
  EXPECT_NE(error.find("502 Bad Gateway: bad gateway (after 3 attempts)"), std::string::npos) << error;
  EXPECT_EQ(connector.cursor(), restored);
  EXPECT_EQ(context.emitted.size(), 2u);  // page 1's, emitted again below

  context.emitted.clear();
  poll(connector);
  // An incremental poll (restored cursor): stops at the cursor's own repo at the top of page 2.
  EXPECT_EQ(keys(context.emitted), (std::vector<std::string>{"zeta/Qwen3-8B-abliterated", "omega/gemma-3-1b-it-Q8_0-GGUF"}));
  EXPECT_EQ(server.request_count(), 6u);
  EXPECT_EQ(connector.cursor(), (HfDerivativesCursor{kNewest, "zeta/Qwen3-8B-abliterated"}));
}

TEST_F(HfDerivativesTest, MalformedPageFailsThePollAndIsCounted) {
  HfDerivativesConnector connector(config());
  server.route(first_page(connector), {listing("hf_derivatives_newest_page1.json", kDate1, kPage2)});
  server.route(kPage2, {FakeResponse{200, {}, "[{\"_id\":\"6848a3c0d1e2f3a4b5c60005\",\"id\":"}});
  auto error = poll_error(connector);
  EXPECT_EQ(error, "GET " + server.base_url() + kPage2 + ": page: not valid JSON");
  ASSERT_EQ(context.rejected.size(), 2u);  // omega/broken-card, then the page
  EXPECT_EQ(context.rejected[1].reason, RejectReason::malformed_json);
  EXPECT_EQ(connector.cursor(), std::nullopt);
}

TEST_F(HfDerivativesTest, RelistPollReEmitsTheWindow) {
  auto c = config();
  c.relist_every = 2;
  HfDerivativesConnector connector(c);
  // Poll 3 sees omega's GGUF with more downloads: a relist is how the operator learns it.
  auto page1 = nlohmann::json::parse(read_file(fixture("hf_derivatives_newest_page1.json")));
  page1[2]["downloads"] = 25;
  FakeResponse updated = listing("hf_derivatives_newest_page1.json", kDate2, kPage2);
  updated.body = page1.dump();
  server.route(first_page(connector), {listing("hf_derivatives_newest_page1.json", kDate1, kPage2),
                                       listing("hf_derivatives_newest_page1.json", kDate1, kPage2), updated});
  server.route(kPage2, {listing("hf_derivatives_newest_page2.json", kDate2, kPage3)});
  server.route(kPage3, {FakeResponse{500, {}, "page 3 must not be read"}});

  std::vector<std::size_t> emitted, requests;
  for (int i = 0; i < 3; ++i) {
    context.emitted.clear();
    poll(connector);
    emitted.push_back(context.emitted.size());
    requests.push_back(server.request_count());
  }
  // Relist, incremental (nothing new: stops at the first item), relist.
  EXPECT_EQ(emitted, (std::vector<std::size_t>{4, 0, 4}));
  EXPECT_EQ(requests, (std::vector<std::size_t>{2, 3, 5}));
  EXPECT_EQ(context.emitted[1].key, "omega/gemma-3-1b-it-Q8_0-GGUF");
  EXPECT_EQ(decoded(context.emitted[1]).downloads_30d, 25);
  EXPECT_EQ(connector.cursor(), (HfDerivativesCursor{kNewest, "zeta/Qwen3-8B-abliterated"}));
}

TEST_F(HfDerivativesTest, RelistAfterALongGapGoesBackToTheCursor) {
  auto c = config();
  c.relist_every = 1;  // every poll re-lists
  HfDerivativesConnector connector(c);
  // Older than the window's floor: the relist still reaches back to it.
  connector.restore_cursor({1743465600000, "kappa/older-ft"});  // 2025-04-01T00:00:00.000Z
  route_two_pages(connector);
  poll(connector);
  EXPECT_EQ(keys(context.emitted),
            (std::vector<std::string>{"zeta/Qwen3-8B-abliterated", "omega/gemma-3-1b-it-Q8_0-GGUF", "kappa/phi-4-lora",
                                      "kappa/mistral-7b-ft", "kappa/mistral-7b-ft-v0"}));
  EXPECT_EQ(connector.cursor(), (HfDerivativesCursor{kNewest, "zeta/Qwen3-8B-abliterated"}));
}

TEST_F(HfDerivativesTest, TokenGoesAsBearerToTheBaseOriginOnly) {
  HfDerivativesConnector connector(config());
  std::string elsewhere = "http://localhost:" + std::to_string(server.port()) + kPage2;
  FakeResponse page1 = listing("hf_derivatives_newest_page1.json", kDate1);
  page1.headers.emplace_back("Link", "<" + elsewhere + ">; rel=\"next\"");
  server.route(first_page(connector), {page1});
  server.route(kPage2, {listing("hf_derivatives_newest_page2.json", kDate2)});
  poll(connector);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("Authorization"), "Bearer hf_test_token");
  EXPECT_EQ(requests[0].header("Accept"), "application/json");
  EXPECT_EQ(requests[1].target, kPage2);
  EXPECT_EQ(requests[1].header("Authorization"), "");

  auto anonymous = config();
  anonymous.token.clear();
  HfDerivativesConnector without_token(anonymous);
  poll(without_token);
  EXPECT_EQ(server.requests().back().header("Authorization"), "");
}

TEST_F(HfDerivativesTest, RejectedTokenFailsThePoll) {
  HfDerivativesConnector connector(config());
  server.set_default(FakeResponse{401, {{"X-Error-Message", "Invalid credentials in Authorization header"}}, ""});
  auto error = poll_error(connector);
  EXPECT_EQ(error, "401 Unauthorized: Invalid credentials in Authorization header (check HF_TOKEN)");
  EXPECT_EQ(error.find("hf_test_token"), std::string::npos);
  EXPECT_EQ(connector.cursor(), std::nullopt);
}

TEST_F(HfDerivativesTest, OtherClientErrorsFailThePoll) {
  HfDerivativesConnector connector(config());
  server.route(first_page(connector), {FakeResponse{400, {}, "{\"error\":\"Invalid expand\"}"}});
  EXPECT_EQ(poll_error(connector), "GET " + connector.first_page_url() + ": 400 Bad Request: {\"error\":\"Invalid expand\"}");
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(HfDerivativesTest, PagingLoopIsAnError) {
  HfDerivativesConnector connector(config());
  server.route(first_page(connector), {FakeResponse{200, {{"Link", "</api/models?c=1>; rel=\"next\""}}, "[]"}});
  server.route("/api/models?c=1", {FakeResponse{200, {{"Link", "</api/models?c=1>; rel=\"next\""}}, "[]"}});
  EXPECT_EQ(poll_error(connector), "paging loops back to " + server.base_url() + "/api/models?c=1");
}

TEST_F(HfDerivativesTest, EmptyListingKeepsNoCursor) {
  HfDerivativesConnector connector(config());
  server.route(first_page(connector), {FakeResponse{200, {}, "[]"}});
  poll(connector);
  EXPECT_EQ(connector.cursor(), std::nullopt);
  EXPECT_TRUE(context.emitted.empty());
}

TEST_F(HfDerivativesTest, InvalidConfigIsRefused) {
  auto c = config();
  c.relist_every = 0;
  EXPECT_THROW(HfDerivativesConnector{c}, std::invalid_argument);
  c = config();
  c.page_limit = 0;
  EXPECT_THROW(HfDerivativesConnector{c}, std::invalid_argument);
  c = config();
  c.relist_window = 0ms;
  EXPECT_THROW(HfDerivativesConnector{c}, std::invalid_argument);
}

}  // namespace
}  // namespace atomd
