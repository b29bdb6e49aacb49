// The derivative, token and event messages: round trips and every rejection reason.
#include <gtest/gtest.h>

#include "core/records.hpp"

namespace atomd {
namespace {

HfDerivative derivative() {
  HfDerivative d;
  d.repo_id = "unsloth/Qwen3-8B-GGUF";
  d.created_at = *parse_rfc3339("2025-05-01T10:00:00Z");
  d.observed_at = *parse_rfc3339("2025-05-03T06:00:00.250Z");
  d.downloads_30d = 812;
  d.relations = {{Relation::quantized, "Qwen/Qwen3-8B"}, {Relation::unspecified, "Qwen/Qwen3-8B-Base"}};
  return d;
}

TEST(DerivativeRecord, RoundTrips) {
  auto d = derivative();
  auto decoded = decode_hf_derivative(encode(d));
  ASSERT_TRUE(decoded.ok()) << decoded.rejection().detail;
  EXPECT_EQ(decoded.value(), d);
}

TEST(DerivativeRecord, BadRelationsAreRejectedAsBadRelation) {
  auto with_relations = [](std::string relations) {
    return R"({"schema":1,"repo_id":"a/b","created_at":"2025-01-01T00:00:00Z","observed_at":"2025-01-02T00:00:00Z",)"
           R"("downloads_30d":9,"relations":)" + relations + "}";
  };
  EXPECT_TRUE(decode_hf_derivative(with_relations(R"([{"relation":"merge","base":"x/y"}])")).ok());
  EXPECT_EQ(decode_hf_derivative(with_relations(R"([{"relation":"distill","base":"x/y"}])")).rejection().reason,
            RejectReason::bad_relation);
  EXPECT_EQ(decode_hf_derivative(with_relations(R"([{"relation":"merge","base":"not-an-id"}])")).rejection().reason,
            RejectReason::bad_relation);
  EXPECT_EQ(decode_hf_derivative(with_relations(R"([{"relation":"merge","base":"a/b"}])")).rejection().reason,
            RejectReason::bad_relation);
  EXPECT_EQ(decode_hf_derivative(with_relations(R"([{"relation":"merge","base":"x/y"},{"relation":"finetune","base":"x/y"}])"))
                .rejection()
                .reason,
            RejectReason::bad_relation);
  EXPECT_EQ(decode_hf_derivative(with_relations("[]")).rejection().reason, RejectReason::bad_relation);
  EXPECT_EQ(decode_hf_derivative(with_relations(R"({"x":1})")).rejection().reason, RejectReason::wrong_type);
  EXPECT_EQ(decode_hf_derivative(with_relations(R"([{"relation":"merge"}])")).rejection().reason,
            RejectReason::missing_field);
  EXPECT_EQ(decode_hf_derivative(R"({"schema":1,"repo_id":"a/b"})").rejection().reason, RejectReason::missing_field);
  EXPECT_EQ(decode_hf_derivative("{").rejection().reason, RejectReason::malformed_json);
}

TEST(TokensRecord, RoundTripsAndKeysBySlugAndDate) {
  OpenRouterTokens t;
  t.date = *parse_date("2025-07-14");
  t.slug = "qwen/qwen3-235b-a22b-04-28:free";
  t.observed_at = *parse_rfc3339("2025-07-15T02:00:00Z");
  t.tokens = 12'345'678'901'234;
  t.hf_id = "Qwen/Qwen3-235B-A22B";
  t.org = "Qwen";
  auto decoded = decode_openrouter_tokens(encode(t));
  ASSERT_TRUE(decoded.ok()) << decoded.rejection().detail;
  EXPECT_EQ(decoded.value(), t);
  EXPECT_EQ(tokens_key(t), "qwen/qwen3-235b-a22b-04-28:free@2025-07-14");

  t.hf_id.reset();
  t.slug = "other";
  t.org = "other";
  EXPECT_EQ(decode_openrouter_tokens(encode(t)).value(), t);
}

TEST(TokensRecord, Rejections) {
  EXPECT_EQ(decode_openrouter_tokens(R"({"date":"2025-13-01","slug":"a/b","observed_at":"2025-01-01T00:00:00Z","tokens":1,"org":"a"})")
                .rejection()
                .reason,
            RejectReason::bad_value);
  EXPECT_EQ(decode_openrouter_tokens(R"({"date":"2025-01-01","slug":"a/b","observed_at":"2025-01-01T00:00:00Z","tokens":"1","org":"a"})")
                .rejection()
                .reason,
            RejectReason::wrong_type);
  EXPECT_EQ(decode_openrouter_tokens(R"({"date":"2025-01-01","slug":"a/b","observed_at":"2025-01-01T00:00:00Z","tokens":-1,"org":"a"})")
                .rejection()
                .reason,
            RejectReason::bad_value);
  EXPECT_EQ(decode_openrouter_tokens(R"({"date":"2025-01-01","slug":"a/b","observed_at":"2025-01-01T00:00:00Z","tokens":1})")
                .rejection()
                .reason,
            RejectReason::missing_field);
}

TEST(EventRecord, IdNamesKindMetricGroupsAndDay) {
  Event e;
  e.kind = EventKind::overtake;
  e.metric = "downloads_30d";
  e.group_by = "region";
  e.at = *parse_date("2025-08-21");
  e.winner = "china";
  e.loser = "us";
  e.values = {{"winner", 1.5e8}, {"loser", 1.4e8}};
  EXPECT_EQ(e.id(), "overtake|downloads_30d|region|china|us|2025-08-21");
  auto decoded = decode_event(encode(e));
  ASSERT_TRUE(decoded.ok()) << decoded.rejection().detail;
  EXPECT_EQ(decoded.value(), e);

  Event t;
  t.kind = EventKind::threshold;
  t.metric = "derivative_share_month";
  t.group_by = "org";
  t.at = *parse_date("2025-02-01");
  t.group = "Qwen";
  t.direction = "up";
  t.threshold = 0.5;
  t.new_entrant = true;
  EXPECT_EQ(t.id(), "threshold|derivative_share_month|org|Qwen|up|2025-02-01");
  EXPECT_EQ(decode_event(encode(t)).value(), t);
  t.threshold.reset();
  EXPECT_EQ(decode_event(encode(t)).rejection().reason, RejectReason::missing_field);
}

TEST(EventRecord, AForgedIdIsRejected) {
  Event e;
  e.metric = "downloads_30d";
  e.group_by = "org";
  e.at = 20000;
  e.winner = "a";
  e.loser = "b";
  auto text = encode(e);
  text.replace(text.find("|a|b|"), 5, "|b|a|");
  EXPECT_EQ(decode_event(text).rejection().reason, RejectReason::bad_value);
}

}  // namespace
}  // namespace atomd
