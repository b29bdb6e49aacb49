#pragma once
// Shared by the whole-daemon fault tests: the replay files they generate, the daemon's status,
// and "the answers" (every leaderboard, the adoption gauges on /metrics, the events) collected
// from a daemon and compared between a clean run and a faulted one.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/daemon_process.hpp"

namespace atomd::fault {

using nlohmann::json;
using testing::DaemonProcess;

// Writes the calibrated demo history through `until` (YYYY-MM-DD) to `dir`/`name`; with
// `tail_lines` > 0 only its last `tail_lines` lines (a later part of the same history: every
// input topic, and the models' first snapshots there only set baselines). Returns the path;
// *lines receives the line count. Throws std::runtime_error when the generator fails.
std::string write_history(const std::string& dir, const std::string& name, const std::string& until,
                          std::size_t tail_lines = 0, std::size_t* lines = nullptr);

// Lines per input topic ("hf.models" → n) of a replay file.
std::map<std::string, std::size_t> topic_counts(const std::string& path);

// GET /api/v1/status parsed; nullopt-like empty object when the daemon does not answer.
json status(DaemonProcess& daemon);
using testing::replay_done;
// operators.records of the running process; -1 when it does not answer.
std::int64_t records(DaemonProcess& daemon);
using testing::wait_replay_done;

// What a daemon answers: API bodies by request target and Prometheus samples by series
// ("name{labels}").
struct Answers {
  std::map<std::string, json> api;
  std::map<std::string, double> metrics;
  bool empty() const { return api.empty() && metrics.empty(); }
};

enum class AnswerSet {
  all,           // leaderboards, /api/v1/events and the adoption gauges
  leaderboards,  // only /api/v1/leaderboard (what every replica serves)
};

using testing::leaderboard_targets;
// The adoption gauges compared between runs.
const std::vector<std::string>& adoption_gauges();

// One collection; an answer that is not HTTP 200 JSON is recorded as {"http_status": N}.
Answers collect_answers(DaemonProcess& daemon, AnswerSet set = AnswerSet::all);
// Collects until two collections a second apart are identical (stage 2 and the aggregates
// mirror may still be catching up when replay.done flips); the last one after `timeout`.
Answers collect_settled(DaemonProcess& daemon, AnswerSet set = AnswerSet::all,
                        std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The differences of `got` from `want`, one readable line each ("<where>: want X, got Y"),
// at most `max_reported` lines plus a final "... and N more". Keys and rows must match;
// integers (JSON integers, integral values on both sides, and the values that are counts:
// cumulative downloads, tokens, event counters, ranks, the watermark) exactly; other numbers
// within a relative 1e-9.
std::vector<std::string> diff_answers(const Answers& want, const Answers& got, std::size_t max_reported = 30);
std::string format_diff(const std::vector<std::string>& diff);

// The log lines in which librdkafka reports records dropped before they were read: the
// `atomd broker` / EmbeddedBroker mock cluster keeps only the newest 5 MiB per partition
// (DESIGN §1), and a consumer that falls further behind has its offset reset. A run with such
// lines says nothing about the daemon.
std::vector<std::string> dropped_by_broker(const std::string& log);
std::string dropped_by_broker_message(const std::vector<std::string>& lines);

// The last `lines` lines of a daemon's stderr other than its event lines, for failure
// messages (a whole log can run to megabytes of event lines).
std::string log_tail(const DaemonProcess& daemon, std::size_t lines = 40);

// Lines of `text` containing every one of `needles`.
std::vector<std::string> lines_with(const std::string& text, const std::vector<std::string>& needles);

// The common arguments of the fault tests' daemons: the demo config (pollers off), the replay
// (when not empty), the state dir and a checkpoint every second.
std::vector<std::string> daemon_args(const std::string& replay, const std::string& state_dir,
                                     std::vector<std::string> extra = {});

// The first stdout line of an `atomd broker` child (its bootstrap address); empty on timeout.
std::string broker_bootstrap(DaemonProcess& broker, std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace atomd::fault
