// Stage 2 of the derivatives family: windows by createdAt relative to T, 1/k splits, groups,
// relations, shares, and `root` attribution through the link graph.
#include "operators/derivative_aggregates.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>

#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::day;
using testing::month;

const char* const kQwen = "Qwen/Qwen2.5-7B";
const char* const kLlama = "meta-llama/Llama-3.1-8B";
const char* const kMistral = "mistralai/Mistral-Large-Instruct-2407";
const char* const kGlm = "THUDM/glm-4-9b";

DerivativeContribution counted(const std::string& repo_id, const char* created_at, const char* observed_at,
                               std::vector<DerivativeBase> bases) {
  DerivativeContribution c;
  c.repo_id = repo_id;
  c.created_at = at(created_at);
  c.observed_at = at(observed_at);
  c.counted = true;
  c.bases = std::move(bases);
  return c;
}

DerivativeContribution link(const std::string& repo_id, const char* observed_at, std::vector<std::string> bases) {
  DerivativeContribution c;
  c.repo_id = repo_id;
  c.created_at = at("2024-01-01T00:00:00Z");
  c.observed_at = at(observed_at);
  c.link = true;
  for (auto& b : bases) c.bases.push_back({Relation::finetune, std::move(b)});
  return c;
}

void expect_rows(const Leaderboard& board, const std::vector<GroupValue>& rows, double total) {
  ASSERT_EQ(board.rows.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(board.rows[i].group, rows[i].group) << "row " << i;
    EXPECT_EQ(board.rows[i].value, rows[i].value) << "row " << i;
  }
  EXPECT_EQ(board.total, total);
}

// Every query an operator answers, for comparing two states.
struct Answers {
  std::vector<std::pair<std::string, double>> rows;
  std::map<Relation, double> relations;
  std::vector<std::pair<TimeMs, double>> points;
  std::map<std::string, double> shares;
  bool operator==(const Answers&) const = default;
};

Answers answers(const DerivativeAggregates& agg, const ReferenceData& reference) {
  Answers a;
  for (GroupBy by : {GroupBy::org, GroupBy::region})
    for (DerivativeWindow w : {DerivativeWindow::month, DerivativeWindow::d30})
      for (std::optional<MonthIndex> m : {std::optional<MonthIndex>{}, std::optional<MonthIndex>{month("2024-11")}}) {
        if (w == DerivativeWindow::d30 && m) continue;
        auto board = agg.leaderboard(by, w, m, reference);
        for (const auto& row : board.rows) a.rows.emplace_back(row.group, row.value);
        a.rows.emplace_back("total", board.total);
        for (auto [r, v] : agg.by_relation(w, m)) a.relations[r] += v;
      }
  for (const char* group : {"Qwen", "meta-llama", "mistralai", "zai-org", "tuner"})
    for (SeriesWindow w : {SeriesWindow::day, SeriesWindow::month})
      for (const auto& p : agg.series(GroupBy::org, group, w, reference)) a.points.emplace_back(p.t, p.value);
  for (auto [g, v] : agg.shares_at(GroupBy::org, day("2024-12-14"), reference)) a.shares[g] = v;
  for (auto [g, v] : agg.shares_at(GroupBy::region, day("2024-11-30"), reference)) a.shares["region:" + g] = v;
  a.rows.emplace_back("counted", agg.counted());
  a.rows.emplace_back("T", static_cast<double>(agg.stream_time()));
  return a;
}

// T = 2024-12-15T12:00Z. 30d = the UTC days 2024-11-16 .. 2024-12-15.
std::vector<DerivativeContribution> history() {
  return {
      counted("alice/qwen-ft", "2024-12-03T10:00:00Z", "2024-12-04T00:00:00Z", {{Relation::finetune, kQwen}}),
      counted("bob/llama-gguf", "2024-12-10T00:00:00Z", "2024-12-11T00:00:00Z", {{Relation::quantized, kLlama}}),
      counted("carol/merge", "2024-12-14T00:00:00Z", "2024-12-14T06:00:00Z",
              {{Relation::merge, kQwen}, {Relation::merge, kMistral}}),
      // Created in the last second of November, counted in December: it belongs to November.
      counted("dave/glm-lora", "2024-11-30T23:59:59Z", "2024-12-02T00:00:00Z", {{Relation::adapter, kGlm}}),
      counted("erin/four-way", "2024-11-20T00:00:00Z", "2024-11-21T00:00:00Z",
              {{Relation::merge, kQwen}, {Relation::merge, kLlama}, {Relation::merge, kMistral}, {Relation::merge, kGlm}}),
      counted("frank/old", "2024-10-01T00:00:00Z", "2024-12-15T12:00:00Z", {{Relation::unspecified, kLlama}}),
  };
}

class DerivativeAggregatesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& c : history()) agg_.apply(c);
  }
  ReferenceData with_alias_ = testing::test_reference(true);
  ReferenceData without_alias_ = testing::test_reference(false);
  DerivativeAggregates agg_;
};

TEST_F(DerivativeAggregatesTest, StreamTimeIsTheLargestObservedAt) {
  EXPECT_EQ(agg_.stream_time(), at("2024-12-15T12:00:00Z"));
  EXPECT_EQ(agg_.counted(), 6);
  DerivativeAggregates empty;
  EXPECT_EQ(empty.stream_time(), kNoTime);
  EXPECT_TRUE(empty.leaderboard(GroupBy::org, DerivativeWindow::month, std::nullopt, with_alias_).rows.empty());
  EXPECT_TRUE(empty.shares_at(GroupBy::org, day("2024-12-14"), with_alias_).empty());
  EXPECT_EQ(empty.by_relation(DerivativeWindow::d30, std::nullopt).at(Relation::merge), 0);
}

TEST_F(DerivativeAggregatesTest, MonthIsTheMonthOfCreatedAtAndDefaultsToTheMonthContainingT) {
  // December: alice 1 → Qwen; bob 1 → meta-llama; carol ½ Qwen + ½ mistralai.
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::month, std::nullopt, with_alias_),
              {{"Qwen", 1.5}, {"meta-llama", 1}, {"mistralai", 0.5}}, 3);
  // November: dave 1 → zai-org (THUDM's alias); erin ¼ to each of four.
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::month, month("2024-11"), with_alias_),
              {{"zai-org", 1.25}, {"Qwen", 0.25}, {"meta-llama", 0.25}, {"mistralai", 0.25}}, 2);
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::month, month("2024-10"), with_alias_),
              {{"meta-llama", 1}}, 1);
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::month, month("2024-09"), with_alias_), {}, 0);
  // Without the alias THUDM is its own org, in no known region.
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::month, month("2024-11"), without_alias_),
              {{"THUDM", 1.25}, {"Qwen", 0.25}, {"meta-llama", 0.25}, {"mistralai", 0.25}}, 2);
  expect_rows(agg_.leaderboard(GroupBy::region, DerivativeWindow::month, month("2024-11"), without_alias_),
              {{"unknown", 1.25}, {"china", 0.25}, {"eu", 0.25}, {"us", 0.25}}, 2);
}

TEST_F(DerivativeAggregatesTest, ThirtyDaysIsRelativeToStreamTime) {
  // 2024-11-16 .. 2024-12-15: everything but frank (October).
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::d30, std::nullopt, with_alias_),
              {{"Qwen", 1.75}, {"meta-llama", 1.25}, {"zai-org", 1.25}, {"mistralai", 0.75}}, 5);
  expect_rows(agg_.leaderboard(GroupBy::region, DerivativeWindow::d30, std::nullopt, with_alias_),
              {{"china", 3}, {"us", 1.25}, {"eu", 0.75}}, 5);

  // T moves with the stream only: a contribution observed on 2025-01-20 makes the month
  // January and the 30 days 2024-12-22 .. 2025-01-20, wherever the wall clock is.
  agg_.apply(counted("gina/late", "2025-01-19T00:00:00Z", "2025-01-20T08:00:00Z", {{Relation::finetune, kQwen}}));
  EXPECT_EQ(agg_.stream_time(), at("2025-01-20T08:00:00Z"));
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::month, std::nullopt, with_alias_), {{"Qwen", 1}}, 1);
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::d30, std::nullopt, with_alias_), {{"Qwen", 1}}, 1);
  // A derivative created on 2024-12-22 is inside that window; one of 2024-12-21 is not.
  agg_.apply(counted("hank/edge", "2024-12-22T00:00:00Z", "2024-12-23T00:00:00Z", {{Relation::finetune, kLlama}}));
  agg_.apply(counted("ivan/out", "2024-12-21T23:00:00Z", "2024-12-23T00:00:00Z", {{Relation::finetune, kMistral}}));
  expect_rows(agg_.leaderboard(GroupBy::org, DerivativeWindow::d30, std::nullopt, with_alias_),
              {{"Qwen", 1}, {"meta-llama", 1}}, 2);
}

