// Derivatives and inference share end to end: a fake Hub (tracked models, and the newest-first
// model listing in two pages with one 429) and a fake OpenRouter (the model catalogue in two
// pages, daily token rankings with one 429 and a re-fetch that corrects yesterday), the daemon
// polling both on the embedded broker, and exact numbers on the leaderboard API and /metrics.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/integration/daemon_process.hpp"
#include "tests/support/fake_http_server.hpp"

namespace atomd {
namespace {

using namespace atomd::testing;
using nlohmann::json;

const std::string kHfToken = "hf_DERIVsecret0123456789";
const std::string kOpenRouterKey = "sk-or-v1-INFERENCEsecret0123456789";

// Every Hub answer carries this Date: it is the derivatives' observed_at, so T (derivatives) =
// 2025-06-09T20:00:00Z, the month window is June 2025 and 30d is 2025-05-11..2025-06-09.
const std::string kHubDate = "Mon, 09 Jun 2025 20:00:00 GMT";
// OpenRouter's clock: "today" is 2025-06-10, so rankings are fetched through 2025-06-09.
const std::string kOpenRouterDate = "Tue, 10 Jun 2025 00:05:00 GMT";
const std::string kRankingsDate1 = "Tue, 10 Jun 2025 00:05:01 GMT";  // observed_at of the first fetch
const std::string kRankingsDate2 = "Tue, 10 Jun 2025 02:00:00 GMT";  // of every re-fetch: newer, it wins

// The watermark (one partition per topic, allowed_lateness 3d): the Hub's partitions stand at
// H = 2025-06-09T20:00:00Z, the tokens partition at the end of 2025-06-09 (23:59:59.999), so
// W = min s_p - 3d lies in [2025-06-06T20:00:00Z, 2025-06-06T23:59:59.999Z] whatever the order
// the topics are read in: the last closed day (window=day) is 2025-06-05.
constexpr double kWatermarkLow = 1749240000;   // 2025-06-06T20:00:00Z
constexpr double kWatermarkHigh = 1749254400;  // 2025-06-07T00:00:00Z (exclusive)

const std::string kDerivativesFirstPage =
    "sort=createdAt&direction=-1&expand[]=createdAt&expand[]=downloads&expand[]=tags&expand[]=cardData&limit=1000";
const std::string kDerivativesNext =
    "/api/models?sort=createdAt&direction=-1&expand%5B%5D=createdAt&expand%5B%5D=downloads&expand%5B%5D=tags"
    "&expand%5B%5D=cardData&limit=1000&cursor=eyJfaWQiOnsiJGd0IjoiNjg0MDAwMDAwMDAwMDAwMDAwMDAwMDA2In19";
const std::string kRankingsPath = "/api/v1/datasets/rankings-daily";
const std::string kRankingsAll = "start_date=2025-06-01&end_date=2025-06-09";      // the first poll
const std::string kRankingsRecent = "start_date=2025-06-08&end_date=2025-06-09";   // every later poll

bool query_has(const RecordedRequest& r, const std::string& part) { return r.query.find(part) != std::string::npos; }

json tracked_model() {
  return {{"_id", "6800000000000000000000aa"},
          {"id", "Qwen/Qwen3-8B"},
          {"downloads", 900'000},
          {"downloadsAllTime", 1'000'000},
          {"createdAt", "2025-04-28T08:00:00.000Z"},
          {"likes", 42},
          {"tags", {"transformers", "safetensors", "text-generation", "region:us"}},
          {"pipeline_tag", "text-generation"},
          {"library_name", "transformers"},
          {"safetensors", {{"parameters", {{"BF16", 8'190'735'360}}}, {"total", 8'190'735'360}}}};
}

// One entry of the newest-first listing, as the Hub sends it with expand[]=createdAt,
// downloads, tags and cardData.
json listed(const std::string& id, const std::string& created, long downloads, std::vector<std::string> tags,
            std::optional<json> card_base = std::nullopt) {
  static int n = 0;
  tags.insert(tags.begin(), {"transformers", "safetensors"});
  tags.push_back("region:us");
  json m = {{"_id", "6840000000000000000000" + std::to_string(10 + n++)},
            {"id", id},
            {"createdAt", created},
            {"downloads", downloads},
            {"tags", tags}};
  if (card_base) m["cardData"] = {{"base_model", *card_base}, {"license", "apache-2.0"}};
  return m;
}

FakeResponse hub_page(const json& models, const std::string& next = "") {
  FakeResponse r;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}, {"Date", kHubDate}};
  if (!next.empty()) r.headers.push_back({"Link", "<" + next + ">; rel=\"next\""});
  r.body = models.dump();
  return r;
}

FakeResponse or_json(const json& body, const std::string& date) {
  return FakeResponse{200, {{"Content-Type", "application/json"}, {"Date", date}}, body.dump()};
}

json row(const std::string& date, const std::string& slug, long tokens) {
  return {{"date", date}, {"model_permaslug", slug}, {"total_tokens", std::to_string(tokens)}};
}

json rankings(const std::vector<json>& rows, const std::string& from, const std::string& to) {
  return {{"data", rows}, {"meta", {{"version", "v1"}, {"start_date", from}, {"end_date", to}}}};
}

// The value of `group` in a leaderboard answer; NaN when absent.
double value_of(const json& board, const std::string& group) {
  if (!board.contains("rows")) return std::nan("");
  for (const auto& r : board["rows"])
    if (r["group"] == group) return r["value"].get<double>();
  return std::nan("");
}

// The sum of every sample `name{...}` carrying all of `label_pairs`; 0 when none.
double metric_sum(const std::string& body, const std::string& name, const std::vector<std::string>& label_pairs) {
  std::istringstream in(body);
  std::string line;
  double sum = 0;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) != 0) continue;
    bool all = true;
    for (const auto& pair : label_pairs) all &= line.find(pair) != std::string::npos;
    if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// One leaderboard's rows as (group, value, share), checked in order.
void expect_rows(const json& board, const std::vector<std::tuple<std::string, double, double>>& expected,
                 const std::string& what) {
  SCOPED_TRACE(what + ": " + board.dump());
  ASSERT_EQ(board["rows"].size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& [group, value, share] = expected[i];
    EXPECT_EQ(board["rows"][i]["group"], group) << "row " << i;
    EXPECT_DOUBLE_EQ(board["rows"][i]["value"].get<double>(), value) << group;
    EXPECT_DOUBLE_EQ(board["rows"][i]["share"].get<double>(), share) << group;
  }
}

class DerivativesInference : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("derivatives-inference");

