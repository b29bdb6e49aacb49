// The real reference files: the ATOM project's copies in ../shared (skipped when absent)
// and the project's own defaults in config/.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/csv.hpp"
#include "core/reference.hpp"

namespace atomd {
namespace {

namespace fs = std::filesystem;

const fs::path kSharedDir = fs::path(ATOMD_SHARED_DIR) / "data" / "tracked-models";
const fs::path kConfigDir = fs::path(ATOMD_SOURCE_DIR) / "config";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TimeMs at(std::string_view rfc3339) { return *parse_rfc3339(rfc3339); }

// The ATOM project's files as atomd would read them: the shared region list, no aliases.
ReferenceTexts shared_texts() {
  ReferenceTexts t;
  t.tracked_models = slurp(kSharedDir / "models.csv");
  t.tracked_models_source = "models.csv";
  t.regions = slurp(kSharedDir / "organization_regions.csv");
  t.regions_source = "organization_regions.csv";
  t.sizes = slurp(kSharedDir / "model_parameters.csv");
  t.sizes_source = "model_parameters.csv";
  t.release_dates = slurp(kSharedDir / "release_date_corrections.csv");
  t.release_dates_source = "release_date_corrections.csv";
  return t;
}

// The project's own defaults; the tracked list and sizes come from the shared data when it
// is there (config/ does not have to hold them for these checks).
ReferenceTexts config_texts() {
  ReferenceTexts t;
  t.regions = slurp(kConfigDir / "regions.csv");
  t.regions_source = "config/regions.csv";
  t.org_aliases = slurp(kConfigDir / "org_aliases.csv");
  t.org_aliases_source = "config/org_aliases.csv";
  t.release_dates = slurp(kConfigDir / "release_dates.csv");
  t.release_dates_source = "config/release_dates.csv";
  return t;
}

bool has_no_single_home(std::string_view org) {
  return org == "EleutherAI" || org == "bigcode" || org == "allura-forge";
}

class SharedData : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(kSharedDir)) GTEST_SKIP() << kSharedDir << " not present";
  }
};

TEST_F(SharedData, TrackedListLoads) {
  auto ref = ReferenceData::parse(shared_texts());
  EXPECT_GT(ref.tracked_models().size(), 1000u);
  EXPECT_TRUE(ref.is_tracked("deepseek-ai/DeepSeek-R1"));
  EXPECT_TRUE(ref.is_tracked("qwen/qwen2.5-7b-instruct"));
  EXPECT_EQ(ref.canonical_repo_id("openai/GPT-OSS-20B"), "openai/gpt-oss-20b");
  auto orgs = ref.tracked_orgs();
  EXPECT_EQ(orgs.size(), 38u);  // distinct orgs of models.csv at commit 3cd8020
  EXPECT_EQ(orgs.front(), "ai21labs");  // list order: the first row's org
  EXPECT_NE(std::find(orgs.begin(), orgs.end(), "Qwen"), orgs.end());
  EXPECT_NE(std::find(orgs.begin(), orgs.end(), "meta-llama"), orgs.end());

  ReferenceTexts extra;
  extra.tracked_models = slurp(kSharedDir / "extra_models.csv");
  EXPECT_GT(ReferenceData::parse(extra).tracked_models().size(), 100u);
}

