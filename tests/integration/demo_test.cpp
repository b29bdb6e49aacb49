// `make demo` end to end: the calibrated history replayed through the embedded broker ends
// with a summary in which China leads the US and Qwen leads Llama in cumulative downloads,
// and the daemon then serves those numbers on /metrics and the API.
#include <gtest/gtest.h>

#include <regex>
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
  ASSERT_TRUE(wait_until([&] { return daemon.stdout_text().find("  250B+") != std::string::npos; },
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

  // The overtakes of the report, found in the replayed history and named in the summary:
  // China over the US (summer 2025) and Qwen over Llama (September 2025) in cumulative downloads.
  auto section = [&](const std::string& title) {
    auto at = summary.find(title);
    EXPECT_NE(at, std::string::npos) << title;
    return at == std::string::npos ? std::string() : summary.substr(at, summary.find("\n  d", at + 1) - at);
  };
  EXPECT_NE(section("  downloads_cumulative by region:").find("china over us                  2025-08-20"), std::string::npos)
      << summary;
  EXPECT_NE(section("  downloads_cumulative by org (leading orgs):").find("Qwen over meta-llama           2025-09-15"),
            std::string::npos)
      << summary;
  auto events = json::parse(daemon.get("/api/v1/events?kind=overtake").body)["events"];
  int china_us = 0, qwen_llama = 0;
  for (const auto& e : events) {
    china_us += e["id"] == "overtake|downloads_cumulative|region|china|us|2025-08-20";
    qwen_llama += e["id"] == "overtake|downloads_cumulative|org|Qwen|meta-llama|2025-09-15";
  }
  EXPECT_EQ(china_us, 1);
  EXPECT_EQ(qwen_llama, 1);
  EXPECT_EQ(metric_value(metrics, "atom_overtakes_total",
                         {"metric=\"downloads_cumulative\"", "group_by=\"region\"", "winner=\"china\"", "loser=\"us\""}),
            1);
  EXPECT_EQ(metric_value(metrics, "atom_group_rank", {"metric=\"downloads_cumulative\"", "group_by=\"org\"", "group=\"Qwen\""}), 1);

  // Derivative share: Qwen leads February 2026 with about 69% (the report's figure).
  auto feb = json::parse(
      daemon.get("/api/v1/leaderboard?metric=derivatives&group_by=org&window=month&month=2026-02").body)["rows"];
  ASSERT_FALSE(feb.empty());
  EXPECT_EQ(feb[0]["group"], "Qwen");
  EXPECT_NEAR(feb[0]["share"].get<double>(), 0.69, 0.05);
  auto jan24 = json::parse(
      daemon.get("/api/v1/leaderboard?metric=derivatives&group_by=org&window=month&month=2024-01").body)["rows"];
  double qwen_jan24 = 0;
  for (const auto& row : jan24)
    if (row["group"] == "Qwen") qwen_jan24 = row["share"];
  EXPECT_GT(qwen_jan24, 0.0);
  EXPECT_LT(qwen_jan24, 0.03);
  // Inference: Chinese open models ahead of US open models on OpenRouter at the end.
  EXPECT_GT(metric_value(metrics, "atom_inference_share",
                         {"group_by=\"region\"", "group=\"china\"", "window=\"7d\"", "scope=\"open\""}),
            metric_value(metrics, "atom_inference_share",
                         {"group_by=\"region\"", "group=\"us\"", "window=\"7d\"", "scope=\"open\""}));
  // RAM: models at or above the tenth baseline at 30 days are named per bucket.
  EXPECT_NE(section("Models with RAM >= 1 at 30 days").find("openai/gpt-oss-20b"), std::string::npos) << summary;
  EXPECT_GT(metric_value(metrics, "atom_ram_baseline", {"size_bucket=\"7-9B\"", "baseline=\"tenth\"", "checkpoint=\"30\""}), 0);

  write_file(dir + "/metrics.txt", metrics);

  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.terminate(std::chrono::seconds(10)), 0) << daemon.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));

  // Every new family passes promtool's linter. Last, on the saved exposition: the demo's
  // replay is too long to run again in a test of its own just for the linter.
  if (!tool_installed("promtool"))
    GTEST_SKIP() << "promtool not installed (scripts/install-deps.sh installs it): /metrics was not linted";
  std::string promtool_out;
  EXPECT_EQ(run_command("promtool check metrics < " + dir + "/metrics.txt 2>&1", &promtool_out), 0) << promtool_out;
  EXPECT_EQ(promtool_out, "");
}

}  // namespace
}  // namespace atomd

