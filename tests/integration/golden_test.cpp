// The golden end-to-end test (STYLE.md, "like node_exporter's end-to-end-test.sh"): build/atomd
// replays a small committed file on the embedded broker from a fresh state dir, and what it then
// serves (/metrics, the leaderboards, models, series and events) must equal the committed
// expected files under tests/integration/golden/ byte for byte, once the few volatile metric
// families below are left out. A refactor that changes any number, label, row order or event
// shows up as a unified diff.
//
// The input, golden/fixtures/replay.jsonl (how it was made: golden/make_replay.py), uses real
// tracked models of config/tracked_models.csv and the project's reference data; its
// configuration is golden/fixtures/atomd.yaml. Every input partition ends within
// windows.allowed_lateness of the stream time, so the final watermark does not depend on how
// long the replay takes (make_replay.py checks this).
//
// Regenerate after an intended change: ATOMD_UPDATE_GOLDEN=1 ctest -R Golden (rewrites the
// expected files in the source tree; review them with git diff).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tests/integration/daemon_process.hpp"

namespace atomd {
namespace {

using namespace atomd::testing;
using ordered_json = nlohmann::ordered_json;

const std::string kGoldenDir = std::string(ATOMD_SOURCE_DIR) + "/tests/integration/golden";

// The metric families whose samples are left out of metrics.txt, each with why it cannot be
// golden. Their # HELP and # TYPE lines stay: the families must still be exported.
struct VolatileFamily {
  std::string_view name;
  std::string_view why;
};
constexpr VolatileFamily kVolatileFamilies[] = {
    {"atom_build_info", "its version label is the release's, not behaviour"},
    {"atom_checkpoint_duration_seconds", "how long the last RocksDB checkpoint took: wall clock"},
    {"atom_checkpoint_last_timestamp_seconds", "when the last checkpoint was taken: wall clock"},
    {"atom_consumer_lag_records",
     "sampled by the consumer loop every 2 s of processing time: a scrape may see a sample taken mid-replay"},
};

// A Prometheus text exposition without the samples of kVolatileFamilies.
std::string without_volatile_samples(const std::string& exposition) {
  std::istringstream in(exposition);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    bool drop = false;
    if (!line.empty() && line[0] != '#') {
      const std::string_view name = std::string_view(line).substr(0, line.find_first_of("{ "));
      for (const auto& family : kVolatileFamilies) drop |= name == family.name;
    }
    if (!drop) out += line + "\n";
  }
  return out;
}

// GET answers as one JSON document, in request order: {target: {"status": N, "body": ...}}.
// Bodies are re-indented only (ordered_json keeps the daemon's key order and numbers).
std::string answers(DaemonProcess& daemon, const std::vector<std::string>& targets) {
  ordered_json doc = ordered_json::object();
  for (const auto& target : targets) {
    const HttpResult r = daemon.get(target);
    ordered_json body = ordered_json::parse(r.body, nullptr, false);
    doc[target] = {{"status", r.status}, {"body", body.is_discarded() ? ordered_json(r.body) : body}};
  }
  return doc.dump(2) + "\n";
}

std::vector<std::string> golden_leaderboard_targets() {
  std::vector<std::string> targets = leaderboard_targets();
  // A past month by name, and two bad parameters (400 with an error message).
  targets.push_back("/api/v1/leaderboard?metric=downloads&group_by=org&window=month&month=2025-01");
  targets.push_back("/api/v1/leaderboard?metric=derivatives&group_by=region&window=month&month=2025-01");
  targets.push_back("/api/v1/leaderboard?metric=inference&group_by=org&window=7d&limit=3");
  targets.push_back("/api/v1/leaderboard?metric=downloads&group_by=org&window=30d&month=2025-01");
  targets.push_back("/api/v1/leaderboard?metric=likes&group_by=org&window=month");
  return targets;
}

const std::vector<std::string> kModelTargets = {
    "/api/v1/models/Qwen/Qwen3-8B",                     // size from params_total, RAM at 7/14/30 days
    "/api/v1/models/meta-llama/Llama-3.1-8B-Instruct",  // gap-filled from a release before the first snapshot
    "/api/v1/models/deepseek-ai/DeepSeek-V3",           // release date corrected by config/release_dates.csv
    "/api/v1/models/microsoft/phi-4",                   // a decrease: anomaly, baseline reset
    "/api/v1/models/google/gemma-2-2b-it",              // one snapshot delivered twice
    "/api/v1/models/mistralai/Mixtral-8x7B-Instruct-v0.1",  // old: the first snapshot only a baseline
    "/api/v1/models/someone/Absent-7B",                 // 404
};

const std::vector<std::string> kSeriesTargets = {
    "/api/v1/series?metric=downloads&group_by=org&group=Qwen&window=month",
    "/api/v1/series?metric=downloads&group_by=region&group=china&window=day",
    "/api/v1/series?metric=derivatives&group_by=org&group=Qwen&window=month",
    "/api/v1/series?metric=inference&group_by=region&group=china&window=day",
};

struct GoldenFile {
  std::string name;  // under tests/integration/golden/
  std::string actual;
};

std::vector<GoldenFile> collect(DaemonProcess& daemon) {
  return {
      {"metrics.txt", without_volatile_samples(daemon.get("/metrics").body)},
      {"leaderboard.json", answers(daemon, golden_leaderboard_targets())},
      {"models.json", answers(daemon, kModelTargets)},
      {"series.json", answers(daemon, kSeriesTargets)},
      {"events.json", answers(daemon, {"/api/v1/events", "/api/v1/events?kind=threshold"})},
  };
}

bool same(const std::vector<GoldenFile>& a, const std::vector<GoldenFile>& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].actual != b[i].actual) return false;
  return true;
}

