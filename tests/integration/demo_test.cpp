// `make demo` end to end: the calibrated history replayed through the embedded broker ends
// with a summary in which China leads the US and Qwen leads Llama in cumulative downloads,
// and the daemon then serves those numbers on /metrics and the API.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "tests/integration/daemon_process.hpp"

namespace atomd {
namespace {

using namespace atomd::testing;
using nlohmann::json;

double value_of(const json& board, const std::string& group) {
  for (const auto& row : board["rows"])
    if (row["group"] == group) return row["value"].get<double>();
  return std::nan("");
}

TEST(Demo, SummaryAndMetricsShowChinaAndQwenAhead) {
  auto dir = make_temp_dir("demo");
  std::string history = dir + "/demo-history.jsonl";
  ASSERT_EQ(run_command(std::string(ATOMD_BINARY_DIR) + "/atomd-demo-history --out " + history), 0);

  DaemonProcess daemon({"--config", "config/demo.yaml", "--replay", history, "--state-dir", dir + "/state"}, dir);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
  ASSERT_TRUE(wait_until([&] { return daemon.stdout_text().find("Replay summary") != std::string::npos || !daemon.running(); },
                         std::chrono::minutes(15)))
      << daemon.stderr_text();
  ASSERT_TRUE(wait_until([&] { return daemon.stdout_text().find("Hugging Face downloads by org") != std::string::npos; },
                         std::chrono::seconds(10)));
  const std::string summary = daemon.stdout_text();
  std::cout << summary;

  // In the summary's region table China is ranked above the US, in the org table Qwen above meta-llama.
  auto region_table = summary.find("Hugging Face downloads by region");
  auto org_table = summary.find("Hugging Face downloads by org");
  ASSERT_NE(region_table, std::string::npos);
  ASSERT_NE(org_table, std::string::npos);
  auto region_text = summary.substr(region_table, org_table - region_table);
  EXPECT_LT(region_text.find("  1    china"), region_text.find("  2    us")) << region_text;
  auto org_text = summary.substr(org_table);
  EXPECT_LT(org_text.find("  1    Qwen"), org_text.find("meta-llama")) << org_text;

  auto regions = json::parse(daemon.get("/api/v1/leaderboard?metric=downloads&group_by=region&window=cumulative").body);
  auto orgs = json::parse(daemon.get("/api/v1/leaderboard?metric=downloads&group_by=org&window=cumulative").body);
  EXPECT_EQ(regions["rows"][0]["group"], "china");
  EXPECT_GT(value_of(regions, "china"), value_of(regions, "us"));
  EXPECT_GT(value_of(orgs, "Qwen"), value_of(orgs, "meta-llama"));
  // The report's figures at 2026-03-31 (atom-report-facts.md, with its tolerances).
  EXPECT_NEAR(value_of(orgs, "Qwen"), 942.1e6, 0.10 * 942.1e6);
  EXPECT_NEAR(value_of(regions, "china"), 1.15e9, 0.15 * 1.15e9);
  EXPECT_NEAR(value_of(regions, "us"), 723e6, 0.20 * 723e6);

  auto metrics = daemon.get("/metrics").body;
  double china = metric_value(metrics, "atom_downloads", {"group_by=\"region\"", "group=\"china\"", "window=\"cumulative\""});
  double us = metric_value(metrics, "atom_downloads", {"group_by=\"region\"", "group=\"us\"", "window=\"cumulative\""});
  EXPECT_GT(china, us);
  EXPECT_DOUBLE_EQ(china, value_of(regions, "china"));

  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.terminate(std::chrono::seconds(10)), 0) << daemon.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

}  // namespace
}  // namespace atomd

namespace atomd {
namespace {

// SIGTERM in the middle of a replay: stop producing, drain, close, exit 0 within 10 s.
TEST(Demo, SigtermDuringReplayExitsCleanlyWithinTenSeconds) {
  auto dir = make_temp_dir("demo-sigterm");
  std::string history = dir + "/demo-history.jsonl";
  ASSERT_EQ(run_command(std::string(ATOMD_BINARY_DIR) + "/atomd-demo-history --out " + history), 0);
  DaemonProcess daemon({"--config", "config/demo.yaml", "--replay", history, "--state-dir", dir + "/state"}, dir);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
  ASSERT_TRUE(wait_until([&] {
    auto status = daemon.get("/api/v1/status");
    return status.status == 200 && json::parse(status.body)["operators"]["records"].get<long>() > 1000;
  }, std::chrono::seconds(30)));
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.terminate(std::chrono::seconds(10)), 0) << daemon.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_NE(daemon.stderr_text().find("atomd stopped"), std::string::npos);
  EXPECT_EQ(daemon.stdout_text().find("Replay summary"), std::string::npos) << "the replay was interrupted";
}

}  // namespace
}  // namespace atomd
