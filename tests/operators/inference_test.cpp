#include "operators/inference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <utility>

#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::day;
using testing::month;

constexpr std::string_view kQwen3 = "qwen/qwen3-235b-a22b";
constexpr std::string_view kQwen3Free = "qwen/qwen3-235b-a22b:free";

// Regions for the HF orgs; OpenRouter authors that differ from them come through aliases.
ReferenceData reference(bool aliases) {
  ReferenceTexts t;
  t.tracked_models = "org,model,modelId\n";
  t.regions =
      "hf_org,region,notes\n"
      "Qwen,china,\n"
      "deepseek-ai,china,\n"
      "meta-llama,us,\n"
      "openai,us,\n"
      "mistralai,eu,\n";
  t.sizes = "model_id,total_params_b,active_params_b,is_moe,notes\n";
  t.release_dates = "model_id,hf_created_at,actual_release_date,notes\n";
  t.org_aliases = aliases ? "alias,org\nqwen,Qwen\ndeepseek,deepseek-ai\n" : "alias,org\n";
  return ReferenceData::parse(t);
}

// A row as the connector emits it: observed the day after its date at 01:00 unless given.
OpenRouterTokens row(const char* date, std::string_view slug, std::int64_t tokens, std::optional<std::string> hf_id,
                     std::string org, std::optional<const char*> observed_at = std::nullopt) {
  OpenRouterTokens r;
  r.date = day(date);
  r.slug = std::string(slug);
  r.tokens = tokens;
  r.hf_id = std::move(hf_id);
  r.org = std::move(org);
  r.observed_at = observed_at ? at(*observed_at) : day_start(r.date + 1) + 3'600'000;
  return r;
}

OpenRouterTokens other(const char* date, std::int64_t tokens) {
  return row(date, kOtherSlug, tokens, std::nullopt, std::string(kOtherSlug));
}

// T's date is 2025-03-04 (not yet closed); the last closed day is 2025-03-03. The 7d window
// (Feb 26 .. Mar 4) crosses a month boundary; Feb 20 lies outside it.
std::vector<OpenRouterTokens> history() {
  const std::string qwen_hf = "Qwen/Qwen3-235B-A22B";
  const std::string deepseek_hf = "deepseek-ai/DeepSeek-V3";
  return {
      row("2025-02-20", kQwen3, 100, qwen_hf, "Qwen"),
      row("2025-02-20", "openai/gpt-4o", 200, std::nullopt, "openai"),
      other("2025-02-20", 50),
      row("2025-02-26", kQwen3, 10, qwen_hf, "Qwen"),
      row("2025-02-26", "deepseek/deepseek-chat-v3", 20, deepseek_hf, "deepseek-ai"),
      other("2025-02-26", 5),
      row("2025-03-03", kQwen3, 1000, qwen_hf, "Qwen"),
      row("2025-03-03", kQwen3Free, 300, qwen_hf, "Qwen"),
      row("2025-03-03", "qwen/qwen-max", 400, std::nullopt, "qwen"),  // closed: org from the slug's author
      row("2025-03-03", "deepseek/deepseek-chat-v3", 600, deepseek_hf, "deepseek-ai"),
      row("2025-03-03", "deepseek/deepseek-prover", 50, std::nullopt, "deepseek"),  // closed
      row("2025-03-03", "meta-llama/llama-3.3-70b-instruct", 200, "meta-llama/Llama-3.3-70B-Instruct", "meta-llama"),
      row("2025-03-03", "mistralai/mistral-small-3.1", 100, "mistralai/Mistral-Small-3.1-24B-Instruct-2503",
          "mistralai"),
      row("2025-03-03", "openai/gpt-4o", 1500, std::nullopt, "openai"),
      other("2025-03-03", 900),
      row("2025-03-04", kQwen3, 2000, qwen_hf, "Qwen"),
      row("2025-03-04", "openai/gpt-4o", 700, std::nullopt, "openai"),
      other("2025-03-04", 100),
  };
}

void expect_rows(const Leaderboard& board, const std::vector<GroupValue>& rows, double total) {
  ASSERT_EQ(board.rows.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(board.rows[i].group, rows[i].group) << "row " << i;
    EXPECT_EQ(board.rows[i].value, rows[i].value) << "row " << i;
  }
  EXPECT_EQ(board.total, total);
  double sum = 0;
  for (const auto& r : board.rows) sum += r.value;
  EXPECT_EQ(sum, board.total);
}

