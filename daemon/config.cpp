#include "daemon/config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <sstream>

namespace atomd {
namespace {

using Setter = std::function<void(Config&, const YAML::Node&, const std::string& key)>;

std::string scalar_text(const YAML::Node& n) {
  return n.IsScalar() ? n.Scalar() : YAML::Dump(n);
}

[[noreturn]] void fail(const std::string& key, const std::string& problem, const YAML::Node& n) {
  throw ConfigError(key + ": " + problem + ", got '" + scalar_text(n) + "'");
}


template <class F>
Setter as_string(F field) {
  return [field](Config& c, const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) fail(key, "expected a string", n);
    field(c) = n.Scalar();
  };
}

template <class F>
Setter as_int(F field, long min, long max) {
  return [field, min, max](Config& c, const YAML::Node& n, const std::string& key) {
    long v = 0;
    if (!n.IsScalar() || !YAML::convert<long>::decode(n, v))
      fail(key, "expected an integer", n);
    if (v < min || v > max)
      fail(key, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", n);
    field(c) = static_cast<std::remove_reference_t<decltype(field(c))>>(v);
  };
}

// Kafka's replication factor: -1 (the broker's default.replication.factor) or >= 1.
template <class F>
Setter as_replication_factor(F field) {
  return [field](Config& c, const YAML::Node& n, const std::string& key) {
    long v = 0;
    if (!n.IsScalar() || !YAML::convert<long>::decode(n, v) || v == 0 || v < -1 || v > 32767)
      fail(key, "expected -1 (the broker's default) or an integer in [1, 32767]", n);
    field(c) = static_cast<int>(v);
  };
}

template <class F>
Setter as_bool(F field) {
  return [field](Config& c, const YAML::Node& n, const std::string& key) {
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(key, "expected true or false", n);
    field(c) = v;
  };
}

template <class F>
Setter as_duration(F field) {
  return [field](Config& c, const YAML::Node& n, const std::string& key) {
    auto ms = n.IsScalar() ? parse_duration(n.Scalar()) : std::nullopt;
    if (!ms || *ms <= 0) fail(key, "expected a duration such as 90s, 5m, 1h or 3d", n);
    field(c) = *ms;
  };
}

template <class F>
Setter as_choice(F field, std::vector<std::string> choices) {
  return [field, choices](Config& c, const YAML::Node& n, const std::string& key) {
    if (n.IsScalar())
      for (const auto& choice : choices)
        if (n.Scalar() == choice) {
          field(c) = choice;
          return;
        }
    std::string list;
    for (const auto& choice : choices) list += (list.empty() ? "" : "|") + choice;
    fail(key, "expected one of " + list, n);
  };
}

void set_properties(Config& c, const YAML::Node& n, const std::string& key) {
  if (n.IsNull()) return;
  if (!n.IsMap()) fail(key, "expected a map of librdkafka properties", n);
  for (const auto& kv : n) {
    if (!kv.second.IsScalar()) fail(key + "." + kv.first.Scalar(), "expected a scalar value", kv.second);
    c.kafka.properties[kv.first.Scalar()] = kv.second.Scalar();
  }
}

void set_thresholds(Config& c, const YAML::Node& n, const std::string& key) {
  c.alerts.thresholds.clear();
  if (n.IsNull()) return;
  if (!n.IsSequence()) fail(key, "expected a list of {metric, group_by, group, value, direction}", n);
  int index = 0;
  for (const auto& item : n) {
    std::string at = key + "[" + std::to_string(index++) + "]";
    if (!item.IsMap()) fail(at, "expected a map", item);
    ThresholdRule rule;
    for (const auto& kv : item) {
      const std::string field = kv.first.Scalar();
      const auto& v = kv.second;
      if (!v.IsScalar()) fail(at + "." + field, "expected a scalar", v);
      if (field == "metric") rule.metric = v.Scalar();
      else if (field == "group_by") rule.group_by = v.Scalar();
      else if (field == "group") rule.group = v.Scalar();
      else if (field == "direction") rule.direction = v.Scalar();
      else if (field == "value") {
        if (!YAML::convert<double>::decode(v, rule.value)) fail(at + ".value", "expected a number", v);
      } else {
        throw ConfigError(at + "." + field + ": unknown key");
      }
    }
    if (rule.metric.empty()) throw ConfigError(at + ".metric: missing");
    if (rule.metric != "downloads_cumulative" && rule.metric != "downloads_30d" && rule.metric != "derivative_share_month" &&
        rule.metric != "inference_share_7d")
      throw ConfigError(at + ".metric: expected downloads_cumulative|downloads_30d|derivative_share_month|inference_share_7d, got '" +
                        rule.metric + "'");
    if (rule.group_by != "org" && rule.group_by != "region") throw ConfigError(at + ".group_by: expected org|region");
    if (rule.group.empty()) throw ConfigError(at + ".group: missing");
    if (rule.direction != "up" && rule.direction != "down") throw ConfigError(at + ".direction: expected up|down");
    c.alerts.thresholds.push_back(rule);
  }
}

#define FIELD(path) [](Config& c) -> auto& { return c.path; }

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> table = {
      {"kafka.brokers", as_string(FIELD(kafka.brokers))},
      {"kafka.topic_prefix", as_string(FIELD(kafka.topic_prefix))},
      {"kafka.partitions", as_int(FIELD(kafka.partitions), 1, 1024)},
      {"kafka.replication_factor", as_replication_factor(FIELD(kafka.replication_factor))},
      {"kafka.group_id", as_string(FIELD(kafka.group_id))},
      {"kafka.properties", set_properties},
      {"http.listen", as_string(FIELD(http.listen))},
      {"state.dir", as_string(FIELD(state.dir))},
      {"state.checkpoint_interval", as_duration(FIELD(state.checkpoint_interval))},
      {"state.max_dirty_records", as_int(FIELD(state.max_dirty_records), 1, 100'000'000)},
      {"reference.tracked_models", as_string(FIELD(reference.tracked_models))},
      {"reference.regions", as_string(FIELD(reference.regions))},
      {"reference.sizes", as_string(FIELD(reference.sizes))},
      {"reference.release_dates", as_string(FIELD(reference.release_dates))},
      {"reference.org_aliases", as_string(FIELD(reference.org_aliases))},
      {"reference.refresh", as_duration(FIELD(reference.refresh))},
      {"connectors.hf.enabled", as_bool(FIELD(connectors.hf.enabled))},
      {"connectors.hf.base_url", as_string(FIELD(connectors.hf.base_url))},
      {"connectors.hf.interval", as_duration(FIELD(connectors.hf.interval))},
      {"connectors.hf_derivatives.enabled", as_bool(FIELD(connectors.hf_derivatives.enabled))},
      {"connectors.hf_derivatives.interval", as_duration(FIELD(connectors.hf_derivatives.interval))},
      {"connectors.hf_derivatives.relist_window", as_duration(FIELD(connectors.hf_derivatives.relist_window))},
      {"connectors.openrouter.enabled", as_bool(FIELD(connectors.openrouter.enabled))},
      {"connectors.openrouter.base_url", as_string(FIELD(connectors.openrouter.base_url))},
      {"connectors.openrouter.interval", as_duration(FIELD(connectors.openrouter.interval))},
      {"connectors.openrouter.start_date", as_string(FIELD(connectors.openrouter.start_date))},
      {"connectors.backoff_initial", as_duration(FIELD(connectors.backoff_initial))},
      {"connectors.backoff_max", as_duration(FIELD(connectors.backoff_max))},
      {"connectors.max_attempts", as_int(FIELD(connectors.max_attempts), 1, 100)},
      {"windows.allowed_lateness", as_duration(FIELD(windows.allowed_lateness))},
      {"downloads.gap_fill_horizon", as_duration(FIELD(downloads.gap_fill_horizon))},
      {"derivatives.min_downloads", as_int(FIELD(derivatives.min_downloads), 0, 1'000'000'000)},
      {"derivatives.attribution", as_choice(FIELD(derivatives.attribution), {"namespace", "root"})},
      {"overtake.confirm", as_int(FIELD(overtake.confirm), 1, 365)},
      {"overtake.top_n", as_int(FIELD(overtake.top_n), 2, 1000)},
      {"overtake.new_entrant_days", as_int(FIELD(overtake.new_entrant_days), 1, 10000)},
      {"alerts.thresholds", set_thresholds},
      {"metrics.model_series_per_bucket", as_int(FIELD(metrics.model_series_per_bucket), 0, 100000)},
      {"log.format", as_choice(FIELD(log.format), {"text", "json"})},
      {"log.level", as_choice(FIELD(log.level), {"debug", "info", "warn", "error"})},
  };
  return table;
}

#undef FIELD

// Keys whose value is a whole map (not descended into when flattening).
bool is_map_valued(const std::string& key) { return key == "kafka.properties"; }

void flatten(const YAML::Node& node, const std::string& prefix, std::vector<std::pair<std::string, YAML::Node>>& out) {
  for (const auto& kv : node) {
    std::string key = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
    if (kv.second.IsMap() && !is_map_valued(key) && !setters().count(key)) {
      flatten(kv.second, key, out);
    } else {
      out.emplace_back(key, kv.second);
    }
  }
}

void apply(Config& config, const std::string& key, const YAML::Node& value) {
  // One librdkafka property at a time: --set kafka.properties.fetch.wait.max.ms=20
  constexpr std::string_view kProperties = "kafka.properties.";
  if (key.size() > kProperties.size() && key.compare(0, kProperties.size(), kProperties) == 0) {
    if (!value.IsScalar()) fail(key, "expected a scalar value", value);
    config.kafka.properties[key.substr(kProperties.size())] = value.Scalar();
    return;
  }
  auto it = setters().find(key);
  if (it == setters().end()) throw ConfigError(key + ": unknown key");
  it->second(config, value, key);
}

void validate(const Config& c) {
  if (c.http.listen.rfind(':') == std::string::npos)
    throw ConfigError("http.listen: expected host:port, got '" + c.http.listen + "'");
  if (c.kafka.topic_prefix.empty()) throw ConfigError("kafka.topic_prefix: must not be empty");
  if (!parse_date(c.connectors.openrouter.start_date))
    throw ConfigError("connectors.openrouter.start_date: expected YYYY-MM-DD, got '" +
                      c.connectors.openrouter.start_date + "'");
  for (const auto& [k, v] : c.kafka.properties)
    if (k == "bootstrap.servers" || k == "group.id")
      throw ConfigError("kafka.properties." + k + ": set it with kafka.brokers / kafka.group_id instead");
}

}  // namespace

Config load_config(const std::string& yaml_text, const std::vector<std::string>& overrides,
                   const std::string& source) {
  Config config;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ": invalid YAML: " + e.what());
  }
  if (root && !root.IsNull()) {
    if (!root.IsMap()) throw ConfigError(source + ": expected a map of settings at the top level");
    std::vector<std::pair<std::string, YAML::Node>> flat;
    flatten(root, "", flat);
    for (const auto& [key, value] : flat) apply(config, key, value);
  }
  for (const auto& item : overrides) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError("--set " + item + ": expected key=value");
    std::string key = item.substr(0, eq);
    YAML::Node value;
    try {
      value = YAML::Load(item.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      throw ConfigError(key + ": invalid value: " + e.what());
    }
    if (!value || value.IsNull()) value = YAML::Node(std::string());
    apply(config, key, value);
  }
  validate(config);
  return config;
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace atomd
