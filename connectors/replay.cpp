#include "connectors/replay.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>

#include "core/topics.hpp"

namespace atomd {
namespace {

using nlohmann::json;

Decoded<std::string> string_field(const json& value, const char* field) {
  auto it = value.find(field);
  if (it == value.end() || it->is_null()) return Rejection{RejectReason::missing_field, std::string("value.") + field + ": missing"};
  if (!it->is_string()) return Rejection{RejectReason::wrong_type, std::string("value.") + field + ": expected string"};
  return it->get<std::string>();
}

// The message key of each input topic (DESIGN §2).
Decoded<std::string> key_for(std::string_view topic, const json& value) {
  if (topic == kTopicHfModels || topic == kTopicHfDerivatives) return string_field(value, "repo_id");
  auto slug = string_field(value, "slug");
  if (!slug) return slug;
  auto date = string_field(value, "date");
  if (!date) return date;
  return slug.value() + "@" + date.value();
}

TimeMs event_time_of(std::string_view topic, const json& value) {
  if (topic == kTopicOpenRouterTokens) {
    auto it = value.find("date");
    if (it == value.end() || !it->is_string()) return kNoTime;
    auto day = parse_date(it->get<std::string>());
    return day ? day_end(*day) - 1 : kNoTime;
  }
  auto it = value.find("observed_at");
  if (it == value.end() || !it->is_string()) return kNoTime;
  return parse_rfc3339(it->get<std::string>()).value_or(kNoTime);
}

}  // namespace

Decoded<ReplayRecord> parse_replay_line(std::string_view line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Rejection{RejectReason::malformed_json, "line is not valid JSON"};
  if (!j.is_object()) return Rejection{RejectReason::wrong_type, "line: expected an object"};
  auto topic = j.find("topic");
  if (topic == j.end()) return Rejection{RejectReason::missing_field, "topic: missing"};
  if (!topic->is_string()) return Rejection{RejectReason::wrong_type, "topic: expected string"};
  auto name = topic->get<std::string>();
  if (!is_input_topic(name)) return Rejection{RejectReason::bad_value, "topic: unknown topic '" + name + "'"};
  auto value = j.find("value");
  if (value == j.end()) return Rejection{RejectReason::missing_field, "value: missing"};
  if (!value->is_object()) return Rejection{RejectReason::wrong_type, "value: expected an object"};
  auto key = key_for(name, *value);
  if (!key) return key.rejection();
  return ReplayRecord{name, key.value(), value->dump(), event_time_of(name, *value)};
}

ReplayStats ReplaySource::run(const Emit& emit, const Reject& reject, const std::atomic<bool>& stop,
                              const std::function<void(std::int64_t, std::int64_t)>& progress,
                              std::int64_t start_line) const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) throw std::runtime_error(path_ + ": cannot open replay file");
  in.seekg(0, std::ios::end);
  const std::int64_t total = in.tellg();
  in.seekg(0);

  ReplayStats stats;
  const auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  std::string line;
  std::int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (stop.load()) {
      stats.stopped = true;
      break;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line_number < start_line) {
      ++stats.skipped;
      continue;
    }
    ++stats.lines;
    auto record = parse_replay_line(line);
    if (!record) {
      ++stats.rejected;
      reject(line_number, record.rejection());
      continue;
    }
    record.value().line = line_number;
    if (!emit(record.value())) {
      stats.stopped = true;
      break;
    }
    ++stats.produced;
    ++stats.produced_by_topic[record->topic];
    if (progress && (line_number & 1023) == 0) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_progress > std::chrono::milliseconds(500)) {
        last_progress = now;
        progress(static_cast<std::int64_t>(in.tellg()), total);
      }
    }
  }
  if (progress) progress(total, total);
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return stats;
}

}  // namespace atomd