void expect_same(const Leaderboard& a, const Leaderboard& b) {
  ASSERT_EQ(a.rows.size(), b.rows.size());
  for (std::size_t i = 0; i < a.rows.size(); ++i) {
    EXPECT_EQ(a.rows[i].group, b.rows[i].group) << "row " << i;
    EXPECT_EQ(a.rows[i].value, b.rows[i].value) << "row " << i;
  }
  EXPECT_EQ(a.total, b.total);
}

void expect_points(const std::vector<SeriesPoint>& points, const std::vector<std::pair<const char*, double>>& expected) {
  ASSERT_EQ(points.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(points[i].t, at(expected[i].first)) << "point " << i;
    EXPECT_EQ(points[i].value, expected[i].second) << "point " << i;
  }
}

std::vector<std::pair<std::string, std::string>> saved(const InferenceTokens& op) {
  std::vector<std::pair<std::string, std::string>> out;
  op.save_state([&](std::string_view k, std::string_view v) { out.emplace_back(k, v); });
  return out;
}

class InferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& r : history()) ASSERT_EQ(op_.apply(r), UpsertOutcome::inserted) << r.slug;
  }

  Leaderboard board(GroupBy by, InferenceWindow w, InferenceScope s, std::optional<MonthIndex> m = std::nullopt,
                    const ReferenceData* ref = nullptr) const {
    return op_.leaderboard(by, w, s, m, closed_, ref ? *ref : ref_);
  }

  ReferenceData ref_ = reference(true);
  DayIndex closed_ = day("2025-03-03");
  InferenceTokens op_;
};

TEST_F(InferenceTest, StreamTimeIsTheLastMillisecondOfTheLatestDate) {
  EXPECT_EQ(op_.stream_time(), at("2025-03-04T23:59:59.999Z"));
  EXPECT_EQ(op_.row_count(), 18u);
  EXPECT_EQ(op_.stale_count(), 0u);
  // An older date does not move T back.
  EXPECT_EQ(op_.apply(row("2025-01-05", kQwen3, 1, "Qwen/Qwen3-235B-A22B", "Qwen")), UpsertOutcome::inserted);
  EXPECT_EQ(op_.stream_time(), at("2025-03-04T23:59:59.999Z"));

  InferenceTokens empty;
  EXPECT_EQ(empty.stream_time(), kNoTime);
  EXPECT_EQ(empty.row_count(), 0u);
  auto b = empty.leaderboard(GroupBy::org, InferenceWindow::d7, InferenceScope::all, std::nullopt, closed_, ref_);
  EXPECT_TRUE(b.rows.empty());
  EXPECT_EQ(b.total, 0);
}

TEST_F(InferenceTest, DayIsTheLastClosedDay) {
  // Qwen = 1000 + 300 (:free) + 400 (closed qwen-max, author qwen → Qwen); deepseek-ai = 600 + 50
  // (closed, author deepseek → deepseek-ai); `other` is a row and in the denominator.
  expect_rows(board(GroupBy::org, InferenceWindow::day, InferenceScope::all),
              {{"Qwen", 1700}, {"openai", 1500}, {"other", 900}, {"deepseek-ai", 650}, {"meta-llama", 200},
               {"mistralai", 100}},
              5050);
  expect_rows(board(GroupBy::region, InferenceWindow::day, InferenceScope::all),
              {{"china", 2350}, {"us", 1700}, {"unknown", 900}, {"eu", 100}}, 5050);
  // Another closed day is another caller-given day.
  expect_rows(op_.leaderboard(GroupBy::org, InferenceWindow::day, InferenceScope::all, std::nullopt,
                              day("2025-02-20"), ref_),
              {{"openai", 200}, {"Qwen", 100}, {"other", 50}}, 350);
  EXPECT_TRUE(op_.leaderboard(GroupBy::org, InferenceWindow::day, InferenceScope::all, std::nullopt,
                              day("2025-02-21"), ref_)
                  .rows.empty());
}

