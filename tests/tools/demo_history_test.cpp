// The demo history's form: replay lines that decode, cumulative counters that behave like the
// Hub's, deterministic output, and a catalogue consistent with the reference data.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/csv.hpp"
#include "core/size.hpp"
#include "tests/tools/demo_fixture.hpp"
#include "tools/demo_history.hpp"

namespace atomd {
namespace {

using test::day;
using test::demo_run;

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

std::map<std::string, std::vector<const HfModelSnapshot*>> by_model(const test::DemoRun& run) {
  std::map<std::string, std::vector<const HfModelSnapshot*>> out;
  for (const auto& s : run.snapshots) out[s.repo_id].push_back(&s);
  return out;
}

const DemoModel* catalogue_entry(std::string_view repo_id) {
  for (const auto& m : demo_catalogue())
    if (m.repo_id == repo_id) return &m;
  return nullptr;
}

TEST(DemoHistory, EveryLineIsAMessageOfItsTopicWhoseValueDecodes) {
  const auto& run = demo_run();
  ASSERT_FALSE(run.lines.empty());
  EXPECT_TRUE(run.bad_lines.empty()) << run.bad_lines.size() << " bad lines, first: " << run.bad_lines.front();
  EXPECT_EQ(run.snapshots.size() + run.derivatives.size() + run.token_rows.size(), run.lines.size());
  EXPECT_TRUE(run.text.ends_with('\n'));
  std::map<std::string, std::size_t> sampled;
  for (std::size_t i = 0; i < run.lines.size(); i += 97) {  // the whole line as JSON, on a sample
    auto line = nlohmann::json::parse(run.lines[i]);
    ASSERT_EQ(line.size(), 2u) << run.lines[i];
    const auto topic = line.at("topic").get<std::string>();
    EXPECT_TRUE(topic == test::kTopicModels || topic == test::kTopicDerivatives || topic == test::kTopicTokens) << topic;
    EXPECT_TRUE(line.at("value").is_object());
    ++sampled[topic];
  }
  EXPECT_EQ(sampled.size(), 3u) << "the sample misses a topic";
}

TEST(DemoHistory, CountsLinesPerTopic) {
  const auto& run = demo_run();
  std::ostringstream out;
  const auto counts = write_demo_history(out, demo_calibration_day());
  EXPECT_EQ(counts.hf_models, run.snapshots.size());
  EXPECT_EQ(counts.hf_derivatives, run.derivatives.size());
  EXPECT_EQ(counts.openrouter_tokens, run.token_rows.size());
  EXPECT_EQ(run.lines_per_topic.at(std::string(test::kTopicModels)), counts.hf_models);
  EXPECT_EQ(run.lines_per_topic.at(std::string(test::kTopicDerivatives)), counts.hf_derivatives);
  EXPECT_EQ(run.lines_per_topic.at(std::string(test::kTopicTokens)), counts.openrouter_tokens);
  // One snapshot per model and day from its release day through the calibration day.
  std::size_t expected_snapshots = 0;
  for (const auto& m : demo_catalogue())
    expected_snapshots += static_cast<std::size_t>(demo_calibration_day() - day(m.release_date) + 1);
  EXPECT_EQ(counts.hf_models, expected_snapshots);
  // Kept small enough that replaying the whole demo stays fast.
  EXPECT_GT(counts.hf_derivatives, 10'000u);
  EXPECT_LE(counts.hf_derivatives, 40'000u);
  // Up to 51 rows (top 50 and `other`) a day from 2025-01-01 through the day before calibration.
  const auto days = static_cast<std::size_t>(demo_calibration_day() - day(kDemoOpenRouterFrom));
  EXPECT_GT(counts.openrouter_tokens, days * 40);
  EXPECT_LE(counts.openrouter_tokens, days * 51 + 200);  // plus the few re-delivered rows
}

// Token rows, then derivative sightings, then snapshots at one instant (DESIGN §2: replay is in
// event-time order).
int topic_rank(std::string_view topic) {
  if (topic == test::kTopicTokens) return 0;
  return topic == test::kTopicDerivatives ? 1 : 2;
}

TEST(DemoHistory, AllTopicsInterleaveInEventTimeOrder) {
  const auto& run = demo_run();
  ASSERT_EQ(run.order.size(), run.lines.size());
  for (std::size_t i = 1; i < run.order.size(); ++i) {
    const auto& a = run.order[i - 1];
    const auto& b = run.order[i];
    ASSERT_LE(a.event_time, b.event_time) << "line " << i + 1 << ": " << run.lines[i];
    if (a.event_time == b.event_time) {
      ASSERT_LE(topic_rank(a.topic), topic_rank(b.topic)) << "line " << i + 1;
    }
  }
  // The file ends with the calibration day's 06:00 snapshots.
  EXPECT_EQ(run.order.back().event_time, demo_history_end(demo_calibration_day()));
  EXPECT_EQ(run.order.back().topic, test::kTopicModels);
}

TEST(DemoHistory, SameArgumentsGiveByteIdenticalFiles) {
  std::ostringstream again;
  const auto counts = write_demo_history(again, demo_calibration_day());
  const std::string text = std::move(again).str();
  EXPECT_EQ(counts.total(), demo_run().lines.size());
  EXPECT_EQ(text.size(), demo_run().text.size());
  EXPECT_EQ(fnv1a64(text), fnv1a64(demo_run().text));
}

TEST(DemoHistory, AnEarlierUntilWritesAPrefixEndingThatDay) {
  std::ostringstream out;
  write_demo_history(out, day("2025-06-30"));
  const std::string text = std::move(out).str();
  ASSERT_FALSE(text.empty());
  EXPECT_TRUE(demo_run().text.starts_with(text));
  const auto last_line = std::string_view(text).substr(text.rfind('\n', text.size() - 2) + 1);
  EXPECT_NE(last_line.find(R"("observed_at":"2025-06-30T06:00:00Z")"), std::string_view::npos) << last_line;
}

TEST(DemoHistory, AnEarlierUntilEndsEveryTopicAtThatDaysSnapshots) {
  std::ostringstream out;
  const DayIndex until = day("2025-08-15");
  write_demo_history(out, until);
  test::DemoRun prefix;
  test::decode_replay(std::move(out).str(), prefix);
  ASSERT_TRUE(prefix.bad_lines.empty()) << prefix.bad_lines.front();
  EXPECT_TRUE(demo_run().text.starts_with(prefix.text));
  ASSERT_FALSE(prefix.derivatives.empty());
  ASSERT_FALSE(prefix.token_rows.empty());
  const TimeMs end = demo_history_end(until);
  for (const auto& o : prefix.order) ASSERT_LE(o.event_time, end);
  // The next line of the full file is past the end: the prefix holds everything through it.
  ASSERT_GT(demo_run().order.size(), prefix.order.size());
  EXPECT_GT(demo_run().order[prefix.order.size()].event_time, end);
  EXPECT_EQ(prefix.token_rows.back().date, until - 1);
  EXPECT_EQ(day_of(prefix.derivatives.back().observed_at), until);
}

TEST(DemoHistory, IsInObservedOrderAndSmallEnoughForTheDemo) {
  const auto& run = demo_run();
  for (std::size_t i = 1; i < run.snapshots.size(); ++i)
    ASSERT_LE(run.snapshots[i - 1].observed_at, run.snapshots[i].observed_at) << "line " << i + 1;
  EXPECT_LT(run.snapshots.size(), 120'000u);  // the other topics' volumes: CountsLinesPerTopic
  EXPECT_EQ(day_of(run.snapshots.back().observed_at), demo_calibration_day());
}

TEST(DemoHistory, EveryCatalogueModelHasADailySeries) {
  const auto series = by_model(demo_run());
  EXPECT_EQ(series.size(), demo_catalogue().size());
  for (const auto& m : demo_catalogue()) {
    auto it = series.find(std::string(m.repo_id));
    ASSERT_NE(it, series.end()) << m.repo_id;
    const auto& s = it->second;
    for (std::size_t k = 1; k < s.size(); ++k)
      ASSERT_EQ(s[k]->observed_at - s[k - 1]->observed_at, kMsPerDay) << m.repo_id << " snapshot " << k;
  }
}

TEST(DemoHistory, CountersAreCumulativeAndThirtyDaysIsTheLastThirtyDays) {
  for (const auto& [repo, s] : by_model(demo_run())) {
    for (std::size_t k = 0; k < s.size(); ++k) {
      if (k > 0) {
        ASSERT_GE(s[k]->downloads_all_time, s[k - 1]->downloads_all_time) << repo << " snapshot " << k;
        ASSERT_GE(s[k]->likes, s[k - 1]->likes) << repo << " snapshot " << k;
      }
      const std::int64_t thirty_days_ago = k >= 30 ? s[k - 30]->downloads_all_time : 0;
      ASSERT_EQ(s[k]->downloads_30d, s[k]->downloads_all_time - thirty_days_ago) << repo << " snapshot " << k;
    }
    EXPECT_GT(s.back()->likes, 0) << repo;
  }
}

TEST(DemoHistory, FirstSnapshotIsWithinADayOfTheReleaseTheDaemonResolves) {
  const auto& ref = demo_run().reference;
  for (const auto& [repo, s] : by_model(demo_run())) {
    const DemoModel* m = catalogue_entry(repo);
    ASSERT_NE(m, nullptr) << repo;
    const auto& first = *s.front();
    EXPECT_EQ(day_of(first.created_at), day(m->release_date)) << repo;
    const TimeMs release = ref.release_at(repo, first.created_at, first.observed_at);
    EXPECT_EQ(release, day_start(day(m->release_date))) << repo << ": a release-date correction disagrees";
    EXPECT_GT(first.observed_at, first.created_at) << repo;
    EXPECT_LT(first.observed_at - release, kMsPerDay) << repo;
    for (const auto* snapshot : s) ASSERT_EQ(snapshot->created_at, first.created_at) << repo;
  }
}

TEST(DemoHistory, EveryDemoModelIsInTheTrackedList) {
  const auto& ref = demo_run().reference;
  ASSERT_FALSE(ref.tracked_models().empty()) << "config/tracked_models.csv is missing or empty";
  for (const auto& m : demo_catalogue()) {
    EXPECT_TRUE(ref.is_tracked(m.repo_id)) << m.repo_id;
    EXPECT_EQ(ref.canonical_repo_id(m.repo_id).value_or(""), m.repo_id) << "spelled differently in the list";
  }
}

TEST(DemoHistory, EveryDemoOrgHasARegion) {
  const auto& ref = demo_run().reference;
  for (const auto& m : demo_catalogue())
    EXPECT_NE(ref.region_of(repo_org(m.repo_id)), Region::unknown) << m.repo_id;
}

TEST(DemoHistory, ParamsTotalAgreesWithTheSizesTableOrTheName) {
  std::map<std::string, double> table;  // config/sizes.csv, read here to tell table from name
  const auto csv = parse_csv(test::read_source_file("config/sizes.csv"), "sizes.csv");
  for (const auto& row : csv.rows)
    table[row[csv.column("model_id", "sizes.csv")]] = std::stod(row[csv.column("total_params_b", "sizes.csv")]);
  const auto& ref = demo_run().reference;
  for (const auto& m : demo_catalogue()) {
    const double params_b = static_cast<double>(std::llround(m.params_b * 1e9)) / 1e9;
    const auto resolved = ref.size_b(m.repo_id, std::llround(m.params_b * 1e9));
    ASSERT_TRUE(resolved.has_value()) << m.repo_id;
    if (auto it = table.find(std::string(m.repo_id)); it != table.end()) {
      EXPECT_EQ(*resolved, it->second) << m.repo_id;
      EXPECT_NEAR(params_b / it->second, 1.0, 0.1) << m.repo_id << ": sizes.csv " << it->second << " vs " << params_b;
      continue;
    }
    // Sized by its name elsewhere: the written params_total must not move it to another bucket.
    const auto from_name = size_from_name(m.repo_id);
    ASSERT_TRUE(from_name.has_value()) << m.repo_id << ": the name gives no size; add it to config/sizes.csv";
    EXPECT_EQ(size_bucket_of(params_b), size_bucket_of(*from_name)) << m.repo_id << " params_b " << params_b;
  }
}

TEST(DemoHistory, DerivedModelsNameTheirBaseInTheirTags) {
  for (const auto& [repo, s] : by_model(demo_run())) {
    const DemoModel* m = catalogue_entry(repo);
    ASSERT_NE(m, nullptr) << repo;
    const auto& tags = s.front()->tags;
    auto has = [&](const std::string& tag) { return std::find(tags.begin(), tags.end(), tag) != tags.end(); };
    EXPECT_TRUE(has(std::string(m->pipeline_tag))) << repo;
    EXPECT_EQ(s.front()->pipeline_tag.value_or(""), m->pipeline_tag) << repo;
    const auto base_tags = std::count_if(tags.begin(), tags.end(), [](const std::string& t) {
      return t.starts_with("base_model:");
    });
    if (m->base.empty()) {
      EXPECT_EQ(base_tags, 0) << repo;
      continue;
    }
    const auto colon = m->base.find(':');
    const std::string relation(m->base.substr(0, colon));
    const std::string base(m->base.substr(colon + 1));
    EXPECT_TRUE(relation == "finetune" || relation == "quantized") << repo << ": " << m->base;
    EXPECT_TRUE(is_repo_id(base)) << repo << ": " << m->base;
    EXPECT_NE(base, repo);
    EXPECT_TRUE(has("base_model:" + base)) << repo;
    EXPECT_TRUE(has("base_model:" + relation + ":" + base)) << repo;
  }
}

}  // namespace
}  // namespace atomd
