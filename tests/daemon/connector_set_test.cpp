#include "daemon/connector_set.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace atomd {
namespace {

using namespace std::chrono_literals;

// Sets (or, with nullptr, unsets) an environment variable for the test's scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_.c_str(), old_->c_str(), 1);
    else unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Everything spdlog's default logger writes in the test's scope.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    sink->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// A ConnectorSet over everything a daemon gives it; never started, so nothing is polled.
struct SetUnderTest {
  explicit SetUnderTest(std::vector<std::string> overrides) : config(load_config("", overrides)) {}
  ConnectorSet& make() {
    set = std::make_unique<ConnectorSet>(
        ioc.get_executor(), ConnectorDeps{config, topics, sink, metrics, status, reference});
    return *set;
  }
  Config config;
  TopicNames topics;
  kafka::Producer producer{kafka::Settings{"", "atomd", {}, 100ms}};  // no broker: nothing is produced
  SourceSink sink{producer, topics, false, 1000, 1 << 20};
  Metrics metrics{"test"};
  ConnectorStatusBoard status;
  ReferenceHolder reference;
  boost::asio::io_context ioc;
  std::unique_ptr<ConnectorSet> set;
};

TEST(ConnectorSettings, EveryRegisteredSectionHasItsKeysInConfig) {
  const Config defaults = load_config("", {});
  for (const auto& r : builtin_connectors().all()) {
    ConnectorSettings s;
    ASSERT_NO_THROW(s = connector_settings(defaults, r.config_section)) << r.name;
    EXPECT_TRUE(s.enabled) << r.name;
    EXPECT_FALSE(s.base_url.empty()) << r.name;
    EXPECT_GT(s.interval.count(), 0) << r.name;
    EXPECT_EQ(s.retry.max_attempts, defaults.connectors.max_attempts);
  }
  EXPECT_THROW(connector_settings(defaults, "connectors.nowhere"), std::logic_error);
}

TEST(ConnectorSettings, MirrorTheConfigKeys) {
  const Config c = load_config("", {"connectors.hf.base_url=https://hub.test", "connectors.hf.interval=2h",
                                    "connectors.hf_derivatives.enabled=false", "connectors.hf_derivatives.relist_window=7d",
                                    "connectors.openrouter.start_date=2025-03-01", "connectors.backoff_initial=2s"});
  auto hf = connector_settings(c, "connectors.hf");
  EXPECT_EQ(hf.base_url, "https://hub.test");
  EXPECT_EQ(hf.interval, 2h);
  EXPECT_EQ(hf.retry.initial, 2s);
  auto d = connector_settings(c, "connectors.hf_derivatives");
  EXPECT_FALSE(d.enabled);
  EXPECT_EQ(d.base_url, "https://hub.test");  // the Hub's URL is connectors.hf's
  ASSERT_TRUE(d.value("relist_window"));
  EXPECT_EQ(parse_duration(*d.value("relist_window")), 7 * kMsPerDay);
  auto o = connector_settings(c, "connectors.openrouter");
  EXPECT_EQ(o.base_url, "https://openrouter.ai");
  EXPECT_EQ(o.value("start_date"), "2025-03-01");
}

TEST(ConnectorSetTest, BuildsWhatIsEnabledAndSaysWhyTheRestIsOff) {
  ScopedEnv key("OPENROUTER_API_KEY", nullptr);
  ScopedEnv token("HF_TOKEN", nullptr);
  SetUnderTest t({"connectors.hf_derivatives.enabled=false", "connectors.hf.interval=90s"});
  CapturedLog log;
  t.make();
  auto status = t.status.to_json();
  EXPECT_EQ(status["hf_models"]["enabled"], true);
  EXPECT_EQ(status["hf_models"]["note"], "anonymous (no HF_TOKEN)");
  EXPECT_EQ(status["hf_derivatives"]["enabled"], false);
  EXPECT_EQ(status["hf_derivatives"]["note"], "disabled by connectors.hf_derivatives.enabled");
  EXPECT_EQ(status["openrouter"]["enabled"], false);
  EXPECT_EQ(status["openrouter"]["note"], "disabled: OPENROUTER_API_KEY is not set");
  EXPECT_NE(log.text().find("info connector hf_models: polling https://huggingface.co every 90s (anonymous; set "
                            "HF_TOKEN for higher rate limits)\n"),
            std::string::npos)
      << log.text();
  EXPECT_NE(log.text().find("warning connector openrouter: disabled: OPENROUTER_API_KEY is not set (set it to track "
                            "inference share)\n"),
            std::string::npos)
      << log.text();
  EXPECT_EQ(log.text().find("hf_derivatives"), std::string::npos) << log.text();
  EXPECT_EQ(t.set->stale_models(), 0u);
  EXPECT_TRUE(t.set->cursors().empty());
  // A disabled connector's checkpointed cursor is kept out, as is an unknown connector's.
  t.set->restore_cursors({{"hf_derivatives", "1749556800000 zeta/x"}, {"openrouter", "2025-06-01"}, {"gone", "x"}});
  EXPECT_TRUE(t.set->cursors().empty());
}

TEST(ConnectorSetTest, CursorsGoThroughEachConnectorsCodec) {
  ScopedEnv key("OPENROUTER_API_KEY", "sk-or-test");
  SetUnderTest t({});
  CapturedLog log;
  t.make();
  EXPECT_EQ(t.status.to_json()["openrouter"]["note"], "with OPENROUTER_API_KEY");
  t.set->restore_cursors({{"hf_derivatives", "1749556800000 zeta/Qwen3-8B-abliterated"}, {"openrouter", "2025-06-01"}});
  EXPECT_EQ(t.set->cursors(), (std::map<std::string, std::string>{
                                  {"hf_derivatives", "1749556800000 zeta/Qwen3-8B-abliterated"}, {"openrouter", "2025-06-01"}}));
  EXPECT_NE(log.text().find("info connector openrouter: resumes from its checkpointed cursor 2025-06-01\n"),
            std::string::npos);

  SetUnderTest fresh({});
  fresh.make();
  fresh.set->restore_cursors({{"hf_derivatives", "yesterday"}, {"openrouter", "2025-6-1"}, {"hf_models", "x"}});
  EXPECT_TRUE(fresh.set->cursors().empty());
  EXPECT_NE(log.text().find("warning connector hf_derivatives: ignoring a malformed checkpointed cursor 'yesterday'; "
                            "it polls from its start\n"),
            std::string::npos)
      << log.text();
  EXPECT_NE(log.text().find("warning connector openrouter: ignoring a malformed checkpointed cursor '2025-6-1'"),
            std::string::npos);
  EXPECT_EQ(log.text().find("connector hf_models: ignoring"), std::string::npos);  // it keeps no cursor
}

std::string scrape(const Metrics& metrics) { return serialize_metrics(metrics.collect()); }

TEST(ConnectorSetTest, PollsBecomeCountersAndADurationHistogram) {
  SetUnderTest t({"connectors.hf.enabled=false", "connectors.hf_derivatives.enabled=false",
                  "connectors.openrouter.enabled=false"});
  t.make();
  EXPECT_EQ(scrape(t.metrics).find("atom_connector_poll_duration_seconds_bucket"), std::string::npos)
      << "no series before a poll";
  t.set->on_poll(PollReport{"hf_models", PollOutcome::ok, "", 1'750'000'000'000, 1500ms});
  t.set->on_poll(PollReport{"hf_models", PollOutcome::error, "GET x: 503", 1'750'000'100'000, 250ms});
  const std::string text = scrape(t.metrics);
  EXPECT_NE(text.find("# TYPE atom_connector_poll_duration_seconds histogram"), std::string::npos) << text;
  EXPECT_NE(text.find("atom_connector_poll_duration_seconds_count{connector=\"hf_models\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("atom_connector_poll_duration_seconds_sum{connector=\"hf_models\"} 1.75\n"), std::string::npos);
  EXPECT_NE(text.find("atom_connector_poll_duration_seconds_bucket{connector=\"hf_models\",le=\"0.1\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("atom_connector_poll_duration_seconds_bucket{connector=\"hf_models\",le=\"0.25\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("atom_connector_poll_duration_seconds_bucket{connector=\"hf_models\",le=\"1\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("atom_connector_poll_duration_seconds_bucket{connector=\"hf_models\",le=\"2.5\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("atom_connector_poll_duration_seconds_bucket{connector=\"hf_models\",le=\"300\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("atom_connector_polls_total{connector=\"hf_models\",outcome=\"error\"} 1\n"), std::string::npos);
}

TEST(ConnectorSetTest, MetricsPassPromtoolCheck) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool not installed";
  SetUnderTest t({"connectors.hf.enabled=false", "connectors.hf_derivatives.enabled=false",
                  "connectors.openrouter.enabled=false"});
  t.make();
  t.set->on_poll(PollReport{"openrouter", PollOutcome::rate_limited, "429", 1'750'000'000'000, 75s});
  t.set->on_rate_limited("openrouter");
  auto path = std::filesystem::temp_directory_path() / ("atomd-metrics-" + std::to_string(getpid()) + ".txt");
  std::ofstream(path) << scrape(t.metrics);
  std::string command = "promtool check metrics < " + path.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  int rc = pclose(pipe);
  std::filesystem::remove(path);
  EXPECT_EQ(rc, 0) << output;
  EXPECT_EQ(output, "") << "promtool found lint problems";
}

}  // namespace
}  // namespace atomd
