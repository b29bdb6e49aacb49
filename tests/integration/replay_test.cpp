// The daemon on the embedded broker, fed by --replay: summary, exit code, rejected lines,
// the API answers, an outside Kafka client (kcat) reading the topic, promtool on /metrics
// (each tool's check its own test, skipped with the reason when the tool is missing).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <memory>
#include <sstream>

#include "core/records.hpp"
#include "tests/integration/daemon_process.hpp"

namespace atomd {
namespace {

using namespace atomd::testing;
using nlohmann::json;

std::string line(const std::string& repo, const std::string& observed, const std::string& created, long all_time,
                 long d30 = 100) {
  json value = {{"schema", 1},
                {"repo_id", repo},
                {"org", repo.substr(0, repo.find('/'))},
                {"observed_at", observed},
                {"created_at", created},
                {"downloads_30d", d30},
                {"downloads_all_time", all_time},
                {"likes", 1},
                {"tags", json::array({"transformers"})}};
  return json{{"topic", "hf.models"}, {"value", value}}.dump() + "\n";
}

// Two models, a month boundary, a gap-filled new release, a duplicate, and four bad lines.
std::string history() {
  std::string h;
  // Old model (released 2024): baseline 1,000,000 on Jan 31 12:00, +2,000 by Feb 1 12:00.
  h += line("Qwen/Qwen2.5-7B-Instruct", "2025-01-31T12:00:00Z", "2024-09-16T00:00:00Z", 1'000'000);
  // New release on 2025-01-30: gap-filled from release to its first snapshot (1.5 days).
  h += line("meta-llama/Llama-3.1-8B-Instruct", "2025-01-31T12:00:00Z", "2025-01-30T00:00:00Z", 3'000);
  h += "{this is not json\n";
  h += R"({"topic":"hf.models","value":{"org":"Qwen"}})" "\n";
  h += R"({"topic":"hf.nope","value":{"repo_id":"a/b"}})" "\n";
  h += "\n";
  h += line("Qwen/Qwen2.5-7B-Instruct", "2025-02-01T12:00:00Z", "2024-09-16T00:00:00Z", 1'002'000);
  h += line("meta-llama/Llama-3.1-8B-Instruct", "2025-02-01T12:00:00Z", "2025-01-30T00:00:00Z", 4'000);
  // A duplicate: counted as late, nothing changes.
  h += line("meta-llama/Llama-3.1-8B-Instruct", "2025-02-01T12:00:00Z", "2025-01-30T00:00:00Z", 4'000);
  // A record whose value fails validation in the operator (wrong type).
  h += R"({"topic":"hf.models","value":{"schema":1,"repo_id":"Qwen/Qwen3-8B","org":"Qwen","observed_at":"2025-02-01T00:00:00Z","created_at":"2025-01-01T00:00:00Z","downloads_30d":"many","downloads_all_time":1,"likes":0,"tags":[]}})" "\n";
  return h;
}

class ReplayDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    write_file(dir_ + "/history.jsonl", history());
  }
  std::vector<std::string> args(bool exit_after) {
    std::vector<std::string> a = {"--config", "config/demo.yaml", "--replay", dir_ + "/history.jsonl",
                                  "--state-dir", dir_ + "/state"};
    if (exit_after) a.push_back("--exit-after-replay");
    return a;
  }
  // The daemon replaying history() and serving once its summary is out.
  std::unique_ptr<DaemonProcess> serving() {
    auto daemon = std::make_unique<DaemonProcess>(args(false), dir_);
    EXPECT_TRUE(daemon->wait_ready()) << daemon->stderr_text();
    EXPECT_TRUE(wait_until([&] { return daemon->stdout_text().find("Replay summary") != std::string::npos; },
                           std::chrono::seconds(60)))
        << daemon->stderr_text();
    return daemon;
  }
  std::string dir_;
};

TEST_F(ReplayDaemon, ExitAfterReplayPrintsSummaryAndExitsZero) {
  DaemonProcess daemon(args(true), dir_);
  ASSERT_EQ(daemon.wait_exit(std::chrono::seconds(60)), 0) << daemon.stderr_text();
  auto out = daemon.stdout_text();
  EXPECT_NE(out.find("Replay summary: 9 lines, 6 produced, 3 rejected lines, 1 rejected records"), std::string::npos)
      << out;
  EXPECT_NE(out.find("Hugging Face downloads by region"), std::string::npos) << out;
  auto err = daemon.stderr_text();
  EXPECT_NE(err.find("line 3: malformed_json"), std::string::npos) << err;
  EXPECT_NE(err.find("line 4: missing_field (value.repo_id: missing)"), std::string::npos) << err;
  EXPECT_NE(err.find("line 5: bad_value (topic: unknown topic 'hf.nope')"), std::string::npos) << err;
}

TEST_F(ReplayDaemon, ServesExactNumbers) {
  auto daemon = serving();
  if (HasFailure()) return;

  auto board = json::parse(daemon->get("/api/v1/leaderboard?metric=downloads&group_by=org&window=month&month=2025-02").body);
  ASSERT_EQ(board["rows"].size(), 2u) << board.dump();
  // Qwen: 2,000 over [Jan 31 12:00, Feb 1 12:00) → 1,000 in February. Llama: 1,000 the same way → 500.
  EXPECT_EQ(board["rows"][0]["group"], "Qwen");
  EXPECT_DOUBLE_EQ(board["rows"][0]["value"].get<double>(), 1'000);
  EXPECT_DOUBLE_EQ(board["rows"][1]["value"].get<double>(), 500);
  EXPECT_EQ(board["as_of"], "2025-02-01T12:00:00Z");
  auto january = json::parse(daemon->get("/api/v1/leaderboard?metric=downloads&group_by=org&window=month&month=2025-01").body);
  // Llama: 3,000 gap-filled over [Jan 30, Jan 31 12:00) + 500; Qwen: 1,000 (its first snapshot is only a baseline).
  EXPECT_EQ(january["rows"][0]["group"], "meta-llama");
  EXPECT_DOUBLE_EQ(january["rows"][0]["value"].get<double>(), 3'500);
  EXPECT_DOUBLE_EQ(january["rows"][1]["value"].get<double>(), 1'000);

  auto metrics = daemon->get("/metrics");
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_DOUBLE_EQ(metric_value(metrics.body, "atom_downloads", {"group_by=\"org\"", "group=\"Qwen\"", "window=\"cumulative\""}), 1'002'000);
  EXPECT_DOUBLE_EQ(metric_value(metrics.body, "atom_downloads", {"group_by=\"region\"", "group=\"us\"", "window=\"cumulative\""}), 4'000);
  EXPECT_DOUBLE_EQ(metric_value(metrics.body, "atom_records_late_total", {"topic=\"atom.hf.models.v1\""}), 1);
  EXPECT_DOUBLE_EQ(metric_value(metrics.body, "atom_records_rejected_total", {"topic=\"atom.hf.models.v1\"", "reason=\"wrong_type\""}), 1);
  EXPECT_DOUBLE_EQ(metric_value(metrics.body, "atom_records_rejected_total", {"topic=\"replay\"", "reason=\"malformed_json\""}), 1);

  auto status = json::parse(daemon->get("/api/v1/status").body);
  EXPECT_TRUE(status["kafka"]["embedded"].get<bool>());
  EXPECT_EQ(daemon->terminate(), 0) << daemon->stderr_text();
}

// promtool's linter finds nothing to say about the exposition.
TEST_F(ReplayDaemon, MetricsPassPromtool) {
  if (!tool_installed("promtool")) GTEST_SKIP() << "promtool not installed (scripts/install-deps.sh installs it)";
  auto daemon = serving();
  if (HasFailure()) return;
  write_file(dir_ + "/metrics.txt", daemon->get("/metrics").body);
  std::string promtool_out;
  EXPECT_EQ(run_command("promtool check metrics < " + dir_ + "/metrics.txt 2>&1", &promtool_out), 0) << promtool_out;
  EXPECT_EQ(promtool_out, "");
  EXPECT_EQ(daemon->terminate(), 0) << daemon->stderr_text();
}

// An outside Kafka client reads valid messages from the embedded broker.
TEST_F(ReplayDaemon, OutsideClientReadsTheTopic) {
  if (!tool_installed("kcat")) GTEST_SKIP() << "kcat not installed (scripts/install-deps.sh installs it)";
  auto daemon = serving();
  if (HasFailure()) return;
  auto status = json::parse(daemon->get("/api/v1/status").body);
  EXPECT_TRUE(status["kafka"]["embedded"].get<bool>());
  std::string bootstrap = status["kafka"]["bootstrap"];
  std::string messages;
  ASSERT_EQ(run_command("kcat -b " + bootstrap + " -C -t atom.hf.models.v1 -o beginning -e -q -f '%k\\t%s\\n'", &messages), 0);
  std::istringstream in(messages);
  std::string row;
  int valid = 0, invalid = 0;
  while (std::getline(in, row)) {
    auto tab = row.find('\t');
    auto decoded = decode_hf_model(row.substr(tab + 1));
    if (decoded && decoded->repo_id == row.substr(0, tab)) ++valid; else ++invalid;
  }
  EXPECT_EQ(valid, 5);    // five well-formed snapshots, keyed by repo id
  EXPECT_EQ(invalid, 1);  // the wrong-typed record travels the topic and is rejected by the operator

  EXPECT_EQ(daemon->terminate(), 0) << daemon->stderr_text();
}

TEST_F(ReplayDaemon, MissingReplayFileFailsLoudly) {
  DaemonProcess daemon({"--config", "config/demo.yaml", "--replay", dir_ + "/absent.jsonl", "--exit-after-replay",
                        "--state-dir", dir_ + "/state"},
                       dir_);
  EXPECT_EQ(daemon.wait_exit(std::chrono::seconds(30)), 1);
  EXPECT_NE(daemon.stderr_text().find(dir_ + "/absent.jsonl: cannot open replay file"), std::string::npos)
      << daemon.stderr_text();
}

TEST(CheckConfig, ValidAndInvalid) {
  auto dir = make_temp_dir("check-config");
  DaemonProcess ok({"--config", "config/atomd.yaml", "--check-config"}, dir);
  EXPECT_EQ(ok.wait_exit(std::chrono::seconds(20)), 0);
  auto bad_dir = make_temp_dir("check-config-bad");
  DaemonProcess bad({"--config", "config/atomd.yaml", "--set", "kafka.partitions=zero", "--check-config"}, bad_dir);
  EXPECT_EQ(bad.wait_exit(std::chrono::seconds(20)), 2);
  EXPECT_NE(bad.stderr_text().find("kafka.partitions: expected an integer, got 'zero'"), std::string::npos)
      << bad.stderr_text();
  // A reference file with a bad row makes the configuration invalid too, naming file and line.
  auto ref_dir = make_temp_dir("check-config-reference");
  write_file(ref_dir + "/regions.csv", "hf_org,region,notes\nQwen,china,\nmeta-llama,mars,\n");
  DaemonProcess bad_ref({"--config", "config/atomd.yaml", "--set", "reference.regions=" + ref_dir + "/regions.csv",
                         "--check-config"},
                        ref_dir);
  EXPECT_EQ(bad_ref.wait_exit(std::chrono::seconds(20)), 2);
  EXPECT_NE(bad_ref.stderr_text().find("reference: " + ref_dir + "/regions.csv:3:"), std::string::npos)
      << bad_ref.stderr_text();
}

}  // namespace
}  // namespace atomd
