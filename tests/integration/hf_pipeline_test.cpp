// The whole path from Hugging Face to /metrics: a fake Hub on 127.0.0.1 serving paged
// listings in the real wire format (one 429, one 503, bad entries, an org answering 404),
// the daemon polling it on the embedded broker, exact numbers on /metrics and the API.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process.hpp"
#include "tests/support/fake_http_server.hpp"

namespace atomd {
namespace {

using namespace atomd::testing;
using nlohmann::json;

json model(const std::string& id, long d30, long all_time, const std::string& created, std::optional<long> params = {}) {
  json m = {{"_id", "65f0c0ffee" + std::to_string(id.size())},
            {"id", id},
            {"downloads", d30},
            {"downloadsAllTime", all_time},
            {"createdAt", created},
            {"likes", 42},
            {"tags", {"transformers", "safetensors", "text-generation", "region:us"}},
            {"pipeline_tag", "text-generation"},
            {"library_name", "transformers"}};
  if (params) m["safetensors"] = {{"parameters", {{"BF16", *params}}}, {"total", *params}};
  return m;
}

FakeResponse page(const json& models, const std::string& date, const std::string& next = "") {
  FakeResponse r;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}, {"Date", date}};
  if (!next.empty()) r.headers.push_back({"Link", "<" + next + ">; rel=\"next\""});
  r.body = models.dump();
  return r;
}

bool query_has(const RecordedRequest& r, const std::string& part) { return r.query.find(part) != std::string::npos; }

class HfPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("hf-pipeline");
    const std::string day1 = "Sat, 01 Mar 2025 00:00:00 GMT", day2 = "Mon, 03 Mar 2025 00:00:00 GMT";
    FakeResponse rate_limited{429, {{"RateLimit", "\"api\";r=0;t=1"}, {"RateLimit-Policy", "\"fixed window\";\"api\";q=500;w=300"}},
                              R"({"error":"rate limited"})"};
    FakeResponse unavailable{503, {{"Content-Type", "text/plain"}}, "upstream unavailable"};

    // Qwen: two pages; the first answered 429 once, the second 503 once. One model is untracked.
    std::string next = "/api/models?author=Qwen&cursor=cGFnZTI%3D&limit=2";
    hub_.route([](const RecordedRequest& r) { return r.path == "/api/models" && query_has(r, "author=Qwen") && !query_has(r, "cursor="); },
               {rate_limited,
                page(json::array({model("Qwen/Qwen3-8B", 900'000, 1'000'000, "2024-06-01T08:00:00.000Z", 8'190'735'360),
                                  model("Qwen/Qwen-Untracked-7B", 5, 77, "2024-01-01T00:00:00.000Z")}),
                     day1, next),
                page(json::array({model("Qwen/Qwen3-8B", 910'000, 1'030'000, "2024-06-01T08:00:00.000Z", 8'190'735'360)}), day2,
                     next)});
    hub_.route([](const RecordedRequest& r) { return r.path == "/api/models" && query_has(r, "cursor=cGFnZTI"); },
               {unavailable,
                page(json::array({model("Qwen/Qwen3-0.6B", 4'000, 4'000, "2025-02-27T10:00:00.000Z", 751'632'384)}), day1),
                page(json::array({model("Qwen/Qwen3-0.6B", 10'000, 10'000, "2025-02-27T10:00:00.000Z", 751'632'384)}), day2)});
    // meta-llama: the first listing also carries a wrong-typed entry and one without an id.
    json bad_type = model("meta-llama/Llama-3.2-1B", 1, 1, "2024-09-18T00:00:00.000Z");
    bad_type["downloadsAllTime"] = "lots";
    json no_id = model("meta-llama/Llama-3.2-3B", 1, 1, "2024-09-18T00:00:00.000Z");
    no_id.erase("id");
    hub_.route([](const RecordedRequest& r) { return r.path == "/api/models" && query_has(r, "author=meta-llama"); },
               {page(json::array({bad_type, model("meta-llama/Llama-3.1-8B-Instruct", 2'000'000, 5'000'000,
                                                  "2024-07-18T00:00:00.000Z"), no_id}),
                     day1),
                page(json::array({model("meta-llama/Llama-3.1-8B-Instruct", 2'000'000, 5'020'000, "2024-07-18T00:00:00.000Z")}),
                     day2)});
    // An org whose listing arrives as malformed JSON (skipped and counted; the poll goes on).
    hub_.route([](const RecordedRequest& r) { return r.path == "/api/models" && query_has(r, "author=broken-org"); },
               {FakeResponse{200, {{"Content-Type", "application/json"}, {"Date", day1}}, R"([{"id":"broken-org/Model-7B","downloads":)"}});
    // An org the Hub does not know.
    hub_.route([](const RecordedRequest& r) { return r.path == "/api/models" && query_has(r, "author=ghost-org"); },
               {FakeResponse{404, {{"X-Error-Code", "RepoNotFound"}}, R"({"error":"Repository not found"})"}});

    write_file(dir_ + "/tracked.csv",
               "org,model,modelId\nQwen,Qwen3-8B,Qwen/Qwen3-8B\nQwen,Qwen3-0.6B,Qwen/Qwen3-0.6B\n"
               "meta-llama,Llama-3.1-8B-Instruct,meta-llama/Llama-3.1-8B-Instruct\n"
               "meta-llama,Llama-3.2-1B,meta-llama/Llama-3.2-1B\nbroken-org,Model-7B,broken-org/Model-7B\n"
               "ghost-org,Ghost-7B,ghost-org/Ghost-7B\n");
    write_file(dir_ + "/sizes.csv", "model_id,total_params_b,active_params_b,is_moe,notes\n");
    write_file(dir_ + "/release_dates.csv", "model_id,hf_created_at,actual_release_date,notes\n");
    const std::string src = ATOMD_SOURCE_DIR;
    write_file(dir_ + "/atomd.yaml",
               "kafka: {brokers: \"\", partitions: 4}\n"
               "reference:\n  tracked_models: " + dir_ + "/tracked.csv\n  regions: " + src + "/config/regions.csv\n"
               "  sizes: " + dir_ + "/sizes.csv\n  release_dates: " + dir_ + "/release_dates.csv\n"
               "  org_aliases: " + src + "/config/org_aliases.csv\n"
               "connectors:\n  hf: {enabled: true, base_url: \"" + hub_.base_url() + "\", interval: 2s}\n"
               "  hf_derivatives: {enabled: false}\n  openrouter: {enabled: false}\n"
               "  backoff_initial: 200ms\n  backoff_max: 1s\n");
  }
  FakeHttpServer hub_;
  std::string dir_;
};

