// Durable state of the derivatives family (DerivativeDedupe, DerivativeAggregates) in both
// attribution modes, with lineage links, merges and a cycle: save → restore into a cleared
// instance → save gives the same bytes, and the restored pair answers and goes on exactly like
// the original. Damaged values are rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "operators/derivative_aggregates.hpp"
#include "operators/derivatives.hpp"
#include "tests/operators/fixtures.hpp"
#include "tests/operators/state_roundtrip.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::Dump;
using testing::saved;

constexpr TimeMs kHour = 3'600'000;
const char* const kQwen = "Qwen/Qwen2.5-7B";
const char* const kLlama = "meta-llama/Llama-3.1-8B";
const char* const kMistral = "mistralai/Mistral-Large-Instruct-2407";
const char* const kGlm = "THUDM/glm-4-9b";

// 30 repos of three tuners, created Nov 2024 .. Jan 2025, three sightings each (the first
// below the threshold). Finetunes, quantizations, three-base merges, and derivatives of
// derivatives; some bases change on the last sighting, and tuner0/d0 ↔ tuner2/d2 is a cycle.
std::vector<HfDerivative> derivative_history() {
  std::vector<HfDerivative> out;
  for (int i = 0; i < 30; ++i) {
    HfDerivative d;
    d.repo_id = "tuner" + std::to_string(i % 3) + "/d" + std::to_string(i);
    d.created_at = at("2024-11-05T00:00:00Z") + i * 2 * kMsPerDay + i * 3 * kHour;
    std::vector<DerivativeBase> bases;
    switch (i % 4) {
      case 0: bases = {{Relation::finetune, kQwen}}; break;
      case 1: bases = {{Relation::quantized, kLlama}}; break;
      case 2:
        bases = {{Relation::merge, kQwen}, {Relation::merge, kMistral}};
        bases.push_back({Relation::merge, i % 8 == 2 ? "tuner0/d0" : kGlm});
        break;
      default:
        bases = {{Relation::adapter, "tuner" + std::to_string((i - 2) % 3) + "/d" + std::to_string(i - 2)}};
        break;
    }
    for (int k = 0; k < 3; ++k) {
      d.observed_at = d.created_at + (k + 1) * (1 + i % 3) * kMsPerDay + k * kHour;
      d.downloads_30d = k == 0 ? 3 + i % 5 : 10 + i;
      if (k == 2 && i % 7 == 0) bases.push_back({Relation::unspecified, kGlm});
      if (k == 2 && i == 0) bases.push_back({Relation::unspecified, "tuner2/d2"});
      d.relations = bases;
      out.push_back(d);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.observed_at < b.observed_at; });
  return out;
}

struct DerivativesFamily {
  explicit DerivativesFamily(DerivativeAttribution mode)
      : dedupe(DerivativesConfig{.min_downloads = 5, .attribution = mode}), aggregates(mode) {}
  DerivativeDedupe dedupe;
  DerivativeAggregates aggregates;
  std::vector<DerivativeContribution> sent;

  std::vector<DerivativeResult> feed(std::span<const HfDerivative> sightings) {
    std::vector<DerivativeResult> results;
    for (const HfDerivative& d : sightings) {
      results.push_back(dedupe.process(d));
      if (!results.back().contribution) continue;
      aggregates.apply(*results.back().contribution);
      sent.push_back(*results.back().contribution);
    }
    return results;
  }
};

