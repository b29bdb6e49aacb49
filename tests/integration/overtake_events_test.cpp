// Overtake events end to end on the embedded broker (DESIGN §4 "Overtake", "Events", §6): a
// replay file with a known crossing gives exactly the expected events, once each, on
// /api/v1/events, on atom.events.v1 read by an outside client (kcat) and as
// atom_overtakes_total on /metrics; a pair that flaps for one day at a time gives none; and
// the same file replayed from scratch twice gives identical events.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/time.hpp"
#include "tests/integration/daemon_process.hpp"

namespace atomd {
namespace {

using namespace atomd::testing;
using nlohmann::json;

// Four tracked models, one per org, each org in its own region. Snapshots every day at
// 06:00 UTC from 2025-03-01 to 2025-03-08; all were released long before (more than
// downloads.gap_fill_horizon), so each first snapshot only sets a baseline. `pairs[k]` is the
// all-time growth between the snapshots of 03-(01+k) and 03-(02+k), apportioned linearly:
// 3/4 to the earlier day, 1/4 to the next. So at the end of day k (k = 1 for 03-01),
// cumulative = baseline + sum(pairs[0..k-2]) + 0.75 pairs[k-1], and (all history being within
// 30 days) 30d = cumulative - baseline.
struct ModelSpec {
  std::string repo_id, org, created_at;
  long baseline;
  std::vector<long> pairs;  // 7 pairs between 8 snapshots
};

const std::vector<ModelSpec>& models() {
  static const std::vector<ModelSpec> specs = {
      // The crossing pair. 30d: alpha 15,000 / 27,500 / 37,500 / 47,500 ...; beta 7,500 / 32,500 / 62,500 /
      // 92,500 ... → beta above from 03-02. Cumulative: alpha 1,015,000 / 1,027,500 / 1,037,500 / 1,047,500 /
      // 1,057,500 / 1,067,500; beta 967,500 / 992,500 / 1,022,500 / 1,052,500 / 1,082,500 / 1,112,500 → beta
      // above from 03-04.
      {"alpha-lab/Alpha-70B", "alpha-lab", "2023-06-01T00:00:00Z", 1'000'000, {20'000, 10'000, 10'000, 10'000, 10'000, 10'000, 10'000}},
      // Released 2024-10-01: 154 days before 03-04, within overtake.new_entrant_days (365).
      {"beta-lab/Beta-8B", "beta-lab", "2024-10-01T00:00:00Z", 960'000, {10'000, 30'000, 30'000, 30'000, 30'000, 30'000, 30'000}},
      // The flapping pair: equal baselines, so cumulative and 30d differ by the same amount,
      // delta − gamma = −300, −400, +200, −200, +200, −200 on 03-01..03-06: delta is above on 03-03
      // and 03-05 only, gamma back above the day after each time; no run lasts two days.
      {"gamma-lab/Gamma-3B", "gamma-lab", "2024-01-15T00:00:00Z", 50'000, {2'000, 2'000, 2'000, 2'000, 2'000, 2'000, 2'000}},
      {"delta-lab/Delta-3B", "delta-lab", "2024-01-15T00:00:00Z", 50'000, {1'600, 2'000, 2'800, 1'200, 2'800, 1'200, 2'000}},
  };
  return specs;
}

constexpr int kSnapshots = 8;  // 2025-03-01 .. 2025-03-08, 06:00 UTC

std::string history() {
  std::string h;
  for (int day = 0; day < kSnapshots; ++day)
    for (const ModelSpec& m : models()) {
      HfModelSnapshot s;
      s.repo_id = m.repo_id;
      s.org = m.org;
      s.observed_at = *parse_rfc3339("2025-03-0" + std::to_string(day + 1) + "T06:00:00Z");
      s.created_at = *parse_rfc3339(m.created_at);
      s.downloads_all_time = m.baseline;
      for (int k = 0; k < day; ++k) s.downloads_all_time += m.pairs[k];
      s.downloads_30d = day == 0 ? 0 : m.pairs[day - 1] * 30;
      s.likes = 7;
      s.tags = {"transformers", "text-generation"};
      h += json{{"topic", "hf.models"}, {"value", json::parse(encode(s))}}.dump() + "\n";
    }
  return h;
}

// The events the file must produce (allowed_lateness 1d: the last snapshot, 03-08 06:00, puts
// W at 03-07 06:00, so 03-01..03-06 are evaluated; 03-01 only establishes state; confirm 2).
// Newest first, ties by id. Each pair of orgs is also a pair of regions, so every org event
// has a region twin with the same values.
struct Expected {
  std::string metric, group_by, winner, loser, at;
  double winner_value, loser_value;
  bool new_entrant;
  std::string id() const { return "overtake|" + metric + "|" + group_by + "|" + winner + "|" + loser + "|" + at; }
};

const std::vector<Expected>& expected_events() {
  static const std::vector<Expected> e = {
      {"downloads_cumulative", "org", "beta-lab", "alpha-lab", "2025-03-04", 1'052'500, 1'047'500, true},
      {"downloads_cumulative", "region", "china", "us", "2025-03-04", 1'052'500, 1'047'500, true},
      {"downloads_30d", "org", "beta-lab", "alpha-lab", "2025-03-02", 32'500, 27'500, true},
      {"downloads_30d", "region", "china", "us", "2025-03-02", 32'500, 27'500, true},
  };
  return e;
}

void expect_event(const json& got, const Expected& want) {
  SCOPED_TRACE(want.id());
  EXPECT_EQ(got.value("id", ""), want.id()) << got.dump();
  EXPECT_EQ(got.value("kind", ""), "overtake");
  EXPECT_EQ(got.value("metric", ""), want.metric);
  EXPECT_EQ(got.value("group_by", ""), want.group_by);
  EXPECT_EQ(got.value("winner", ""), want.winner);
  EXPECT_EQ(got.value("loser", ""), want.loser);
  EXPECT_EQ(got.value("at", ""), want.at);
  EXPECT_EQ(got.value("new_entrant", !want.new_entrant), want.new_entrant);
  ASSERT_TRUE(got.contains("values")) << got.dump();
  EXPECT_EQ(got["values"].size(), 2u) << got.dump();
  EXPECT_DOUBLE_EQ(got["values"].value("winner", -1.0), want.winner_value);
  EXPECT_DOUBLE_EQ(got["values"].value("loser", -1.0), want.loser_value);
  EXPECT_FALSE(got.contains("group") || got.contains("direction") || got.contains("threshold")) << got.dump();
}

struct RunResult {
  std::string events_body;                  // GET /api/v1/events
  std::optional<std::vector<std::string>> kcat;  // "key\tvalue" lines from atom.events.v1, sorted; none without kcat
};

class OvertakeEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("overtake-events");
    write_file(dir_ + "/history.jsonl", history());
    std::string tracked = "org,model,modelId\n";
    for (const ModelSpec& m : models())
      tracked += m.org + "," + m.repo_id.substr(m.repo_id.find('/') + 1) + "," + m.repo_id + "\n";
    write_file(dir_ + "/tracked.csv", tracked);
    write_file(dir_ + "/regions.csv",
               "hf_org,region,notes\nalpha-lab,us,\nbeta-lab,china,\ngamma-lab,eu,\ndelta-lab,other,\n");
    write_file(dir_ + "/sizes.csv", "model_id,total_params_b,active_params_b,is_moe,notes\n");
    write_file(dir_ + "/release_dates.csv", "model_id,hf_created_at,actual_release_date,notes\n");
    write_file(dir_ + "/org_aliases.csv", "alias,org\n");
    write_file(dir_ + "/atomd.yaml",
               "kafka: {brokers: \"\"}\n"
               "reference:\n  tracked_models: " + dir_ + "/tracked.csv\n  regions: " + dir_ + "/regions.csv\n"
               "  sizes: " + dir_ + "/sizes.csv\n  release_dates: " + dir_ + "/release_dates.csv\n"
               "  org_aliases: " + dir_ + "/org_aliases.csv\n"
               "connectors:\n  hf: {enabled: false}\n  hf_derivatives: {enabled: false}\n  openrouter: {enabled: false}\n");
  }

  // One daemon from a fresh state dir, replaying the file and staying up to serve; checks
  // everything one run must show and returns what the determinism check compares.
  RunResult run_and_check(const std::string& name, bool read_topic) {
    RunResult result;
    const std::string run_dir = dir_ + "/" + name;
    std::filesystem::create_directories(run_dir);
    DaemonProcess daemon({"--config", dir_ + "/atomd.yaml", "--replay", dir_ + "/history.jsonl", "--state-dir",
                          run_dir + "/state", "--set", "windows.allowed_lateness=1d"},
                         run_dir);
    EXPECT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
    const bool done = wait_until(
        [&] {
          auto r = daemon.get("/api/v1/status");
          return r.status == 200 && json::parse(r.body)["replay"]["done"] == true;
        },
        std::chrono::seconds(40));
    EXPECT_TRUE(done) << daemon.stderr_text();
    if (!done) return result;
    EXPECT_NE(daemon.stdout_text().find("Replay summary: 32 lines, 32 produced"), std::string::npos)
        << daemon.stdout_text();

    // (1) The API: exactly the expected list, newest first (ties by id).
    auto events = daemon.get("/api/v1/events");
    EXPECT_EQ(events.status, 200);
    result.events_body = events.body;
    json list = json::parse(events.body)["events"];
    EXPECT_EQ(list.size(), expected_events().size()) << list.dump(2);
    for (std::size_t i = 0; i < std::min(list.size(), expected_events().size()); ++i)
      expect_event(list[i], expected_events()[i]);
    EXPECT_EQ(json::parse(daemon.get("/api/v1/events?kind=overtake").body)["events"], list);
    EXPECT_TRUE(json::parse(daemon.get("/api/v1/events?kind=threshold").body)["events"].empty());
    EXPECT_EQ(json::parse(daemon.get("/api/v1/events?limit=1").body)["events"], json::array({list.at(0)}));

    // The flapping pair did cross in the data: daily increments as apportioned, and their
    // running difference (cumulative and 30d alike: equal baselines) changes sign daily from 03-03.
    auto daily = [&](const std::string& org) {
      json body = json::parse(daemon.get("/api/v1/series?metric=downloads&group_by=org&window=day&group=" + org).body);
      std::vector<double> v;
      for (const auto& p : body["points"]) v.push_back(p["value"].get<double>());
      return v;
    };
    const std::vector<double> gamma = daily("gamma-lab"), delta = daily("delta-lab");
    EXPECT_EQ(gamma, (std::vector<double>{1'500, 2'000, 2'000, 2'000, 2'000, 2'000, 2'000, 500}));
    EXPECT_EQ(delta, (std::vector<double>{1'200, 1'900, 2'600, 1'600, 2'400, 1'600, 1'800, 500}));
    if (gamma.size() == 8 && delta.size() == 8) {
      std::vector<double> diff;
      double running = 0;
      for (int k = 0; k < 6; ++k) diff.push_back(running += delta[k] - gamma[k]);
      EXPECT_EQ(diff, (std::vector<double>{-300, -400, 200, -200, 200, -200}));
    }

    // (3) /metrics: one confirmed overtake per pair and metric; nothing for the flapping pair;
    // ranks as of the last evaluated day (03-06), which W = 03-07 06:00 closes.
    auto metrics = daemon.get("/metrics").body;
    for (const Expected& e : expected_events()) {
      SCOPED_TRACE(e.id());
      EXPECT_EQ(metric_value(metrics, "atom_overtakes_total",
                             {"metric=\"" + e.metric + "\"", "group_by=\"" + e.group_by + "\"",
                              "winner=\"" + e.winner + "\"", "loser=\"" + e.loser + "\""}),
                1.0);
    }
    std::istringstream lines(metrics);
    int overtake_series = 0;
    for (std::string l; std::getline(lines, l);)
      if (l.rfind("atom_overtakes_total{", 0) == 0) ++overtake_series;
    EXPECT_EQ(overtake_series, 4) << metrics;
    EXPECT_TRUE(std::isnan(metric_value(metrics, "atom_overtakes_total", {"winner=\"gamma-lab\""})));
    EXPECT_TRUE(std::isnan(metric_value(metrics, "atom_overtakes_total", {"winner=\"delta-lab\""})));
    const std::vector<std::pair<std::string, double>> cumulative_ranks = {
        {"beta-lab", 1}, {"alpha-lab", 2}, {"gamma-lab", 3}, {"delta-lab", 4}};
    for (const auto& [group, rank] : cumulative_ranks)
      EXPECT_EQ(metric_value(metrics, "atom_group_rank",
                             {"metric=\"downloads_cumulative\"", "group_by=\"org\"", "group=\"" + group + "\""}),
                rank)
          << group;
    EXPECT_EQ(metric_value(metrics, "atom_group_rank",
                           {"metric=\"downloads_cumulative\"", "group_by=\"region\"", "group=\"china\""}),
              1.0);
    EXPECT_EQ(metric_value(metrics, "atom_group_rank",
                           {"metric=\"downloads_30d\"", "group_by=\"org\"", "group=\"beta-lab\""}),
              1.0);
    EXPECT_DOUBLE_EQ(metric_value(metrics, "atom_watermark_timestamp_seconds", {}),
                     static_cast<double>(*parse_rfc3339("2025-03-07T06:00:00Z")) / 1000.0);

    // (2) An outside client reads each event once from atom.events.v1, keyed by its id.
    if (read_topic) result.kcat = check_events_topic(daemon, list);

    EXPECT_EQ(daemon.terminate(), 0) << daemon.stderr_text();
    return result;
  }

  // The events on atom.events.v1, read with kcat: each once, keyed by its id, as the API
  // (`list`) serves it. Returns the "key\tvalue" rows, sorted.
  std::vector<std::string> check_events_topic(DaemonProcess& daemon, const json& list) {
    auto status = json::parse(daemon.get("/api/v1/status").body);
    const std::string bootstrap = status["kafka"]["bootstrap"];
    const std::string command = "kcat -C -b " + bootstrap + " -t atom.events.v1 -o beginning -e -q -f '%k\\t%s\\n'";
    // The daemon publishes each event as it is confirmed; the producer may still hold the last ones.
    std::vector<std::string> rows;
    auto read_topic = [&] {
      std::string out;
      rows.clear();
      if (run_command(command, &out) != 0) return false;
      std::istringstream in(out);
      for (std::string row; std::getline(in, row);)
        if (!row.empty()) rows.push_back(row);
      return rows.size() >= expected_events().size();
    };
    EXPECT_TRUE(wait_until(read_topic, std::chrono::seconds(15)));
    std::sort(rows.begin(), rows.end());
    std::map<std::string, Event> by_key;
    for (const std::string& row : rows) {
      auto tab = row.find('\t');
      if (tab == std::string::npos) {
        ADD_FAILURE() << "no key: " << row;
        continue;
      }
      auto decoded = decode_event(row.substr(tab + 1));
      if (!decoded.ok()) {
        ADD_FAILURE() << row << ": " << decoded.rejection().detail;
        continue;
      }
      EXPECT_EQ(decoded->id(), row.substr(0, tab)) << row;
      EXPECT_TRUE(by_key.emplace(row.substr(0, tab), decoded.value()).second) << "published twice: " << row;
      // The topic carries exactly what the API serves.
      json api_entry;
      for (const auto& e : list)
        if (e["id"] == decoded->id()) api_entry = e;
      json wire = json::parse(row.substr(tab + 1));
      EXPECT_EQ(wire.value("schema", 0), 1);
      wire.erase("schema");
      EXPECT_EQ(wire, api_entry) << row;
    }
    EXPECT_EQ(rows.size(), expected_events().size()) << ::testing::PrintToString(rows);
    for (const Expected& e : expected_events()) {
      SCOPED_TRACE(e.id());
      auto it = by_key.find(e.id());
      if (it == by_key.end()) {
        ADD_FAILURE() << "not on the topic";
        continue;
      }
      EXPECT_EQ(it->second.kind, EventKind::overtake);
      EXPECT_EQ(it->second.at, *parse_date(e.at));
      EXPECT_EQ(it->second.winner, e.winner);
      EXPECT_EQ(it->second.loser, e.loser);
      EXPECT_EQ(it->second.new_entrant, e.new_entrant);
      EXPECT_EQ(it->second.values, (std::map<std::string, double>{{"loser", e.loser_value}, {"winner", e.winner_value}}));
    }
    return rows;
  }

  std::string dir_;
};

TEST_F(OvertakeEvents, KnownCrossingGivesExactlyItsEventsEverywhereAndFlapsGiveNone) {
  // Without kcat everything else is still checked, and the test then ends skipped.
  const bool kcat = tool_installed("kcat");
  RunResult first = run_and_check("run1", kcat);
  if (HasFatalFailure()) return;
  // A restarted daemon on the same file and state counts nothing twice, but would also not
  // re-evaluate the days; determinism is shown from scratch: a second fresh run on the same
  // file gives byte-identical events, on the API and on the topic.
  RunResult second = run_and_check("run2", kcat);
  EXPECT_FALSE(first.events_body.empty());
  EXPECT_EQ(first.events_body, second.events_body);
  EXPECT_EQ(first.kcat, second.kcat);
  if (!kcat) GTEST_SKIP() << "kcat not installed (scripts/install-deps.sh installs it): atom.events.v1 was not read";
}

}  // namespace
}  // namespace atomd