TEST_F(InferenceTest, OpenScopeDropsClosedModelsAndOtherFromRowsAndDenominator) {
  expect_rows(board(GroupBy::org, InferenceWindow::day, InferenceScope::open),
              {{"Qwen", 1300}, {"deepseek-ai", 600}, {"meta-llama", 200}, {"mistralai", 100}}, 2200);
  expect_rows(board(GroupBy::region, InferenceWindow::day, InferenceScope::open),
              {{"china", 1900}, {"us", 200}, {"eu", 100}}, 2200);
  // The same group's share differs by scope only through the denominator and closed rows.
  auto all = board(GroupBy::org, InferenceWindow::day, InferenceScope::all);
  auto open = board(GroupBy::org, InferenceWindow::day, InferenceScope::open);
  EXPECT_DOUBLE_EQ(all.rows[0].value / all.total, 1700.0 / 5050.0);
  EXPECT_DOUBLE_EQ(open.rows[0].value / open.total, 1300.0 / 2200.0);
  // meta-llama is open only: same tokens, larger share in scope=open.
  EXPECT_EQ(all.rows[4].value, open.rows[2].value);
  EXPECT_GT(open.rows[2].value / open.total, all.rows[4].value / all.total);
}

TEST_F(InferenceTest, SevenDaysAreTheSevenDatesEndingWithTheDateOfT) {
  // Feb 26 .. Mar 4 (Feb 20 is out; T's own, still open, date is in).
  expect_rows(board(GroupBy::org, InferenceWindow::d7, InferenceScope::all),
              {{"Qwen", 3710}, {"openai", 2200}, {"other", 1005}, {"deepseek-ai", 670}, {"meta-llama", 200},
               {"mistralai", 100}},
              7885);
  expect_rows(board(GroupBy::org, InferenceWindow::d7, InferenceScope::open),
              {{"Qwen", 3310}, {"deepseek-ai", 620}, {"meta-llama", 200}, {"mistralai", 100}}, 4230);
  expect_rows(board(GroupBy::region, InferenceWindow::d7, InferenceScope::all),
              {{"china", 4380}, {"us", 2400}, {"unknown", 1005}, {"eu", 100}}, 7885);
}

TEST_F(InferenceTest, MonthIsTheMonthContainingTUnlessGiven) {
  expect_rows(board(GroupBy::org, InferenceWindow::month, InferenceScope::all),
              {{"Qwen", 3700}, {"openai", 2200}, {"other", 1000}, {"deepseek-ai", 650}, {"meta-llama", 200},
               {"mistralai", 100}},
              7850);
  expect_rows(board(GroupBy::org, InferenceWindow::month, InferenceScope::all, month("2025-02")),
              {{"openai", 200}, {"Qwen", 110}, {"other", 55}, {"deepseek-ai", 20}}, 385);
  expect_rows(board(GroupBy::org, InferenceWindow::month, InferenceScope::open, month("2025-02")),
              {{"Qwen", 110}, {"deepseek-ai", 20}}, 130);
  EXPECT_TRUE(board(GroupBy::org, InferenceWindow::month, InferenceScope::all, month("2025-01")).rows.empty());
}

TEST_F(InferenceTest, WindowsFollowStreamTimeNotTheClock) {
  // A row for 2025-04-02 moves T: month = April, 7d = Mar 27 .. Apr 2.
  op_.apply(row("2025-04-02", "openai/gpt-4o", 70, std::nullopt, "openai"));
  EXPECT_EQ(op_.stream_time(), at("2025-04-02T23:59:59.999Z"));
  expect_rows(board(GroupBy::org, InferenceWindow::month, InferenceScope::all), {{"openai", 70}}, 70);
  expect_rows(board(GroupBy::org, InferenceWindow::d7, InferenceScope::all), {{"openai", 70}}, 70);
  EXPECT_TRUE(board(GroupBy::org, InferenceWindow::d7, InferenceScope::open).rows.empty());
  // March stays reachable by month=.
  expect_rows(board(GroupBy::region, InferenceWindow::month, InferenceScope::all, month("2025-03")),
              {{"china", 4350}, {"us", 2400}, {"unknown", 1000}, {"eu", 100}}, 7850);
}

TEST_F(InferenceTest, CorrectedDayReplacesAndAnOlderRedeliveryDoesNotUndoIt) {
  // The day is re-published with a lower figure, observed a day later: last observed_at wins.
  EXPECT_EQ(op_.apply(row("2025-03-03", kQwen3, 800, "Qwen/Qwen3-235B-A22B", "Qwen", "2025-03-05T01:00:00Z")),
            UpsertOutcome::updated);
  expect_rows(board(GroupBy::org, InferenceWindow::day, InferenceScope::all),
              {{"Qwen", 1500}, {"openai", 1500}, {"other", 900}, {"deepseek-ai", 650}, {"meta-llama", 200},
               {"mistralai", 100}},
              4850);
  // The original delivery arrives again (a poller restart): older observed_at, ignored.
  EXPECT_EQ(op_.apply(history()[6]), UpsertOutcome::stale);
  EXPECT_EQ(op_.stale_count(), 1u);
  EXPECT_EQ(board(GroupBy::org, InferenceWindow::day, InferenceScope::all).rows[0].value, 1500);
  EXPECT_EQ(board(GroupBy::org, InferenceWindow::day, InferenceScope::all).total, 4850);
  EXPECT_EQ(op_.row_count(), 18u);
  // The correction shows in every window that holds the day, and in the series.
  EXPECT_EQ(board(GroupBy::org, InferenceWindow::d7, InferenceScope::open).total, 4030);
  expect_points(op_.series(GroupBy::org, "Qwen", SeriesWindow::month, InferenceScope::all, ref_),
                {{"2025-02-01T00:00:00Z", 110}, {"2025-03-01T00:00:00Z", 3500}});
}

