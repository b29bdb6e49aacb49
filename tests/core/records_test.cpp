#include "core/records.hpp"

#include <gtest/gtest.h>

namespace atomd {
namespace {

HfModelSnapshot sample() {
  HfModelSnapshot s;
  s.repo_id = "Qwen/Qwen3-8B";
  s.org = "Qwen";
  s.observed_at = *parse_rfc3339("2025-06-01T12:00:00Z");
  s.created_at = *parse_rfc3339("2025-04-28T10:00:00.000Z");
  s.downloads_30d = 1234;
  s.downloads_all_time = 99999;
  s.likes = 7;
  s.params_total = 8'190'735'360;
  s.pipeline_tag = "text-generation";
  s.tags = {"transformers", "safetensors"};
  return s;
}

TEST(Records, HfModelRoundTrips) {
  auto s = sample();
  auto decoded = decode_hf_model(encode(s));
  ASSERT_TRUE(decoded.ok()) << decoded.rejection().detail;
  EXPECT_EQ(decoded.value(), s);
}

TEST(Records, RejectionsNameTheReason) {
  EXPECT_EQ(decode_hf_model("{not json").rejection().reason, RejectReason::malformed_json);
  EXPECT_EQ(decode_hf_model("[]").rejection().reason, RejectReason::wrong_type);
  auto missing = decode_hf_model(R"({"org":"Qwen","observed_at":"2025-06-01T00:00:00Z"})");
  EXPECT_EQ(missing.rejection().reason, RejectReason::missing_field);
  EXPECT_EQ(missing.rejection().detail, "repo_id: missing");
  auto s = sample();
  auto text = encode(s);
  auto wrong = text;
  wrong.replace(wrong.find("\"likes\":7"), 9, "\"likes\":\"7\"");
  EXPECT_EQ(decode_hf_model(wrong).rejection().reason, RejectReason::wrong_type);
  s.org = "meta-llama";
  EXPECT_EQ(decode_hf_model(encode(s)).rejection().reason, RejectReason::bad_value);
}

TEST(Records, RepoIds) {
  EXPECT_TRUE(is_repo_id("Qwen/Qwen3-8B"));
  EXPECT_FALSE(is_repo_id("Qwen3-8B"));
  EXPECT_FALSE(is_repo_id("a/b/c"));
  EXPECT_FALSE(is_repo_id("/x"));
  EXPECT_EQ(repo_org("Qwen/Qwen3-8B"), "Qwen");
  EXPECT_EQ(repo_name("Qwen/Qwen3-8B"), "Qwen3-8B");
}

}  // namespace
}  // namespace atomd
