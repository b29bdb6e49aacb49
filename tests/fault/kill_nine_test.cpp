// kill -9 at any point loses nothing and double-counts nothing (DESIGN §5): a 200k-record
// replay on the embedded broker, SIGKILLed five times at seeded random points and restarted on
// the same file and state each time, ends with exactly the answers of an uninterrupted run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "tests/fault/fault_support.hpp"

namespace atomd::fault {
namespace {

using testing::make_temp_dir;
using testing::wait_until;

constexpr int kKills = 5;
constexpr auto kReplayTimeout = std::chrono::minutes(5);

// One killed process: where it was killed.
struct Kill {
  std::int64_t line;     // the point of the file at which the kill was due
  std::int64_t start;    // the line the process resumed at
  std::int64_t records;  // operators.records last read before the kill
  bool done_before;      // status said replay.done before the kill (must not)
};

// The line a restarted daemon resumes its replay at, from its log; 1 when it does not say.
std::int64_t resume_line(const std::string& log) {
  static const std::regex kResumes(R"(the replay resumes at line (\d+))");
  std::smatch m;
  return std::regex_search(log, m, kResumes) ? std::stoll(m[1]) : 1;
}

TEST(Fault, KillNineLoop) {
  const auto dir = make_temp_dir("fault-kill-nine");
  // The demo history continued to the end of 2026: every input topic, over 200k records.
  std::size_t lines = 0;
  const auto history = write_history(dir, "history.jsonl", "2026-12-31", 0, &lines);
  ASSERT_GE(lines, 200'000u);
  const auto topics = topic_counts(history);
  for (const char* topic : {"hf.models", "hf.derivatives", "openrouter.tokens"})
    ASSERT_GT(topics.count(topic) ? topics.at(topic) : 0, 10'000u) << topic;

  // Reference: uninterrupted, from an empty state dir.
  Answers reference;
  {
    std::filesystem::create_directories(dir + "/reference");
    DaemonProcess daemon(daemon_args(history, dir + "/reference/state"), dir + "/reference");
    ASSERT_TRUE(daemon.wait_ready()) << log_tail(daemon);
    ASSERT_TRUE(wait_replay_done(daemon, kReplayTimeout)) << log_tail(daemon);
    reference = collect_settled(daemon);
    EXPECT_EQ(daemon.terminate(), 0) << log_tail(daemon);
  }
  ASSERT_FALSE(reference.metrics.empty());
  ASSERT_FALSE(reference.api.at("/api/v1/events")["events"].empty()) << "the history must produce events";

  // Faulted: five processes SIGKILLed at seeded random points spread over the file, then a
  // sixth runs to the end. A point is a line of the file: a process that logs "the replay
  // resumes at line L" (else from line 1) is killed once L + its operators.records reach it.
  // The points stop at 90% of the file, so every kill lands before the end of the replay.
  std::mt19937 rng(20260331);
  std::uniform_int_distribution<std::int64_t> pick(static_cast<std::int64_t>(lines) / 20,
                                                   static_cast<std::int64_t>(lines) * 9 / 10);
  std::vector<std::int64_t> points;
  for (int k = 0; k < kKills; ++k) points.push_back(pick(rng));
  std::sort(points.begin(), points.end());
  const std::string state = dir + "/faulted/state";
  std::vector<Kill> kills;
  std::vector<std::string> restart_logs;
  for (int k = 0; k < kKills; ++k) {
    const std::string run_dir = dir + "/faulted/run-" + std::to_string(k);
    std::filesystem::create_directories(run_dir);
    DaemonProcess daemon(daemon_args(history, state), run_dir);
    ASSERT_NE(daemon.wait_for_port(), 0) << log_tail(daemon);
    const std::int64_t start = resume_line(daemon.stderr_text());
    Kill kill{points[k], start, -1, false};
    ASSERT_TRUE(wait_until(
        [&] {
          auto s = status(daemon);
          if (s.contains("operators")) kill.records = s["operators"].value("records", std::int64_t{-1});
          if (s.contains("replay")) kill.done_before = s["replay"].value("done", false);
          return !daemon.running() || kill.done_before || (kill.records >= 0 && start + kill.records >= kill.line);
        },
        kReplayTimeout))
        << "kill " << k << " never reached line " << kill.line << "\n" << log_tail(daemon);
    ASSERT_TRUE(daemon.running()) << "process " << k << " exited by itself\n" << log_tail(daemon);
    EXPECT_EQ(daemon.kill_hard(), 128 + 9);
    EXPECT_EQ(daemon.stdout_text().find("Replay summary"), std::string::npos)
        << "process " << k << " finished its replay before the kill";
    std::printf("kill %d: due at line %lld; started at line %lld, killed after %lld records\n", k,
                static_cast<long long>(kill.line), static_cast<long long>(start), static_cast<long long>(kill.records));
    kills.push_back(kill);
    if (k > 0) restart_logs.push_back(daemon.stderr_text());
  }

  Answers faulted;
  std::int64_t last_records = -1;
  {
    const std::string run_dir = dir + "/faulted/run-" + std::to_string(kKills);
    std::filesystem::create_directories(run_dir);
    DaemonProcess daemon(daemon_args(history, state), run_dir);
    ASSERT_TRUE(daemon.wait_ready()) << log_tail(daemon);
    ASSERT_TRUE(wait_replay_done(daemon, kReplayTimeout)) << log_tail(daemon);
    faulted = collect_settled(daemon);
    last_records = records(daemon);
    restart_logs.push_back(daemon.stderr_text());
    EXPECT_EQ(daemon.terminate(), 0) << log_tail(daemon);
  }

  ASSERT_EQ(kills.size(), static_cast<std::size_t>(kKills));
  for (std::size_t k = 0; k < kills.size(); ++k) {
    EXPECT_FALSE(kills[k].done_before) << "kill " << k << " came after replay.done";
    EXPECT_GE(kills[k].start + kills[k].records, kills[k].line) << "kill " << k;
  }
  // Some restart resumed from a checkpoint instead of the start of the file: it says so, and
  // the last process had less than the whole file left to process.
  int restored = 0;
  for (const auto& log : restart_logs) restored += !lines_with(log, {"restored"}).empty();
  EXPECT_GE(restored, 1) << "no restart logged a restore from its checkpoint";
  EXPECT_GT(last_records, 0);
  EXPECT_LT(last_records, static_cast<std::int64_t>(lines)) << "the last process replayed the whole file again";

  const auto diff = diff_answers(reference, faulted);
  EXPECT_TRUE(diff.empty()) << "answers after 5 x kill -9 differ from the uninterrupted run's: " << format_diff(diff);
}

}  // namespace
}  // namespace atomd::fault