    // --- The Hub. The tracked list is one model, polled by org.
    hub_.route([](const RecordedRequest& r) { return r.path == "/api/models" && query_has(r, "author=Qwen"); },
               {hub_page(json::array({tracked_model()}))});

    // The newest-first listing (threshold: downloads_30d > 5; T in June 2025):
    //   alice  finetune  Qwen/Qwen3-8B                   June  40     → Qwen 1
    //   bob    adapter   meta-llama/Llama-3.1-8B-Instruct June  12     → meta-llama 1
    //   carol  quantized qwen/Qwen3-8B (alias qwen → Qwen) June  1000   → Qwen 1
    //   dave   merge     Qwen/Qwen3-8B + meta-llama/...   June  77     → Qwen 1/2, meta-llama 1/2
    //   erin   cardData only: THUDM/GLM-4-9B-0414 (unspecified; alias THUDM → zai-org), June, 6 → zai-org 1
    //   frank  finetune  Qwen/Qwen3-8B                   June  5      → not counted (5 is not > 5)
    //   -- page 2 --
    //   grace  plain base_model: tag + the same base in cardData (unspecified) May 50 → deepseek-ai 1
    //   heidi  finetune meta-llama/... + a card base "Llama 3.1" (bad_relation, dropped: k = 1) May 30 → meta-llama 1
    //   ivan   finetune  Qwen/Qwen3-8B                   May   9      → Qwen 1
    //   judy   no base: not a derivative
    json page1 = json::array(
        {listed("alice/Qwen3-8B-abliterated", "2025-06-08T10:00:00.000Z", 40,
                {"base_model:Qwen/Qwen3-8B", "base_model:finetune:Qwen/Qwen3-8B"}, json::array({"Qwen/Qwen3-8B"})),
         listed("bob/Llama-3.1-8B-sql-lora", "2025-06-07T09:00:00.000Z", 12,
                {"peft", "base_model:meta-llama/Llama-3.1-8B-Instruct",
                 "base_model:adapter:meta-llama/Llama-3.1-8B-Instruct"},
                "meta-llama/Llama-3.1-8B-Instruct"),
         listed("carol/Qwen3-8B-Q4_K_M-GGUF", "2025-06-05T08:30:00.000Z", 1000,
                {"gguf", "base_model:qwen/Qwen3-8B", "base_model:quantized:qwen/Qwen3-8B"}, "qwen/Qwen3-8B"),
         listed("dave/qwen-llama-slerp", "2025-06-03T12:00:00.000Z", 77,
                {"mergekit", "base_model:Qwen/Qwen3-8B", "base_model:merge:Qwen/Qwen3-8B",
                 "base_model:meta-llama/Llama-3.1-8B-Instruct", "base_model:merge:meta-llama/Llama-3.1-8B-Instruct"},
                json::array({"Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B-Instruct"})),
         listed("erin/glm-4-9b-chat-ft", "2025-06-02T00:00:00.000Z", 6, {}, "THUDM/GLM-4-9B-0414"),
         listed("frank/Qwen3-8B-tiny-ft", "2025-06-01T06:00:00.000Z", 5, {"base_model:finetune:Qwen/Qwen3-8B"},
                "Qwen/Qwen3-8B")});
    auto page2 = [](bool bad_card) {
      return json::array(
          {listed("grace/R1-distill-notes", "2025-05-28T00:00:00.000Z", 50, {"base_model:deepseek-ai/DeepSeek-R1"},
                  "deepseek-ai/DeepSeek-R1"),
           listed("heidi/Llama-3.1-8B-medical", "2025-05-25T00:00:00.000Z", 30,
                  {"base_model:finetune:meta-llama/Llama-3.1-8B-Instruct"},
                  bad_card ? json::array({"meta-llama/Llama-3.1-8B-Instruct", "Llama 3.1"})
                           : json("meta-llama/Llama-3.1-8B-Instruct")),
           listed("ivan/Qwen3-8B-ft-may", "2025-05-15T00:00:00.000Z", 9, {"base_model:finetune:Qwen/Qwen3-8B"}),
           listed("judy/lab-notes", "2025-05-14T00:00:00.000Z", 0, {})});
    };
    FakeResponse rate_limited{429,
                              {{"RateLimit", "\"api\";r=0;t=1"}, {"RateLimit-Policy", "\"fixed window\";\"api\";q=500;w=300"}},
                              R"({"error":"rate limited"})"};
    // Page 1 answers 429 once, then the same page to every poll (the incremental polls stop at
    // its first item, the cursor). Page 2 is read by the first poll and by every relist (one poll
    // in four); heidi's card was fixed after the first read, so bad_relation is counted once.
    hub_.route([](const RecordedRequest& r) {
                 return r.path == "/api/models" && query_has(r, "sort=createdAt") && !query_has(r, "cursor=");
               },
               {rate_limited, hub_page(page1, hub_.base_url() + kDerivativesNext)});
    hub_.route([](const RecordedRequest& r) { return r.path == "/api/models" && query_has(r, "cursor="); },
               {hub_page(page2(true)), hub_page(page2(false))});

