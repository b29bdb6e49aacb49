#include "connectors/hf_models.hpp"

#include <gtest/gtest.h>

#include "connectors/hf_parse.hpp"
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

constexpr const char* kTracked =
    "org,model,modelId\n"
    "alpha-lab,Alpha-7B-Instruct,alpha-lab/Alpha-7B-Instruct\n"
    "alpha-lab,Alpha-70B,alpha-lab/Alpha-70B\n"
    "alpha-lab,Broken,alpha-lab/Broken\n"
    "beta-ai,Beta-1B-GGUF,beta-ai/Beta-1B-GGUF\n"
    "gamma,Gamma-1,gamma/Gamma-1\n";

TimeMs wall_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class HfModelsTest : public ::testing::Test {
 protected:
  HfModelsConfig config() {
    HfModelsConfig c;
    c.base_url = server.base_url() + "/";
    c.retry = RetryPolicy{10ms, 40ms, 3};
    c.token = "hf_test_token";
    c.request_timeout = 2s;
    return c;
  }
  // The target of an org's first page, as the fake server sees it.
  std::string first_page(const HfModelsConnector& connector, const std::string& org) {
    return connector.first_page_url(org).substr(server.base_url().size());
  }
  void poll(HfModelsConnector& connector) { run_task(ioc, connector.poll(context)); }
  std::string poll_error(HfModelsConnector& connector) { return testing::poll_error(ioc, connector, context); }

  FakeHttpServer server;
  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
  RecordingContext context{client, testing::tracked(kTracked)};
};

TEST_F(HfModelsTest, PollsEveryTrackedOrgThroughPagesAndFaults) {
  HfModelsConnector connector(config());
  const std::string page2 = "/api/models?author=alpha-lab&cursor=cDI%3D";
  server.route(first_page(connector, "alpha-lab"),
               {FakeResponse{429, {{"RateLimit", "\"api\";r=0;t=1"}, {"RateLimit-Policy", "\"fixed window\";\"api\";q=500;w=300"}}, ""},
                FakeResponse{200,
                             {{"Date", "Wed, 22 Jan 2025 18:24:32 GMT"},
                              {"Link", "<" + server.base_url() + page2 + ">; rel=\"next\""}},
                             read_file(fixture("hf_models_org_alpha_page1.json"))}});
  server.route(page2, {FakeResponse{503, {}, "upstream down"},
                       FakeResponse{200, {{"Date", "Wed, 22 Jan 2025 18:24:40 GMT"}},
                                    read_file(fixture("hf_models_org_alpha_page2.json"))}});
  server.route(first_page(connector, "beta-ai"), {FakeResponse{200, {}, read_file(fixture("hf_models_org_beta.json"))}});
  server.route(first_page(connector, "gamma"),
               {FakeResponse{404, {{"X-Error-Code", "RepoNotFound"}}, "{\"error\":\"Repository not found\"}"}});

  TimeMs before = wall_now();
  poll(connector);
  TimeMs after = wall_now();

  ASSERT_EQ(context.emitted.size(), 3u);
  for (const auto& e : context.emitted) EXPECT_EQ(e.topic, "hf.models");
  EXPECT_EQ(context.emitted[0].key, "alpha-lab/Alpha-7B-Instruct");
  EXPECT_EQ(context.emitted[0].value,
            R"({"created_at":"2025-01-22T18:24:32Z","downloads_30d":120345,"downloads_all_time":2345678,)"
            R"("gated":false,"library":"transformers","likes":512,"observed_at":"2025-01-22T18:24:32Z",)"
            R"("org":"alpha-lab","params_total":7615616512,"pipeline_tag":"text-generation",)"
            R"("repo_id":"alpha-lab/Alpha-7B-Instruct","schema":1,"tags":["transformers","text-generation"]})");
  // Listed as alpha-lab/alpha-70b; emitted in the tracked list's spelling.
  EXPECT_EQ(context.emitted[1].key, "alpha-lab/Alpha-70B");
  EXPECT_EQ(context.emitted[1].value,
            R"({"created_at":"2025-04-01T12:00:00Z","downloads_30d":5000,"downloads_all_time":80000,)"
            R"("gated":true,"library":"transformers","likes":77,"observed_at":"2025-01-22T18:24:40Z",)"
            R"("org":"alpha-lab","params_total":70553706496,"pipeline_tag":"text-generation",)"
            R"("repo_id":"alpha-lab/Alpha-70B","schema":1,"tags":["text-generation"]})");
  EXPECT_EQ(context.emitted[2].key, "beta-ai/Beta-1B-GGUF");
  auto beta = decode_hf_model(context.emitted[2].value);
  ASSERT_TRUE(beta.ok());
  EXPECT_EQ(beta->params_total, 999885952);
  EXPECT_EQ(beta->gated, std::nullopt);
  EXPECT_GE(beta->observed_at, before / 1000 * 1000);  // no Date header: the local clock
  EXPECT_LE(beta->observed_at, after);

  ASSERT_EQ(context.rejected.size(), 2u);
  EXPECT_EQ(context.rejected[0].topic, "hf.models");
  EXPECT_EQ(context.rejected[0].reason, RejectReason::bad_value);
  EXPECT_EQ(context.rejected[0].detail, "createdAt: not an RFC 3339 time: '2025-13-45T00:00:00.000Z' (alpha-lab/Broken)");
  EXPECT_EQ(context.rejected[1].reason, RejectReason::wrong_type);
  EXPECT_EQ(context.rejected[1].detail, "tags: expected array (beta-ai/Beta-1B-GGUF-copy)");

  EXPECT_EQ(context.rate_limited_count, 1);
  EXPECT_EQ(context.partial_errors, (std::vector<std::string>{"org gamma: 404 Not Found: {\"error\":\"Repository not found\"}"}));
  ASSERT_EQ(context.sleeps.size(), 2u);
  EXPECT_EQ(context.sleeps[0], 1000ms);  // as RateLimit said
  EXPECT_LE(context.sleeps[1], 10ms);    // backoff after the 503

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_EQ(requests[0].target,
            "/api/models?author=alpha-lab&expand[]=downloads&expand[]=downloadsAllTime&expand[]=createdAt"
            "&expand[]=likes&expand[]=safetensors&expand[]=gguf&expand[]=tags&expand[]=pipeline_tag"
            "&expand[]=library_name&expand[]=gated&limit=1000");
  EXPECT_EQ(requests[3].target, page2);
  for (const auto& r : requests) {
    EXPECT_EQ(r.header("Authorization"), "Bearer hf_test_token") << r.target;
    EXPECT_EQ(r.header("Accept"), "application/json");
  }
  EXPECT_EQ(connector.stale_models(), 0u);  // fewer than 3 polls so far
}

