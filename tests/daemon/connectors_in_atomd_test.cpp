// build/atomd itself: every built-in connector is registered in the binary (the registry is
// not lost to the static-library link), and a poll shows up as a duration histogram that
// promtool accepts.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/daemon_process.hpp"

namespace atomd {
namespace {

using namespace atomd::testing;
using nlohmann::json;

TEST(AtomdConnectors, AllBuiltinsAreRegisteredAndPollsAreTimed) {
  auto dir = make_temp_dir("connectors-in-atomd");
  // hf_models on, polling a closed port once per poll: the poll fails at once and is reported.
  DaemonProcess daemon({"--config", "config/demo.yaml", "--state-dir", dir + "/state", "--set", "connectors.hf.enabled=true",
                        "--set", "connectors.hf.base_url=http://127.0.0.1:9", "--set", "connectors.max_attempts=1"},
                       dir, {{"HF_TOKEN", ""}, {"OPENROUTER_API_KEY", ""}});
  ASSERT_TRUE(daemon.wait_ready()) << daemon.stderr_text();

  auto status = json::parse(daemon.get("/api/v1/status").body)["connectors"];
  ASSERT_TRUE(status.is_object()) << status;
  std::vector<std::string> names;
  for (const auto& [name, entry] : status.items()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"hf_derivatives", "hf_models", "openrouter"}));
  EXPECT_EQ(status["hf_models"]["enabled"], true);
  EXPECT_EQ(status["hf_models"]["note"], "anonymous (no HF_TOKEN)");
  EXPECT_EQ(status["hf_derivatives"]["note"], "disabled by connectors.hf_derivatives.enabled");
  EXPECT_EQ(status["openrouter"]["note"], "disabled by connectors.openrouter.enabled");
  EXPECT_NE(daemon.stderr_text().find("connector hf_models: polling http://127.0.0.1:9 every 3600s (anonymous; set "
                                      "HF_TOKEN for higher rate limits)"),
            std::string::npos)
      << daemon.stderr_text();

  std::string metrics;
  ASSERT_TRUE(wait_until(
      [&] {
        metrics = daemon.get("/metrics").body;
        return metric_value(metrics, "atom_connector_poll_duration_seconds_count", {"connector=\"hf_models\""}) >= 1;
      },
      std::chrono::seconds(30)))
      << daemon.stderr_text();
  EXPECT_GE(metric_value(metrics, "atom_connector_polls_total", {"connector=\"hf_models\"", "outcome=\"error\""}), 1);
  EXPECT_GE(metric_value(metrics, "atom_connector_poll_duration_seconds_bucket", {"connector=\"hf_models\"", "le=\"+Inf\""}),
            1);
  EXPECT_EQ(metrics.find("connector=\"openrouter\""), std::string::npos);

  if (run_command("command -v promtool >/dev/null") == 0) {
    write_file(dir + "/metrics.txt", metrics);
    std::string out;
    EXPECT_EQ(run_command("promtool check metrics < " + dir + "/metrics.txt 2>&1", &out), 0) << out;
    EXPECT_EQ(out, "") << "promtool lint";
  }
  EXPECT_EQ(daemon.terminate(), 0) << daemon.stderr_text();
}

}  // namespace
}  // namespace atomd