TEST_F(DerivativeAggregatesTest, AMergeSplitsOneOverKWhateverTheRelation) {
  DerivativeAggregates agg;
  agg.apply(counted("m/three", "2024-12-01T00:00:00Z", "2024-12-02T00:00:00Z",
                    {{Relation::merge, kQwen}, {Relation::finetune, kLlama}, {Relation::adapter, kMistral}}));
  const auto board = agg.leaderboard(GroupBy::org, DerivativeWindow::month, std::nullopt, with_alias_);
  ASSERT_EQ(board.rows.size(), 3u);
  for (const auto& row : board.rows) EXPECT_EQ(row.value, 1.0 / 3) << row.group;
  EXPECT_EQ(board.rows[0].group, "Qwen");  // ties in group name order
  EXPECT_EQ(board.rows[1].group, "meta-llama");
  EXPECT_EQ(board.rows[2].group, "mistralai");
  const auto relations = agg.by_relation(DerivativeWindow::month, std::nullopt);
  EXPECT_EQ(relations.at(Relation::merge), 1.0 / 3);
  EXPECT_EQ(relations.at(Relation::finetune), 1.0 / 3);
  EXPECT_EQ(relations.at(Relation::adapter), 1.0 / 3);
  EXPECT_EQ(relations.at(Relation::quantized), 0);
  // Spellings of one base are one base: k = 2, not 3.
  agg.apply(counted("m/two", "2024-12-01T00:00:00Z", "2024-12-02T00:00:00Z",
                    {{Relation::merge, kQwen}, {Relation::merge, "qwen/qwen2.5-7b"}, {Relation::merge, kLlama}}));
  const auto after = agg.leaderboard(GroupBy::org, DerivativeWindow::month, std::nullopt, with_alias_);
  EXPECT_EQ(after.rows[0].value, 1.0 / 3 + 0.5);
  EXPECT_DOUBLE_EQ(after.total, 2);
}

TEST_F(DerivativeAggregatesTest, RelationCounts) {
  const auto december = agg_.by_relation(DerivativeWindow::month, std::nullopt);
  EXPECT_EQ(december, (std::map<Relation, double>{{Relation::finetune, 1}, {Relation::adapter, 0},
                                                  {Relation::quantized, 1}, {Relation::merge, 1},
                                                  {Relation::unspecified, 0}}));
  const auto november = agg_.by_relation(DerivativeWindow::month, month("2024-11"));
  EXPECT_EQ(november.at(Relation::adapter), 1);
  EXPECT_EQ(november.at(Relation::merge), 1);
  EXPECT_EQ(agg_.by_relation(DerivativeWindow::month, month("2024-10")).at(Relation::unspecified), 1);
  const auto d30 = agg_.by_relation(DerivativeWindow::d30, std::nullopt);
  EXPECT_EQ(d30.at(Relation::merge), 2);
  EXPECT_EQ(d30.at(Relation::unspecified), 0);
}

TEST_F(DerivativeAggregatesTest, SharesPerOrgAndRegionUpToADay) {
  // Up to 2024-12-12 in December: alice (Qwen) and bob (meta-llama).
  EXPECT_EQ(agg_.shares_at(GroupBy::org, day("2024-12-12"), with_alias_),
            (std::map<std::string, double>{{"Qwen", 0.5}, {"meta-llama", 0.5}}));
  // Up to 2024-12-14, carol is in: Qwen 1.5 / 3, meta-llama 1 / 3, mistralai 0.5 / 3.
  const auto org = agg_.shares_at(GroupBy::org, day("2024-12-14"), with_alias_);
  ASSERT_EQ(org.size(), 3u);
  EXPECT_EQ(org.at("Qwen"), 1.5 / 3);
  EXPECT_EQ(org.at("meta-llama"), 1.0 / 3);
  EXPECT_EQ(org.at("mistralai"), 0.5 / 3);
  const auto region = agg_.shares_at(GroupBy::region, day("2024-12-14"), with_alias_);
  EXPECT_EQ(region, (std::map<std::string, double>{{"china", 1.5 / 3}, {"eu", 0.5 / 3}, {"us", 1.0 / 3}}));
  // November as known at the end of its last day: the zai-org derivative created on 30 Nov
  // was counted by a December sighting, so not yet: china = zai-org 0.25 + Qwen 0.25 of 1.
  // (The November leaderboard, asked later, has it: see MonthIsTheMonthOfCreatedAt....)
  const auto november = agg_.shares_at(GroupBy::region, day("2024-11-30"), with_alias_);
  EXPECT_EQ(november, (std::map<std::string, double>{{"china", 0.5}, {"eu", 0.25}, {"us", 0.25}}));
  EXPECT_TRUE(agg_.shares_at(GroupBy::org, day("2024-12-02"), with_alias_).empty());
}

