#include "core/size.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace atomd {
namespace {

TEST(SizeBucket, BoundariesAreHalfOpen) {
  EXPECT_EQ(size_bucket_of(0.135), SizeBucket::lt_1b);
  EXPECT_EQ(size_bucket_of(0.999), SizeBucket::lt_1b);
  EXPECT_EQ(size_bucket_of(1.0), SizeBucket::b1_5);
  EXPECT_EQ(size_bucket_of(4.99), SizeBucket::b1_5);
  EXPECT_EQ(size_bucket_of(5.0), SizeBucket::b7_9);
  EXPECT_EQ(size_bucket_of(9.99), SizeBucket::b7_9);
  EXPECT_EQ(size_bucket_of(10.0), SizeBucket::b10_50);
  EXPECT_EQ(size_bucket_of(49.99), SizeBucket::b10_50);
  EXPECT_EQ(size_bucket_of(50.0), SizeBucket::b50_100);
  EXPECT_EQ(size_bucket_of(99.99), SizeBucket::b50_100);
  EXPECT_EQ(size_bucket_of(100.0), SizeBucket::b100_250);
  EXPECT_EQ(size_bucket_of(249.99), SizeBucket::b100_250);
  EXPECT_EQ(size_bucket_of(250.0), SizeBucket::b250_plus);
  EXPECT_EQ(size_bucket_of(1000.0), SizeBucket::b250_plus);
}

TEST(SizeBucket, UnknownZeroNegativeAndNanAreUnknown) {
  EXPECT_EQ(size_bucket_of(std::nullopt), SizeBucket::unknown);
  EXPECT_EQ(size_bucket_of(0.0), SizeBucket::unknown);
  EXPECT_EQ(size_bucket_of(-3.0), SizeBucket::unknown);
  EXPECT_EQ(size_bucket_of(std::numeric_limits<double>::quiet_NaN()), SizeBucket::unknown);
}

TEST(SizeBucket, LabelsRoundTrip) {
  EXPECT_EQ(to_string(SizeBucket::lt_1b), "<1B");
  EXPECT_EQ(to_string(SizeBucket::b1_5), "1-5B");
  EXPECT_EQ(to_string(SizeBucket::b7_9), "7-9B");
  EXPECT_EQ(to_string(SizeBucket::b10_50), "10-50B");
  EXPECT_EQ(to_string(SizeBucket::b50_100), "50-100B");
  EXPECT_EQ(to_string(SizeBucket::b100_250), "100-250B");
  EXPECT_EQ(to_string(SizeBucket::b250_plus), "250B+");
  EXPECT_EQ(to_string(SizeBucket::unknown), "unknown");
  for (SizeBucket b : kAllSizeBuckets) EXPECT_EQ(parse_size_bucket(to_string(b)), b);
  EXPECT_FALSE(parse_size_bucket("7-9b"));
  EXPECT_FALSE(parse_size_bucket(""));
}

TEST(SizeFromName, SeparatedInTheMiddle) {
  EXPECT_EQ(size_from_name("meta-llama/Llama-3.1-8B-Instruct"), 8.0);
  EXPECT_EQ(size_from_name("org/model-7B-chat"), 7.0);
  EXPECT_EQ(size_from_name("org/model_8B_sft"), 8.0);
  EXPECT_EQ(size_from_name("org/model-13B_sft"), 13.0);
}

TEST(SizeFromName, AtTheEnd) {
  EXPECT_EQ(size_from_name("meta-llama/Llama-3.1-70B"), 70.0);
  EXPECT_EQ(size_from_name("openai/gpt-oss-20b"), 20.0);
  EXPECT_EQ(size_from_name("openai/gpt-oss-120b"), 120.0);
  EXPECT_EQ(size_from_name("org/model_3B"), 3.0);
}

TEST(SizeFromName, AtTheStart) {
  EXPECT_EQ(size_from_name("org/7B-model"), 7.0);
  EXPECT_EQ(size_from_name("org/1.5b_chat"), 1.5);
  EXPECT_FALSE(size_from_name("org/7B"));      // neither separated nor preceded by one
  EXPECT_FALSE(size_from_name("org/x7B-chat"));  // not at the start and no separator before
}

TEST(SizeFromName, CaseInsensitiveAndDecimals) {
  EXPECT_EQ(size_from_name("org/llama-8b-instruct"), 8.0);
  EXPECT_EQ(size_from_name("Qwen/Qwen2.5-0.5B-Instruct"), 0.5);
  EXPECT_EQ(size_from_name("Qwen/Qwen2.5-1.5B"), 1.5);
  EXPECT_EQ(size_from_name("TinyLlama/TinyLlama-1.1B-Chat-v1.0"), 1.1);
  EXPECT_EQ(size_from_name("org/model-7.B-x"), 7.0);  // \d+\.?\d* accepts a bare trailing dot
}

TEST(SizeFromName, MoeNamesGiveTheTotal) {
  EXPECT_EQ(size_from_name("Qwen/Qwen3-30B-A3B"), 30.0);
  EXPECT_EQ(size_from_name("Qwen/Qwen3-235B-A22B-Instruct-2507"), 235.0);
  EXPECT_EQ(size_from_name("Qwen/Qwen3-Next-80B-A3B-Instruct"), 80.0);
  // "8x7B": no separator right before the 7, and "-8x" is not a number followed by B.
  EXPECT_FALSE(size_from_name("mistralai/Mixtral-8x7B-Instruct-v0.1"));
  EXPECT_FALSE(size_from_name("mistralai/Mixtral-8x22B-v0.1"));
}

TEST(SizeFromName, PatternsAreTriedInOrderNotLeftmostOverall) {
  // Pattern 1 ([-_]N B[-_]) is searched over the whole name before pattern 3 (^N B[-_]),
  // though pattern 3's match starts further left.
  EXPECT_EQ(size_from_name("org/7B-base-13B-chat"), 13.0);
  EXPECT_EQ(size_from_name("org/7B-base-13B"), 13.0);  // pattern 2 also before pattern 3
  EXPECT_EQ(size_from_name("org/m-2B-x-9B"), 2.0);
  // Within one pattern the leftmost match wins.
  EXPECT_EQ(size_from_name("org/m-2B-x-3B-y"), 2.0);
}

TEST(SizeFromName, NoSizeInName) {
  EXPECT_FALSE(size_from_name("deepseek-ai/DeepSeek-V3"));
  EXPECT_FALSE(size_from_name("deepseek-ai/DeepSeek-R1"));
  EXPECT_FALSE(size_from_name("microsoft/phi-4"));
  EXPECT_FALSE(size_from_name("org/model-8k-context"));
  EXPECT_FALSE(size_from_name("org/model-B-x"));
  EXPECT_FALSE(size_from_name("org/model-.5B-x"));  // \d+ needs a digit first
  EXPECT_FALSE(size_from_name(""));
  EXPECT_FALSE(size_from_name("org/"));
}

TEST(SizeFromName, UsesOnlyThePartAfterTheSlash) {
  EXPECT_FALSE(size_from_name("team-7B-/model"));
  EXPECT_EQ(size_from_name("7B-org/model-3B"), 3.0);
  EXPECT_EQ(size_from_name("model-3B-chat"), 3.0);  // no slash: the whole string
}

TEST(ResolveSize, TableBeatsParamsBeatsName) {
  EXPECT_EQ(resolve_size_b(671.0, 685e9, "deepseek-ai/DeepSeek-R1"), 671.0);
  EXPECT_EQ(resolve_size_b(std::nullopt, 685e9, "deepseek-ai/DeepSeek-R1"), 685.0);
  EXPECT_EQ(resolve_size_b(std::nullopt, 7.6e9, "Qwen/Qwen2.5-7B-Instruct"), 7.6);
  EXPECT_EQ(resolve_size_b(std::nullopt, std::nullopt, "Qwen/Qwen2.5-7B-Instruct"), 7.0);
  EXPECT_EQ(resolve_size_b(std::nullopt, std::nullopt, "deepseek-ai/DeepSeek-V3"), std::nullopt);
}

TEST(ResolveSize, NonPositiveSourcesFallThrough) {
  EXPECT_EQ(resolve_size_b(std::nullopt, 0.0, "Qwen/Qwen2.5-7B-Instruct"), 7.0);
  EXPECT_EQ(resolve_size_b(std::nullopt, -1.0, "Qwen/Qwen2.5-7B-Instruct"), 7.0);
  EXPECT_EQ(resolve_size_b(0.0, 3e9, "Qwen/Qwen2.5-7B-Instruct"), 3.0);
  EXPECT_EQ(resolve_size_b(std::nullopt, 0.0, "org/no-size"), std::nullopt);
}

}  // namespace
}  // namespace atomd