TEST_F(InferenceTest, IdenticalRedeliveryChangesNothing) {
  const auto before = saved(op_);
  for (const auto& r : history()) EXPECT_EQ(op_.apply(r), UpsertOutcome::stale) << r.slug;
  EXPECT_EQ(op_.stale_count(), 18u);
  EXPECT_EQ(op_.row_count(), 18u);
  EXPECT_EQ(saved(op_), before);
}

TEST_F(InferenceTest, EqualObservedAtKeepsTheLargerTokenCountInAnyOrder) {
  const char* when = "2025-03-05T06:00:00Z";
  auto low = row("2025-03-03", kQwen3, 1100, "Qwen/Qwen3-235B-A22B", "Qwen", when);
  auto high = row("2025-03-03", kQwen3, 1250, "Qwen/Qwen3-235B-A22B", "Qwen", when);
  EXPECT_EQ(op_.apply(low), UpsertOutcome::updated);
  EXPECT_EQ(op_.apply(high), UpsertOutcome::updated);
  EXPECT_EQ(op_.apply(low), UpsertOutcome::stale);
  EXPECT_EQ(board(GroupBy::org, InferenceWindow::day, InferenceScope::all).rows[0].value, 1950);

  InferenceTokens reversed;
  for (const auto& r : history()) reversed.apply(r);
  EXPECT_EQ(reversed.apply(high), UpsertOutcome::updated);
  EXPECT_EQ(reversed.apply(low), UpsertOutcome::stale);
  EXPECT_EQ(saved(reversed), saved(op_));
}

TEST_F(InferenceTest, VariantSlugsAreDistinctRowsOfTheSameOrg) {
  // Correcting ":free" leaves the base slug's row alone; both count for Qwen.
  EXPECT_EQ(op_.apply(row("2025-03-03", kQwen3Free, 350, "Qwen/Qwen3-235B-A22B", "Qwen", "2025-03-05T00:00:00Z")),
            UpsertOutcome::updated);
  EXPECT_EQ(op_.row_count(), 18u);
  EXPECT_EQ(board(GroupBy::org, InferenceWindow::day, InferenceScope::open).rows[0].value, 1350);
  const auto state = saved(op_);
  EXPECT_EQ(std::count_if(state.begin(), state.end(),
                          [](const auto& kv) { return kv.first.rfind("qwen/qwen3-235b-a22b", 0) == 0 &&
                                                      kv.first.ends_with("@2025-03-03"); }),
            2);
  expect_points(op_.series(GroupBy::org, "Qwen", SeriesWindow::day, InferenceScope::open, ref_),
                {{"2025-02-20T00:00:00Z", 100},
                 {"2025-02-26T00:00:00Z", 10},
                 {"2025-03-03T00:00:00Z", 1350},
                 {"2025-03-04T00:00:00Z", 2000}});
}

TEST_F(InferenceTest, AliasesMergeClosedAuthorsWithTheHfOrgOnlyWhenLoaded) {
  const ReferenceData plain = reference(false);
  // Without deepseek → deepseek-ai the closed row is its own group, in region unknown. (The
  // author "qwen" still resolves to "Qwen": org names compare case-insensitively.)
  expect_rows(board(GroupBy::org, InferenceWindow::day, InferenceScope::all, std::nullopt, &plain),
              {{"Qwen", 1700}, {"openai", 1500}, {"other", 900}, {"deepseek-ai", 600}, {"meta-llama", 200},
               {"mistralai", 100}, {"deepseek", 50}},
              5050);
  expect_rows(board(GroupBy::region, InferenceWindow::day, InferenceScope::all, std::nullopt, &plain),
              {{"china", 2300}, {"us", 1700}, {"unknown", 950}, {"eu", 100}}, 5050);
  // Same state, the aliased reference: merged (a reload needs no state reset).
  EXPECT_EQ(board(GroupBy::org, InferenceWindow::day, InferenceScope::all).rows[3].group, "deepseek-ai");
  EXPECT_EQ(board(GroupBy::org, InferenceWindow::day, InferenceScope::all).rows[3].value, 650);
}