std::string answers(const DerivativeAggregates& agg, const ReferenceData& reference) {
  Dump d;
  d << "T" << agg.stream_time() << agg.counted() << agg.link_count() << agg.redelivery_count() << "\n";
  const MonthIndex first = testing::month("2024-10"), last = testing::month("2025-03");
  auto relations = [&](DerivativeWindow w, std::optional<MonthIndex> m) {
    for (const auto& [relation, value] : agg.by_relation(w, m)) d << relation << value;
    d << "\n";
  };
  relations(DerivativeWindow::d30, std::nullopt);
  relations(DerivativeWindow::month, std::nullopt);
  for (MonthIndex m = first; m <= last; ++m) relations(DerivativeWindow::month, m);
  for (GroupBy by : {GroupBy::org, GroupBy::region}) {
    std::set<std::string> groups;
    auto board = [&](DerivativeWindow w, std::optional<MonthIndex> m) {
      const Leaderboard b = agg.leaderboard(by, w, m, reference);
      for (const GroupValue& row : b.rows) groups.insert(row.group);
      d << b;
    };
    board(DerivativeWindow::d30, std::nullopt);
    board(DerivativeWindow::month, std::nullopt);
    for (MonthIndex m = first; m <= last; ++m) board(DerivativeWindow::month, m);
    for (const std::string& group : groups)
      for (SeriesWindow w : {SeriesWindow::day, SeriesWindow::month}) d << group << agg.series(by, group, w, reference);
    for (DayIndex day = testing::day("2024-11-01"); day <= testing::day("2025-02-15"); day += 5)
      d << day << agg.shares_at(by, day, reference);
  }
  return d.str();
}

void expect_same_results(const std::vector<DerivativeResult>& got, const std::vector<DerivativeResult>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].outcome, expected[i].outcome) << "sighting " << i;
    EXPECT_TRUE(got[i].contribution == expected[i].contribution) << "sighting " << i;
  }
}

class DerivativesRoundTrip : public ::testing::TestWithParam<DerivativeAttribution> {
 protected:
  ReferenceData reference_ = testing::test_reference(true);
};

TEST_P(DerivativesRoundTrip, RestoresExactlyAndGoesOnAlike) {
  const DerivativeAttribution mode = GetParam();
  const auto history = derivative_history();
  const std::size_t cut = history.size() / 2;
  const std::span<const HfDerivative> before(history.data(), cut), after(history.data() + cut, history.size() - cut);

  DerivativesFamily original(mode), copy(mode);
  copy.feed(after.subspan(0, 20));  // state of its own, which the restore must replace
  original.feed(before);
  ASSERT_GT(original.aggregates.counted(), 5);
  if (mode == DerivativeAttribution::root) {
    ASSERT_GT(original.aggregates.link_count(), 5u);
    ASSERT_GT(original.dedupe.linked_count(), 5u);
  }
  // A redelivery before the checkpoint: counted in the saved state.
  const auto first_count =
      std::find_if(original.sent.begin(), original.sent.end(), [](const auto& c) { return c.counted; });
  original.aggregates.apply(*first_count);
  ASSERT_EQ(original.aggregates.redelivery_count(), 1u);

  testing::expect_round_trip(original.dedupe, copy.dedupe);
  testing::expect_round_trip(original.aggregates, copy.aggregates);
  EXPECT_EQ(copy.dedupe.counted_count(), original.dedupe.counted_count());
  EXPECT_EQ(copy.dedupe.linked_count(), original.dedupe.linked_count());
  EXPECT_EQ(answers(copy.aggregates, reference_), answers(original.aggregates, reference_));

  // The rest: new counts, already counted repos, changed bases (links moving counts in root
  // mode), the cycle closing; then stage-1 output produced again.
  expect_same_results(copy.feed(after), original.feed(after));
  for (std::size_t i = 0; i < original.sent.size(); i += 5)
    for (DerivativesFamily* f : {&original, &copy}) f->aggregates.apply(original.sent[i]);
  EXPECT_GT(original.aggregates.redelivery_count(), 1u);
  EXPECT_EQ(answers(copy.aggregates, reference_), answers(original.aggregates, reference_));
  EXPECT_EQ(saved(copy.dedupe), saved(original.dedupe));
  EXPECT_EQ(saved(copy.aggregates), saved(original.aggregates));
}

TEST_P(DerivativesRoundTrip, RejectsDamagedValues) {
  const auto history = derivative_history();
  DerivativesFamily family(GetParam()), scratch(GetParam());
  family.feed(history);
  testing::expect_bad_values_throw(scratch.dedupe, saved(family.dedupe));
  testing::expect_bad_values_throw(scratch.aggregates, saved(family.aggregates));
}

INSTANTIATE_TEST_SUITE_P(BothModes, DerivativesRoundTrip,
                         ::testing::Values(DerivativeAttribution::namespace_, DerivativeAttribution::root),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace atomd