TEST_F(HfModelsTest, StaleModelsAreThoseAbsentFromTheLastThreePolls) {
  HfModelsConnector connector(config());
  std::string both = read_file(fixture("hf_models_org_alpha_page2.json"));
  both.insert(1, R"({"id":"alpha-lab/Alpha-7B-Instruct","downloads":1,"downloadsAllTime":2,"createdAt":"2025-01-22T18:24:32.000Z","likes":0},)");
  server.route(first_page(connector, "alpha-lab"), {FakeResponse{200, {}, both},
                                                    FakeResponse{200, {}, read_file(fixture("hf_models_org_alpha_page2.json"))}});
  server.route(first_page(connector, "beta-ai"), {FakeResponse{200, {}, read_file(fixture("hf_models_org_beta.json"))}});
  server.route(first_page(connector, "gamma"), {FakeResponse{404, {}, ""}});

  std::vector<std::size_t> stale;
  for (int i = 0; i < 4; ++i) {
    poll(connector);
    stale.push_back(connector.stale_models());
  }
  // Broken and Gamma-1 are never seen; Alpha-7B-Instruct only in poll 1.
  EXPECT_EQ(stale, (std::vector<std::size_t>{0, 0, 2, 3}));
  EXPECT_EQ(connector.stale_model_ids(),
            (std::vector<std::string>{"alpha-lab/Alpha-7B-Instruct", "alpha-lab/Broken", "gamma/Gamma-1"}));
  EXPECT_EQ(context.partial_errors.size(), 4u);
}

TEST_F(HfModelsTest, OtherClientErrorsFailThePoll) {
  HfModelsConnector connector(config());
  server.route(first_page(connector, "alpha-lab"), {FakeResponse{400, {}, "{\"error\":\"Invalid expand\"}"}});
  auto error = poll_error(connector);
  EXPECT_EQ(error, "org alpha-lab: GET " + connector.first_page_url("alpha-lab") +
                       ": 400 Bad Request: {\"error\":\"Invalid expand\"}");
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_EQ(connector.stale_models(), 0u);
}

