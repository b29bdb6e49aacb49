#include "connectors/openrouter_parse.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "tests/connectors/test_context.hpp"

namespace atomd {
namespace {

using nlohmann::json;
using testing::api_samples;
using testing::fixture;
using testing::read_file;

constexpr TimeMs kObserved = 1778493605000;  // 2026-05-11T10:00:05Z

#define SKIP_WITHOUT_SHARED_DIR()                                                      \
  if (!std::filesystem::exists(api_samples())) GTEST_SKIP() << api_samples() << " not present"

DayIndex day(const char* text) { return *parse_date(text); }

std::shared_ptr<const ReferenceData> aliases() {
  ReferenceTexts texts;
  texts.org_aliases = "alias,org\nTHUDM,zai-org\nqwen,Qwen\nz-ai,zai-org\n";
  return std::make_shared<const ReferenceData>(ReferenceData::parse(texts));
}

OpenRouterModelIndex fixture_models() {
  OpenRouterModelIndex index;
  for (const char* name : {"openrouter_models_page1.json", "openrouter_models_page2.json"})
    index.merge(parse_openrouter_models(read_file(fixture(name))).models);
  return index;
}

// The part of a sample file under one of its keys, as a response body.
std::string sample_body(const char* file, const char* key) {
  return json::parse(read_file(api_samples() / file)).at(key).dump();
}

TEST(OpenRouterParse, FirstDayConstantIsTheFirstDayServed) {
  EXPECT_EQ(kOpenRouterFirstDay, day("2025-01-01"));
}

TEST(OpenRouterParse, VerbatimModelObjectJoinsOnItsCanonicalSlug) {
  SKIP_WITHOUT_SHARED_DIR();
  auto body = "{\"data\":[" + read_file(api_samples() / "openrouter_model_object_qwen__qwen3-8b.json") + "]}";
  auto page = parse_openrouter_models(body);
  ASSERT_TRUE(page.rejected.empty()) << page.rejected[0].detail;
  EXPECT_FALSE(page.malformed);
  EXPECT_EQ(page.entries, 1u);
  EXPECT_EQ(page.next, std::nullopt);  // the model's own links.details is not paging
  const auto* hf = page.models.find("qwen/qwen3-8b-04-28");
  ASSERT_NE(hf, nullptr);
  EXPECT_EQ(*hf, "Qwen/Qwen3-8B");
  // The id is the fallback key.
  ASSERT_NE(page.models.find("qwen/qwen3-8b"), nullptr);
  EXPECT_EQ(page.models.find("qwen/qwen3-8b-04-29"), nullptr);

  auto t = join_ranking_row({day("2026-05-11"), "qwen/qwen3-8b-04-28:free", 42}, page.models, *aliases(), kObserved);
  EXPECT_EQ(t.slug, "qwen/qwen3-8b-04-28:free");
  EXPECT_EQ(t.hf_id, "Qwen/Qwen3-8B");
  EXPECT_EQ(t.org, "Qwen");
}

TEST(OpenRouterParse, VerbatimOpenApiExamples) {
  SKIP_WITHOUT_SHARED_DIR();
  const char* file = "openrouter_openapi_examples.json";
  auto listed = parse_openrouter_models(sample_body(file, "ModelsListResponse example (openapi components)"));
  ASSERT_TRUE(listed.rejected.empty());
  EXPECT_EQ(listed.entries, 1u);
  EXPECT_EQ(listed.next, "/api/v1/models?offset=500&limit=500");
  const auto* gpt4 = listed.models.find("openai/gpt-4");
  ASSERT_NE(gpt4, nullptr);
  EXPECT_EQ(*gpt4, std::nullopt);  // no hugging_face_id: closed

  auto single = parse_openrouter_models(sample_body(file, "GET /models 200 example (openapi)"));
  EXPECT_EQ(single.entries, 1u);
  EXPECT_EQ(single.next, std::nullopt);

  auto rankings = parse_rankings_daily(sample_body(file, "GET /datasets/rankings-daily 200 example (openapi)"));
  ASSERT_TRUE(rankings.rejected.empty());
  EXPECT_EQ(rankings.rows, (std::vector<OpenRouterRankingRow>{
                               {day("2026-05-11"), "openai/gpt-4o-2024-05-13", 12345678},
                               {day("2026-05-11"), "anthropic/claude-3.5-sonnet-20241022", 9876543},
                               {day("2026-05-11"), "other", 4321098}}));

  // An error answer is not a rankings page.
  auto error = parse_rankings_daily(sample_body(file, "GET /datasets/rankings-daily 429 example (openapi)"));
  EXPECT_TRUE(error.malformed);
  EXPECT_TRUE(error.rows.empty());
  ASSERT_EQ(error.rejected.size(), 1u);
  EXPECT_EQ(error.rejected[0].reason, RejectReason::malformed_json);
}

TEST(OpenRouterParse, VerbatimDocsRankingsExample) {
  SKIP_WITHOUT_SHARED_DIR();
  auto page = parse_rankings_daily(read_file(api_samples() / "openrouter_rankings_daily.docs_example.json"));
  ASSERT_TRUE(page.rejected.empty());
  ASSERT_EQ(page.rows.size(), 4u);
  EXPECT_EQ(page.rows, (std::vector<OpenRouterRankingRow>{
                           {day("2026-05-11"), "openai/gpt-4o-2024-05-13", 1234567890},
                           {day("2026-05-11"), "anthropic/claude-3.5-sonnet-20241022", 987654321},
                           {day("2026-05-11"), "google/gemini-2.5-flash", 456789012},
                           {day("2026-05-11"), "other", 123456789}}));

  // None of them is in this catalogue: closed models by author, and the other row.
  OpenRouterModelIndex catalogue = fixture_models();
  auto reference = aliases();
  std::vector<std::string> encoded;
  for (const auto& row : page.rows) encoded.push_back(encode(join_ranking_row(row, catalogue, *reference, kObserved)));
  EXPECT_EQ(encoded[0], R"({"date":"2026-05-11","observed_at":"2026-05-11T10:00:05Z","org":"openai","schema":1,)"
                        R"("slug":"openai/gpt-4o-2024-05-13","tokens":1234567890})");
  EXPECT_EQ(encoded[3], R"({"date":"2026-05-11","observed_at":"2026-05-11T10:00:05Z","org":"other","schema":1,)"
                        R"("slug":"other","tokens":123456789})");
}

TEST(OpenRouterParse, FixtureModelsPages) {
  auto page1 = parse_openrouter_models(read_file(fixture("openrouter_models_page1.json")));
  EXPECT_TRUE(page1.rejected.empty());
  EXPECT_EQ(page1.entries, 4u);
  EXPECT_EQ(page1.next, "/api/v1/models?offset=4&limit=4");
  EXPECT_EQ(page1.models.size(), 4u);

  auto page2 = parse_openrouter_models(read_file(fixture("openrouter_models_page2.json")));
  EXPECT_EQ(page2.entries, 4u);
  EXPECT_EQ(page2.next, std::nullopt);  // "links": {"next": null}
  EXPECT_EQ(page2.models.size(), 3u);
  ASSERT_EQ(page2.rejected.size(), 1u);
  EXPECT_EQ(page2.rejected[0].reason, RejectReason::wrong_type);
  EXPECT_EQ(page2.rejected[0].detail, "hugging_face_id: expected string (model broken/model)");

  auto index = fixture_models();
  EXPECT_EQ(index.size(), 7u);
  EXPECT_EQ(*index.find("qwen/qwen3-8b-04-28"), "Qwen/Qwen3-8B");
  EXPECT_EQ(*index.find("openai/gpt-4o"), std::nullopt);   // ""
  EXPECT_EQ(*index.find("qwen/qwen3-max"), std::nullopt);  // null
  EXPECT_EQ(index.find("broken/model"), nullptr);
}

TEST(OpenRouterParse, FixtureRankingsRowsAndRejections) {
  auto page = parse_rankings_daily(read_file(fixture("openrouter_rankings_daily_mixed.json")));
  EXPECT_FALSE(page.malformed);
  ASSERT_EQ(page.rows.size(), 10u);
  EXPECT_EQ(page.rows[0], (OpenRouterRankingRow{day("2026-05-09"), "qwen/qwen3-8b-04-28:free", 5000000000}));
  EXPECT_EQ(page.rows[4], (OpenRouterRankingRow{day("2026-05-09"), "other", 99000000}));
  EXPECT_EQ(page.rows[9], (OpenRouterRankingRow{day("2026-05-10"), "other", 0}));

  ASSERT_EQ(page.rejected.size(), 5u);
  std::vector<std::pair<RejectReason, std::string>> got;
  for (const auto& r : page.rejected) got.emplace_back(r.reason, r.detail);
  EXPECT_EQ(got, (std::vector<std::pair<RejectReason, std::string>>{
                     {RejectReason::bad_value, "total_tokens: negative: '-5' (x/negative@2026-05-09)"},
                     {RejectReason::wrong_type, "total_tokens: expected string (x/number@2026-05-09)"},
                     {RejectReason::missing_field, "model_permaslug: missing"},
                     {RejectReason::bad_value, "total_tokens: too large: '92233720368547758070' (x/huge@2026-05-10)"},
                     {RejectReason::bad_value, "date: not YYYY-MM-DD: '2026-02-30' (x/baddate)"}}));
}

struct BadRow {
  const char* row;
  RejectReason reason;
  const char* detail;
};

TEST(OpenRouterParse, EachBadRowIsRejectedForItsReason) {
  const BadRow cases[] = {
      {R"({"date":"2026-05-11","model_permaslug":"a/b","total_tokens":"12a"})", RejectReason::bad_value,
       "total_tokens: not a whole number: '12a' (a/b@2026-05-11)"},
      {R"({"date":"2026-05-11","model_permaslug":"a/b","total_tokens":"1.5"})", RejectReason::bad_value,
       "total_tokens: not a whole number: '1.5' (a/b@2026-05-11)"},
      {R"({"date":"2026-05-11","model_permaslug":"a/b","total_tokens":" 1"})", RejectReason::bad_value,
       "total_tokens: not a whole number: ' 1' (a/b@2026-05-11)"},
      {R"({"date":"2026-05-11","model_permaslug":"a/b","total_tokens":""})", RejectReason::bad_value,
       "total_tokens: empty (a/b@2026-05-11)"},
      {R"({"date":"2026-05-11","model_permaslug":"a/b","total_tokens":"9223372036854775808"})", RejectReason::bad_value,
       "total_tokens: too large: '9223372036854775808' (a/b@2026-05-11)"},
      {R"({"date":"2026-05-11","model_permaslug":"a/b","total_tokens":null})", RejectReason::missing_field,
       "total_tokens: missing (a/b@2026-05-11)"},
      {R"({"date":"2026-05-11","model_permaslug":"a/b"})", RejectReason::missing_field,
       "total_tokens: missing (a/b@2026-05-11)"},
      {R"({"date":20260511,"model_permaslug":"a/b","total_tokens":"1"})", RejectReason::wrong_type,
       "date: expected string (a/b)"},
      {R"({"model_permaslug":"a/b","total_tokens":"1"})", RejectReason::missing_field, "date: missing (a/b)"},
      {R"({"date":"11/05/2026","model_permaslug":"a/b","total_tokens":"1"})", RejectReason::bad_value,
       "date: not YYYY-MM-DD: '11/05/2026' (a/b)"},
      {R"({"date":"2026-05-11","model_permaslug":["a/b"],"total_tokens":"1"})", RejectReason::wrong_type,
       "model_permaslug: expected string"},
      {R"({"date":"2026-05-11","model_permaslug":"","total_tokens":"1"})", RejectReason::bad_value,
       "model_permaslug: not author/name or other: ''"},
      {R"({"date":"2026-05-11","model_permaslug":"gpt-4o","total_tokens":"1"})", RejectReason::bad_value,
       "model_permaslug: not author/name or other: 'gpt-4o'"},
      {R"({"date":"2026-05-11","model_permaslug":"a/b c","total_tokens":"1"})", RejectReason::bad_value,
       "model_permaslug: not author/name or other: 'a/b c'"},
      {R"(["2026-05-11","a/b","1"])", RejectReason::wrong_type, "row: expected object"},
  };
  for (const auto& c : cases) {
    std::string body = std::string(R"({"data":[)") + c.row +
                       R"(,{"date":"2026-05-11","model_permaslug":"a/ok","total_tokens":"9223372036854775807"}]})";
    auto page = parse_rankings_daily(body);
    ASSERT_EQ(page.rejected.size(), 1u) << c.row;
    EXPECT_EQ(page.rejected[0].reason, c.reason) << c.row;
    EXPECT_EQ(page.rejected[0].detail, c.detail) << c.row;
    // The good row beside it survives.
    ASSERT_EQ(page.rows.size(), 1u) << c.row;
    EXPECT_EQ(page.rows[0].tokens, INT64_MAX);
  }
}

TEST(OpenRouterParse, MalformedAnswersAreOneRejection) {
  for (const char* body : {"{\"data\":[{\"date\":", "[]", "{\"data\":{}}", "{\"rows\":[]}", "null"}) {
    auto rankings = parse_rankings_daily(body);
    EXPECT_TRUE(rankings.malformed) << body;
    ASSERT_EQ(rankings.rejected.size(), 1u) << body;
    EXPECT_EQ(rankings.rejected[0].reason, RejectReason::malformed_json) << body;
    auto models = parse_openrouter_models(body);
    EXPECT_TRUE(models.malformed) << body;
    EXPECT_EQ(models.models.size(), 0u);
  }
  EXPECT_EQ(parse_rankings_daily("{\"data\":[]}").malformed, false);
}

TEST(OpenRouterParse, BadModelEntriesAreRejected) {
  auto page = parse_openrouter_models(
      R"({"data":[{"canonical_slug":"a/b"},{"id":7},{"id":""},{"id":"a/c","canonical_slug":1},"a/d",)"
      R"({"id":"a/e","canonical_slug":"a/e-01","hugging_face_id":"A/E"}]})");
  std::vector<std::string> details;
  for (const auto& r : page.rejected) details.push_back(std::string(to_string(r.reason)) + " " + r.detail);
  EXPECT_EQ(details, (std::vector<std::string>{"missing_field id: missing", "wrong_type id: expected string",
                                               "bad_value id: empty",
                                               "wrong_type canonical_slug: expected string (model a/c)",
                                               "wrong_type entry: expected object"}));
  EXPECT_EQ(page.entries, 6u);
  EXPECT_EQ(page.models.size(), 1u);
  EXPECT_EQ(*page.models.find("a/e-01"), "A/E");
}

TEST(OpenRouterParse, JoinKeyDropsTheVariantSuffix) {
  EXPECT_EQ(openrouter_join_key("qwen/qwen3-8b-04-28:free"), "qwen/qwen3-8b-04-28");
  EXPECT_EQ(openrouter_join_key("anthropic/claude-3.7-sonnet-20250219:thinking"), "anthropic/claude-3.7-sonnet-20250219");
  EXPECT_EQ(openrouter_join_key("qwen/qwen3-8b-04-28"), "qwen/qwen3-8b-04-28");
  EXPECT_EQ(openrouter_join_key("other"), "other");
  EXPECT_EQ(openrouter_join_key("a/b:c:d"), "a/b");
}

TEST(OpenRouterParse, JoinVariantsDatedSlugsClosedModelsAndOther) {
  OpenRouterModelIndex catalogue = fixture_models();
  auto reference = aliases();
  auto join = [&](const char* slug) {
    return join_ranking_row({day("2026-05-10"), slug, 100}, catalogue, *reference, kObserved);
  };
  // The variant joins through its canonical_slug and keeps its own slug (a distinct key).
  auto free_variant = join("qwen/qwen3-8b-04-28:free");
  EXPECT_EQ(free_variant, (OpenRouterTokens{day("2026-05-10"), "qwen/qwen3-8b-04-28:free", kObserved, 100,
                                            "Qwen/Qwen3-8B", "Qwen"}));
  EXPECT_EQ(tokens_key(free_variant), "qwen/qwen3-8b-04-28:free@2026-05-10");
  EXPECT_EQ(tokens_key(join("qwen/qwen3-8b-04-28")), "qwen/qwen3-8b-04-28@2026-05-10");
  // An undated permaslug that is no canonical_slug joins through the model id.
  EXPECT_EQ(join("qwen/qwen3-8b").hf_id, "Qwen/Qwen3-8B");
  EXPECT_EQ(join("qwen/qwen3-8b:free").hf_id, "Qwen/Qwen3-8B");
  // The HF namespace goes through the aliases too (THUDM was renamed zai-org).
  auto glm = join("z-ai/glm-4-32b-0414");
  EXPECT_EQ(glm.hf_id, "THUDM/GLM-4-32B-0414");
  EXPECT_EQ(glm.org, "zai-org");
  // Closed: org from the author through org_aliases.
  auto max = join("qwen/qwen3-max");
  EXPECT_EQ(max.hf_id, std::nullopt);
  EXPECT_EQ(max.org, "Qwen");
  EXPECT_EQ(join("openai/gpt-4o").org, "openai");
  EXPECT_EQ(join("z-ai/glm-4.5-air").org, "zai-org");  // not listed: author only
  // A hugging_face_id that is not org/name is no HF id.
  auto mistral = join("mistralai/mistral-medium-3");
  EXPECT_EQ(mistral.hf_id, std::nullopt);
  EXPECT_EQ(mistral.org, "mistralai");
  auto other = join("other");
  EXPECT_EQ(other, (OpenRouterTokens{day("2026-05-10"), "other", kObserved, 100, std::nullopt, "other"}));
  // What is emitted decodes back to the same record.
  for (const auto& t : {free_variant, max, other, glm}) {
    auto decoded = decode_openrouter_tokens(encode(t));
    ASSERT_TRUE(decoded.ok()) << decoded.rejection().detail;
    EXPECT_EQ(decoded.value(), t);
  }
}

TEST(OpenRouterParse, OpenEntryWinsWithinACanonicalSlug) {
  OpenRouterModelIndex index;
  index.add("a/m:free", std::string("a/m-01"), std::nullopt);
  index.add("a/m", std::string("a/m-01"), std::string("A/M"));
  index.add("a/m:beta", std::string("a/m-01"), std::nullopt);
  EXPECT_EQ(*index.find("a/m-01"), "A/M");
  EXPECT_EQ(*index.find("a/m:free"), std::nullopt);
}

}  // namespace
}  // namespace atomd
