#include "daemon/config.hpp"

#include <gtest/gtest.h>

namespace atomd {
namespace {

std::string error_of(const std::string& yaml, std::vector<std::string> overrides = {}) {
  try {
    load_config(yaml, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(Config, DefaultsMatchTheDesign) {
  Config c = load_config("", {});
  EXPECT_EQ(c.kafka.brokers, "");
  EXPECT_EQ(c.kafka.topic_prefix, "atom.");
  EXPECT_EQ(c.kafka.partitions, 16);
  EXPECT_EQ(c.kafka.replication_factor, -1);
  EXPECT_EQ(c.http.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.state.checkpoint_interval, 5'000);
  EXPECT_EQ(c.windows.allowed_lateness, 3 * kMsPerDay);
  EXPECT_EQ(c.downloads.gap_fill_horizon, 7 * kMsPerDay);
  EXPECT_EQ(c.connectors.hf_derivatives.interval, 15 * 60'000);
  EXPECT_EQ(c.derivatives.min_downloads, 5);
  EXPECT_EQ(c.overtake.top_n, 20);
  EXPECT_EQ(c.metrics.model_series_per_bucket, 25);
}

TEST(Config, YamlThenOverridesInOrder) {
  Config c = load_config(R"(
kafka:
  partitions: 4
  properties:
    security.protocol: SASL_SSL
http:
  listen: 0.0.0.0:9000
windows:
  allowed_lateness: 90s
alerts:
  thresholds:
    - {metric: downloads_30d, group_by: region, group: china, value: 0.5, direction: up}
)",
                         {"kafka.partitions=8", "connectors.hf.enabled=false", "http.listen=127.0.0.1:0",
                          "kafka.properties.fetch.wait.max.ms=20"});
  EXPECT_EQ(c.kafka.properties.at("fetch.wait.max.ms"), "20");
  EXPECT_EQ(c.kafka.partitions, 8);
  EXPECT_EQ(c.kafka.properties.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(c.http.listen, "127.0.0.1:0");
  EXPECT_EQ(c.windows.allowed_lateness, 90'000);
  EXPECT_FALSE(c.connectors.hf.enabled);
  ASSERT_EQ(c.alerts.thresholds.size(), 1u);
  EXPECT_EQ(c.alerts.thresholds[0].group, "china");
  EXPECT_DOUBLE_EQ(c.alerts.thresholds[0].value, 0.5);
}

TEST(Config, ErrorsNameTheKeyAndTheProblem) {
  EXPECT_EQ(error_of("kafka:\n  partitons: 4\n"), "kafka.partitons: unknown key");
  EXPECT_EQ(error_of("", {"nope=1"}), "nope: unknown key");
  EXPECT_EQ(error_of("kafka:\n  partitions: many\n"), "kafka.partitions: expected an integer, got 'many'");
  EXPECT_EQ(error_of("windows:\n  allowed_lateness: 3 days\n"),
            "windows.allowed_lateness: expected a duration such as 90s, 5m, 1h or 3d, got '3 days'");
  EXPECT_EQ(error_of("derivatives:\n  attribution: tree\n"), "derivatives.attribution: expected one of namespace|root, got 'tree'");
  EXPECT_EQ(error_of("connectors:\n  hf:\n    enabled: maybe\n"), "connectors.hf.enabled: expected true or false, got 'maybe'");
  EXPECT_EQ(error_of("", {"kafka.partitions"}), "--set kafka.partitions: expected key=value");
  EXPECT_EQ(load_config("", {"kafka.replication_factor=3"}).kafka.replication_factor, 3);
  EXPECT_EQ(load_config("kafka:\n  replication_factor: -1\n", {}).kafka.replication_factor, -1);
  for (const char* bad : {"0", "-2", "two", "40000"})
    EXPECT_EQ(error_of("", {std::string("kafka.replication_factor=") + bad}),
              std::string("kafka.replication_factor: expected -1 (the broker's default) or an integer in [1, 32767], got '") +
                  bad + "'");
  EXPECT_EQ(error_of("", {"http.listen=nocolon"}), "http.listen: expected host:port, got 'nocolon'");
  EXPECT_NE(error_of("kafka: [unclosed"), "");
  EXPECT_EQ(error_of("alerts:\n  thresholds:\n    - {metric: downloads_30d, group_by: lab, group: x, value: 1, direction: up}\n"),
            "alerts.thresholds[0].group_by: expected org|region");
  EXPECT_EQ(error_of("alerts:\n  thresholds:\n    - {metric: stars, group_by: org, group: x, value: 1, direction: up}\n"),
            "alerts.thresholds[0].metric: expected downloads_cumulative|downloads_30d|derivative_share_month|"
            "inference_share_7d, got 'stars'");
}

TEST(Config, ShippedConfigFilesAreValid) {
  for (const char* file : {"/config/atomd.yaml", "/config/demo.yaml"}) {
    SCOPED_TRACE(file);
    EXPECT_NO_THROW(load_config(read_text_file(std::string(ATOMD_SOURCE_DIR) + file), {}));
  }
  Config demo = load_config(read_text_file(std::string(ATOMD_SOURCE_DIR) + "/config/demo.yaml"), {});
  EXPECT_FALSE(demo.connectors.hf.enabled);
  EXPECT_EQ(demo.kafka.brokers, "");
}

}  // namespace
}  // namespace atomd
