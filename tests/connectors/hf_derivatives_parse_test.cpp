#include "connectors/hf_derivatives_parse.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/connectors/test_context.hpp"

namespace atomd {
namespace {

using testing::api_samples;
using testing::fixture;
using testing::read_file;
using Bases = std::vector<DerivativeBase>;

constexpr TimeMs kObserved = 1737570272000;  // Wed, 22 Jan 2025 18:24:32 GMT

DerivativeBase base(Relation relation, std::string id) { return {relation, std::move(id)}; }

const HfListedModel& listed(const HfDerivativesPage& page, const std::string& repo_id) {
  for (const auto& model : page.models)
    if (model.repo_id == repo_id) return model;
  throw std::runtime_error("not listed: " + repo_id);
}

#define SKIP_WITHOUT_SHARED_DIR()                                                      \
  if (!std::filesystem::exists(api_samples())) GTEST_SKIP() << api_samples() << " not present"

TEST(HfDerivativesParse, VerbatimModelInfoIsAFinetune) {
  SKIP_WITHOUT_SHARED_DIR();
  // Tags base_model:FacebookAI/roberta-base and base_model:finetune:FacebookAI/roberta-base,
  // cardData.base_model ["FacebookAI/roberta-base"]: one base, the specific relation.
  auto relations = parse_model_relations(read_file(api_samples() / "hf_model_info.json"));
  EXPECT_FALSE(relations.rejection) << relations.rejection->detail;
  EXPECT_EQ(relations.relations, (Bases{base(Relation::finetune, "FacebookAI/roberta-base")}));
}

TEST(HfDerivativesParse, VerbatimGgufModelIsQuantized) {
  SKIP_WITHOUT_SHARED_DIR();
  auto relations =
      parse_model_relations(read_file(api_samples() / "hf_model_info_gguf_ggml-org__gemma-3-1b-it-GGUF.json"));
  EXPECT_FALSE(relations.rejection) << relations.rejection->detail;
  EXPECT_EQ(relations.relations, (Bases{base(Relation::quantized, "google/gemma-3-1b-it")}));
}

TEST(HfDerivativesParse, VerbatimModelsAsAListingPage) {
  SKIP_WITHOUT_SHARED_DIR();
  std::string body = "[" + read_file(api_samples() / "hf_model_info.json") + "," +
                     read_file(api_samples() / "hf_model_info_gguf_ggml-org__gemma-3-1b-it-GGUF.json") + "]";
  auto page = parse_derivatives_page(body, kObserved);
  ASSERT_TRUE(page.rejections().empty()) << page.rejections()[0].detail;
  auto derivatives = page.derivatives();
  ASSERT_EQ(derivatives.size(), 2u);
  EXPECT_EQ(derivatives[0], (HfDerivative{"deepset/roberta-base-squad2", 1646263745000, kObserved, 1801802,
                                          {base(Relation::finetune, "FacebookAI/roberta-base")}}));
  EXPECT_EQ(derivatives[1], (HfDerivative{"ggml-org/gemma-3-1b-it-GGUF", 1741760041000, kObserved, 186325,
                                          {base(Relation::quantized, "google/gemma-3-1b-it")}}));
}

TEST(HfDerivativesParse, RecordedCassettesWithoutBasesAreNotDerivatives) {
  SKIP_WITHOUT_SHARED_DIR();
  std::vector<std::string> derivatives, others;
  for (const auto& file : std::filesystem::directory_iterator(api_samples() / "hf_cassettes")) {
    auto name = file.path().filename().string();
    if (file.path().extension() != ".json" || name.find(".meta.") != std::string::npos) continue;
    auto page = parse_derivatives_page("[" + read_file(file.path()) + "]", kObserved);
    ASSERT_TRUE(page.rejections().empty()) << name << ": " << page.rejections()[0].detail;
    ASSERT_EQ(page.models.size(), 1u) << name;
    ASSERT_TRUE(page.models[0].created_at) << name;
    (page.models[0].derivative ? derivatives : others).push_back(page.models[0].repo_id);
  }
  std::sort(others.begin(), others.end());
  EXPECT_EQ(derivatives, (std::vector<std::string>{"deepset/roberta-base-squad2"}));
  EXPECT_EQ(others, (std::vector<std::string>{"google-bert/bert-base-uncased",
                                              "sentence-transformers/paraphrase-albert-small-v2",
                                              "stabilityai/stable-diffusion-2-1"}));
}

TEST(HfDerivativesParse, EveryRelationFormTheHubWrites) {
  auto page = parse_derivatives_page(read_file(fixture("hf_derivatives_page_relations.json")), kObserved);
  ASSERT_FALSE(page.malformed);
  EXPECT_TRUE(page.rejections().empty()) << page.rejections()[0].detail;
  ASSERT_EQ(page.models.size(), 13u);
  std::vector<std::pair<std::string, Bases>> expected = {
      // plain + finetune tag for one base, cardData.base_model as a string
      {"alice/roberta-base-squad-ft", {base(Relation::finetune, "FacebookAI/roberta-base")}},
      {"bob/llama-3.1-8b-support-lora", {base(Relation::adapter, "meta-llama/Llama-3.1-8B-Instruct")}},
      {"carol/Qwen2.5-7B-Instruct-Q4_K_M-GGUF", {base(Relation::quantized, "Qwen/Qwen2.5-7B-Instruct")}},
      {"dave/Qwen2.5-R1-7B-slerp",
       {base(Relation::merge, "Qwen/Qwen2.5-7B-Instruct"), base(Relation::merge, "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B")}},
      // a plain tag alone
      {"erin/mistral-7b-dpo", {base(Relation::unspecified, "mistralai/Mistral-7B-v0.1")}},
      // cardData.base_model string, no tag
      {"frank/gemma-2-2b-sql", {base(Relation::unspecified, "google/gemma-2-2b")}},
      // cardData list adds a base no tag names
      {"grace/phi-4-reasoner",
       {base(Relation::finetune, "microsoft/phi-4"), base(Relation::unspecified, "microsoft/Phi-4-mini-instruct")}},
      // the same base five times in three spellings: once, first spelling
      {"judy/Qwen3-8B-chat-ft", {base(Relation::finetune, "Qwen/Qwen3-8B")}},
      // quantized and finetune tags for one base: finetune, by Relation's order
      {"leo/gpt-oss-20b-mlx-4bit", {base(Relation::finetune, "openai/gpt-oss-20b")}},
      // the repo itself dropped from the list
      {"mia/gemma-3-1b-continued", {base(Relation::unspecified, "google/gemma-3-1b-it")}},
  };
  auto derivatives = page.derivatives();
  ASSERT_EQ(derivatives.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(derivatives[i].repo_id, expected[i].first);
    EXPECT_EQ(derivatives[i].relations, expected[i].second) << expected[i].first;
    EXPECT_EQ(derivatives[i].observed_at, kObserved);
  }
  EXPECT_EQ(derivatives[0].created_at, 1749546000000);  // 2025-06-10T09:00:00.000Z
  EXPECT_EQ(derivatives[0].downloads_30d, 17);
  EXPECT_EQ(encode(derivatives[0]),
            R"({"created_at":"2025-06-10T09:00:00Z","downloads_30d":17,"observed_at":"2025-01-22T18:24:32Z",)"
            R"("relations":[{"base":"FacebookAI/roberta-base","relation":"finetune"}],)"
            R"("repo_id":"alice/roberta-base-squad-ft","schema":1})");
  EXPECT_EQ(derivatives[2].downloads_30d, 1204);

  // No base (or only itself): listed, with its time for the poller, but neither record nor rejection.
  for (const char* id : {"heidi/tiny-classifier", "ivan/empty-repo", "kim/self-named"}) {
    const auto& model = listed(page, id);
    EXPECT_FALSE(model.derivative) << id;
    EXPECT_FALSE(model.rejection) << id;
    EXPECT_TRUE(model.created_at) << id;
  }
  EXPECT_EQ(listed(page, "ivan/empty-repo").created_at, 1749456000000);  // 2025-06-09T08:00:00.000Z
}

TEST(HfDerivativesParse, BadBasesAndBadEntries) {
  auto page = parse_derivatives_page(read_file(fixture("hf_derivatives_page_bad.json")), kObserved);
  ASSERT_EQ(page.models.size(), 14u);
  auto derivatives = page.derivatives();
  ASSERT_EQ(derivatives.size(), 2u);
  // A bad base is dropped; the good ones stand.
  EXPECT_EQ(derivatives[0].repo_id, "nina/llama-2-7b-medical");
  EXPECT_EQ(derivatives[0].relations, (Bases{base(Relation::finetune, "meta-llama/Llama-2-7b-hf")}));
  EXPECT_EQ(derivatives[1].repo_id, "rita/mistral-lora");
  EXPECT_EQ(derivatives[1].relations, (Bases{base(Relation::adapter, "mistralai/Mistral-7B-v0.1")}));

  std::vector<std::pair<RejectReason, std::string>> expected = {
      {RejectReason::bad_relation, "tags: not an org/name repo id: 'base_model:finetune:llama-2-7b' (nina/llama-2-7b-medical)"},
      {RejectReason::bad_relation, "cardData.base_model: not an org/name repo id: './checkpoints/run-3' (oscar/local-checkpoint)"},
      {RejectReason::bad_relation,
       "cardData.base_model: not an org/name repo id: 'https://huggingface.co/google/gemma-3-1b-it' (pat/url-base)"},
      {RejectReason::bad_relation, "tags: not an org/name repo id: 'base_model:distill:Qwen/Qwen3-8B' (quinn/Qwen3-8B-distilled)"},
      {RejectReason::bad_relation, "cardData.base_model: expected a string or a list of strings (rita/mistral-lora)"},
      {RejectReason::missing_field, "downloads: missing (sam/no-downloads)"},
      {RejectReason::bad_value, "createdAt: not an RFC 3339 time: 'last tuesday' (tess/bad-date)"},
      {RejectReason::wrong_type, "tags: expected array of strings (uma/tags-string)"},
      {RejectReason::wrong_type, "entry: expected object"},
      {RejectReason::bad_value, "id: not an org/name repo id: 'not-a-repo-id'"},
      {RejectReason::wrong_type, "downloads: expected number (victor/string-downloads)"},
      {RejectReason::wrong_type, "cardData: expected object (wendy/card-not-object)"},
      // three bad mentions of one id: one rejection, the first
      {RejectReason::bad_relation, "tags: not an org/name repo id: 'base_model:finetune:gpt2' (yara/legacy-gpt2-ft)"},
  };
  auto rejections = page.rejections();
  ASSERT_EQ(rejections.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(rejections[i].reason, expected[i].first) << i << ": " << rejections[i].detail;
    EXPECT_EQ(rejections[i].detail, expected[i].second);
  }
  // A rejected entry still has its place in the listing; an upload without a base is nothing.
  EXPECT_EQ(listed(page, "oscar/local-checkpoint").created_at, parse_rfc3339("2025-06-08T09:00:00.000Z"));
  EXPECT_FALSE(listed(page, "tess/bad-date").created_at);
  const auto& plain = listed(page, "xavier/plain-upload");
  EXPECT_FALSE(plain.derivative);
  EXPECT_FALSE(plain.rejection);
  EXPECT_FALSE(plain.created_at);
}

TEST(HfDerivativesParse, CardDataBaseModelAsStringOrList) {
  auto one = parse_model_relations(R"({"id":"u/m","tags":["region:us"],"cardData":{"base_model":"org/base"}})");
  EXPECT_FALSE(one.rejection);
  EXPECT_EQ(one.relations, (Bases{base(Relation::unspecified, "org/base")}));

  auto list = parse_model_relations(R"({"id":"u/m","cardData":{"base_model":["org/one","org/two","org/one"]}})");
  EXPECT_FALSE(list.rejection);
  EXPECT_EQ(list.relations, (Bases{base(Relation::unspecified, "org/one"), base(Relation::unspecified, "org/two")}));

  // A tag naming a card base gives it its relation, whichever comes first.
  auto tagged = parse_model_relations(
      R"({"id":"u/m","cardData":{"base_model":["org/one","org/two"]},"tags":["base_model:adapter:org/two"]})");
  EXPECT_EQ(tagged.relations, (Bases{base(Relation::adapter, "org/two"), base(Relation::unspecified, "org/one")}));

  for (const char* none : {R"({"id":"u/m","cardData":{"base_model":null}})", R"({"id":"u/m","cardData":{"base_model":[]}})",
                           R"({"id":"u/m","cardData":null})", R"({"id":"u/m"})"}) {
    auto relations = parse_model_relations(none);
    EXPECT_TRUE(relations.relations.empty()) << none;
    EXPECT_FALSE(relations.rejection) << none;
  }

  auto mixed = parse_model_relations(R"({"id":"u/m","cardData":{"base_model":["org/one",{"id":"org/two"}]}})");
  EXPECT_EQ(mixed.relations, (Bases{base(Relation::unspecified, "org/one")}));
  ASSERT_TRUE(mixed.rejection);
  EXPECT_EQ(mixed.rejection->reason, RejectReason::bad_relation);
  EXPECT_EQ(mixed.rejection->detail, "cardData.base_model: expected a string or a list of strings (u/m)");

  EXPECT_EQ(parse_model_relations("{\"id\":").rejection->reason, RejectReason::malformed_json);
  EXPECT_EQ(parse_model_relations("[]").rejection->detail, "model: expected a JSON object");
  EXPECT_EQ(parse_model_relations(R"({"id":"u/m","tags":[1]})").rejection->reason, RejectReason::wrong_type);
}

TEST(HfDerivativesParse, SpecificRelationBeatsPlainTagInEitherOrder) {
  EXPECT_EQ(relations_of("u/m", {"base_model:org/b", "base_model:quantized:org/b"}, {}).relations,
            (Bases{base(Relation::quantized, "org/b")}));
  EXPECT_EQ(relations_of("u/m", {"base_model:quantized:org/b", "base_model:org/b"}, {"org/b"}).relations,
            (Bases{base(Relation::quantized, "org/b")}));
}

TEST(HfDerivativesParse, ConflictingRelationsPickTheFirstInRelationOrder) {
  struct Case {
    std::vector<std::string> tags;
    Relation expected;
  };
  std::vector<Case> cases = {
      {{"base_model:merge:org/b", "base_model:adapter:org/b"}, Relation::adapter},
      {{"base_model:adapter:org/b", "base_model:merge:org/b"}, Relation::adapter},
      {{"base_model:quantized:org/b", "base_model:finetune:org/b"}, Relation::finetune},
      {{"base_model:merge:org/b", "base_model:quantized:org/b", "base_model:org/b"}, Relation::quantized},
  };
  for (const auto& c : cases) {
    auto relations = relations_of("u/m", c.tags, {});
    EXPECT_EQ(relations.relations, (Bases{base(c.expected, "org/b")})) << c.tags[0];
    EXPECT_FALSE(relations.rejection);
  }
}

TEST(HfDerivativesParse, DuplicatesAndSelfReferences) {
  // Bases compare case-insensitively, as repo ids do on the Hub; the first spelling is kept.
  auto dup = relations_of("u/m", {"base_model:Org/Base", "base_model:finetune:org/base"}, {"ORG/BASE", "other/x"});
  EXPECT_EQ(dup.relations, (Bases{base(Relation::finetune, "Org/Base"), base(Relation::unspecified, "other/x")}));
  // The repo itself is not its own base, in any spelling, and is not an error.
  auto self = relations_of("User/Model", {"base_model:finetune:user/model"}, {"USER/MODEL"});
  EXPECT_TRUE(self.relations.empty());
  EXPECT_FALSE(self.rejection);
}

TEST(HfDerivativesParse, OnlyBaseModelTagsAreRead) {
  auto relations = relations_of("u/m",
                                {"base_model", "base_models:org/b", "dataset:org/data", "Base_Model:org/b",
                                 "license:apache-2.0", "arxiv:2504.01234"},
                                {});
  EXPECT_TRUE(relations.relations.empty());
  EXPECT_FALSE(relations.rejection);
}

TEST(HfDerivativesParse, MalformedBaseTagsAreBadRelations) {
  for (const char* tag : {"base_model:", "base_model:finetune:", "base_model:finetune:org/name/extra",
                          "base_model:unspecified:org/b", "base_model:org b/name", "base_model:/name"}) {
    auto relations = relations_of("u/m", {tag, "base_model:merge:org/good"}, {});
    EXPECT_EQ(relations.relations, (Bases{base(Relation::merge, "org/good")})) << tag;
    ASSERT_TRUE(relations.rejection) << tag;
    EXPECT_EQ(relations.rejection->reason, RejectReason::bad_relation);
    EXPECT_EQ(relations.rejection->detail, "tags: not an org/name repo id: '" + std::string(tag) + "' (u/m)");
  }
}

TEST(HfDerivativesParse, MalformedPage) {
  for (const std::string body : {"[{\"id\":", ""}) {
    auto page = parse_derivatives_page(body, kObserved);
    EXPECT_TRUE(page.models.empty());
    ASSERT_EQ(page.rejections().size(), 1u);
    EXPECT_EQ(page.rejections()[0].reason, RejectReason::malformed_json);
    EXPECT_EQ(page.rejections()[0].detail, "page: not valid JSON");
  }
  auto object = parse_derivatives_page(R"({"error":"Invalid username or password."})", kObserved);
  ASSERT_TRUE(object.malformed);
  EXPECT_EQ(object.malformed->detail, "page: expected a JSON array of models");
  auto empty = parse_derivatives_page("[]", kObserved);
  EXPECT_FALSE(empty.malformed);
  EXPECT_TRUE(empty.models.empty());
}

TEST(HfDerivativesParse, RecordsSurviveTheTopicEncoding) {
  auto page = parse_derivatives_page(read_file(fixture("hf_derivatives_page_relations.json")), kObserved);
  auto derivatives = page.derivatives();
  ASSERT_EQ(derivatives.size(), 10u);
  for (const auto& d : derivatives) {
    auto decoded = decode_hf_derivative(encode(d));
    ASSERT_TRUE(decoded.ok()) << d.repo_id << ": " << decoded.rejection().detail;
    EXPECT_EQ(decoded.value(), d);
  }
}

}  // namespace
}  // namespace atomd