TEST_F(SharedData, SizesFromTheManualTable) {
  auto ref = ReferenceData::parse(shared_texts());
  // HF's safetensors count (685B) includes the MTP module; the table says 671.
  EXPECT_EQ(ref.size_b("deepseek-ai/DeepSeek-R1", 684'531'386'000), 671.0);
  EXPECT_EQ(ref.size_bucket("deepseek-ai/DeepSeek-R1", std::nullopt), SizeBucket::b250_plus);
  EXPECT_EQ(ref.size_b("mistralai/Mixtral-8x7B-Instruct-v0.1", std::nullopt), 46.7);
  EXPECT_EQ(ref.size_bucket("mistralai/Mixtral-8x7B-Instruct-v0.1", std::nullopt), SizeBucket::b10_50);
  EXPECT_EQ(ref.size_bucket("mistralai/Mixtral-8x22B-Instruct-v0.1", std::nullopt), SizeBucket::b100_250);
  EXPECT_EQ(ref.size_bucket("MiniMaxAI/MiniMax-M2.1", std::nullopt), SizeBucket::b100_250);
  EXPECT_EQ(ref.size_bucket("Qwen/Qwen2.5-0.5B-Instruct", std::nullopt), SizeBucket::lt_1b);
  EXPECT_EQ(ref.size_bucket("openai/gpt-oss-20b", std::nullopt), SizeBucket::b10_50);
  EXPECT_EQ(ref.size_bucket("openai/gpt-oss-120b", std::nullopt), SizeBucket::b100_250);
}

TEST_F(SharedData, RegionsAndReleaseDates) {
  auto ref = ReferenceData::parse(shared_texts());
  EXPECT_EQ(ref.region_of("Qwen"), Region::china);
  EXPECT_EQ(ref.region_of("meta-llama"), Region::us);
  EXPECT_EQ(ref.region_of("mistralai"), Region::eu);
  EXPECT_EQ(ref.region_of("tiiuae"), Region::other);
  EXPECT_EQ(ref.region_of("EleutherAI"), Region::unknown);
  EXPECT_EQ(ref.region_of("THUDM"), Region::china);
  EXPECT_EQ(ref.release_at("MiniMaxAI/MiniMax-M2.1", at("2025-12-20T14:03:00Z"), std::nullopt),
            at("2025-12-23T00:00:00Z"));
}

TEST_F(SharedData, EveryTrackedOrgHasARegion) {
  auto ref = ReferenceData::parse(shared_texts());
  for (const auto& org : ref.tracked_orgs())
    if (!has_no_single_home(org)) {
      EXPECT_NE(ref.region_of(org), Region::unknown) << org;
    }
}

TEST(ConfigFiles, ParseAndHoldTheKeyFacts) {
  auto ref = ReferenceData::parse(config_texts());
  for (std::string_view org :
       {"Qwen", "meta-llama", "deepseek-ai", "mistralai", "google", "microsoft", "openai", "nvidia", "moonshotai",
        "MiniMaxAI", "zai-org", "THUDM", "allenai", "HuggingFaceTB", "llava-hf", "OpenGVLab", "tiiuae",
        "ibm-granite", "CohereLabs", "01-ai", "baidu", "tencent", "ByteDance-Seed", "stepfun-ai", "internlm",
        "XiaomiMiMo", "swiss-ai", "LiquidAI", "NousResearch", "Salesforce", "apple", "amd", "stabilityai"})
    EXPECT_NE(ref.region_of(org), Region::unknown) << org;
  EXPECT_EQ(ref.region_of("Qwen"), Region::china);
  EXPECT_EQ(ref.region_of("swiss-ai"), Region::eu);
  EXPECT_EQ(ref.region_of("tiiuae"), Region::other);
  EXPECT_EQ(ref.region_of("EleutherAI"), Region::unknown);
  EXPECT_EQ(ref.region_of("bigcode"), Region::unknown);

  EXPECT_EQ(ref.canonical_org("THUDM"), "zai-org");
  EXPECT_EQ(ref.canonical_org("thudm"), "zai-org");
  EXPECT_EQ(ref.canonical_org("CohereForAI"), "CohereLabs");
  EXPECT_EQ(ref.canonical_org("AIDC-AI"), "ATH-MaaS");
  EXPECT_EQ(ref.canonical_org("Yi"), "01-ai");
  EXPECT_EQ(ref.canonical_org("meta-llama"), "meta-llama");
  EXPECT_EQ(ref.canonical_org("mistralai"), "mistralai");
  // OpenRouter authors.
  EXPECT_EQ(ref.canonical_org("qwen"), "Qwen");
  EXPECT_EQ(ref.canonical_org("deepseek"), "deepseek-ai");
  EXPECT_EQ(ref.canonical_org("minimax"), "MiniMaxAI");
  EXPECT_EQ(ref.canonical_org("z-ai"), "zai-org");
  EXPECT_EQ(ref.canonical_org("x-ai"), "xai-org");
  EXPECT_EQ(ref.canonical_org("cohere"), "CohereLabs");
  EXPECT_EQ(ref.canonical_org("moonshotai"), "moonshotai");
  EXPECT_EQ(ref.region_of("x-ai"), Region::us);
  EXPECT_EQ(ref.region_of("anthropic"), Region::us);
  EXPECT_EQ(ref.region_of("cohere"), Region::other);
  EXPECT_EQ(ref.region_of("z-ai"), Region::china);

  EXPECT_EQ(ref.release_at("MiniMaxAI/MiniMax-M2.1", at("2025-12-20T14:03:00Z"), std::nullopt),
            at("2025-12-23T00:00:00Z"));
  EXPECT_EQ(ref.release_at("openai/gpt-oss-20b", at("2025-08-04T20:00:00Z"), at("2025-08-04T21:00:00Z")),
            at("2025-08-04T00:00:00Z"));
}

// Our files are written independently of ATOM's; their facts must still agree.
TEST(ConfigFiles, AgreeWithTheAtomProject) {
  if (!fs::is_directory(kSharedDir)) GTEST_SKIP() << kSharedDir << " not present";
  auto ours = ReferenceData::parse(config_texts());
  auto atom = ReferenceData::parse(shared_texts());

  auto regions = parse_csv(slurp(kSharedDir / "organization_regions.csv"), "organization_regions.csv");
  auto org_col = regions.column("hf_org", "organization_regions.csv");
  for (const auto& row : regions.rows)
    EXPECT_EQ(ours.region_of(row[org_col]), atom.region_of(row[org_col])) << row[org_col];
  for (const auto& org : atom.tracked_orgs())
    if (!has_no_single_home(org)) {
      EXPECT_NE(ours.region_of(org), Region::unknown) << org;
    }

  auto dates = parse_csv(slurp(kSharedDir / "release_date_corrections.csv"), "release_date_corrections.csv");
  auto id_col = dates.column("model_id", "release_date_corrections.csv");
  const TimeMs created = at("2024-01-01T12:00:00Z");
  for (const auto& row : dates.rows)
    EXPECT_EQ(ours.release_at(row[id_col], created, std::nullopt), atom.release_at(row[id_col], created, std::nullopt))
        << row[id_col];
}

// Once the other default files exist, all five must load together as the daemon loads them.
TEST(ConfigFiles, AllDefaultsLoadTogether) {
  if (!fs::exists(kConfigDir / "tracked_models.csv") || !fs::exists(kConfigDir / "sizes.csv"))
    GTEST_SKIP() << "config/tracked_models.csv or config/sizes.csv not written yet";
  auto texts = config_texts();
  texts.tracked_models = slurp(kConfigDir / "tracked_models.csv");
  texts.tracked_models_source = "config/tracked_models.csv";
  texts.sizes = slurp(kConfigDir / "sizes.csv");
  texts.sizes_source = "config/sizes.csv";
  auto ref = ReferenceData::parse(texts);
  EXPECT_FALSE(ref.tracked_models().empty());
  for (const auto& org : ref.tracked_orgs())
    if (!has_no_single_home(org)) {
      EXPECT_NE(ref.region_of(org), Region::unknown) << org;
    }
}

}  // namespace
}  // namespace atomd
