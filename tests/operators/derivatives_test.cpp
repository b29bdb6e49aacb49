// Stage 1 of the derivatives family: threshold, dedupe across re-polls and restarts, links.
#include "operators/derivatives.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "operators/derivative_aggregates.hpp"
#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;

HfDerivative sighting(const std::string& repo_id, const char* created_at, const char* observed_at,
                      std::int64_t downloads_30d, std::vector<DerivativeBase> relations) {
  HfDerivative d;
  d.repo_id = repo_id;
  d.created_at = at(created_at);
  d.observed_at = at(observed_at);
  d.downloads_30d = downloads_30d;
  d.relations = std::move(relations);
  return d;
}

const DerivativeBase kQwen{Relation::finetune, "Qwen/Qwen2.5-7B"};
const DerivativeBase kLlama{Relation::quantized, "meta-llama/Llama-3.1-8B"};

std::map<std::string, std::string> saved(const StatefulOperator& op) {
  std::map<std::string, std::string> out;
  op.save_state([&](std::string_view k, std::string_view v) { out.emplace(k, v); });
  return out;
}

TEST(DerivativeDedupeTest, CountsOnceTheThresholdIsCrossedAfterTheFirstSighting) {
  DerivativeDedupe dedupe(DerivativesConfig{});
  // downloads_30d must exceed 5: 5 is not enough.
  auto r = dedupe.process(sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-04T00:00:00Z", 5, {kQwen}));
  EXPECT_EQ(r.outcome, DerivativeOutcome::below_threshold);
  EXPECT_FALSE(r.contribution);
  r = dedupe.process(sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-05T00:00:00Z", 6, {kQwen}));
  EXPECT_EQ(r.outcome, DerivativeOutcome::counted);
  ASSERT_TRUE(r.contribution);
  EXPECT_TRUE(r.contribution->counted);
  EXPECT_FALSE(r.contribution->link);  // namespace mode keeps no lineage
  EXPECT_EQ(r.contribution->repo_id, "alice/qwen-ft");
  EXPECT_EQ(r.contribution->created_at, at("2024-12-03T10:00:00Z"));
  EXPECT_EQ(r.contribution->observed_at, at("2024-12-05T00:00:00Z"));
  EXPECT_EQ(r.contribution->bases, std::vector<DerivativeBase>{kQwen});
  r = dedupe.process(sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-06T00:00:00Z", 600, {kQwen}));
  EXPECT_EQ(r.outcome, DerivativeOutcome::already_counted);
  EXPECT_FALSE(r.contribution);
  // Falling back under the threshold does not undo the count.
  r = dedupe.process(sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-07T00:00:00Z", 0, {kQwen}));
  EXPECT_EQ(r.outcome, DerivativeOutcome::already_counted);
  EXPECT_EQ(dedupe.counted_count(), 1u);

  DerivativeDedupe strict(DerivativesConfig{.min_downloads = 100});
  EXPECT_EQ(strict.process(sighting("a/b", "2024-12-03T10:00:00Z", "2024-12-04T00:00:00Z", 100, {kQwen})).outcome,
            DerivativeOutcome::below_threshold);
  EXPECT_EQ(strict.process(sighting("a/b", "2024-12-03T10:00:00Z", "2024-12-05T00:00:00Z", 101, {kQwen})).outcome,
            DerivativeOutcome::counted);
}

TEST(DerivativeDedupeTest, DuplicateSightingsAcrossRepollsAndARestartCountOnce) {
  DerivativeDedupe before(DerivativesConfig{});
  DerivativeAggregates stage2;
  auto feed = [&](DerivativeDedupe& dedupe, const HfDerivative& d) {
    auto r = dedupe.process(d);
    if (r.contribution) stage2.apply(*r.contribution);
    return r.outcome;
  };
  const auto first = sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-04T00:00:00Z", 50, {kQwen});
  const auto repoll = sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-04T00:15:00Z", 52, {kQwen});
  EXPECT_EQ(feed(before, first), DerivativeOutcome::counted);
  EXPECT_EQ(feed(before, repoll), DerivativeOutcome::already_counted);
  EXPECT_EQ(feed(before, first), DerivativeOutcome::already_counted);  // redelivered record
  EXPECT_EQ(feed(before, sighting("bob/llama-gguf", "2024-12-10T00:00:00Z", "2024-12-11T00:00:00Z", 9, {kLlama})),
            DerivativeOutcome::counted);

  // Restart: the state goes through the store into a new instance.
  DerivativeDedupe after(DerivativesConfig{});
  for (const auto& [key, value] : saved(before)) after.restore_state(key, value);
  EXPECT_EQ(after.counted_count(), 2u);
  EXPECT_EQ(feed(after, repoll), DerivativeOutcome::already_counted);
  EXPECT_EQ(feed(after, sighting("ALICE/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-05T00:00:00Z", 70, {kQwen})),
            DerivativeOutcome::already_counted);
  EXPECT_EQ(feed(after, sighting("carol/new", "2024-12-12T00:00:00Z", "2024-12-13T00:00:00Z", 6, {kQwen})),
            DerivativeOutcome::counted);
  EXPECT_EQ(stage2.counted(), 3);

  // A stage-1 contribution produced again after a crash (before its checkpoint) counts once too.
  auto redone = before.process(sighting("dave/x", "2024-12-12T00:00:00Z", "2024-12-13T00:00:00Z", 6, {kQwen}));
  stage2.apply(*redone.contribution);
  stage2.apply(*redone.contribution);
  EXPECT_EQ(stage2.counted(), 4);
  EXPECT_EQ(stage2.redelivery_count(), 1u);
}

TEST(DerivativeDedupeTest, BasesAreDistinctCaseInsensitivelyInIdOrder) {
  DerivativeDedupe dedupe(DerivativesConfig{});
  auto r = dedupe.process(sighting("m/merge", "2024-12-03T10:00:00Z", "2024-12-04T00:00:00Z", 10,
                                   {{Relation::merge, "meta-llama/Llama-3.1-8B"},
                                    {Relation::merge, "Qwen/Qwen2.5-7B"},
                                    {Relation::finetune, "qwen/qwen2.5-7b"}}));
  ASSERT_TRUE(r.contribution);
  const std::vector<DerivativeBase> expected{{Relation::merge, "meta-llama/Llama-3.1-8B"},
                                             {Relation::merge, "Qwen/Qwen2.5-7B"}};
  EXPECT_EQ(r.contribution->bases, expected);
}

TEST(DerivativeDedupeTest, RootModeSendsALinkWhenBasesAreNewOrChangedEvenBelowTheThreshold) {
  DerivativeDedupe dedupe(DerivativesConfig{.attribution = DerivativeAttribution::root});
  auto r = dedupe.process(sighting("tuner/ft", "2024-12-01T00:00:00Z", "2024-12-02T00:00:00Z", 1, {kQwen}));
  EXPECT_EQ(r.outcome, DerivativeOutcome::below_threshold);
  ASSERT_TRUE(r.contribution);
  EXPECT_TRUE(r.contribution->link);
  EXPECT_FALSE(r.contribution->counted);
  EXPECT_EQ(r.contribution->bases, std::vector<DerivativeBase>{kQwen});

  // Same bases again: nothing to send.
  EXPECT_FALSE(dedupe.process(sighting("tuner/ft", "2024-12-01T00:00:00Z", "2024-12-03T00:00:00Z", 2, {kQwen})).contribution);
  // A relation change alone does not move a root.
  EXPECT_FALSE(dedupe.process(sighting("tuner/ft", "2024-12-01T00:00:00Z", "2024-12-03T01:00:00Z", 2,
                                       {{Relation::adapter, "Qwen/Qwen2.5-7B"}})).contribution);
  // Crossing the threshold counts, with no new link.
  r = dedupe.process(sighting("tuner/ft", "2024-12-01T00:00:00Z", "2024-12-04T00:00:00Z", 8, {kQwen}));
  ASSERT_TRUE(r.contribution);
  EXPECT_TRUE(r.contribution->counted);
  EXPECT_FALSE(r.contribution->link);
  // Changed bases: a link, also for a repo already counted; changed back: a link again.
  r = dedupe.process(sighting("tuner/ft", "2024-12-01T00:00:00Z", "2024-12-05T00:00:00Z", 8, {kQwen, kLlama}));
  EXPECT_EQ(r.outcome, DerivativeOutcome::already_counted);
  ASSERT_TRUE(r.contribution);
  EXPECT_TRUE(r.contribution->link);
  EXPECT_FALSE(r.contribution->counted);
  r = dedupe.process(sighting("tuner/ft", "2024-12-01T00:00:00Z", "2024-12-06T00:00:00Z", 8, {kQwen}));
  ASSERT_TRUE(r.contribution);
  EXPECT_TRUE(r.contribution->link);

  // Link fingerprints survive a restart: the next sighting with the same bases sends nothing.
  DerivativeDedupe after(DerivativesConfig{.attribution = DerivativeAttribution::root});
  for (const auto& [key, value] : saved(dedupe)) after.restore_state(key, value);
  EXPECT_EQ(after.linked_count(), 1u);
  EXPECT_FALSE(after.process(sighting("tuner/ft", "2024-12-01T00:00:00Z", "2024-12-07T00:00:00Z", 8, {kQwen})).contribution);
}

TEST(DerivativeDedupeTest, IncrementalSaveWritesOnlyWhatChanged) {
  DerivativeDedupe dedupe(DerivativesConfig{.attribution = DerivativeAttribution::root});
  std::map<std::string, std::string> store;
  auto sink = [&](std::string_view k, std::string_view v) { store.insert_or_assign(std::string(k), std::string(v)); };
  dedupe.process(sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-04T00:00:00Z", 50, {kQwen}));
  dedupe.save_changed_state(sink);
  EXPECT_EQ(store.size(), 2u);  // one "ids/" chunk and one "links/" chunk
  std::size_t writes = 0;
  dedupe.process(sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-04T01:00:00Z", 50, {kQwen}));
  dedupe.save_changed_state([&](std::string_view, std::string_view) { ++writes; });
  EXPECT_EQ(writes, 0u);
  dedupe.process(sighting("bob/llama-gguf", "2024-12-10T00:00:00Z", "2024-12-11T00:00:00Z", 9, {kLlama}));
  dedupe.save_changed_state(sink);
  // The incrementally written store restores the same state as a full save.
  EXPECT_EQ(store, saved(dedupe));
}

TEST(DerivativeDedupeTest, RestoreRejectsUnknownKeysAndBadValues) {
  DerivativeDedupe dedupe(DerivativesConfig{});
  EXPECT_THROW(dedupe.restore_state("models/00", "x"), std::runtime_error);
  EXPECT_THROW(dedupe.restore_state("ids/00", ""), std::runtime_error);
  EXPECT_THROW(dedupe.restore_state("ids", "x"), std::runtime_error);
  EXPECT_EQ(dedupe.counted_count(), 0u);
  dedupe.process(sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-04T00:00:00Z", 50, {kQwen}));
  dedupe.clear_state();
  EXPECT_EQ(dedupe.counted_count(), 0u);
  EXPECT_EQ(dedupe.process(sighting("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-05T00:00:00Z", 50, {kQwen})).outcome,
            DerivativeOutcome::counted);
}

TEST(DerivativeDedupeTest, AttributionNames) {
  EXPECT_EQ(parse_derivative_attribution("namespace"), DerivativeAttribution::namespace_);
  EXPECT_EQ(parse_derivative_attribution("root"), DerivativeAttribution::root);
  EXPECT_EQ(parse_derivative_attribution("Root"), std::nullopt);
  EXPECT_EQ(to_string(DerivativeAttribution::namespace_), "namespace");
  EXPECT_EQ(to_string(DerivativeOutcome::below_threshold), "below_threshold");
}

}  // namespace
}  // namespace atomd