TEST_F(DerivativeAggregatesTest, SeriesPerCreatedAtDayAndMonth) {
  const auto days = agg_.series(GroupBy::org, "Qwen", SeriesWindow::day, with_alias_);
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0].t, at("2024-11-20T00:00:00Z"));
  EXPECT_EQ(days[0].value, 0.25);
  EXPECT_EQ(days[1].t, at("2024-12-03T00:00:00Z"));
  EXPECT_EQ(days[1].value, 1);
  EXPECT_EQ(days[2].t, at("2024-12-14T00:00:00Z"));
  EXPECT_EQ(days[2].value, 0.5);
  const auto months = agg_.series(GroupBy::region, "us", SeriesWindow::month, with_alias_);
  ASSERT_EQ(months.size(), 3u);
  EXPECT_EQ(months[0].t, at("2024-10-01T00:00:00Z"));
  EXPECT_EQ(months[0].value, 1);
  EXPECT_EQ(months[1].t, at("2024-11-01T00:00:00Z"));
  EXPECT_EQ(months[1].value, 0.25);
  EXPECT_EQ(months[2].t, at("2024-12-01T00:00:00Z"));
  EXPECT_EQ(months[2].value, 1);
  EXPECT_TRUE(agg_.series(GroupBy::org, "nobody", SeriesWindow::day, with_alias_).empty());
}

TEST_F(DerivativeAggregatesTest, SizeBucketIsNotAGroupingOfDerivatives) {
  EXPECT_THROW(agg_.leaderboard(GroupBy::size_bucket, DerivativeWindow::month, std::nullopt, with_alias_),
               std::invalid_argument);
  EXPECT_THROW(agg_.series(GroupBy::size_bucket, "7-9B", SeriesWindow::day, with_alias_), std::invalid_argument);
  EXPECT_THROW(agg_.shares_at(GroupBy::size_bucket, day("2024-12-14"), with_alias_), std::invalid_argument);
}

TEST_F(DerivativeAggregatesTest, SaveAndRestoreGiveIdenticalAnswers) {
  agg_.apply(link("tuner/ft", "2024-12-01T00:00:00Z", {kQwen}));  // kept in namespace mode too
  std::map<std::string, std::string> store;
  agg_.save_state([&](std::string_view k, std::string_view v) { store.emplace(k, v); });
  for (auto mode : {DerivativeAttribution::namespace_, DerivativeAttribution::root}) {
    DerivativeAggregates restored(mode), original(mode);
    for (const auto& [key, value] : store) restored.restore_state(key, value);
    for (const auto& c : history()) original.apply(c);
    original.apply(link("tuner/ft", "2024-12-01T00:00:00Z", {kQwen}));
    EXPECT_EQ(answers(restored, with_alias_), answers(original, with_alias_));
    EXPECT_EQ(restored.link_count(), 1u);
    // Restored ids still dedupe.
    restored.apply(history()[0]);
    EXPECT_EQ(restored.counted(), 6);
  }
  DerivativeAggregates bad;
  EXPECT_THROW(bad.restore_state("base/Qwen/Qwen2.5-7B", store.at("meta")), std::runtime_error);
  EXPECT_THROW(bad.restore_state("base/not-a-repo", store.at("base/" + std::string(kQwen))), std::runtime_error);
  EXPECT_THROW(bad.restore_state("link/xyz", store.begin()->second), std::runtime_error);
  EXPECT_THROW(bad.restore_state("other", store.at("meta")), std::runtime_error);
}

// ---- root attribution ----

class RootAttributionTest : public ::testing::Test {
 protected:
  Leaderboard december(const DerivativeAggregates& agg, GroupBy by = GroupBy::org) const {
    return agg.leaderboard(by, DerivativeWindow::month, month("2024-12"), reference_);
  }
  ReferenceData reference_ = testing::test_reference(true);
  DerivativeAggregates root_{DerivativeAttribution::root};
  DerivativeAggregates namespace_{DerivativeAttribution::namespace_};
  void apply_both(const DerivativeContribution& c) {
    root_.apply(c);
    namespace_.apply(c);
  }
};

