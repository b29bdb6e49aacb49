// The demo's OpenRouter rows: shaped like the rankings endpoint's, and calibrated so that the
// inference shares DESIGN §4 defines reproduce the report's story (atom-report-facts.md):
// Chinese open models pass US open models during 2025 and hold over 70 % of open tokens by early
// 2026, while closed models keep most tokens.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "tests/tools/demo_fixture.hpp"
#include "tools/demo_history.hpp"

namespace atomd {
namespace {

using test::day;
using test::demo_run;

// The rows after upserts by (slug, date): the last observed_at wins (DESIGN §4).
std::map<std::pair<DayIndex, std::string>, const OpenRouterTokens*> upserted(const test::DemoRun& run) {
  std::map<std::pair<DayIndex, std::string>, const OpenRouterTokens*> out;
  for (const auto& row : run.token_rows) {
    auto& stored = out[{row.date, row.slug}];
    if (!stored || row.observed_at > stored->observed_at) stored = &row;
  }
  return out;
}

// Tokens per day and region; "closed" for rows without an HF id, "other" for the `other` row.
using DailyGroups = std::map<DayIndex, std::map<std::string, double>>;

const DailyGroups& daily_groups() {
  static const DailyGroups groups = [] {
    DailyGroups out;
    const auto& run = demo_run();
    for (const auto& [key, row] : upserted(run)) {
      std::string group = "closed";
      if (row->slug == kOtherSlug) group = "other";
      if (row->hf_id) group = std::string(to_string(run.reference.region_of(row->org)));
      out[key.first][group] += static_cast<double>(row->tokens);
    }
    return out;
  }();
  return groups;
}

// China's and the US's share of open-model tokens (scope open) over [first, last].
struct OpenShares {
  double china = 0, us = 0;
};
OpenShares open_shares(DayIndex first, DayIndex last) {
  double china = 0, us = 0, open = 0;
  for (auto it = daily_groups().lower_bound(first); it != daily_groups().end() && it->first <= last; ++it)
    for (const auto& [group, tokens] : it->second) {
      if (group == "closed" || group == "other") continue;
      open += tokens;
      if (group == "china") china += tokens;
      if (group == "us") us += tokens;
    }
  return open > 0 ? OpenShares{china / open, us / open} : OpenShares{};
}

TEST(DemoOpenRouter, ChinaPassesTheUsInOpenModelTokensDuring2025AndStaysAhead) {
  const DayIndex first = daily_groups().begin()->first;
  const DayIndex last = daily_groups().rbegin()->first;
  std::optional<MonthIndex> first_month;
  for (MonthIndex m = month_of_day(first); m <= month_of_day(last); ++m) {
    const auto s = open_shares(month_first_day(m), month_first_day(m + 1) - 1);
    if (!first_month && s.china > s.us) {
      first_month = m;
      std::printf("first month with China ahead (scope open): %s, China %.1f %% vs US %.1f %%\n",
                  format_month(m).c_str(), 100 * s.china, 100 * s.us);
    }
    if (first_month) {
      EXPECT_GT(s.china, s.us) << format_month(m) << ": China fell behind again";
    }
  }
  ASSERT_TRUE(first_month.has_value()) << "China never passes the US";
  EXPECT_EQ(month_year(*first_month), 2025);

  std::optional<DayIndex> first_week;  // the 7-day window (d − 7, d]
  for (DayIndex d = first + 6; d <= last && !first_week; ++d) {
    const auto s = open_shares(d - 6, d);
    if (s.china > s.us) first_week = d;
  }
  ASSERT_TRUE(first_week.has_value());
  const auto s = open_shares(*first_week - 6, *first_week);
  std::printf("first 7-day window with China ahead (scope open): ending %s, China %.1f %% vs US %.1f %%\n",
              format_date(*first_week).c_str(), 100 * s.china, 100 * s.us);
  EXPECT_EQ(month_year(month_of_day(*first_week)), 2025);
}

TEST(DemoOpenRouter, ChinasOpenShareRisesFromAFewPercentToOverSeventyPercent) {
  const auto jan_2025 = open_shares(day("2025-01-01"), day("2025-01-31"));
  const auto first_week = open_shares(day("2025-01-01"), day("2025-01-07"));
  const auto feb_2026 = open_shares(day("2026-02-01"), day("2026-02-28"));
  std::printf("China's share of open tokens: first week %.1f %%, 2025-01 %.1f %%, 2026-02 %.1f %%\n",
              100 * first_week.china, 100 * jan_2025.china, 100 * feb_2026.china);
  EXPECT_LT(first_week.china, 0.06);
  EXPECT_LT(jan_2025.china, 0.12);
  EXPECT_GT(feb_2026.china, 0.70);
}

TEST(DemoOpenRouter, ClosedModelsKeepMostTokens) {
  for (const auto& [d, groups] : daily_groups()) {
    double all = 0;
    for (const auto& [group, tokens] : groups) all += tokens;
    const double closed = groups.contains("closed") ? groups.at("closed") : 0;
    ASSERT_GT(closed / all, 0.5) << format_date(d);
    ASSERT_GT(groups.at("other"), 0) << format_date(d);
  }
}

TEST(DemoOpenRouter, EachDayIsATopFiftyRankingPlusOther) {
  const auto& run = demo_run();
  std::map<DayIndex, std::set<std::string>> slugs;
  std::map<DayIndex, std::int64_t> last_tokens;
  for (const auto& row : run.token_rows) {
    if (row.observed_at != day_start(row.date + 1) + 2 * 3'600'000) continue;  // first deliveries only
    ASSERT_TRUE(slugs[row.date].insert(row.slug).second) << row.slug << " twice on " << format_date(row.date);
    if (row.slug == kOtherSlug) continue;
    // Ranked: the endpoint lists the day's models by tokens, largest first.
    if (auto it = last_tokens.find(row.date); it != last_tokens.end()) {
      ASSERT_LE(row.tokens, it->second) << row.slug;
    }
    last_tokens[row.date] = row.tokens;
  }
  const DayIndex first = day(kDemoOpenRouterFrom);
  ASSERT_EQ(slugs.begin()->first, first);
  ASSERT_EQ(slugs.rbegin()->first, demo_calibration_day() - 1);
  EXPECT_EQ(slugs.size(), static_cast<std::size_t>(demo_calibration_day() - first));
  std::size_t full_days = 0;
  for (const auto& [d, day_slugs] : slugs) {
    EXPECT_TRUE(day_slugs.contains(std::string(kOtherSlug))) << format_date(d);
    EXPECT_LE(day_slugs.size(), 51u) << format_date(d);
    if (day_slugs.size() == 51) ++full_days;
  }
  EXPECT_GT(full_days, slugs.size() / 2) << "most days have more than 50 models listed";
}

TEST(DemoOpenRouter, RowsNameTheirOrgAsTheDaemonResolvesIt) {
  const auto& run = demo_run();
  const auto& ref = run.reference;
  std::set<std::string> untracked, variants;
  for (const auto& row : run.token_rows) {
    if (row.slug == kOtherSlug) {
      EXPECT_EQ(row.org, kOtherSlug);
      EXPECT_FALSE(row.hf_id.has_value());
      continue;
    }
    if (row.slug.find(':') != std::string::npos) variants.insert(row.slug);
    ASSERT_NE(row.slug.find('/'), std::string::npos) << row.slug;
    if (row.hf_id) {
      // Open: the namespace of the Hugging Face id, as written (aliases apply when grouping).
      EXPECT_EQ(row.org, repo_org(*row.hf_id)) << row.slug;
      if (!ref.is_tracked(*row.hf_id)) untracked.insert(*row.hf_id);
    } else {
      // Closed: the slug's author through config/org_aliases.csv.
      EXPECT_EQ(row.org, ref.canonical_org(row.slug.substr(0, row.slug.find('/')))) << row.slug;
    }
    EXPECT_NE(ref.region_of(row.org), Region::unknown) << row.slug << " org " << row.org;
  }
  // Only the model under THUDM, the old name that reaches zai-org through the aliases.
  EXPECT_EQ(untracked, (std::set<std::string>{"THUDM/GLM-4-32B-0414"}));
  EXPECT_GT(variants.size(), 5u) << "':free' variants are rows of their own";
}

TEST(DemoOpenRouter, SomeDaysAreDeliveredAgainWithCorrectedCounts) {
  const auto& run = demo_run();
  std::map<std::pair<DayIndex, std::string>, const OpenRouterTokens*> first;
  std::size_t corrected = 0;
  std::set<DayIndex> corrected_days;
  for (const auto& row : run.token_rows) {
    auto [it, inserted] = first.try_emplace({row.date, row.slug}, &row);
    if (inserted) continue;
    EXPECT_GT(row.observed_at, it->second->observed_at) << row.slug;
    EXPECT_NE(row.tokens, it->second->tokens) << row.slug;
    ++corrected;
    corrected_days.insert(row.date);
  }
  EXPECT_GE(corrected_days.size(), 10u);
  EXPECT_LE(corrected, 3 * corrected_days.size());
}

TEST(DemoOpenRouter, GptOssHasTokensOnlyFromItsRelease) {
  std::optional<DayIndex> first;
  for (const auto& row : demo_run().token_rows)
    if (row.hf_id && row.hf_id->starts_with("openai/gpt-oss") && (!first || row.date < *first)) first = row.date;
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, day("2025-08-05"));
}

}  // namespace
}  // namespace atomd
