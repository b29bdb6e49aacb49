#pragma once
// Replay of recorded history (DESIGN §2 "Replay files"): JSON Lines of
// {"topic": "<short name>", "value": {...}}, produced in order onto the same topics the
// pollers use. Parsing is pure; ReplaySource drives it over a file.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "core/records.hpp"

namespace atomd {

struct ReplayRecord {
  std::string topic;  // short name, e.g. "hf.models"
  std::string key;    // the topic's key (DESIGN §2)
  std::string value;  // the message, as compact JSON
  // The record's event time (DESIGN §4) when its value names one well-formed, else kNoTime:
  // observed_at, or the last millisecond of a token row's date. Paces the replay.
  TimeMs event_time = kNoTime;
  // 1-based line in the file (0 when not read from a file): the replay's resume position.
  std::int64_t line = 0;
};

// Parses one line; blank lines are not records (callers skip them).
Decoded<ReplayRecord> parse_replay_line(std::string_view line);

struct ReplayStats {
  std::int64_t lines = 0;
  std::int64_t produced = 0;
  std::map<std::string, std::int64_t> produced_by_topic;
  std::int64_t rejected = 0;
  std::int64_t skipped = 0;  // lines before the resume line, already processed by an earlier run
  double seconds = 0;
  bool stopped = false;  // interrupted before the end of the file
};

class ReplaySource {
 public:
  // emit(topic short name, key, value) produces one message; it may block for backpressure
  // and returns false when the daemon is stopping.
  using Emit = std::function<bool(const ReplayRecord&)>;
  using Reject = std::function<void(std::int64_t line_number, const Rejection&)>;

  explicit ReplaySource(std::string path) : path_(std::move(path)) {}

  // Reads the file from line `start_line` on (1 = the whole file; earlier lines are skipped
  // unparsed: a restart resumes from its checkpointed position); `progress` (may be empty) is
  // called about every 0.5 s with (bytes read, total bytes). Throws std::runtime_error when
  // the file cannot be read.
  ReplayStats run(const Emit& emit, const Reject& reject, const std::atomic<bool>& stop,
                  const std::function<void(std::int64_t, std::int64_t)>& progress,
                  std::int64_t start_line = 1) const;

 private:
  std::string path_;
};

}  // namespace atomd