TEST_F(RootAttributionTest, ThroughATwoLevelChain) {
  // quant/ft-GGUF → tuner/ft → Qwen; deep/q4 → quant/ft-GGUF → tuner/ft → Qwen.
  apply_both(link("tuner/ft", "2024-12-01T00:00:00Z", {kQwen}));
  apply_both(link("quant/ft-GGUF", "2024-12-02T00:00:00Z", {"tuner/ft"}));
  apply_both(counted("quant/ft-GGUF", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::quantized, "tuner/ft"}}));
  apply_both(counted("deep/q4", "2024-12-04T00:00:00Z", "2024-12-05T00:00:00Z", {{Relation::quantized, "quant/ft-GGUF"}}));
  expect_rows(december(root_), {{"Qwen", 2}}, 2);
  expect_rows(december(root_, GroupBy::region), {{"china", 2}}, 2);
  expect_rows(december(namespace_), {{"quant", 1}, {"tuner", 1}}, 2);
}

TEST_F(RootAttributionTest, SplitsAtEveryLevel) {
  // m/merge → {tuner/ft, mistralai}; tuner/ft → {Qwen, meta-llama}.
  apply_both(link("tuner/ft", "2024-12-01T00:00:00Z", {kQwen, kLlama}));
  apply_both(counted("m/merge", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z",
                     {{Relation::merge, "tuner/ft"}, {Relation::merge, kMistral}}));
  expect_rows(december(root_), {{"mistralai", 0.5}, {"Qwen", 0.25}, {"meta-llama", 0.25}}, 1);
  expect_rows(december(namespace_), {{"mistralai", 0.5}, {"tuner", 0.5}}, 1);
  EXPECT_EQ(root_.by_relation(DerivativeWindow::month, month("2024-12")).at(Relation::merge), 1);
}

TEST_F(RootAttributionTest, ACycleIsCutWhereTheWalkReturns) {
  // alpha/a ⇄ beta/b. From a: a → b → (a: on the path, cut), so b is the root; from b: a.
  root_.apply(link("alpha/a", "2024-12-01T00:00:00Z", {"beta/b"}));
  root_.apply(link("beta/b", "2024-12-01T00:00:00Z", {"alpha/a"}));
  root_.apply(counted("x/of-a", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::finetune, "alpha/a"}}));
  expect_rows(december(root_), {{"beta", 1}}, 1);
  root_.apply(counted("y/of-b", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::finetune, "beta/b"}}));
  expect_rows(december(root_), {{"alpha", 1}, {"beta", 1}}, 2);
  // gamma/c → {delta/d, Qwen}, delta/d → gamma/c: d's only link is cut, so d is a root and
  // the two bases of c still split ½ / ½.
  root_.apply(link("gamma/c", "2024-12-01T00:00:00Z", {"delta/d", kQwen}));
  root_.apply(link("delta/d", "2024-12-01T00:00:00Z", {"gamma/c"}));
  root_.apply(counted("z/of-c", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::finetune, "gamma/c"}}));
  expect_rows(december(root_), {{"alpha", 1}, {"beta", 1}, {"Qwen", 0.5}, {"delta", 0.5}}, 3);
}

TEST_F(RootAttributionTest, StopsEightHopsAboveTheDerivative) {
  // x → o1/c → o2/c → … → o10/c → Qwen: hop 1 is o1, so hop 8, o8, is the root.
  for (int i = 1; i <= 10; ++i) {
    const std::string next = i == 10 ? std::string(kQwen) : "o" + std::to_string(i + 1) + "/c";
    root_.apply(link("o" + std::to_string(i) + "/c", "2024-12-01T00:00:00Z", {next}));
  }
  root_.apply(counted("x/deep", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::finetune, "o1/c"}}));
  expect_rows(december(root_), {{"o8", 1}}, 1);
  // From o3 the root is 8 hops up too: o10.
  root_.apply(counted("y/less-deep", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::finetune, "o3/c"}}));
  expect_rows(december(root_), {{"o10", 1}, {"o8", 1}}, 2);
  // From o4 the chain ends within 8 hops: Qwen (o4..o10 are hops 1..7, Qwen hop 8).
  root_.apply(counted("z/shallow", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::finetune, "o4/c"}}));
  expect_rows(december(root_), {{"Qwen", 1}, {"o10", 1}, {"o8", 1}}, 3);
}