TEST_F(HfModelsTest, PersistentServerErrorsFailThePollAfterRetries) {
  HfModelsConnector connector(config());
  server.route(first_page(connector, "alpha-lab"), {FakeResponse{502, {}, "bad gateway"}});
  auto error = poll_error(connector);
  EXPECT_NE(error.find("502 Bad Gateway: bad gateway (after 3 attempts)"), std::string::npos) << error;
  EXPECT_EQ(server.request_count(), 3u);
}

TEST_F(HfModelsTest, RejectedTokenFailsThePoll) {
  HfModelsConnector connector(config());
  server.set_default(FakeResponse{401, {{"X-Error-Message", "Invalid credentials in Authorization header"}}, ""});
  auto error = poll_error(connector);
  EXPECT_EQ(error, "org alpha-lab: 401 Unauthorized: Invalid credentials in Authorization header (check HF_TOKEN)");
  EXPECT_EQ(error.find("hf_test_token"), std::string::npos);
}

TEST_F(HfModelsTest, AnonymousUnknownOrgIsPartial) {
  auto c = config();
  c.token.clear();
  HfModelsConnector connector(c);
  server.set_default(FakeResponse{401, {{"X-Error-Message", "Invalid username or password."}}, ""});
  poll(connector);
  EXPECT_EQ(context.partial_errors,
            (std::vector<std::string>{"org alpha-lab: 401 Unauthorized: Invalid username or password.",
                                      "org beta-ai: 401 Unauthorized: Invalid username or password.",
                                      "org gamma: 401 Unauthorized: Invalid username or password."}));
  for (const auto& r : server.requests()) EXPECT_EQ(r.header("Authorization"), "");
}

TEST_F(HfModelsTest, TokenIsNotSentToAnotherOrigin) {
  HfModelsConnector connector(config());
  std::string elsewhere = "http://localhost:" + std::to_string(server.port()) + "/api/models?author=alpha-lab&cursor=x";
  server.route(first_page(connector, "alpha-lab"), {FakeResponse{200, {{"Link", "<" + elsewhere + ">; rel=next"}}, "[]"}});
  server.route("/api/models?author=alpha-lab&cursor=x", {FakeResponse{200, {}, "[]"}});
  server.set_default(FakeResponse{200, {}, "[]"});
  poll(connector);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].header("Authorization"), "Bearer hf_test_token");
  EXPECT_EQ(requests[1].target, "/api/models?author=alpha-lab&cursor=x");
  EXPECT_EQ(requests[1].header("Authorization"), "");
}

TEST_F(HfModelsTest, PagingLoopIsAnError) {
  HfModelsConnector connector(config());
  server.route(first_page(connector, "alpha-lab"), {FakeResponse{200, {{"Link", "</api/models?c=1>; rel=\"next\""}}, "[]"}});
  server.route("/api/models?c=1", {FakeResponse{200, {{"Link", "</api/models?c=1>; rel=\"next\""}}, "[]"}});
  auto error = poll_error(connector);
  EXPECT_EQ(error, "org alpha-lab: paging loops back to " + server.base_url() + "/api/models?c=1");
}

TEST_F(HfModelsTest, MalformedPageIsRejectedAndThePollGoesOn) {
  HfModelsConnector connector(config());
  server.route(first_page(connector, "alpha-lab"), {FakeResponse{200, {}, read_file(fixture("hf_models_page_truncated.json"))}});
  server.route(first_page(connector, "beta-ai"), {FakeResponse{200, {}, read_file(fixture("hf_models_org_beta.json"))}});
  server.set_default(FakeResponse{200, {}, "[]"});
  poll(connector);
  ASSERT_EQ(context.rejected.size(), 2u);  // alpha's page, then beta's bad entry
  EXPECT_EQ(context.rejected[0].reason, RejectReason::malformed_json);
  ASSERT_EQ(context.emitted.size(), 1u);
  EXPECT_EQ(context.emitted[0].key, "beta-ai/Beta-1B-GGUF");
}

TEST_F(HfModelsTest, NoReferenceDataFailsThePoll) {
  HfModelsConnector connector(config());
  RecordingContext empty{client, nullptr};
  EXPECT_THROW(run_task(ioc, connector.poll(empty)), ConnectorError);
}

}  // namespace
}  // namespace atomd
