#include "daemon/api.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/adoption_metrics.hpp"
#include "daemon/landing_page.hpp"
#include "daemon/stream_task.hpp"

namespace atomd {
namespace {

using nlohmann::json;

ReferenceData reference() {
  ReferenceTexts t;
  t.tracked_models = "org,model,modelId\nQwen,Qwen3-8B,Qwen/Qwen3-8B\nmeta-llama,Llama-3.1-8B,meta-llama/Llama-3.1-8B\n";
  t.regions = "hf_org,region,notes\nQwen,china,\nmeta-llama,us,\n";
  t.sizes = "model_id,total_params_b,active_params_b,is_moe,notes\n";
  t.release_dates = "model_id,hf_created_at,actual_release_date,notes\n";
  t.org_aliases = "alias,org\n";
  return ReferenceData::parse(t);
}

kafka::Message snapshot(const std::string& repo, const std::string& observed, std::int64_t all_time) {
  HfModelSnapshot s;
  s.repo_id = repo;
  s.org = std::string(repo_org(repo));
  s.observed_at = *parse_rfc3339(observed);
  s.created_at = *parse_rfc3339("2024-01-01T00:00:00Z");
  s.downloads_all_time = all_time;
  s.downloads_30d = 10;
  kafka::Message m;
  m.topic = "atom.hf.models.v1";
  m.key = repo;
  m.value = encode(s);
  return m;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    holder_.set(std::make_shared<ReferenceData>(reference()));
    // Qwen: +3000 in Feb 2025 (one snapshot 2025-02-01 → 2025-02-04). Llama: +1000 in Feb.
    for (auto m : {snapshot("Qwen/Qwen3-8B", "2025-02-01T00:00:00Z", 10'000),
                   snapshot("Qwen/Qwen3-8B", "2025-02-04T00:00:00Z", 13'000),
                   snapshot("meta-llama/Llama-3.1-8B", "2025-02-01T00:00:00Z", 50'000),
                   snapshot("meta-llama/Llama-3.1-8B", "2025-02-03T00:00:00Z", 51'000)})
      process(m);
  }
  json get(const std::string& target, int expected_status = 200) {
    auto [path, params] = split_target(target);
    auto response = api_.handle(path, params);
    EXPECT_TRUE(response.has_value()) << target;
    EXPECT_EQ(response->status, expected_status) << response->body;
    return json::parse(response->body);
  }
  Config config_;
  Metrics metrics_{"test"};
  ReferenceHolder holder_;
  Topology topology_{config_, TopicNames{}, holder_, metrics_};
  Api api_{topology_, holder_};
  void process(const kafka::Message& m) { topology_.process(stream_record(m)); }
};

TEST_F(ApiTest, LeaderboardByRegionCumulative) {
  auto body = get("/api/v1/leaderboard?metric=downloads&group_by=region&window=cumulative");
  ASSERT_EQ(body["rows"].size(), 2u);
  EXPECT_EQ(body["rows"][0]["group"], "us");
  EXPECT_DOUBLE_EQ(body["rows"][0]["value"], 51'000);
  EXPECT_DOUBLE_EQ(body["rows"][0]["share"], 51'000.0 / 64'000.0);
  EXPECT_EQ(body["rows"][1]["group"], "china");
  EXPECT_EQ(body["as_of"], "2025-02-04T00:00:00Z");
}

TEST_F(ApiTest, LeaderboardMonthAndLimit) {
  auto body = get("/api/v1/leaderboard?metric=downloads&group_by=org&window=month&month=2025-02&limit=1");
  ASSERT_EQ(body["rows"].size(), 1u);
  EXPECT_EQ(body["rows"][0]["group"], "Qwen");
  EXPECT_DOUBLE_EQ(body["rows"][0]["value"], 3'000);
  EXPECT_DOUBLE_EQ(body["rows"][0]["share"], 0.75);
  auto january = get("/api/v1/leaderboard?metric=downloads&group_by=org&window=month&month=2025-01");
  for (const auto& row : january["rows"]) EXPECT_DOUBLE_EQ(row["value"], 0);
}

TEST_F(ApiTest, BadParametersAre400) {
  EXPECT_EQ(get("/api/v1/leaderboard?metric=downloads&group_by=org&window=30d&month=2025-02", 400)["error"],
            "month: only with window=month");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=likes&group_by=org&window=30d", 400)["error"],
            "metric: 'likes' is not served (downloads|derivatives|inference)");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=derivatives&group_by=size_bucket&window=month", 400)["error"],
            "group_by: size_bucket is served for downloads only; expected org|region for derivatives");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=derivatives&group_by=org&window=cumulative", 400)["error"],
            "window: expected month|30d for derivatives");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=inference&group_by=org&window=30d", 400)["error"],
            "window: expected day|7d|month for inference");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=inference&group_by=org&window=7d&scope=closed", 400)["error"],
            "scope: expected all|open");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=downloads&group_by=org&window=30d&scope=open", 400)["error"],
            "scope: only with metric=inference");
  EXPECT_EQ(get("/api/v1/events?kind=rumour", 400)["error"], "kind: expected overtake|threshold");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=downloads&group_by=lab&window=30d", 400)["error"],
            "group_by: expected org|region|size_bucket");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=downloads&group_by=org&window=week", 400)["error"],
            "window: expected cumulative|month|30d for downloads");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=downloads&group_by=org&window=month&month=2025-13", 400)["error"],
            "month: expected YYYY-MM");
  EXPECT_EQ(get("/api/v1/leaderboard?metric=downloads&group_by=org&window=month&limit=0", 400)["error"],
            "limit: expected a positive integer");
}

