// The demo history against the published figures: atom-report-facts.md, "What a calibrated
// demo history should reproduce", each point with its tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "core/size.hpp"
#include "tests/tools/demo_fixture.hpp"
#include "tools/demo_history.hpp"

namespace atomd {
namespace {

using test::day;
using test::demo_run;

struct TableEntry {
  std::string_view bucket;
  std::string_view repo_id;
  double downloads_m;
};

// The report's appendix: top 10 per size bucket by cumulative downloads, in order.
constexpr TableEntry kReportTopTen[] = {
    {"<1B", "Qwen/Qwen3-0.6B", 72.8},
    {"<1B", "Qwen/Qwen2.5-0.5B-Instruct", 32.3},
    {"<1B", "microsoft/Florence-2-large", 19.4},
    {"<1B", "google/t5gemma-b-b-prefixlm", 17.5},
    {"<1B", "Qwen/Qwen2.5-0.5B", 17.1},
    {"<1B", "Qwen/Qwen2.5-Coder-0.5B-Instruct", 13.5},
    {"<1B", "Qwen/Qwen2-0.5B", 10.7},
    {"<1B", "HuggingFaceTB/SmolLM2-135M", 10.5},
    {"<1B", "microsoft/Florence-2-base", 8.8},
    {"<1B", "llava-hf/llava-onevision-qwen2-0.5b-ov-hf", 8.4},
    {"1-5B", "Qwen/Qwen2.5-1.5B-Instruct", 150.6},
    {"1-5B", "Qwen/Qwen2.5-VL-3B-Instruct", 70.7},
    {"1-5B", "Qwen/Qwen2.5-3B-Instruct", 70.1},
    {"1-5B", "meta-llama/Llama-3.2-1B-Instruct", 55.7},
    {"1-5B", "meta-llama/Llama-3.2-1B", 49.2},
    {"1-5B", "meta-llama/Llama-3.2-3B-Instruct", 37.0},
    {"1-5B", "google/gemma-3-1b-it", 34.9},
    {"1-5B", "Qwen/Qwen2-VL-2B-Instruct", 30.0},
    {"1-5B", "Qwen/Qwen3-4B", 29.7},
    {"1-5B", "Qwen/Qwen3-1.7B", 29.2},
    {"7-9B", "meta-llama/Llama-3.1-8B-Instruct", 133.0},
    {"7-9B", "Qwen/Qwen2.5-7B-Instruct", 109.0},
    {"7-9B", "mistralai/Mistral-7B-Instruct-v0.2", 53.5},
    {"7-9B", "Qwen/Qwen2.5-VL-7B-Instruct", 51.2},
    {"7-9B", "Qwen/Qwen3-8B", 42.5},
    {"7-9B", "meta-llama/Meta-Llama-3-8B-Instruct", 38.9},
    {"7-9B", "meta-llama/Meta-Llama-3-8B", 36.6},
    {"7-9B", "meta-llama/Llama-2-7b-chat-hf", 29.2},
    {"7-9B", "meta-llama/Llama-2-7b-hf", 28.4},
    {"7-9B", "tiiuae/falcon-7b-instruct", 26.7},
    {"10-50B", "openai/gpt-oss-20b", 54.0},
    {"10-50B", "Qwen/Qwen2.5-14B-Instruct", 33.3},
    {"10-50B", "Qwen/Qwen3-32B", 24.6},
    {"10-50B", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", 23.0},
    {"10-50B", "mistralai/Mixtral-8x7B-Instruct-v0.1", 20.0},
    {"10-50B", "Qwen/Qwen2.5-32B-Instruct", 18.5},
    {"10-50B", "meta-llama/Llama-3.2-11B-Vision-Instruct", 17.6},
    {"10-50B", "meta-llama/Llama-2-13b-chat-hf", 15.2},
    {"10-50B", "Qwen/Qwen3-VL-30B-A3B-Instruct", 13.2},
    {"10-50B", "google/gemma-3-27b-it", 12.3},
    {"50-100B", "meta-llama/Llama-3.1-70B-Instruct", 20.2},
    {"50-100B", "Qwen/Qwen3-Next-80B-A3B-Instruct", 14.6},
    {"50-100B", "meta-llama/Llama-3.3-70B-Instruct", 10.3},
    {"50-100B", "OpenGVLab/InternVL3-78B", 6.2},
    {"50-100B", "meta-llama/Meta-Llama-3-70B-Instruct", 5.9},
    {"50-100B", "Qwen/Qwen2.5-VL-72B-Instruct", 5.7},
    {"50-100B", "Qwen/Qwen2.5-72B-Instruct", 5.4},
    {"50-100B", "meta-llama/Llama-2-70b-chat-hf", 4.6},
    {"50-100B", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B", 4.3},
    {"50-100B", "meta-llama/Meta-Llama-3-70B", 3.2},
    {"100-250B", "openai/gpt-oss-120b", 29.2},
    {"100-250B", "mistralai/Mixtral-8x22B-Instruct-v0.1", 6.0},
    {"100-250B", "mistralai/Mistral-Large-Instruct-2407", 5.0},
    {"100-250B", "mistralai/Mistral-Large-Instruct-2411", 4.9},
    {"100-250B", "mistralai/Mixtral-8x22B-v0.1", 4.8},
    {"100-250B", "OpenGVLab/InternVL3_5-241B-A28B-Instruct", 4.1},
    {"100-250B", "Qwen/Qwen3-235B-A22B", 3.4},
    {"100-250B", "Qwen/Qwen3-VL-235B-A22B-Thinking", 3.3},
    {"100-250B", "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", 2.7},
    {"100-250B", "MiniMaxAI/MiniMax-M2", 1.9},
    {"250B+", "meta-llama/Llama-3.1-405B", 20.3},
    {"250B+", "deepseek-ai/DeepSeek-R1", 16.7},
    {"250B+", "deepseek-ai/DeepSeek-V3", 14.3},
    {"250B+", "deepseek-ai/DeepSeek-R1-0528", 5.9},
    {"250B+", "moonshotai/Kimi-K2.5", 5.4},
    {"250B+", "zai-org/GLM-5-FP8", 4.9},
    {"250B+", "deepseek-ai/DeepSeek-V3-0324", 4.0},
    {"250B+", "meta-llama/Llama-3.1-405B-Instruct", 3.4},
    {"250B+", "Qwen/Qwen3.5-397B-A17B", 2.1},
    {"250B+", "moonshotai/Kimi-K2-Instruct", 1.8},
};

// Each model's latest snapshot on the calibration day.
std::map<std::string, const HfModelSnapshot*> latest_at_calibration() {
  std::map<std::string, const HfModelSnapshot*> out;
  for (const auto& s : demo_run().snapshots)
    if (day_of(s.observed_at) <= demo_calibration_day()) out[s.repo_id] = &s;
  return out;
}

void expect_overtake_within(const test::GroupTotals& g, const std::string& leader, const std::string& other,
                            std::string_view from, std::string_view to) {
  ASSERT_TRUE(g.totals.contains(leader) && g.totals.contains(other)) << leader << " or " << other << " missing";
  const auto since = test::overtake_day(g, leader, other);
  ASSERT_TRUE(since.has_value()) << leader << " does not end ahead of " << other;
  EXPECT_GE(*since, day(from)) << leader << " ahead of " << other << " since " << format_date(*since);
  EXPECT_LE(*since, day(to)) << leader << " ahead of " << other << " since " << format_date(*since);
  for (DayIndex d = g.first_day; d < *since; ++d)
    ASSERT_LE(g.at(leader, d), g.at(other, d)) << leader << " already ahead of " << other << " on " << format_date(d);
}

TEST(DemoCalibration, ChinaOvertakesTheUsInJulyToSeptember2025AndStaysAhead) {
  expect_overtake_within(test::totals_by_region(demo_run()), "china", "us", "2025-07-01", "2025-09-30");
}

TEST(DemoCalibration, QwenOvertakesLlamaInAugustToOctober2025AndStaysAhead) {
  expect_overtake_within(test::totals_by_org(demo_run()), "Qwen", "meta-llama", "2025-08-01", "2025-10-31");
}

TEST(DemoCalibration, CumulativeTotalsOnTheCalibrationDay) {
  const DayIndex d = demo_calibration_day();
  const auto regions = test::totals_by_region(demo_run());
  const auto orgs = test::totals_by_org(demo_run());
  EXPECT_NEAR(orgs.at("Qwen", d) / 942.1e6, 1.0, 0.10) << "Qwen " << orgs.at("Qwen", d);
  EXPECT_NEAR(regions.at("china", d) / 1.15e9, 1.0, 0.15) << "China " << regions.at("china", d);
  EXPECT_NEAR(regions.at("us", d) / 723e6, 1.0, 0.20) << "US " << regions.at("us", d);
}

TEST(DemoCalibration, EveryTopTenModelHasItsPublishedDownloads) {
  const auto latest = latest_at_calibration();
  for (const auto& e : kReportTopTen) {
    auto it = latest.find(std::string(e.repo_id));
    ASSERT_NE(it, latest.end()) << e.repo_id << " is not in the demo history";
    EXPECT_NEAR(it->second->downloads_all_time / (e.downloads_m * 1e6), 1.0, 0.10) << e.repo_id;
  }
}

TEST(DemoCalibration, TopTenOfEachSizeBucketIsTheReportsTable) {
  const auto& ref = demo_run().reference;
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> by_bucket;
  for (const auto& [repo, s] : latest_at_calibration())
    by_bucket[std::string(to_string(ref.size_bucket(repo, s->params_total)))].emplace_back(s->downloads_all_time, repo);
  std::map<std::string, std::vector<std::string>> expected;
  for (const auto& e : kReportTopTen) expected[std::string(e.bucket)].emplace_back(e.repo_id);
  ASSERT_EQ(expected.size(), 7u);
  for (const auto& [bucket, table] : expected) {
    auto models = by_bucket[bucket];
    std::sort(models.begin(), models.end(), std::greater<>());
    std::vector<std::string> top;
    for (std::size_t i = 0; i < std::min<std::size_t>(10, models.size()); ++i) top.push_back(models[i].second);
    EXPECT_EQ(top, table) << "bucket " << bucket;
  }
  EXPECT_FALSE(by_bucket.contains("unknown")) << "some demo models have no size";
}

TEST(DemoCalibration, GptOssMonthlyDownloadsReachMistralsWholePortfolioByDecember2025) {
  const auto orgs = test::totals_by_org(demo_run());
  auto month = [&](const std::string& org) {
    return orgs.at(org, day("2025-12-31")) - orgs.at(org, day("2025-11-30"));
  };
  const auto gpt_oss = month("openai");
  const auto mistral = month("mistralai");
  EXPECT_GT(mistral, 0);
  EXPECT_GE(gpt_oss, mistral) << "December 2025: gpt-oss " << gpt_oss << ", Mistral " << mistral;
}

}  // namespace
}  // namespace atomd