TEST_F(RootAttributionTest, ALateLinkMovesCountsAlreadyMade) {
  root_.apply(counted("quant/ft-GGUF", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::quantized, "tuner/ft"}}));
  expect_rows(december(root_), {{"tuner", 1}}, 1);  // tuner/ft is not known to be a derivative yet
  root_.apply(link("tuner/ft", "2024-12-05T00:00:00Z", {kLlama}));
  expect_rows(december(root_), {{"meta-llama", 1}}, 1);
  expect_rows(december(root_, GroupBy::region), {{"us", 1}}, 1);
  // Its bases change later: the newest link wins, and an older one redelivered changes nothing.
  root_.apply(link("tuner/ft", "2024-12-07T00:00:00Z", {kQwen}));
  root_.apply(link("tuner/ft", "2024-12-05T00:00:00Z", {kLlama}));
  expect_rows(december(root_), {{"Qwen", 1}}, 1);
  EXPECT_EQ(root_.link_count(), 1u);
  // Series and shares move with it.
  EXPECT_EQ(root_.shares_at(GroupBy::org, day("2024-12-31"), reference_), (std::map<std::string, double>{{"Qwen", 1}}));
  ASSERT_EQ(root_.series(GroupBy::org, "Qwen", SeriesWindow::day, reference_).size(), 1u);
  EXPECT_TRUE(root_.series(GroupBy::org, "tuner", SeriesWindow::day, reference_).empty());
}

TEST_F(RootAttributionTest, TheResultDoesNotDependOnArrivalOrder) {
  std::vector<DerivativeContribution> all = {
      link("tuner/ft", "2024-12-01T00:00:00Z", {kQwen, kLlama}),
      link("quant/ft-GGUF", "2024-12-02T00:00:00Z", {"tuner/ft"}),
      link("alpha/a", "2024-12-01T00:00:00Z", {"beta/b"}),
      link("beta/b", "2024-12-01T00:00:00Z", {"alpha/a", kMistral}),
      link("tuner/ft", "2024-11-01T00:00:00Z", {kGlm}),  // older: loses whenever it arrives
      counted("quant/ft-GGUF", "2024-12-02T00:00:00Z", "2024-12-03T00:00:00Z", {{Relation::quantized, "tuner/ft"}}),
      counted("deep/q4", "2024-12-04T00:00:00Z", "2024-12-05T00:00:00Z", {{Relation::quantized, "quant/ft-GGUF"}}),
      counted("x/of-a", "2024-11-20T00:00:00Z", "2024-12-03T00:00:00Z",
              {{Relation::merge, "alpha/a"}, {Relation::merge, "tuner/ft"}, {Relation::merge, kGlm}}),
      counted("y/of-b", "2024-12-12T00:00:00Z", "2024-12-13T00:00:00Z", {{Relation::adapter, "beta/b"}}),
      counted("z/plain", "2024-12-09T00:00:00Z", "2024-12-15T12:00:00Z", {{Relation::finetune, kQwen}}),
  };
  DerivativeAggregates in_order(DerivativeAttribution::root);
  for (const auto& c : all) in_order.apply(c);
  const Answers expected = answers(in_order, reference_);
  // Hand check of December: deep/q4 and quant/ft-GGUF each ½ Qwen ½ meta-llama; y/of-b:
  // beta/b → {alpha/a → (beta/b cut) root alpha, mistralai} = ½ alpha ½ mistralai; z 1 Qwen.
  expect_rows(december(in_order), {{"Qwen", 2}, {"meta-llama", 1}, {"alpha", 0.5}, {"mistralai", 0.5}}, 4);
  // November: x/of-a ⅓ each to alpha/a (→ beta/b → {alpha/a cut, mistralai}: mistralai),
  // tuner/ft (½ Qwen ½ meta-llama) and THUDM (zai-org).
  const auto november = in_order.leaderboard(GroupBy::org, DerivativeWindow::month, month("2024-11"), reference_);
  ASSERT_EQ(november.rows.size(), 4u);
  EXPECT_EQ(november.rows[0].group, "mistralai");
  EXPECT_EQ(november.rows[0].value, 1.0 / 3);
  EXPECT_EQ(november.rows[1].group, "zai-org");
  EXPECT_EQ(november.rows[1].value, 1.0 / 3);
  EXPECT_EQ(november.rows[2].value, 1.0 / 3 * 0.5);

  std::mt19937 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::shuffle(all.begin(), all.end(), rng);
    DerivativeAggregates shuffled(DerivativeAttribution::root);
    for (const auto& c : all) shuffled.apply(c);
    ASSERT_EQ(answers(shuffled, reference_), expected) << "trial " << trial;
  }
}

}  // namespace
}  // namespace atomd
