#include "core/reference.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace atomd {
namespace {

using ::testing::ElementsAre;

TimeMs at(std::string_view rfc3339) { return *parse_rfc3339(rfc3339); }

ReferenceTexts sample_texts() {
  ReferenceTexts t;
  t.tracked_models =
      "org,model,modelId\n"
      "Qwen,Qwen2.5-7B-Instruct,Qwen/Qwen2.5-7B-Instruct\n"
      "deepseek-ai,DeepSeek-R1,deepseek-ai/DeepSeek-R1\n"
      "Qwen,Qwen3-30B-A3B,Qwen/Qwen3-30B-A3B\n"
      "THUDM,glm-4-9b-chat,THUDM/glm-4-9b-chat\n"
      "MiniMaxAI,MiniMax-M2.1,MiniMaxAI/MiniMax-M2.1\n"
      "qwen,QwQ-32B,qwen/QwQ-32B\n";  // Hub names are case-insensitive; the first spelling stays
  t.regions =
      "hf_org,region,notes\n"
      "Qwen,china,\n"
      "deepseek-ai,china,\n"
      "zai-org,china,\n"
      "MiniMaxAI,china,\n"
      "meta-llama,us,\n"
      "mistralai,eu,\"Paris, France\"\n"
      "CohereLabs,other,\n"
      "EleutherAI,unknown,\n";
  t.org_aliases =
      "alias,org\n"
      "THUDM,zai-org\n"
      "qwen,Qwen\n"
      "deepseek,deepseek-ai\n"
      "z-ai,zai-org\n"
      "CohereForAI,CohereLabs\n";
  t.sizes =
      "model_id,total_params_b,active_params_b,is_moe,notes\n"
      "deepseek-ai/DeepSeek-R1,671,37,true,\"MoE; HF shows 685B\"\n"
      "qwen/qwen2.5-7b-instruct,7.61,,false,\n"
      "Qwen/Qwen3-30B-A3B,,,true,total not reviewed yet\n";
  t.release_dates =
      "# corrections\n"
      "model_id,hf_created_at,actual_release_date,notes\n"
      "MiniMaxAI/MiniMax-M2.1,2025-12-20,2025-12-23,\n"
      "deepseek-ai/DeepSeek-R1,,2025-01-20,\n";
  return t;
}

TEST(Region, LabelsRoundTrip) {
  for (Region r : kAllRegions) EXPECT_EQ(parse_region(to_string(r)), r);
  EXPECT_EQ(to_string(Region::eu), "eu");
  EXPECT_FALSE(parse_region("EU"));
  EXPECT_FALSE(parse_region("europe"));
}

TEST(Reference, TrackedListIsCaseInsensitiveWithCanonicalSpelling) {
  auto ref = ReferenceData::parse(sample_texts());
  EXPECT_EQ(ref.tracked_models().size(), 6u);
  EXPECT_TRUE(ref.is_tracked("Qwen/Qwen2.5-7B-Instruct"));
  EXPECT_TRUE(ref.is_tracked("qwen/qwen2.5-7b-instruct"));
  EXPECT_FALSE(ref.is_tracked("Qwen/Qwen2.5-7B"));
  EXPECT_EQ(ref.canonical_repo_id("DEEPSEEK-AI/deepseek-r1"), "deepseek-ai/DeepSeek-R1");
  EXPECT_EQ(ref.canonical_repo_id("nobody/nothing"), std::nullopt);
  EXPECT_EQ(ref.tracked_models()[5].repo_id, "qwen/QwQ-32B");
}

TEST(Reference, TrackedOrgsAreDistinctInListOrder) {
  auto ref = ReferenceData::parse(sample_texts());
  EXPECT_THAT(ref.tracked_orgs(), ElementsAre("Qwen", "deepseek-ai", "THUDM", "MiniMaxAI"));
}

TEST(Reference, DuplicateTrackedModelKeepsTheFirst) {
  auto texts = sample_texts();
  texts.tracked_models += "Qwen,Qwen2.5-7B-Instruct,QWEN/qwen2.5-7b-instruct\n";
  auto ref = ReferenceData::parse(texts);
  EXPECT_EQ(ref.tracked_models().size(), 6u);
  EXPECT_EQ(ref.canonical_repo_id("QWEN/qwen2.5-7b-instruct"), "Qwen/Qwen2.5-7B-Instruct");
}

TEST(Reference, RegionsWithAliasesAndCase) {
  auto ref = ReferenceData::parse(sample_texts());
  EXPECT_EQ(ref.region_of("Qwen"), Region::china);
  EXPECT_EQ(ref.region_of("qwen"), Region::china);
  EXPECT_EQ(ref.region_of("QWEN"), Region::china);
  EXPECT_EQ(ref.region_of("THUDM"), Region::china);  // only zai-org has a region row
  EXPECT_EQ(ref.region_of("thudm"), Region::china);
  EXPECT_EQ(ref.region_of("z-ai"), Region::china);
  EXPECT_EQ(ref.region_of("deepseek"), Region::china);
  EXPECT_EQ(ref.region_of("Meta-Llama"), Region::us);
  EXPECT_EQ(ref.region_of("mistralai"), Region::eu);
  EXPECT_EQ(ref.region_of("CohereForAI"), Region::other);
  EXPECT_EQ(ref.region_of("EleutherAI"), Region::unknown);
  EXPECT_EQ(ref.region_of("some-new-lab"), Region::unknown);
  EXPECT_EQ(ref.region_of(""), Region::unknown);
}

TEST(Reference, AliasesApplyBeforeTheRegionOfTheOldName) {
  auto texts = sample_texts();
  texts.regions += "THUDM,us,stale row for the old name\n";
  auto ref = ReferenceData::parse(texts);
  EXPECT_EQ(ref.region_of("THUDM"), Region::china);
}

TEST(Reference, CanonicalOrg) {
  auto ref = ReferenceData::parse(sample_texts());
  EXPECT_EQ(ref.canonical_org("THUDM"), "zai-org");
  EXPECT_EQ(ref.canonical_org("z-ai"), "zai-org");
  EXPECT_EQ(ref.canonical_org("qwen"), "Qwen");
  EXPECT_EQ(ref.canonical_org("Qwen"), "Qwen");
  EXPECT_EQ(ref.canonical_org("DeepSeek"), "deepseek-ai");
  EXPECT_EQ(ref.canonical_org("META-LLAMA"), "meta-llama");  // spelling from the regions list
  EXPECT_EQ(ref.canonical_org("minimaxai"), "MiniMaxAI");    // spelling from the tracked list
  EXPECT_EQ(ref.canonical_org("anthropic"), "anthropic");    // unknown: unchanged
}

TEST(Reference, SizeTableBeatsParamsBeatsName) {
  auto ref = ReferenceData::parse(sample_texts());
  // Table (671) beats safetensors (685e9, which counts the MTP module).
  EXPECT_EQ(ref.size_b("deepseek-ai/DeepSeek-R1", 685'000'000'000), 671.0);
  EXPECT_EQ(ref.size_bucket("deepseek-ai/DeepSeek-R1", 685'000'000'000), SizeBucket::b250_plus);
  // The table is matched case-insensitively.
  EXPECT_EQ(ref.size_b("Qwen/Qwen2.5-7B-Instruct", 7'000'000'000), 7.61);
  // An empty total gives no table value: params beat the name ("30B").
  EXPECT_EQ(ref.size_b("Qwen/Qwen3-30B-A3B", 30'532'122'624), 30.532122624);
  EXPECT_EQ(ref.size_b("Qwen/Qwen3-30B-A3B", std::nullopt), 30.0);
  EXPECT_EQ(ref.size_b("Qwen/Qwen3-30B-A3B", 0), 30.0);
  EXPECT_EQ(ref.size_b("org/Model-9B-x", 12'000'000'000), 12.0);
  EXPECT_EQ(ref.size_bucket("org/Model-9B-x", 12'000'000'000), SizeBucket::b10_50);
  EXPECT_EQ(ref.size_bucket("org/Model-9B-x", std::nullopt), SizeBucket::b7_9);
  EXPECT_EQ(ref.size_b("deepseek-ai/DeepSeek-V3", std::nullopt), std::nullopt);
  EXPECT_EQ(ref.size_bucket("deepseek-ai/DeepSeek-V3", std::nullopt), SizeBucket::unknown);
}

TEST(Reference, ReleaseDateCorrectionUsed) {
  auto ref = ReferenceData::parse(sample_texts());
  auto created = at("2025-12-20T09:41:07Z");
  EXPECT_EQ(ref.release_at("MiniMaxAI/MiniMax-M2.1", created, at("2025-12-24T00:00:00Z")), at("2025-12-23T00:00:00Z"));
  EXPECT_EQ(ref.release_at("minimaxai/minimax-m2.1", created, std::nullopt), at("2025-12-23T00:00:00Z"));
  // A snapshot during the corrected day itself does not contradict the correction.
  EXPECT_EQ(ref.release_at("MiniMaxAI/MiniMax-M2.1", created, at("2025-12-23T00:00:00Z")), at("2025-12-23T00:00:00Z"));
  EXPECT_EQ(ref.release_at("MiniMaxAI/MiniMax-M2.1", created, at("2025-12-23T18:00:00Z")), at("2025-12-23T00:00:00Z"));
}

TEST(Reference, ReleaseDateCorrectionAfterFirstSnapshotFallsBackToCreatedAt) {
  auto ref = ReferenceData::parse(sample_texts());
  auto created = at("2025-12-20T09:41:07Z");
  EXPECT_EQ(ref.release_at("MiniMaxAI/MiniMax-M2.1", created, at("2025-12-22T23:59:59.999Z")),
            at("2025-12-20T00:00:00Z"));
  EXPECT_EQ(ref.release_at("MiniMaxAI/MiniMax-M2.1", created, at("2025-12-21T08:00:00Z")),
            at("2025-12-20T00:00:00Z"));
}

TEST(Reference, NoCorrectionGivesCreatedAtDateAtMidnightUtc) {
  auto ref = ReferenceData::parse(sample_texts());
  EXPECT_EQ(ref.release_at("Qwen/Qwen3-30B-A3B", at("2025-04-28T21:47:41.000Z"), at("2025-05-01T00:00:00Z")),
            at("2025-04-28T00:00:00Z"));
  EXPECT_EQ(ref.release_at("Qwen/Qwen3-30B-A3B", at("2025-04-28T00:00:00Z"), std::nullopt), at("2025-04-28T00:00:00Z"));
  // A correction may also move the release earlier than createdAt.
  EXPECT_EQ(ref.release_at("deepseek-ai/DeepSeek-R1", at("2025-01-21T10:00:00Z"), at("2025-01-22T00:00:00Z")),
            at("2025-01-20T00:00:00Z"));
}

TEST(Reference, EmptyTextsGiveEmptyReference) {
  auto ref = ReferenceData::parse(ReferenceTexts{});
  EXPECT_TRUE(ref.tracked_models().empty());
  EXPECT_TRUE(ref.tracked_orgs().empty());
  EXPECT_EQ(ref.region_of("Qwen"), Region::unknown);
  EXPECT_EQ(ref.canonical_org("qwen"), "qwen");
  EXPECT_EQ(ref.size_b("Qwen/Qwen2.5-7B-Instruct", std::nullopt), 7.0);
}

}  // namespace
}  // namespace atomd