namespace atomd {
namespace {

// SIGTERM in the middle of a replay: stop producing, drain, close, exit 0 within 10 s.
TEST(Demo, SigtermDuringReplayExitsCleanlyWithinTenSeconds) {
  auto dir = make_temp_dir("demo-sigterm");
  std::string history = dir + "/demo-history.jsonl";
  // Curves continued to 2027: about three times the demo's records, so SIGTERM lands mid-replay.
  ASSERT_EQ(run_command(std::string(ATOMD_BINARY_DIR) + "/atomd-demo-history --until 2027-09-30 --out " + history), 0);
  DaemonProcess daemon({"--config", "config/demo.yaml", "--replay", history, "--state-dir", dir + "/state"}, dir);
  // Ready comes once the consumer joined its group, before the replay can have been consumed.
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(daemon.terminate(std::chrono::seconds(10)), 0) << daemon.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_NE(daemon.stderr_text().find("atomd stopped"), std::string::npos);
  EXPECT_EQ(daemon.stdout_text().find("Replay summary"), std::string::npos) << "the replay was interrupted";
  EXPECT_NE(daemon.stderr_text().find("replay interrupted after"), std::string::npos) << daemon.stderr_text();
}

}  // namespace
}  // namespace atomd

namespace atomd {
namespace {

std::string without_first_line(const std::string& text) {
  auto summary = text.find("Replay summary");
  auto eol = text.find('\n', summary);
  return eol == std::string::npos ? text : text.substr(eol + 1);
}

// The embedded broker keeps only 5 MiB per partition: with a single partition the whole
// 36 MB history must still arrive, so the summary equals the 16-partition one and no
// offset gap is reported.
TEST(Demo, OnePartitionLosesNothing) {
  auto dir = make_temp_dir("demo-partitions");
  std::string history = dir + "/demo-history.jsonl";
  ASSERT_EQ(run_command(std::string(ATOMD_BINARY_DIR) + "/atomd-demo-history --out " + history), 0);
  std::string summaries[2];
  const char* partitions[2] = {"1", "16"};
  for (int i = 0; i < 2; ++i) {
    auto run_dir = make_temp_dir(std::string("demo-partitions-") + partitions[i]);
    DaemonProcess daemon({"--config", "config/demo.yaml", "--replay", history, "--exit-after-replay", "--set",
                          std::string("kafka.partitions=") + partitions[i], "--state-dir", run_dir + "/state"},
                         run_dir);
    ASSERT_EQ(daemon.wait_exit(std::chrono::minutes(10)), 0) << daemon.stderr_text();
    EXPECT_EQ(daemon.stderr_text().find("records lost"), std::string::npos) << daemon.stderr_text();
    EXPECT_NE(daemon.stdout_text().find("131138 lines, 131138 produced"), std::string::npos) << daemon.stdout_text();
    // The watermark at the end depends on which partitions the last records landed in (the
    // slowest active one); every number, event and RAM value must not.
    summaries[i] = std::regex_replace(without_first_line(daemon.stdout_text()), std::regex("watermark W = [^;]*;"), "");
  }
  EXPECT_EQ(summaries[0], summaries[1]);
}

}  // namespace
}  // namespace atomd