    // --- OpenRouter. The catalogue in two pages (links.next), three open models, a :free
    // variant of one, and a closed model whose author x-ai is aliased to xai-org.
    json models1 = {{"data",
                     {{{"id", "qwen/qwen3-8b"}, {"canonical_slug", "qwen/qwen3-8b-04-28"}, {"hugging_face_id", "Qwen/Qwen3-8B"},
                       {"name", "Qwen: Qwen3 8B"}, {"context_length", 131072}},
                      {{"id", "qwen/qwen3-8b:free"}, {"canonical_slug", "qwen/qwen3-8b-04-28"},
                       {"hugging_face_id", "Qwen/Qwen3-8B"}, {"name", "Qwen: Qwen3 8B (free)"}, {"context_length", 40960}},
                      {{"id", "x-ai/grok-4"}, {"canonical_slug", "x-ai/grok-4-07-09"}, {"hugging_face_id", ""},
                       {"name", "xAI: Grok 4"}, {"context_length", 256000}}}},
                    {"links", {{"next", "/api/v1/models?offset=3&limit=3"}}}};
    json models2 = {{"data",
                     {{{"id", "meta-llama/llama-3.1-8b-instruct"}, {"canonical_slug", "meta-llama/llama-3.1-8b-instruct"},
                       {"hugging_face_id", "meta-llama/Llama-3.1-8B-Instruct"}, {"name", "Meta: Llama 3.1 8B Instruct"}},
                      {{"id", "z-ai/glm-4-32b"}, {"canonical_slug", "z-ai/glm-4-32b-0414"},
                       {"hugging_face_id", "THUDM/GLM-4-32B-0414"}, {"name", "Z.AI: GLM 4 32B"}}}},
                    {"links", json::object()}};
    or_.route("/api/v1/models", {or_json(models1, kOpenRouterDate)});
    or_.route("/api/v1/models?offset=3&limit=3", {or_json(models2, kOpenRouterDate)});