TEST_F(ApiTest, ModelAndUnknownModel) {
  auto body = get("/api/v1/models/Qwen/Qwen3-8B");
  EXPECT_EQ(body["region"], "china");
  EXPECT_DOUBLE_EQ(body["size_b"], 8);
  EXPECT_EQ(body["size_bucket"], "7-9B");
  EXPECT_DOUBLE_EQ(body["downloads"]["cumulative"], 13'000);
  EXPECT_DOUBLE_EQ(body["downloads"]["month"], 3'000);
  EXPECT_DOUBLE_EQ(body["downloads"]["30d"], 3'000);
  EXPECT_DOUBLE_EQ(body["downloads"]["hf_30d"], 10);
  EXPECT_EQ(get("/api/v1/models/Qwen/Nope", 404)["error"], "model Qwen/Nope: unknown");
}

TEST_F(ApiTest, SeriesPerDay) {
  auto body = get("/api/v1/series?metric=downloads&group_by=org&group=Qwen&window=day");
  ASSERT_EQ(body["points"].size(), 3u);
  EXPECT_EQ(body["points"][0]["t"], "2025-02-01T00:00:00Z");
  EXPECT_DOUBLE_EQ(body["points"][0]["value"], 1'000);
  EXPECT_EQ(get("/api/v1/series?metric=downloads&group_by=org&window=day", 400)["error"], "group: required");
}

TEST_F(ApiTest, RejectedRecordsAreCountedNotFatal) {
  kafka::Message bad;
  bad.topic = "atom.hf.models.v1";
  bad.value = "{not json";
  process(bad);
  bad.value = R"({"repo_id":"Qwen/Qwen3-8B"})";
  process(bad);
  EXPECT_EQ(metrics_.rejected_count("atom.hf.models.v1", "malformed_json"), 1);
  EXPECT_EQ(metrics_.rejected_count("atom.hf.models.v1", "missing_field"), 1);
  EXPECT_DOUBLE_EQ(get("/api/v1/models/Qwen/Qwen3-8B")["downloads"]["cumulative"], 13'000);
}

TEST_F(ApiTest, LandingPageShowsTheLeaders) {
  auto html = topology_.read([&](const TopologyView& v) {
    return landing_page(LandingInfo{"0.1.0", true, "127.0.0.1:1234", true}, v, *holder_.get());
  });
  EXPECT_NE(html.find("<td>us</td><td class=n>51,000</td><td class=n>79.7%</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>Qwen</td><td class=n>3,000</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("127.0.0.1:1234"), std::string::npos);
}

TEST(QueryParsing, SplitsAndDecodes) {
  auto [path, params] = split_target("/api/v1/models/Qwen%2FQwen3?a=1&b=x%20y&c");
  EXPECT_EQ(path, "/api/v1/models/Qwen/Qwen3");
  EXPECT_EQ(params.at("a"), "1");
  EXPECT_EQ(params.at("b"), "x y");
  EXPECT_EQ(params.at("c"), "");
}

TEST(OrgSeries, TrackedOrgsPlusTopOthersRestSummed) {
  ReferenceData ref = reference();
  std::vector<GroupValue> rows;
  for (int i = 0; i < 60; ++i) rows.push_back({"org" + std::to_string(i), 100.0 - i});
  rows.push_back({"Qwen", 1});
  auto limited = limit_org_series(rows, ref);
  ASSERT_EQ(limited.size(), 52u);  // 50 untracked, Qwen, other
  EXPECT_EQ(limited[49].group, "org49");
  EXPECT_EQ(limited[50].group, "Qwen");
  EXPECT_EQ(limited[51].group, "other");
  EXPECT_DOUBLE_EQ(limited[51].value, (100 - 50) + (100 - 51) + (100 - 52) + (100 - 53) + (100 - 54) + (100 - 55) +
                                          (100 - 56) + (100 - 57) + (100 - 58) + (100 - 59));
}

}  // namespace
}  // namespace atomd

namespace atomd {
namespace {

kafka::Message derivative(const std::string& repo, const std::string& created, long downloads,
                          std::vector<DerivativeBase> bases) {
  HfDerivative d;
  d.repo_id = repo;
  d.created_at = *parse_rfc3339(created);
  d.observed_at = *parse_rfc3339("2025-02-05T00:00:00Z");
  d.downloads_30d = downloads;
  d.relations = std::move(bases);
  kafka::Message m;
  m.topic = "atom.hf.derivatives.v1";
  m.key = repo;
  m.value = encode(d);
  return m;
}

kafka::Message tokens(const std::string& slug, const std::string& date, std::int64_t n, std::optional<std::string> hf_id,
                      const std::string& org) {
  OpenRouterTokens t;
  t.date = *parse_date(date);
  t.slug = slug;
  t.observed_at = day_end(t.date) + 3'600'000;
  t.tokens = n;
  t.hf_id = std::move(hf_id);
  t.org = org;
  kafka::Message m;
  m.topic = "atom.openrouter.tokens.v1";
  m.key = tokens_key(t);
  m.value = encode(t);
  return m;
}

TEST_F(ApiTest, DerivativeAndInferenceLeaderboards) {
  // Derivatives (Feb 2025): a Qwen finetune, a Qwen/Llama merge (1/2 each), one under the threshold.
  process(derivative("a/q-ft", "2025-02-02T10:00:00Z", 50, {{Relation::finetune, "Qwen/Qwen3-8B"}}));
  process(derivative("b/merge", "2025-02-03T10:00:00Z", 9,
                               {{Relation::merge, "Qwen/Qwen3-8B"}, {Relation::merge, "meta-llama/Llama-3.1-8B"}}));
  process(derivative("c/tiny", "2025-02-03T11:00:00Z", 5, {{Relation::adapter, "meta-llama/Llama-3.1-8B"}}));
  auto d = get("/api/v1/leaderboard?metric=derivatives&group_by=org&window=month&month=2025-02");
  ASSERT_EQ(d["rows"].size(), 2u);
  EXPECT_EQ(d["rows"][0]["group"], "Qwen");
  EXPECT_DOUBLE_EQ(d["rows"][0]["value"], 1.5);
  EXPECT_DOUBLE_EQ(d["rows"][0]["share"], 0.75);
  EXPECT_DOUBLE_EQ(d["rows"][1]["value"], 0.5);
  EXPECT_EQ(d["as_of"], "2025-02-05T00:00:00Z");

  // Tokens on 2025-02-03: Qwen open 300, Llama open 100, a closed model 400, other 200.
  process(tokens("qwen/qwen3-8b-04-28", "2025-02-03", 300, "Qwen/Qwen3-8B", "Qwen"));
  process(tokens("meta-llama/llama-3.1-8b:free", "2025-02-03", 100, "meta-llama/Llama-3.1-8B", "meta-llama"));
  process(tokens("openai/gpt-4o", "2025-02-03", 400, std::nullopt, "openai"));
  process(tokens("other", "2025-02-03", 200, std::nullopt, "other"));
  auto all = get("/api/v1/leaderboard?metric=inference&group_by=org&window=7d");
  ASSERT_EQ(all["rows"].size(), 4u);
  EXPECT_EQ(all["rows"][0]["group"], "openai");
  EXPECT_DOUBLE_EQ(all["rows"][0]["share"], 0.4);
  EXPECT_EQ(all["as_of"], "2025-02-03T23:59:59.999Z");
  auto open = get("/api/v1/leaderboard?metric=inference&group_by=org&window=7d&scope=open");
  ASSERT_EQ(open["rows"].size(), 2u);
  EXPECT_EQ(open["rows"][0]["group"], "Qwen");
  EXPECT_DOUBLE_EQ(open["rows"][0]["share"], 0.75);
  auto regions = get("/api/v1/leaderboard?metric=inference&group_by=region&window=month&scope=open");
  EXPECT_EQ(regions["rows"][0]["group"], "china");
  EXPECT_DOUBLE_EQ(regions["rows"][0]["value"], 300);

  // A corrected row replaces, an older re-delivery does not undo it.
  auto corrected = tokens("other", "2025-02-03", 1200, std::nullopt, "other");
  auto older = tokens("other", "2025-02-03", 7, std::nullopt, "other");
  corrected.value.replace(corrected.value.find("T01:00:00Z"), 10, "T05:00:00Z");
  process(corrected);
  process(older);
  all = get("/api/v1/leaderboard?metric=inference&group_by=org&window=7d");
  EXPECT_EQ(all["rows"][0]["group"], "other");
  EXPECT_DOUBLE_EQ(all["rows"][0]["value"], 1200);

  // The model API carries RAM for both baselines (null: fewer than 10 models in the bucket).
  auto model = get("/api/v1/models/Qwen/Qwen3-8B");
  EXPECT_TRUE(model["ram"]["tenth"]["30"].is_null());
  EXPECT_TRUE(model["ram"]["median_top10"].contains("current"));
  EXPECT_EQ(get("/api/v1/events")["events"].size(), 0u);
}

}  // namespace
}  // namespace atomd