TEST_F(InferenceTest, SharesAtAreSevenDayScopeAllShares) {
  // Feb 25 .. Mar 3: Qwen 1710, openai 1500, other 905, deepseek-ai 670, meta-llama 200, mistralai 100.
  const auto shares = op_.shares_at(GroupBy::org, day("2025-03-03"), ref_);
  const std::map<std::string, double> expected = {{"Qwen", 1710.0 / 5085.0},      {"openai", 1500.0 / 5085.0},
                                                  {"other", 905.0 / 5085.0},      {"deepseek-ai", 670.0 / 5085.0},
                                                  {"meta-llama", 200.0 / 5085.0}, {"mistralai", 100.0 / 5085.0}};
  EXPECT_EQ(shares, expected);
  // At the date of T they are the 7d leaderboard's value / total.
  auto b = board(GroupBy::region, InferenceWindow::d7, InferenceScope::all);
  const auto at_t = op_.shares_at(GroupBy::region, day("2025-03-04"), ref_);
  ASSERT_EQ(at_t.size(), b.rows.size());
  for (const auto& r : b.rows) EXPECT_EQ(at_t.at(r.group), r.value / b.total) << r.group;
  EXPECT_EQ(op_.shares_at(GroupBy::region, day("2025-02-20"), ref_),
            (std::map<std::string, double>{{"china", 100.0 / 350.0}, {"us", 200.0 / 350.0}, {"unknown", 50.0 / 350.0}}));
  EXPECT_TRUE(op_.shares_at(GroupBy::org, day("2025-02-19"), ref_).empty());
}

TEST_F(InferenceTest, SeriesPerDayAndMonth) {
  expect_points(op_.series(GroupBy::org, "Qwen", SeriesWindow::day, InferenceScope::all, ref_),
                {{"2025-02-20T00:00:00Z", 100},
                 {"2025-02-26T00:00:00Z", 10},
                 {"2025-03-03T00:00:00Z", 1700},
                 {"2025-03-04T00:00:00Z", 2000}});
  expect_points(op_.series(GroupBy::region, "unknown", SeriesWindow::day, InferenceScope::all, ref_),
                {{"2025-02-20T00:00:00Z", 50},
                 {"2025-02-26T00:00:00Z", 5},
                 {"2025-03-03T00:00:00Z", 900},
                 {"2025-03-04T00:00:00Z", 100}});
  expect_points(op_.series(GroupBy::region, "china", SeriesWindow::month, InferenceScope::open, ref_),
                {{"2025-02-01T00:00:00Z", 130}, {"2025-03-01T00:00:00Z", 3900}});
  expect_points(op_.series(GroupBy::org, "other", SeriesWindow::month, InferenceScope::all, ref_),
                {{"2025-02-01T00:00:00Z", 55}, {"2025-03-01T00:00:00Z", 1000}});
  EXPECT_TRUE(op_.series(GroupBy::org, "openai", SeriesWindow::day, InferenceScope::open, ref_).empty());
  EXPECT_TRUE(op_.series(GroupBy::org, "other", SeriesWindow::day, InferenceScope::open, ref_).empty());
}

TEST_F(InferenceTest, SizeBucketIsNotDefinedForTokens) {
  EXPECT_THROW(board(GroupBy::size_bucket, InferenceWindow::d7, InferenceScope::all), std::invalid_argument);
  EXPECT_THROW(op_.shares_at(GroupBy::size_bucket, closed_, ref_), std::invalid_argument);
  EXPECT_THROW(op_.series(GroupBy::size_bucket, "7-9B", SeriesWindow::day, InferenceScope::all, ref_),
               std::invalid_argument);
  InferenceTokens empty;
  EXPECT_THROW(empty.leaderboard(GroupBy::size_bucket, InferenceWindow::day, InferenceScope::all, std::nullopt,
                                 closed_, ref_),
               std::invalid_argument);
}