TEST_F(HfPipeline, ExactNumbersOnMetricsAndApi) {
  const std::string token = "hf_SECRETtoken0123456789";
  DaemonProcess daemon({"--config", dir_ + "/atomd.yaml", "--state-dir", dir_ + "/state"}, dir_, {{"HF_TOKEN", token}});
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
  const std::string month_board = "/api/v1/leaderboard?metric=downloads&group_by=org&window=month";
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = daemon.get(month_board);
        return r.status == 200 && json::parse(r.body)["as_of"] == "2025-03-03T00:00:00Z";
      },
      std::chrono::seconds(60)))
      << daemon.stderr_text();
  // Give the stream a moment to finish the second poll's records.
  ASSERT_TRUE(wait_until([&] { return json::parse(daemon.get(month_board).body)["rows"].size() == 2 &&
                                      json::parse(daemon.get(month_board).body)["rows"][1]["value"] == 20'000.0; },
                         std::chrono::seconds(20)));

  // March (month containing T = 2025-03-03): Qwen3-8B +30,000 and Qwen3-0.6B +6,000; Llama +20,000.
  auto month = json::parse(daemon.get(month_board).body);
  EXPECT_EQ(month["rows"][0]["group"], "Qwen");
  EXPECT_DOUBLE_EQ(month["rows"][0]["value"].get<double>(), 36'000);
  EXPECT_DOUBLE_EQ(month["rows"][0]["share"].get<double>(), 36'000.0 / 56'000.0);
  EXPECT_EQ(month["rows"][1]["group"], "meta-llama");
  EXPECT_DOUBLE_EQ(month["rows"][1]["value"].get<double>(), 20'000);

  // 30 days to T: also Qwen3-0.6B's gap-filled 4,000 (released 2025-02-27, first seen 2025-03-01).
  auto d30 = json::parse(daemon.get("/api/v1/leaderboard?metric=downloads&group_by=org&window=30d").body);
  EXPECT_DOUBLE_EQ(d30["rows"][0]["value"].get<double>(), 40'000);
  auto february = json::parse(daemon.get(month_board + "&month=2025-02").body);
  EXPECT_DOUBLE_EQ(february["rows"][0]["value"].get<double>(), 4'000);

  auto regions = json::parse(daemon.get("/api/v1/leaderboard?metric=downloads&group_by=region&window=cumulative").body);
  ASSERT_EQ(regions["rows"].size(), 2u);
  EXPECT_EQ(regions["rows"][0]["group"], "us");
  EXPECT_DOUBLE_EQ(regions["rows"][0]["value"].get<double>(), 5'020'000);
  EXPECT_DOUBLE_EQ(regions["rows"][1]["value"].get<double>(), 1'040'000);

  auto buckets = json::parse(daemon.get("/api/v1/leaderboard?metric=downloads&group_by=size_bucket&window=month").body);
  ASSERT_EQ(buckets["rows"].size(), 2u);
  EXPECT_EQ(buckets["rows"][0]["group"], "7-9B");
  EXPECT_DOUBLE_EQ(buckets["rows"][0]["value"].get<double>(), 50'000);
  EXPECT_EQ(buckets["rows"][1]["group"], "<1B");

  auto small = json::parse(daemon.get("/api/v1/models/Qwen/Qwen3-0.6B").body);
  EXPECT_EQ(small["release_date"], "2025-02-27");
  EXPECT_EQ(small["size_bucket"], "<1B");
  EXPECT_DOUBLE_EQ(small["downloads"]["hf_30d"].get<double>(), 10'000);
  EXPECT_EQ(daemon.get("/api/v1/models/Qwen/Qwen-Untracked-7B").status, 404);

  auto metrics = daemon.get("/metrics").body;
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_downloads", {"group_by=\"org\"", "group=\"Qwen\"", "window=\"month\""}), 36'000);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_downloads", {"group_by=\"region\"", "group=\"china\"", "window=\"cumulative\""}), 1'040'000);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_downloads_share", {"group_by=\"org\"", "group=\"meta-llama\"", "window=\"month\""}),
                   20'000.0 / 56'000.0);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_model_downloads", {"model=\"Qwen/Qwen3-0.6B\"", "window=\"30d\""}), 10'000);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_connector_rate_limited_total", {"connector=\"hf_models\""}), 1);
  EXPECT_GE(metric_value(metrics, "atom_connector_polls_total", {"connector=\"hf_models\"", "outcome=\"ok\""}), 2);
  EXPECT_GT(metric_value(metrics, "atom_connector_last_success_timestamp_seconds", {"connector=\"hf_models\""}), 1.7e9);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_records_rejected_total", {"topic=\"atom.hf.models.v1\"", "reason=\"wrong_type\""}), 1);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_records_rejected_total", {"topic=\"atom.hf.models.v1\"", "reason=\"missing_field\""}), 1);
  EXPECT_GE(metric_value(metrics, "atom_records_rejected_total", {"topic=\"atom.hf.models.v1\"", "reason=\"malformed_json\""}), 2);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_watermark_timestamp_seconds", {}), 1740960000.0 - 3 * 86400);
  EXPECT_EQ(daemon.get("/api/v1/models/broken-org/Model-7B").status, 404);

  // The retries happened as the Hub asked: one 429 and one 503, each followed by a retry.
  int qwen_first_pages = 0;
  for (const auto& r : hub_.requests())
    if (query_has(r, "author=Qwen") && !query_has(r, "cursor=")) ++qwen_first_pages;
  EXPECT_GE(qwen_first_pages, 3);  // 429, poll 1, poll 2
  auto status = json::parse(daemon.get("/api/v1/status").body);
  EXPECT_FALSE(status["connectors"]["hf_models"]["last_success"].is_null());

  // The token went to the Hub as a Bearer token and nowhere else: not in logs, not served.
  for (const auto& r : hub_.requests()) EXPECT_EQ(r.header("Authorization"), "Bearer " + token);
  EXPECT_EQ(daemon.get("/api/v1/status").body.find(token), std::string::npos);
  EXPECT_EQ(daemon.terminate(), 0) << daemon.stderr_text();
  EXPECT_EQ(daemon.stderr_text().find("SECRETtoken"), std::string::npos);
  EXPECT_EQ(daemon.stdout_text().find("SECRETtoken"), std::string::npos);
}

}  // namespace
}  // namespace atomd
