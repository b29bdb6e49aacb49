#pragma once
// atomd's configuration (DESIGN §2b): one YAML file, every key overridable by --set,
// unknown keys are errors, durations as "90s", "5m", "1h", "3d".
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace atomd {

// Names the key and the problem: "kafka.partitions: expected a positive integer, got 'x'".
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ThresholdRule {
  std::string metric, group_by, group;
  double value = 0;
  std::string direction;  // up | down
};

struct Config {
  struct Kafka {
    std::string brokers;
    std::string topic_prefix = "atom.";
    int partitions = 16;
    // For topics atomd creates; -1: the cluster's default.replication.factor.
    int replication_factor = -1;
    std::string group_id = "atomd";
    std::map<std::string, std::string> properties;
  } kafka;
  struct Http {
    std::string listen = "127.0.0.1:9464";
  } http;
  struct State {
    std::string dir = "./atomd-state";
    TimeMs checkpoint_interval = 5'000;
    // A checkpoint is also taken once this many records were processed since the last one.
    std::int64_t max_dirty_records = 50'000;
  } state;
  struct Reference {
    std::string tracked_models = "config/tracked_models.csv";
    std::string regions = "config/regions.csv";
    std::string sizes = "config/sizes.csv";
    std::string release_dates = "config/release_dates.csv";
    std::string org_aliases = "config/org_aliases.csv";
    TimeMs refresh = 3'600'000;
  } reference;
  struct Poller {
    bool enabled = true;
    std::string base_url;
    TimeMs interval = 3'600'000;
  };
  struct Connectors {
    Poller hf{true, "https://huggingface.co", 3'600'000};
    struct {
      bool enabled = true;
      TimeMs interval = 900'000;
      TimeMs relist_window = 30 * kMsPerDay;
    } hf_derivatives;
    struct {
      bool enabled = true;
      std::string base_url = "https://openrouter.ai";
      TimeMs interval = 3'600'000;
      std::string start_date = "2025-01-01";
    } openrouter;
    // Retry policy shared by the HTTP pollers (not in DESIGN §2b; see docs/decisions.md).
    TimeMs backoff_initial = 1'000;
    TimeMs backoff_max = 300'000;
    int max_attempts = 8;
  } connectors;
  struct Windows {
    TimeMs allowed_lateness = 3 * kMsPerDay;
  } windows;
  struct Downloads {
    TimeMs gap_fill_horizon = 7 * kMsPerDay;
  } downloads;
  struct Derivatives {
    long min_downloads = 5;
    std::string attribution = "namespace";
  } derivatives;
  struct Overtake {
    int confirm = 2;
    int top_n = 20;
    int new_entrant_days = 365;
  } overtake;
  struct Alerts {
    std::vector<ThresholdRule> thresholds;
  } alerts;
  struct Metrics {
    int model_series_per_bucket = 25;
  } metrics;
  // Not in DESIGN §2b (see docs/decisions.md).
  struct Log {
    std::string format = "text";  // text | json
    std::string level = "info";   // debug | info | warn | error
  } log;
};

// Parses YAML text (may be empty) and applies "key=value" overrides in order.
// Relative reference paths are resolved against `base_dir` when non-empty.
Config load_config(const std::string& yaml_text, const std::vector<std::string>& overrides,
                   const std::string& source = "config");
std::string read_text_file(const std::string& path);  // throws std::runtime_error

}  // namespace atomd
