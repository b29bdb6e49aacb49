#include "connectors/hf_parse.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "tests/connectors/test_context.hpp"

namespace atomd {
namespace {

using nlohmann::json;
using testing::api_samples;
using testing::fixture;
using testing::read_file;

constexpr TimeMs kObserved = 1737570272000;  // Wed, 22 Jan 2025 18:24:32 GMT

bool has_tag(const HfModelSnapshot& s, const std::string& tag) {
  return std::find(s.tags.begin(), s.tags.end(), tag) != s.tags.end();
}

// A model_info body (GET /api/models/{id}, no expand) as an entry of the listing: the listing
// request expands downloadsAllTime, which model_info leaves out.
json as_listing_entry(const std::filesystem::path& path, std::int64_t downloads_all_time) {
  json entry = json::parse(read_file(path));
  entry["downloadsAllTime"] = downloads_all_time;
  return entry;
}

#define SKIP_WITHOUT_SHARED_DIR()                                                      \
  if (!std::filesystem::exists(api_samples())) GTEST_SKIP() << api_samples() << " not present"

TEST(HfParse, VerbatimModelInfoWithoutAllTimeDownloadsIsRejected) {
  SKIP_WITHOUT_SHARED_DIR();
  auto page = parse_models_page("[" + read_file(api_samples() / "hf_model_info.json") + "]", kObserved);
  EXPECT_TRUE(page.models.empty());
  ASSERT_EQ(page.rejected.size(), 1u);
  EXPECT_EQ(page.rejected[0].reason, RejectReason::missing_field);
  EXPECT_EQ(page.rejected[0].detail, "downloadsAllTime: missing (deepset/roberta-base-squad2)");
}

TEST(HfParse, VerbatimSafetensorsModel) {
  SKIP_WITHOUT_SHARED_DIR();
  json page_json = json::array({as_listing_entry(api_samples() / "hf_model_info.json", 98765432)});
  auto page = parse_models_page(page_json.dump(), kObserved);
  ASSERT_TRUE(page.rejected.empty()) << page.rejected[0].detail;
  ASSERT_EQ(page.models.size(), 1u);
  const auto& m = page.models[0];
  EXPECT_EQ(m.repo_id, "deepset/roberta-base-squad2");
  EXPECT_EQ(m.org, "deepset");
  EXPECT_EQ(m.observed_at, kObserved);
  EXPECT_EQ(m.created_at, 1646263745000);  // 2022-03-02T23:29:05.000Z
  EXPECT_EQ(m.downloads_30d, 1801802);
  EXPECT_EQ(m.downloads_all_time, 98765432);
  EXPECT_EQ(m.likes, 842);
  EXPECT_EQ(m.params_total, 124057092);  // safetensors.total
  EXPECT_EQ(m.pipeline_tag, "question-answering");
  EXPECT_EQ(m.library, "transformers");
  EXPECT_EQ(m.gated, false);
  EXPECT_EQ(m.tags.size(), 16u);
  EXPECT_TRUE(has_tag(m, "base_model:finetune:FacebookAI/roberta-base"));
  EXPECT_EQ(m.tags.front(), "transformers");
  EXPECT_EQ(m.tags.back(), "region:us");
}

TEST(HfParse, VerbatimGgufModelTakesParamsFromGgufTotal) {
  SKIP_WITHOUT_SHARED_DIR();
  auto path = api_samples() / "hf_model_info_gguf_ggml-org__gemma-3-1b-it-GGUF.json";
  json page_json = json::array({as_listing_entry(path, 1234567),
                                as_listing_entry(api_samples() / "hf_model_info.json", 1)});
  auto page = parse_models_page(page_json.dump(), kObserved);
  ASSERT_TRUE(page.rejected.empty()) << page.rejected[0].detail;
  ASSERT_EQ(page.models.size(), 2u);
  const auto& m = page.models[0];
  EXPECT_EQ(m.repo_id, "ggml-org/gemma-3-1b-it-GGUF");
  EXPECT_EQ(m.org, "ggml-org");
  EXPECT_EQ(m.created_at, 1741760041000);  // 2025-03-12T06:14:01.000Z
  EXPECT_EQ(m.downloads_30d, 186325);
  EXPECT_EQ(m.downloads_all_time, 1234567);
  EXPECT_EQ(m.likes, 38);
  EXPECT_EQ(m.params_total, 999885952);  // gguf.total: no safetensors in a GGUF repo
  EXPECT_EQ(m.pipeline_tag, std::nullopt);
  EXPECT_EQ(m.library, std::nullopt);
  EXPECT_EQ(m.tags.size(), 35u);
  EXPECT_TRUE(has_tag(m, "base_model:quantized:google/gemma-3-1b-it"));
  EXPECT_EQ(page.models[1].params_total, 124057092);
}

TEST(HfParse, EveryRecordedModelInfoCassetteParses) {
  SKIP_WITHOUT_SHARED_DIR();
  int parsed = 0;
  for (const auto& file : std::filesystem::directory_iterator(api_samples() / "hf_cassettes")) {
    auto name = file.path().filename().string();
    if (file.path().extension() != ".json" || name.find(".meta.") != std::string::npos) continue;
    auto meta = json::parse(read_file(file.path().parent_path() / (file.path().stem().string() + ".meta.json")));
    if (meta["status"]["code"] != 200) continue;
    auto page = parse_models_page(json::array({as_listing_entry(file.path(), 7)}).dump(), kObserved);
    ASSERT_TRUE(page.rejected.empty()) << name << ": " << page.rejected[0].detail;
    ASSERT_EQ(page.models.size(), 1u) << name;
    std::string uri = meta["uri"];
    EXPECT_EQ(page.models[0].repo_id, uri.substr(uri.find("/api/models/") + 12)) << name;
    EXPECT_GT(page.models[0].created_at, 1500000000000) << name;
    ++parsed;
  }
  EXPECT_EQ(parsed, 4);
}

TEST(HfParse, FixtureWithBadEntriesKeepsTheGoodOnes) {
  auto page = parse_models_page(read_file(fixture("hf_models_page_mixed.json")), kObserved);
  ASSERT_EQ(page.models.size(), 3u);
  const auto& instruct = page.models[0];
  EXPECT_EQ(instruct.repo_id, "alpha-lab/Alpha-7B-Instruct");
  EXPECT_EQ(instruct.org, "alpha-lab");
  EXPECT_EQ(instruct.created_at, 1737570272000);
  EXPECT_EQ(instruct.downloads_30d, 120345);
  EXPECT_EQ(instruct.downloads_all_time, 2345678);
  EXPECT_EQ(instruct.params_total, 7615616512);
  EXPECT_EQ(instruct.gated, false);
  EXPECT_EQ(instruct.tags, (std::vector<std::string>{"transformers", "safetensors", "text-generation", "conversational"}));

  const auto& gguf = page.models[1];
  EXPECT_EQ(gguf.repo_id, "alpha-lab/Alpha-7B-GGUF");
  EXPECT_EQ(gguf.params_total, 7615616512);
  EXPECT_EQ(gguf.gated, true);  // "manual"
  EXPECT_EQ(gguf.library, std::nullopt);

  const auto& small = page.models[2];
  EXPECT_EQ(small.repo_id, "alpha-lab/Alpha-0.5B");
  EXPECT_EQ(small.created_at, 1740996000000);
  EXPECT_EQ(small.params_total, 494032768);  // safetensors wins over gguf
  EXPECT_EQ(small.pipeline_tag, std::nullopt);  // null
  EXPECT_EQ(small.gated, true);  // "auto"

  std::vector<std::pair<RejectReason, std::string>> expected = {
      {RejectReason::missing_field, "id: missing"},
      {RejectReason::wrong_type, "downloads: expected number (alpha-lab/StringDownloads)"},
      {RejectReason::bad_value, "createdAt: not an RFC 3339 time: 'yesterday' (alpha-lab/BadDate)"},
      {RejectReason::bad_value, "id: not an org/name repo id: 'not-a-repo-id'"},
      {RejectReason::wrong_type, "tags: expected array (alpha-lab/TagsNotList)"},
      {RejectReason::wrong_type, "entry: expected object"},
      {RejectReason::bad_value, "gated: unknown gating 'sometimes' (alpha-lab/OddGating)"},
      {RejectReason::bad_value, "likes: negative (alpha-lab/NegativeLikes)"},
      {RejectReason::missing_field, "downloadsAllTime: missing (alpha-lab/NoAllTime)"},
      {RejectReason::wrong_type, "safetensors: expected object (alpha-lab/SafetensorsString)"},
  };
  ASSERT_EQ(page.rejected.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(page.rejected[i].reason, expected[i].first) << i << ": " << page.rejected[i].detail;
    EXPECT_EQ(page.rejected[i].detail, expected[i].second);
  }
}

TEST(HfParse, SnapshotsSurviveTheTopicEncoding) {
  auto page = parse_models_page(read_file(fixture("hf_models_page_mixed.json")), kObserved);
  ASSERT_FALSE(page.models.empty());
  for (const auto& model : page.models) {
    auto decoded = decode_hf_model(encode(model));
    ASSERT_TRUE(decoded.ok()) << decoded.rejection().detail;
    EXPECT_EQ(decoded.value(), model);
  }
}

TEST(HfParse, MalformedPageIsOneRejection) {
  for (const std::string& body : {read_file(fixture("hf_models_page_truncated.json")), std::string("")}) {
    auto page = parse_models_page(body, kObserved);
    EXPECT_TRUE(page.models.empty());
    ASSERT_EQ(page.rejected.size(), 1u);
    EXPECT_EQ(page.rejected[0].reason, RejectReason::malformed_json);
    EXPECT_EQ(page.rejected[0].detail, "page: not valid JSON");
  }
  auto error_object = parse_models_page(R"({"error":"Invalid username or password."})", kObserved);
  ASSERT_EQ(error_object.rejected.size(), 1u);
  EXPECT_EQ(error_object.rejected[0].reason, RejectReason::malformed_json);
  EXPECT_TRUE(parse_models_page("[]", kObserved).rejected.empty());
}

TEST(HfParse, LinkNextOnVerbatimHeaders) {
  SKIP_WITHOUT_SHARED_DIR();
  auto behaviour = json::parse(read_file(api_samples() / "hf_http_behaviour.json"));
  const auto& examples = behaviour["pagination_link_header_examples"];
  ASSERT_GE(examples.size(), 2u);
  std::string header = examples[0]["value"];
  EXPECT_EQ(parse_link_next(header),
            "http://localhost:5564/api/models?limit=10&sort=likes&direction=-1&cursor="
            "eyIkb3IiOlt7Imxpa2VzIjoyOTQsIl9pZCI6eyIkZ3QiOiI2MjFmZmRjMTM2NDY4ZDcwOWYxNzlhMTIifX0seyJsaWtlcyI6eyIkbHQiOjI5NH19XX0%3D");
  // The second example gives the next URL only; the Hub sends it as an absolute Link target.
  std::string url = examples[1]["value_url"];
  EXPECT_EQ(parse_link_next("<" + url + ">; rel=\"next\""), url);
}

TEST(HfParse, LinkNextAmongSeveralLinks) {
  EXPECT_EQ(parse_link_next(R"(<https://h/a?p=1>; rel="prev", <https://h/a?p=3>; rel="next")"), "https://h/a?p=3");
  EXPECT_EQ(parse_link_next(R"(<https://h/a?p=3>;rel=next)"), "https://h/a?p=3");
  EXPECT_EQ(parse_link_next(R"(  < /api/models?cursor=x >  ;  REL = "Next"  )"), "/api/models?cursor=x");
  EXPECT_EQ(parse_link_next(R"(<https://h/last>; rel="last next")"), "https://h/last");
  EXPECT_EQ(parse_link_next(R"(<https://h/a?q=a,b>; title="x, rel=next"; rel="prev", <https://h/n>; rel="next")"),
            "https://h/n");
  EXPECT_EQ(parse_link_next(R"(<https://h/a?q=a,b>; rel="next")"), "https://h/a?q=a,b");
  EXPECT_EQ(parse_link_next(R"(<https://h/a>; rel="prev")"), std::nullopt);
  EXPECT_EQ(parse_link_next(R"(<https://h/a>; rel="nextish")"), std::nullopt);
  EXPECT_EQ(parse_link_next(""), std::nullopt);
}

}  // namespace
}  // namespace atomd