// What an empty or broken run would also give: the golden files must never be regenerated
// from one.
void expect_populated(const std::vector<GoldenFile>& files) {
  const std::string& metrics = files[0].actual;
  for (const char* family : {"atom_downloads{", "atom_model_downloads{", "atom_derivatives{", "atom_derivative_share{",
                             "atom_inference_tokens{", "atom_inference_share{", "atom_model_ram{", "atom_ram_baseline{",
                             "atom_group_rank{", "atom_overtakes_total{", "atom_threshold_crossings_total{"})
    EXPECT_NE(metrics.find(std::string("\n") + family), std::string::npos) << family << " has no sample";
  const auto events = ordered_json::parse(files[4].actual)["/api/v1/events"]["body"]["events"];
  int overtakes = 0, thresholds = 0;
  for (const auto& e : events) (e["kind"] == "overtake" ? overtakes : thresholds) += 1;
  EXPECT_GT(overtakes, 0) << files[4].actual;
  EXPECT_GT(thresholds, 0) << files[4].actual;
}

TEST(Golden, ServedOutputMatchesTheCommittedFiles) {
  const std::string dir = make_temp_dir("golden");
  DaemonProcess daemon({"--config", kGoldenDir + "/fixtures/atomd.yaml", "--replay", kGoldenDir + "/fixtures/replay.jsonl",
                        "--state-dir", dir + "/state"},
                       dir);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
  ASSERT_TRUE(wait_replay_done(daemon, std::chrono::seconds(120))) << daemon.stderr_text();

  // replay.done comes after the last record's checkpoint; collect until two collections a
  // second apart agree, so nothing still settling is taken for the answer.
  std::vector<GoldenFile> files = collect(daemon);
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto again = collect(daemon);
    if (same(files, again)) break;
    files = std::move(again);
  }
  expect_populated(files);
  EXPECT_EQ(daemon.terminate(), 0) << daemon.stderr_text();
  if (HasFailure()) return;

  const char* update_env = std::getenv("ATOMD_UPDATE_GOLDEN");
  const bool update = update_env != nullptr && std::string_view(update_env) == "1";
  std::filesystem::create_directories(dir + "/actual");
  std::vector<std::string> rewritten;
  for (const GoldenFile& file : files) {
    const std::string expected_path = kGoldenDir + "/" + file.name, actual_path = dir + "/actual/" + file.name;
    write_file(actual_path, file.actual);
    if (update) {
      if (read_file(expected_path) != file.actual) rewritten.push_back(file.name);
      write_file(expected_path, file.actual);
      continue;
    }
    if (read_file(expected_path) == file.actual) continue;
    std::string diff;
    run_command("diff -u " + expected_path + " " + actual_path + " 2>&1", &diff);
    ADD_FAILURE() << file.name << " differs from the committed golden file (actual output: " << actual_path
                  << "; if the change is intended, regenerate with ATOMD_UPDATE_GOLDEN=1 and review git diff):\n"
                  << diff;
  }
  if (update) {
    std::string names;
    for (const auto& name : rewritten) names += " " + name;
    GTEST_SKIP() << "ATOMD_UPDATE_GOLDEN=1: expected files rewritten in " << kGoldenDir << ":"
                 << (names.empty() ? " none changed" : names);
  }
}

}  // namespace
}  // namespace atomd