    // Daily tokens. Org: Qwen (both slugs), xai-org (closed, by author), meta-llama, zai-org
    // (THUDM → zai-org), other.
    const std::vector<json> early = {
        row("2025-06-01", "qwen/qwen3-8b-04-28", 1000), row("2025-06-01", "other", 500),
        row("2025-06-02", "x-ai/grok-4-07-09", 2000),
        row("2025-06-05", "x-ai/grok-4-07-09", 3500), row("2025-06-05", "qwen/qwen3-8b-04-28", 3000),
        row("2025-06-05", "meta-llama/llama-3.1-8b-instruct", 1500), row("2025-06-05", "qwen/qwen3-8b-04-28:free", 1000),
        row("2025-06-05", "other", 1000)};
    const std::vector<json> day8 = {row("2025-06-08", "z-ai/glm-4-32b-0414", 4000),
                                    row("2025-06-08", "x-ai/grok-4-07-09", 3000),
                                    row("2025-06-08", "qwen/qwen3-8b-04-28", 2000), row("2025-06-08", "other", 500)};
    // 2025-06-09 as first fetched, and as re-fetched two hours later: Qwen grew 5000 → 8000
    // and a Llama row appeared.
    const std::vector<json> day9_first = {row("2025-06-09", "x-ai/grok-4-07-09", 9000),
                                          row("2025-06-09", "qwen/qwen3-8b-04-28", 5000), row("2025-06-09", "other", 3000)};
    const std::vector<json> day9_final = {row("2025-06-09", "x-ai/grok-4-07-09", 9000),
                                          row("2025-06-09", "qwen/qwen3-8b-04-28", 8000), row("2025-06-09", "other", 3000),
                                          row("2025-06-09", "meta-llama/llama-3.1-8b-instruct", 500)};
    std::vector<json> all = early;
    all.insert(all.end(), day8.begin(), day8.end());
    all.insert(all.end(), day9_first.begin(), day9_first.end());
    std::vector<json> recent = day8;
    recent.insert(recent.end(), day9_final.begin(), day9_final.end());
    FakeResponse too_many{429, {{"Retry-After", "1"}, {"Content-Type", "application/json"}},
                          R"({"error":{"code":429,"message":"Rate limit exceeded: 30 requests per minute"}})"};
    or_.route(kRankingsPath + "?" + kRankingsAll,
              {too_many, or_json(rankings(all, "2025-06-01", "2025-06-09"), kRankingsDate1)});
    or_.route(kRankingsPath + "?" + kRankingsRecent, {or_json(rankings(recent, "2025-06-08", "2025-06-09"), kRankingsDate2)});

    write_file(dir_ + "/tracked.csv", "org,model,modelId\nQwen,Qwen3-8B,Qwen/Qwen3-8B\n");
    write_file(dir_ + "/sizes.csv", "model_id,total_params_b,active_params_b,is_moe,notes\n");
    write_file(dir_ + "/release_dates.csv", "model_id,hf_created_at,actual_release_date,notes\n");
    const std::string src = ATOMD_SOURCE_DIR;
    // One partition per topic keeps the watermark independent of how keys hash (see above).
    write_file(dir_ + "/atomd.yaml",
               "kafka: {brokers: \"\", partitions: 1}\n"
               "reference:\n  tracked_models: " + dir_ + "/tracked.csv\n  regions: " + src + "/config/regions.csv\n"
               "  sizes: " + dir_ + "/sizes.csv\n  release_dates: " + dir_ + "/release_dates.csv\n"
               "  org_aliases: " + src + "/config/org_aliases.csv\n"
               "connectors:\n  hf: {enabled: true, base_url: \"" + hub_.base_url() + "\", interval: 2s}\n"
               "  hf_derivatives: {enabled: true, interval: 2s}\n"
               "  openrouter: {enabled: true, base_url: \"" + or_.base_url() + "\", interval: 2s, start_date: \"2025-06-01\"}\n"
               "  backoff_initial: 200ms\n  backoff_max: 1s\n");
  }