TEST_F(InferenceTest, SaveRestoreGivesIdenticalAnswers) {
  op_.apply(row("2025-03-03", kQwen3, 1234, "Qwen/Qwen3-235B-A22B", "Qwen", "2025-03-06T00:00:00Z"));
  const auto state = saved(op_);
  ASSERT_EQ(state.size(), 18u);
  InferenceTokens restored;
  restored.apply(row("2024-01-01", "stale/leftover", 5, std::nullopt, "stale"));
  restored.clear_state();
  EXPECT_EQ(restored.row_count(), 0u);
  for (auto it = state.rbegin(); it != state.rend(); ++it) restored.restore_state(it->first, it->second);
  EXPECT_EQ(restored.row_count(), op_.row_count());
  EXPECT_EQ(restored.stream_time(), op_.stream_time());
  EXPECT_EQ(saved(restored), state);
  for (GroupBy by : {GroupBy::org, GroupBy::region})
    for (InferenceWindow w : {InferenceWindow::day, InferenceWindow::d7, InferenceWindow::month})
      for (InferenceScope s : {InferenceScope::all, InferenceScope::open}) {
        SCOPED_TRACE(std::string(to_string(by)) + " " + std::string(to_string(w)) + " " + std::string(to_string(s)));
        expect_same(restored.leaderboard(by, w, s, std::nullopt, closed_, ref_), board(by, w, s));
      }
  EXPECT_EQ(restored.shares_at(GroupBy::org, closed_, ref_), op_.shares_at(GroupBy::org, closed_, ref_));
  // The restored row still wins over the older delivery.
  EXPECT_EQ(restored.apply(history()[6]), UpsertOutcome::stale);
}

TEST_F(InferenceTest, RestoreRejectsBadValues) {
  const auto state = saved(op_);
  InferenceTokens restored;
  const auto& [key, value] = state.front();
  EXPECT_THROW(restored.restore_state(key, value.substr(0, value.size() - 1)), std::runtime_error);
  EXPECT_THROW(restored.restore_state(key, value + "x"), std::runtime_error);
  EXPECT_THROW(restored.restore_state("no-date", value), std::runtime_error);
  EXPECT_THROW(restored.restore_state("slug@2025-13-01", value), std::runtime_error);
  EXPECT_EQ(restored.row_count(), 0u);
}

TEST(InferenceInterleaving, AnyOrderGivesTheSameState) {
  // Corrections, an equal-observed_at tie and redeliveries mixed into the history.
  auto rows = history();
  rows.push_back(row("2025-03-03", kQwen3, 800, "Qwen/Qwen3-235B-A22B", "Qwen", "2025-03-05T01:00:00Z"));
  rows.push_back(row("2025-03-03", kQwen3, 900, "Qwen/Qwen3-235B-A22B", "Qwen", "2025-03-05T01:00:00Z"));
  rows.push_back(row("2025-03-04", "openai/gpt-4o", 650, std::nullopt, "openai", "2025-03-06T00:00:00Z"));
  rows.push_back(other("2025-03-03", 900));
  rows.push_back(row("2025-03-03", kOtherSlug, 950, std::nullopt, "other", "2025-03-04T12:00:00Z"));
  const ReferenceData ref = reference(true);
  const DayIndex closed = day("2025-03-03");

  InferenceTokens forward;
  for (const auto& r : rows) forward.apply(r);
  // Qwen Mar 3 = 900 (tie) + 300 + 400; other Mar 3 = 950 (newer); openai Mar 4 = 650.
  expect_rows(forward.leaderboard(GroupBy::org, InferenceWindow::d7, InferenceScope::all, std::nullopt, closed, ref),
              {{"Qwen", 3610}, {"openai", 2150}, {"other", 1055}, {"deepseek-ai", 670}, {"meta-llama", 200},
               {"mistralai", 100}},
              7785);
  for (unsigned seed : {1u, 2u, 3u, 42u}) {
    SCOPED_TRACE(seed);
    auto shuffled = rows;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(seed));
    InferenceTokens other_order;
    for (const auto& r : shuffled) other_order.apply(r);
    EXPECT_EQ(saved(other_order), saved(forward));
    EXPECT_EQ(other_order.stream_time(), forward.stream_time());
    for (GroupBy by : {GroupBy::org, GroupBy::region})
      for (InferenceWindow w : {InferenceWindow::day, InferenceWindow::d7, InferenceWindow::month})
        for (InferenceScope s : {InferenceScope::all, InferenceScope::open})
          expect_same(other_order.leaderboard(by, w, s, std::nullopt, closed, ref),
                      forward.leaderboard(by, w, s, std::nullopt, closed, ref));
  }
}

}  // namespace
}  // namespace atomd
