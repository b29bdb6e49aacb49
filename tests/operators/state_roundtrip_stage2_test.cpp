// Durable state of InferenceTokens and OvertakeDetector: save → restore into a cleared
// instance → save gives the same bytes, and the restored instance answers and goes on exactly
// like the original (upserts, stale rows, runs of overtakes and threshold crossings under way
// at the checkpoint). Damaged values are rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "operators/inference.hpp"
#include "operators/overtake.hpp"
#include "tests/operators/fixtures.hpp"
#include "tests/operators/state_roundtrip.hpp"

namespace atomd {
namespace {

using testing::day;
using testing::Dump;
using testing::saved;

constexpr TimeMs kHour = 3'600'000;

OpenRouterTokens token_row(DayIndex date, std::string slug, std::int64_t tokens, std::optional<std::string> hf_id,
                           std::string org, TimeMs observed_at) {
  OpenRouterTokens r;
  r.date = date;
  r.slug = std::move(slug);
  r.tokens = tokens;
  r.hf_id = std::move(hf_id);
  r.org = std::move(org);
  r.observed_at = observed_at;
  return r;
}

// Feb 10 .. Mar 9 2025: open models (one with a :free variant), a closed one, the `other`
// row; every third day re-polled later with new counts, every fifth day re-delivered with an
// older observed_at (stale), every seventh day a same-time row with more tokens (tie-break).
std::vector<OpenRouterTokens> token_history() {
  std::vector<OpenRouterTokens> out;
  for (DayIndex d = day("2025-02-10"); d <= day("2025-03-09"); ++d) {
    const TimeMs polled = day_start(d + 1) + kHour;
    const std::int64_t n = d - day("2025-02-10") + 1;
    std::vector<OpenRouterTokens> rows = {
        token_row(d, "qwen/qwen3-235b-a22b", 1'000'000 + n * 7'919, "Qwen/Qwen3-235B-A22B", "qwen", polled),
        token_row(d, "qwen/qwen3-235b-a22b:free", 300'000 + n * 1'201, "Qwen/Qwen3-235B-A22B", "qwen", polled),
        token_row(d, "deepseek/deepseek-v3", 2'000'000 - n * 30'011, "deepseek-ai/DeepSeek-V3", "deepseek", polled),
        token_row(d, "meta-llama/llama-3.1-8b", 500'000 + (n % 4) * 90'000, "meta-llama/Llama-3.1-8B", "meta-llama",
                  polled),
        token_row(d, "openai/gpt-4o", 3'000'000 + n * 11, std::nullopt, "openai", polled),
        token_row(d, std::string(kOtherSlug), 4'000'000 + n * 5'003, std::nullopt, std::string(kOtherSlug), polled),
    };
    for (const auto& r : rows) out.push_back(r);
    if (n % 3 == 0) {
      auto again = rows[0];
      again.observed_at += 6 * kHour;
      again.tokens += 12'345;
      out.push_back(again);
    }
    if (n % 5 == 0) {
      auto stale = rows[2];
      stale.observed_at -= kHour;
      stale.tokens = 1;
      out.push_back(stale);
    }
    if (n % 7 == 0) {
      auto tie = rows[4];
      tie.tokens += 1;
      out.push_back(tie);
    }
  }
  return out;
}

std::string answers(const InferenceTokens& op, const ReferenceData& reference) {
  Dump d;
  d << "T" << op.stream_time() << op.row_count() << "\n";
  const DayIndex last_closed = day_of(op.stream_time()) - 1;
  for (GroupBy by : {GroupBy::org, GroupBy::region}) {
    std::set<std::string> groups;
    for (InferenceScope scope : {InferenceScope::all, InferenceScope::open}) {
      for (InferenceWindow w : {InferenceWindow::day, InferenceWindow::d7, InferenceWindow::month}) {
        const Leaderboard b = op.leaderboard(by, w, scope, std::nullopt, last_closed, reference);
        for (const GroupValue& row : b.rows) groups.insert(row.group);
        d << b;
      }
      d << op.leaderboard(by, InferenceWindow::month, scope, testing::month("2025-02"), last_closed, reference);
    }
    for (const std::string& group : groups)
      for (InferenceScope scope : {InferenceScope::all, InferenceScope::open})
        for (SeriesWindow w : {SeriesWindow::day, SeriesWindow::month})
          d << group << op.series(by, group, w, scope, reference);
    for (DayIndex day = testing::day("2025-02-08"); day <= testing::day("2025-03-12"); day += 2)
      d << day << op.shares_at(by, day, reference);
  }
  return d.str();
}

TEST(StateRoundTrip, InferenceTokensRestoresExactlyAndGoesOnAlike) {
  const ReferenceData reference = testing::test_reference(true);
  const auto history = token_history();
  const std::size_t cut = history.size() * 3 / 5;
  const std::span<const OpenRouterTokens> before(history.data(), cut);
  const std::span<const OpenRouterTokens> after(history.data() + cut, history.size() - cut);

  InferenceTokens original, copy;
  for (const auto& row : after.subspan(0, 30)) copy.apply(row);  // replaced by the restore
  for (const auto& row : before) original.apply(row);
  ASSERT_GT(original.stale_count(), 0u);

  testing::expect_round_trip(original, copy);
  EXPECT_EQ(answers(copy, reference), answers(original, reference));

  // Further rows, then the whole history again (every row now stale or equal), then upserts
  // of days before the checkpoint.
  const auto stale_before = original.stale_count(), copy_stale_before = copy.stale_count();
  for (const auto& row : after) EXPECT_EQ(copy.apply(row), original.apply(row)) << tokens_key(row);
  for (const auto& row : history) EXPECT_EQ(copy.apply(row), original.apply(row)) << tokens_key(row);
  for (std::size_t i = 0; i < cut; i += 9) {
    auto newer = history[i];
    newer.observed_at += 30 * kMsPerDay;
    newer.tokens /= 2;
    EXPECT_EQ(copy.apply(newer), UpsertOutcome::updated);
    EXPECT_EQ(original.apply(newer), UpsertOutcome::updated);
  }
  EXPECT_EQ(copy.stale_count() - copy_stale_before, original.stale_count() - stale_before);
  EXPECT_EQ(answers(copy, reference), answers(original, reference));
  EXPECT_EQ(saved(copy), saved(original));

  InferenceTokens scratch;
  testing::expect_bad_values_throw(scratch, saved(original));
  EXPECT_THROW(scratch.restore_state("qwen/qwen3-235b-a22b", saved(original).begin()->second), std::runtime_error);
}

// Overtakes and threshold crossings over ten days, five groups per metric, confirm = 3, so runs
// are under way when the state is saved after day 4; one group flaps, one value is NaN.
class OvertakeRoundTrip : public ::testing::Test {
 protected:
  static OvertakeConfig config() {
    OvertakeConfig c;
    c.confirm = 3;
    c.top_n = 4;
    c.new_entrant_days = 30;
    const std::string d30(kMetricDownloads30d);
    c.thresholds = {{d30, "org", "B", 90, "up"}, {d30, "org", "A", 75, "down"}, {d30, "org", "C", 70, "down"},
                    {std::string(kMetricInferenceShare7d), "region", "china", 0.3, "up"}};
    return c;
  }
  static DayValues values(int i) {
    const DayIndex d0 = day("2025-03-01");
    DayValues v;
    v.day = d0 + i;
    auto& org = v.values[{std::string(kMetricDownloads30d), "org"}];
    org["A"] = 100 - 4.5 * i;
    org["B"] = 60 + 6.25 * i;
    org["C"] = 80 + (i % 2 ? 15 : -15);
    org["D"] = 20 + 12 * i;
    org["E"] = i == 3 ? std::numeric_limits<double>::quiet_NaN() : 90 - i;
    auto& region = v.values[{std::string(kMetricInferenceShare7d), "region"}];
    region["china"] = 0.2 + 0.03 * i;
    region["us"] = 0.5 - 0.02 * i;
    region["eu"] = 0.1 + 0.01 * (i % 3);
    region["unknown"] = 1.0 / 3 - 0.01 * i;
    v.first_release["org"] = {{"A", d0 - 400}, {"B", d0 - 100}, {"C", d0 - 10}, {"D", d0 + 2}, {"E", d0 - 5}};
    v.first_release["region"] = {{"china", d0 - 1000}, {"us", d0 - 1000}, {"eu", d0 - 20}};
    return v;
  }
  static std::string ranks(const OvertakeDetector& op) {
    Dump d;
    d << op.last_evaluated_day() << "\n";
    for (const GroupRank& r : op.ranks()) d << r.key.metric << r.key.group_by << r.group << r.rank << r.value << "\n";
    return d.str();
  }
};

TEST_F(OvertakeRoundTrip, RunsUnderWayAtTheCheckpointConfirmAlike) {
  OvertakeDetector original(config()), copy(config());
  copy.evaluate(values(7));  // replaced by the restore
  for (int i = 0; i <= 4; ++i) original.evaluate(values(i));

  testing::expect_round_trip(original, copy);
  EXPECT_EQ(ranks(copy), ranks(original));
  EXPECT_EQ(copy.last_evaluated_day(), original.last_evaluated_day());
  EXPECT_TRUE(copy.evaluate(values(4)).empty());  // an evaluated day again: nothing

  std::vector<Event> all;
  for (int i = 5; i <= 9; ++i) {
    const auto expected = original.evaluate(values(i));
    EXPECT_EQ(copy.evaluate(values(i)), expected) << "day " << i;
    EXPECT_EQ(ranks(copy), ranks(original)) << "day " << i;
    all.insert(all.end(), expected.begin(), expected.end());
  }
  // Some events confirm runs that started before the checkpoint, of both kinds.
  const DayIndex checkpoint_day = values(4).day;
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const Event& e) {
    return e.kind == EventKind::overtake && e.at <= checkpoint_day;
  }));
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const Event& e) {
    return e.kind == EventKind::threshold && e.at <= checkpoint_day;
  }));
  EXPECT_EQ(saved(copy), saved(original));

  OvertakeDetector scratch(config());
  testing::expect_bad_values_throw(scratch, saved(original));
}

}  // namespace
}  // namespace atomd