  json board(DaemonProcess& daemon, const std::string& query) {
    auto r = daemon.get("/api/v1/leaderboard?" + query);
    return r.status == 200 ? json::parse(r.body) : json::object();
  }

  FakeHttpServer hub_;
  FakeHttpServer or_;
  std::string dir_;
};

const std::string kJune = "metric=derivatives&group_by=org&window=month";
const std::string kMay = "metric=derivatives&group_by=org&window=month&month=2025-05";
const std::string kWeek = "metric=inference&group_by=org&window=7d&scope=all";

TEST_F(DerivativesInference, ExactNumbersOnMetricsAndApi) {
  DaemonProcess daemon({"--config", dir_ + "/atomd.yaml", "--state-dir", dir_ + "/state"}, dir_,
                       {{"HF_TOKEN", kHfToken}, {"OPENROUTER_API_KEY", kOpenRouterKey}});
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
  ASSERT_TRUE(wait_until(
      [&] {
        json june = board(daemon, kJune), may = board(daemon, kMay), week = board(daemon, kWeek);
        double w = metric_value(daemon.get("/metrics").body, "atom_watermark_timestamp_seconds", {});
        return value_of(june, "Qwen") == 2.5 && value_of(june, "meta-llama") == 1.5 && value_of(june, "zai-org") == 1 &&
               value_of(may, "Qwen") == 1 && value_of(may, "deepseek-ai") == 1 && value_of(may, "meta-llama") == 1 &&
               value_of(week, "Qwen") == 14'000 && value_of(week, "meta-llama") == 2'000 && w >= kWatermarkLow;
      },
      std::chrono::seconds(40)))
      << daemon.stderr_text();

  // --- Derivatives, namespace attribution, counted in createdAt's month.
  // June (month of T): Qwen 1 (alice) + 1 (carol) + 1/2 (dave) = 2.5; meta-llama 1 (bob) + 1/2
  // (dave) = 1.5; zai-org 1 (erin); frank not counted. Total 5.
  auto expect_derivative_boards = [&] {
    json june = board(daemon, kJune);
    EXPECT_EQ(june["as_of"], "2025-06-09T20:00:00Z");
    expect_rows(june, {{"Qwen", 2.5, 0.5}, {"meta-llama", 1.5, 0.3}, {"zai-org", 1, 0.2}}, "June by org");
    // The same with month=2025-06 spelled out.
    EXPECT_EQ(board(daemon, kJune + "&month=2025-06")["rows"], june["rows"]);
    // May: grace, heidi (k = 1: the malformed card base is dropped, not a second base), ivan.
    // Equal values keep name order (bytewise: "Qwen" < "deepseek-ai" < "meta-llama").
    expect_rows(board(daemon, kMay), {{"Qwen", 1, 1.0 / 3}, {"deepseek-ai", 1, 1.0 / 3}, {"meta-llama", 1, 1.0 / 3}},
                "May by org");
    // By region: china = Qwen 2.5 + zai-org 1; us = meta-llama 1.5.
    expect_rows(board(daemon, "metric=derivatives&group_by=region&window=month"), {{"china", 3.5, 0.7}, {"us", 1.5, 0.3}},
                "June by region");
    // 30d = createdAt 2025-05-11..2025-06-09: both months. Qwen 3.5, meta-llama 2.5, then
    // deepseek-ai 1 and zai-org 1 (name order). Total 8.
    expect_rows(board(daemon, "metric=derivatives&group_by=org&window=30d"),
                {{"Qwen", 3.5, 3.5 / 8}, {"meta-llama", 2.5, 2.5 / 8}, {"deepseek-ai", 1, 1.0 / 8}, {"zai-org", 1, 1.0 / 8}},
                "30d by org");
    // April has nothing.
    EXPECT_TRUE(board(daemon, "metric=derivatives&group_by=org&window=month&month=2025-04")["rows"].empty());

    auto metrics = daemon.get("/metrics").body;
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivatives", {"group_by=\"org\"", "group=\"Qwen\"", "window=\"month\""}), 2.5);
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivatives", {"group_by=\"org\"", "group=\"zai-org\"", "window=\"month\""}), 1);
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivatives", {"group_by=\"org\"", "group=\"Qwen\"", "window=\"30d\""}), 3.5);
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivatives", {"group_by=\"region\"", "group=\"china\"", "window=\"30d\""}), 5.5);
    EXPECT_DOUBLE_EQ(
        metric_value(metrics, "atom_derivative_share", {"group_by=\"org\"", "group=\"meta-llama\"", "window=\"month\""}), 0.3);
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivative_share", {"group_by=\"region\"", "group=\"us\"", "window=\"30d\""}),
                     2.5 / 8);
    // Relations, June: finetune (alice), adapter (bob), quantized (carol), merge (dave: 1/2 + 1/2),
    // unspecified (erin) — 1 each. 30d adds finetune heidi + ivan and unspecified grace.
    for (const char* relation : {"finetune", "adapter", "quantized", "merge", "unspecified"})
      EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivatives_by_relation",
                                    {"relation=\"" + std::string(relation) + "\"", "window=\"month\""}),
                       1)
          << relation;
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivatives_by_relation", {"relation=\"finetune\"", "window=\"30d\""}), 3);
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivatives_by_relation", {"relation=\"unspecified\"", "window=\"30d\""}), 2);
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_derivatives_by_relation", {"relation=\"merge\"", "window=\"30d\""}), 1);
    // heidi's card base, counted by the connector under the full topic name; nothing else.
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_records_rejected_total",
                                  {"topic=\"atom.hf.derivatives.v1\"", "reason=\"bad_relation\""}),
                     1);
    EXPECT_DOUBLE_EQ(metric_sum(metrics, "atom_records_rejected_total", {"topic=\"atom.hf.derivatives.v1\""}), 1);
  };
  expect_derivative_boards();

  // --- Inference. T = 2025-06-09T23:59:59.999Z; 7d = 2025-06-03..2025-06-09 (not 06-01, 06-02).
  //   Qwen       06-05 3000 + 1000 (:free) + 06-08 2000 + 06-09 8000 (re-fetched, was 5000) = 14000
  //   xai-org    06-05 3500 + 06-08 3000 + 06-09 9000                                       = 15500
  //   other      06-05 1000 + 06-08  500 + 06-09 3000                                       =  4500
  //   zai-org    06-08 4000 (hugging_face_id THUDM/... → zai-org)                           =  4000
  //   meta-llama 06-05 1500 + 06-09 500 (appeared in the re-fetch)                           =  2000
  // all = 40000; open (rows with an HF id, not other) = Qwen + zai-org + meta-llama = 20000.
  json week = board(daemon, kWeek);
  EXPECT_EQ(week["as_of"], "2025-06-09T23:59:59.999Z");
  expect_rows(week,
              {{"xai-org", 15'500, 15'500.0 / 40'000},
               {"Qwen", 14'000, 14'000.0 / 40'000},
               {"other", 4'500, 4'500.0 / 40'000},
               {"zai-org", 4'000, 4'000.0 / 40'000},
               {"meta-llama", 2'000, 2'000.0 / 40'000}},
              "7d all");
  expect_rows(board(daemon, "metric=inference&group_by=org&window=7d&scope=open"),
              {{"Qwen", 14'000, 0.7}, {"zai-org", 4'000, 0.2}, {"meta-llama", 2'000, 0.1}}, "7d open");
  // Regions: china = Qwen + zai-org, us = xai-org + meta-llama, the other row → unknown.
  expect_rows(board(daemon, "metric=inference&group_by=region&window=7d&scope=all"),
              {{"china", 18'000, 0.45}, {"us", 17'500, 0.4375}, {"unknown", 4'500, 0.1125}}, "7d by region");
  // day = the last closed day, 2025-06-05 (W in [06-06T20:00, 06-07T00:00)): Qwen 3000 + 1000,
  // xai-org 3500, meta-llama 1500, other 1000 = 10000; open = 5500.
  expect_rows(board(daemon, "metric=inference&group_by=org&window=day&scope=all"),
              {{"Qwen", 4'000, 0.4}, {"xai-org", 3'500, 0.35}, {"meta-llama", 1'500, 0.15}, {"other", 1'000, 0.1}},
              "day all");
  expect_rows(board(daemon, "metric=inference&group_by=org&window=day&scope=open"),
              {{"Qwen", 4'000, 4'000.0 / 5'500}, {"meta-llama", 1'500, 1'500.0 / 5'500}}, "day open");
  // month (June): the 7d rows plus 06-01 (Qwen 1000, other 500) and 06-02 (xai-org 2000) = 43500.
  expect_rows(board(daemon, "metric=inference&group_by=org&window=month"),
              {{"xai-org", 17'500, 17'500.0 / 43'500},
               {"Qwen", 15'000, 15'000.0 / 43'500},
               {"other", 5'000, 5'000.0 / 43'500},
               {"zai-org", 4'000, 4'000.0 / 43'500},
               {"meta-llama", 2'000, 2'000.0 / 43'500}},
              "month all");

  auto metrics = daemon.get("/metrics").body;
  const double w = metric_value(metrics, "atom_watermark_timestamp_seconds", {});
  EXPECT_GE(w, kWatermarkLow);
  EXPECT_LT(w, kWatermarkHigh);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_inference_tokens", {"group_by=\"org\"", "group=\"Qwen\"", "window=\"7d\""}),
                   14'000);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_inference_tokens", {"group_by=\"org\"", "group=\"other\"", "window=\"7d\""}),
                   4'500);
  EXPECT_DOUBLE_EQ(
      metric_value(metrics, "atom_inference_tokens", {"group_by=\"region\"", "group=\"unknown\"", "window=\"7d\""}), 4'500);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_inference_tokens", {"group_by=\"org\"", "group=\"xai-org\"", "window=\"day\""}),
                   3'500);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_inference_tokens", {"group_by=\"org\"", "group=\"Qwen\"", "window=\"month\""}),
                   15'000);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_inference_share",
                                {"group_by=\"org\"", "group=\"Qwen\"", "window=\"7d\"", "scope=\"open\""}),
                   0.7);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_inference_share",
                                {"group_by=\"org\"", "group=\"Qwen\"", "window=\"7d\"", "scope=\"all\""}),
                   0.35);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_inference_share",
                                {"group_by=\"org\"", "group=\"Qwen\"", "window=\"day\"", "scope=\"open\""}),
                   4'000.0 / 5'500);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_inference_share",
                                {"group_by=\"region\"", "group=\"china\"", "window=\"7d\"", "scope=\"open\""}),
                   0.9);
  // Closed models and the other row have no open share.
  EXPECT_TRUE(std::isnan(metric_value(metrics, "atom_inference_share",
                                      {"group_by=\"org\"", "group=\"xai-org\"", "window=\"7d\"", "scope=\"open\""})));
  EXPECT_DOUBLE_EQ(metric_sum(metrics, "atom_records_rejected_total", {"topic=\"atom.openrouter.tokens.v1\""}), 0);
  // Exactly one 429 each, each retried after the wait the server asked for.
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_connector_rate_limited_total", {"connector=\"hf_derivatives\""}), 1);
  EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_connector_rate_limited_total", {"connector=\"openrouter\""}), 1);

  // What was asked: the Hub's listing in the documented form, paged through Link; OpenRouter's
  // catalogue through links.next, the backfill from start_date once (429, then its retry), and
  // afterwards only the last two days.
  const auto hub_requests = hub_.requests();
  const RecordedRequest* first_listing = nullptr;
  for (const auto& r : hub_requests)
    if (query_has(r, "sort=createdAt") && !first_listing) first_listing = &r;
  ASSERT_NE(first_listing, nullptr);
  EXPECT_EQ(first_listing->query, kDerivativesFirstPage);
  const auto or_requests = or_.requests();
  ASSERT_GE(or_requests.size(), 4u);
  EXPECT_EQ(or_requests[0].target, "/api/v1/models");
  EXPECT_EQ(or_requests[1].target, "/api/v1/models?offset=3&limit=3");
  EXPECT_EQ(or_requests[2].target, kRankingsPath + "?" + kRankingsAll);
  EXPECT_EQ(or_requests[3].target, kRankingsPath + "?" + kRankingsAll);
  int refetches = 0;
  for (std::size_t i = 4; i < or_requests.size(); ++i) {
    if (or_requests[i].path != kRankingsPath) continue;
    EXPECT_EQ(or_requests[i].query, kRankingsRecent);
    ++refetches;
  }
  EXPECT_GE(refetches, 1);

  // A relist (one poll in four) reads both pages again: everything is already counted, frank
  // is still at 5 downloads, and heidi's fixed card adds no rejection.
  ASSERT_TRUE(wait_until(
      [&] {
        return metric_value(daemon.get("/metrics").body, "atom_operator_records_total", {"operator=\"derivatives\""}) >= 18;
      },
      std::chrono::seconds(30)))
      << daemon.stderr_text();
  int second_pages = 0;
  for (const auto& r : hub_.requests())
    if (query_has(r, "cursor=")) ++second_pages;
  EXPECT_GE(second_pages, 2);
  expect_derivative_boards();

  auto status = json::parse(daemon.get("/api/v1/status").body);
  EXPECT_EQ(status["connectors"]["hf_derivatives"]["enabled"], true);
  EXPECT_EQ(status["connectors"]["openrouter"]["enabled"], true);
  EXPECT_FALSE(status["connectors"]["hf_derivatives"]["last_success"].is_null());
  EXPECT_FALSE(status["connectors"]["openrouter"]["last_success"].is_null());

  // Both secrets went out as Bearer tokens, each to its own server only, and nowhere else.
  for (const auto& r : hub_.requests()) EXPECT_EQ(r.header("Authorization"), "Bearer " + kHfToken) << r.target;
  for (const auto& r : or_.requests()) EXPECT_EQ(r.header("Authorization"), "Bearer " + kOpenRouterKey) << r.target;
  const std::string status_body = daemon.get("/api/v1/status").body;
  EXPECT_EQ(status_body.find("DERIVsecret"), std::string::npos);
  EXPECT_EQ(status_body.find("INFERENCEsecret"), std::string::npos);
  EXPECT_EQ(daemon.terminate(), 0) << daemon.stderr_text();
  for (const std::string& text : {daemon.stderr_text(), daemon.stdout_text()}) {
    EXPECT_EQ(text.find("DERIVsecret"), std::string::npos);
    EXPECT_EQ(text.find("INFERENCEsecret"), std::string::npos);
  }
}

TEST_F(DerivativesInference, OpenRouterStaysOffWithoutKey) {
  unsetenv("OPENROUTER_API_KEY");  // the daemon inherits this process's environment
  DaemonProcess daemon({"--config", dir_ + "/atomd.yaml", "--state-dir", dir_ + "/state"}, dir_, {{"HF_TOKEN", kHfToken}});
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
  // The other connectors run: derivatives arrive, and hf_derivatives polls again after its 2 s
  // interval, which the openrouter connector (same interval) would have used too.
  ASSERT_TRUE(wait_until(
      [&] {
        auto status = json::parse(daemon.get("/api/v1/status").body);
        return value_of(board(daemon, kJune), "Qwen") == 2.5 &&
               status["connectors"]["hf_derivatives"]["polls"].get<long>() >= 2;
      },
      std::chrono::seconds(30)))
      << daemon.stderr_text();

  EXPECT_NE(daemon.stderr_text().find("openrouter: disabled: OPENROUTER_API_KEY is not set"), std::string::npos)
      << daemon.stderr_text();
  auto status = json::parse(daemon.get("/api/v1/status").body);
  EXPECT_EQ(status["connectors"]["openrouter"]["enabled"], false);
  EXPECT_EQ(status["connectors"]["openrouter"]["note"], "disabled: OPENROUTER_API_KEY is not set");
  EXPECT_EQ(status["connectors"]["openrouter"]["polls"], 0);
  EXPECT_EQ(status["connectors"]["hf_derivatives"]["enabled"], true);
  EXPECT_EQ(or_.request_count(), 0u);
  EXPECT_EQ(or_.connection_count(), 0u);
  EXPECT_TRUE(board(daemon, kWeek)["rows"].empty());
  auto metrics = daemon.get("/metrics").body;
  EXPECT_EQ(metrics.find("atom_inference_tokens{"), std::string::npos);
  EXPECT_EQ(metrics.find("connector=\"openrouter\""), std::string::npos);
  EXPECT_EQ(daemon.terminate(), 0) << daemon.stderr_text();
}

}  // namespace
}  // namespace atomd
