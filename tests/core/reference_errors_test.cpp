#include <gtest/gtest.h>

#include "core/reference.hpp"

namespace atomd {
namespace {

// Parses texts where one file is replaced, returning the error message (or "no error").
std::string error_with(std::string ReferenceTexts::*file, std::string text) {
  ReferenceTexts texts;
  texts.tracked_models_source = "config/tracked_models.csv";
  texts.regions_source = "config/regions.csv";
  texts.sizes_source = "config/sizes.csv";
  texts.release_dates_source = "config/release_dates.csv";
  texts.org_aliases_source = "config/org_aliases.csv";
  texts.*file = std::move(text);
  try {
    ReferenceData::parse(texts);
  } catch (const ReferenceError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ReferenceErrors, CsvSyntaxErrorsBecomeReferenceErrors) {
  EXPECT_EQ(error_with(&ReferenceTexts::regions, "hf_org,region,notes\nQwen,china,\"open\n"),
            "config/regions.csv:2: unterminated quoted field");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, "model_id,total_params_b\na/b,1,2\n"),
            "config/sizes.csv:2: 3 fields but the header has 2");
}

TEST(ReferenceErrors, MissingColumns) {
  EXPECT_EQ(error_with(&ReferenceTexts::tracked_models, "# list\norg,model,model_id\n"),
            "config/tracked_models.csv:2: missing column 'modelId'");
  EXPECT_EQ(error_with(&ReferenceTexts::regions, "org,region\n"), "config/regions.csv:1: missing column 'hf_org'");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, "model_id,total_b\n"),
            "config/sizes.csv:1: missing column 'total_params_b'");
  EXPECT_EQ(error_with(&ReferenceTexts::release_dates, "model_id,hf_created_at\n"),
            "config/release_dates.csv:1: missing column 'actual_release_date'");
  EXPECT_EQ(error_with(&ReferenceTexts::org_aliases, "from,to\n"), "config/org_aliases.csv:1: missing column 'alias'");
}

TEST(ReferenceErrors, TrackedList) {
  const std::string header = "org,model,modelId\n";
  EXPECT_EQ(error_with(&ReferenceTexts::tracked_models, header + "Qwen,x,\n"),
            "config/tracked_models.csv:2: missing modelId");
  EXPECT_EQ(error_with(&ReferenceTexts::tracked_models, header + "Qwen,x,Qwen x\n"),
            "config/tracked_models.csv:2: modelId 'Qwen x' is not org/name");
  EXPECT_EQ(error_with(&ReferenceTexts::tracked_models, header + "\nmeta,x,Qwen/x\n"),
            "config/tracked_models.csv:3: org 'meta' is not the org of 'Qwen/x'");
  EXPECT_EQ(error_with(&ReferenceTexts::tracked_models, header + ",x,Qwen/x\n"),
            "config/tracked_models.csv:2: missing org");
}

TEST(ReferenceErrors, Regions) {
  const std::string header = "hf_org,region,notes\n";
  EXPECT_EQ(error_with(&ReferenceTexts::regions, header + "Qwen,China,\n"),
            "config/regions.csv:2: bad region 'China' (expected us, china, eu, other or unknown)");
  EXPECT_EQ(error_with(&ReferenceTexts::regions, header + "Qwen,,\n"),
            "config/regions.csv:2: bad region '' (expected us, china, eu, other or unknown)");
  EXPECT_EQ(error_with(&ReferenceTexts::regions, header + ",us,\n"), "config/regions.csv:2: missing hf_org");
  EXPECT_EQ(error_with(&ReferenceTexts::regions, header + "Qwen,china,\n# x\nqwen,us,\n"),
            "config/regions.csv:4: hf_org 'qwen' listed again with another region");
  EXPECT_EQ(error_with(&ReferenceTexts::regions, header + "Qwen,china,\nQwen,china,again\n"), "no error");
}

TEST(ReferenceErrors, Sizes) {
  const std::string header = "model_id,total_params_b,active_params_b,is_moe,notes\n";
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,7B,,,\n"),
            "config/sizes.csv:2: total_params_b: bad number '7B'");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,-1,,,\n"),
            "config/sizes.csv:2: total_params_b: bad number '-1'");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,0,,,\n"), "config/sizes.csv:2: total_params_b: bad number '0'");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,nan,,,\n"),
            "config/sizes.csv:2: total_params_b: bad number 'nan'");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,7,x,,\n"),
            "config/sizes.csv:2: active_params_b: bad number 'x'");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,7,8,,\n"),
            "config/sizes.csv:2: active_params_b is larger than total_params_b");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,7,,yes,\n"),
            "config/sizes.csv:2: is_moe: expected true or false, got 'yes'");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "b,7,,,\n"), "config/sizes.csv:2: model_id 'b' is not org/name");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,7,,,\nA/B,8,,,\n"),
            "config/sizes.csv:3: model_id 'A/B' listed again with another total_params_b");
  EXPECT_EQ(error_with(&ReferenceTexts::sizes, header + "a/b,7,,TRUE,\na/b,7,,,\na/c,,,,\n"), "no error");
}

TEST(ReferenceErrors, ReleaseDates) {
  const std::string header = "model_id,hf_created_at,actual_release_date,notes\n";
  EXPECT_EQ(error_with(&ReferenceTexts::release_dates, header + "a/b,2025-01-01,2025-13-01,\n"),
            "config/release_dates.csv:2: actual_release_date: bad date '2025-13-01' (expected YYYY-MM-DD)");
  EXPECT_EQ(error_with(&ReferenceTexts::release_dates, header + "a/b,2025-1-1,2025-01-02,\n"),
            "config/release_dates.csv:2: hf_created_at: bad date '2025-1-1' (expected YYYY-MM-DD)");
  EXPECT_EQ(error_with(&ReferenceTexts::release_dates, header + "a/b,2025-01-01,,\n"),
            "config/release_dates.csv:2: missing actual_release_date");
  EXPECT_EQ(error_with(&ReferenceTexts::release_dates, header + "a/b,,2025-01-02,\na/b,,2025-01-03,\n"),
            "config/release_dates.csv:3: model_id 'a/b' listed again with another actual_release_date");
}

TEST(ReferenceErrors, Aliases) {
  const std::string header = "alias,org\n";
  EXPECT_EQ(error_with(&ReferenceTexts::org_aliases, header + "THUDM,\n"), "config/org_aliases.csv:2: missing org");
  EXPECT_EQ(error_with(&ReferenceTexts::org_aliases, header + ",zai-org\n"), "config/org_aliases.csv:2: missing alias");
  EXPECT_EQ(error_with(&ReferenceTexts::org_aliases, header + "THUDM,zai-org\nthudm,Qwen\n"),
            "config/org_aliases.csv:3: alias 'thudm' listed again for another org");
  EXPECT_EQ(error_with(&ReferenceTexts::org_aliases, header + "z-ai,THUDM\nTHUDM,zai-org\n"),
            "config/org_aliases.csv:2: org 'THUDM' is itself an alias of 'zai-org'; point the alias at the final org");
  EXPECT_EQ(error_with(&ReferenceTexts::org_aliases, header + "THUDM,zai-org\nthudm,ZAI-ORG\nqwen,Qwen\nQwen,qwen\n"),
            "no error");
}

}  // namespace
}  // namespace atomd
