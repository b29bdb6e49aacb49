// Whole-daemon behaviour beyond the data path: the broker sub-command, --reset-state, and
// reference data reloaded every reference.refresh without a restart.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/integration/daemon_process.hpp"

namespace atomd {
namespace {

using namespace atomd::testing;
using nlohmann::json;

TEST(BrokerCommand, ServesOutsideClientsAndStopsOnSigterm) {
  if (!tool_installed("kcat")) GTEST_SKIP() << "kcat not installed (scripts/install-deps.sh installs it)";
  auto dir = make_temp_dir("broker");
  DaemonProcess broker({"broker", "--partitions", "3"}, dir);
  std::smatch m;
  std::string out;
  ASSERT_TRUE(wait_until([&] { out = broker.stdout_text(); return out.find('\n') != std::string::npos; },
                         std::chrono::seconds(20)));
  std::string bootstrap = out.substr(0, out.find('\n'));
  ASSERT_TRUE(std::regex_match(bootstrap, std::regex(R"(127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*)"))) << bootstrap;
  std::string metadata;
  ASSERT_EQ(run_command("kcat -b " + bootstrap + " -L -t atom.hf.models.v1", &metadata), 0);
  EXPECT_NE(metadata.find("topic \"atom.hf.models.v1\" with 3 partitions"), std::string::npos) << metadata;
  ASSERT_EQ(run_command("printf 'k\\tv\\n' | kcat -b " + bootstrap + " -P -t atom.hf.models.v1 -K '\\t'"), 0);
  std::string read;
  ASSERT_EQ(run_command("kcat -b " + bootstrap + " -C -t atom.hf.models.v1 -o beginning -e -q -f '%k=%s\\n'", &read), 0);
  EXPECT_EQ(read, "k=v\n");
  EXPECT_EQ(broker.terminate(), 0);
}

TEST(Logging, JsonLinesOnStderrWhenAsked) {
  auto dir = make_temp_dir("json-logs");
  write_file(dir + "/bad.jsonl", "{broken\n");
  DaemonProcess daemon({"--config", "config/demo.yaml", "--state-dir", dir + "/state", "--set", "log.format=json",
                        "--replay", dir + "/bad.jsonl", "--exit-after-replay"},
                       dir);
  ASSERT_EQ(daemon.wait_exit(std::chrono::seconds(60)), 0) << daemon.stderr_text();
  std::istringstream in(daemon.stderr_text());
  std::string line;
  int lines = 0;
  bool saw_rejection = false;
  while (std::getline(in, line)) {
    ++lines;
    auto j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    EXPECT_TRUE(j.contains("ts") && j.contains("level") && j.contains("msg")) << line;
    saw_rejection |= j["msg"].get<std::string>().find("line 1: malformed_json") != std::string::npos;
  }
  EXPECT_GT(lines, 3);
  EXPECT_TRUE(saw_rejection);
}

TEST(ResetState, WipesTheStateDirectory) {
  auto dir = make_temp_dir("reset-state");
  write_file(dir + "/empty.jsonl", "");
  for (auto sub : {"/first", "/again", "/reset"}) std::filesystem::create_directories(dir + sub);
  const std::vector<std::string> args = {"--config", "config/demo.yaml", "--state-dir", dir + "/state", "--replay",
                                         dir + "/empty.jsonl", "--exit-after-replay"};
  {
    DaemonProcess first(args, dir + "/first");  // writes a checkpoint
    ASSERT_EQ(first.wait_exit(std::chrono::seconds(60)), 0) << first.stderr_text();
  }
  {
    DaemonProcess again(args, dir + "/again");
    ASSERT_EQ(again.wait_exit(std::chrono::seconds(60)), 0) << again.stderr_text();
    EXPECT_NE(again.stderr_text().find("restored state from " + dir + "/state"), std::string::npos) << again.stderr_text();
  }
  auto reset_args = args;
  reset_args.push_back("--reset-state");
  DaemonProcess daemon(reset_args, dir + "/reset");
  ASSERT_EQ(daemon.wait_exit(std::chrono::seconds(60)), 0) << daemon.stderr_text();
  EXPECT_NE(daemon.stderr_text().find("--reset-state: wiped " + dir + "/state"), std::string::npos);
  EXPECT_NE(daemon.stderr_text().find("no checkpoint yet"), std::string::npos) << daemon.stderr_text();
  EXPECT_EQ(daemon.stderr_text().find("restored state from"), std::string::npos);
}

std::string snapshot_line(const std::string& repo, const std::string& observed, long all_time) {
  json value = {{"schema", 1}, {"repo_id", repo}, {"org", repo.substr(0, repo.find('/'))},
                {"observed_at", observed}, {"created_at", "2024-01-01T00:00:00Z"}, {"downloads_30d", 1},
                {"downloads_all_time", all_time}, {"likes", 0}, {"tags", json::array()}};
  return json{{"topic", "hf.models"}, {"value", value}}.dump() + "\n";
}

TEST(ReferenceReload, RegionChangeAppliesWithoutRestartOrStateReset) {
  auto dir = make_temp_dir("reference-reload");
  write_file(dir + "/history.jsonl", snapshot_line("Qwen/Qwen3-8B", "2025-03-01T00:00:00Z", 100) +
                                         snapshot_line("meta-llama/Llama-3.1-8B", "2025-03-01T00:00:00Z", 50));
  write_file(dir + "/regions.csv", "hf_org,region,notes\nQwen,china,\nmeta-llama,us,\n");
  DaemonProcess daemon({"--config", "config/demo.yaml", "--state-dir", dir + "/state", "--replay", dir + "/history.jsonl",
                        "--set", "reference.regions=" + dir + "/regions.csv", "--set", "reference.refresh=1s"},
                       dir);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
  const std::string board = "/api/v1/leaderboard?metric=downloads&group_by=region&window=cumulative";
  ASSERT_TRUE(wait_until([&] { return json::parse(daemon.get(board).body)["rows"].size() == 2; }, std::chrono::seconds(30)));
  EXPECT_EQ(json::parse(daemon.get(board).body)["rows"][0]["group"], "china");

  write_file(dir + "/regions.csv", "hf_org,region,notes\nQwen,eu,\nmeta-llama,eu,\n");
  ASSERT_TRUE(wait_until([&] { return json::parse(daemon.get(board).body)["rows"].size() == 1; }, std::chrono::seconds(10)));
  auto rows = json::parse(daemon.get(board).body)["rows"];
  EXPECT_EQ(rows[0]["group"], "eu");
  EXPECT_DOUBLE_EQ(rows[0]["value"].get<double>(), 150);

  // A broken file on reload keeps the last good data and says so.
  write_file(dir + "/regions.csv", "hf_org,region,notes\nQwen,atlantis,\n");
  ASSERT_TRUE(wait_until([&] { return daemon.stderr_text().find("reference reload failed") != std::string::npos; },
                         std::chrono::seconds(10)));
  EXPECT_EQ(json::parse(daemon.get(board).body)["rows"][0]["group"], "eu");
  EXPECT_EQ(daemon.terminate(), 0);
}

}  // namespace
}  // namespace atomd
