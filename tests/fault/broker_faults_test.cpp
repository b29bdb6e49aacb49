// Broker faults against an external cluster (DESIGN §5: at-least-once delivery, idempotent
// operators): every broker down for 5 s in the middle of a replay and, when they come back,
// retriable Produce and Fetch errors, moved partition leaders and a moved group coordinator.
// The daemon keeps running, becomes ready again, finishes the replay, and answers exactly
// what a clean run answers.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/topics.hpp"
#include "kafka/kafka.hpp"
#include "tests/fault/fault_support.hpp"

namespace atomd::fault {
namespace {

using testing::make_temp_dir;

constexpr int kPartitions = 16;
constexpr int kBrokers = 3;  // so that leaders and the coordinator can move
constexpr auto kReplayTimeout = std::chrono::minutes(2);
// Retriable Kafka protocol error codes.
constexpr int kNotLeaderOrFollower = 6;
constexpr int kRequestTimedOut = 7;
const std::string kGroup = "atomd";  // kafka.group_id's default

// The broker that leads the first hf.models partitions and coordinates the group, before and
// after the outage.
constexpr int kFirstLeader = 1;
constexpr int kMovedLeader = 2;
constexpr int kFirstCoordinator = 1;
constexpr int kMovedCoordinator = 3;
constexpr int kMovedPartitions = 4;

Answers run(const std::string& dir, const std::string& name, const std::string& history, std::size_t lines,
            bool faulted) {
  kafka::EmbeddedBroker broker(kPartitions, kBrokers);
  for (const auto& t : topic_layout(TopicNames(), kPartitions)) broker.create_topic(t.name, t.partitions);
  const std::string hf_models = TopicNames().full(kTopicHfModels);
  for (int p = 0; p < kMovedPartitions; ++p) broker.set_partition_leader(hf_models, p, kFirstLeader);
  broker.set_coordinator(kGroup, kFirstCoordinator);

  const std::string run_dir = dir + "/" + name;
  std::filesystem::create_directories(run_dir);
  DaemonProcess daemon(daemon_args(history, run_dir + "/state", {"--brokers", broker.bootstrap()}), run_dir);
  EXPECT_TRUE(daemon.wait_ready()) << name << "\n" << log_tail(daemon);
  if (faulted) {
    // The outage starts once a tenth of the input was processed (the replay is not paced by
    // the consumers on an external cluster: the records stream in fast, so it is watched closely).
    const auto at = static_cast<std::int64_t>(lines) / 10;
    std::int64_t seen = -1;
    const auto deadline = std::chrono::steady_clock::now() + kReplayTimeout;
    while (daemon.running() && seen < at && std::chrono::steady_clock::now() < deadline) {
      seen = records(daemon);
      if (seen < at) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    broker.set_brokers_up(false);
    const auto down_at = std::chrono::steady_clock::now();
    EXPECT_GE(seen, at) << log_tail(daemon);
    EXPECT_LT(seen, static_cast<std::int64_t>(lines)) << "the outage came after the whole input was processed";
    std::printf("brokers down after %lld of %zu records\n", static_cast<long long>(seen), lines);
    // What the clients meet when the brokers are back.
    broker.push_request_errors(kafka::api_key::kProduce,
                               {kRequestTimedOut, kNotLeaderOrFollower, kRequestTimedOut, kNotLeaderOrFollower});
    broker.push_request_errors(kafka::api_key::kFetch, {kNotLeaderOrFollower, kRequestTimedOut, kNotLeaderOrFollower});
    for (int p = 0; p < kMovedPartitions; ++p) broker.set_partition_leader(hf_models, p, kMovedLeader);
    broker.set_coordinator(kGroup, kMovedCoordinator);
    std::this_thread::sleep_until(down_at + std::chrono::seconds(5));
    EXPECT_TRUE(daemon.running()) << "the daemon exited during the outage\n" << log_tail(daemon);
    const std::int64_t during = records(daemon);
    broker.set_brokers_up(true);
    std::printf("brokers up again at %lld records\n", static_cast<long long>(during));
    EXPECT_TRUE(daemon.wait_ready(std::chrono::seconds(90))) << "not ready again after the outage\n" << log_tail(daemon);
  }
  EXPECT_TRUE(wait_replay_done(daemon, kReplayTimeout)) << name << "\n" << log_tail(daemon);
  Answers answers = collect_settled(daemon);
  EXPECT_TRUE(daemon.running()) << name << "\n" << log_tail(daemon);
  EXPECT_EQ(daemon.get("/-/ready").status, 200);
  EXPECT_EQ(daemon.terminate(std::chrono::seconds(20)), 0) << name << "\n" << log_tail(daemon);
  const auto dropped = dropped_by_broker(daemon.stderr_text());
  EXPECT_TRUE(dropped.empty()) << name << ": " << dropped_by_broker_message(dropped);
  return answers;
}

TEST(Fault, BrokerFaults) {
  const auto dir = make_temp_dir("fault-broker");
  // The last 20k lines of the demo history: every input topic, and few enough records that
  // the one-partition internal topic stays within the mock broker's 5 MiB.
  std::size_t lines = 0;
  const auto history = write_history(dir, "history.jsonl", "2026-03-31", 20'000, &lines);
  const Answers clean = run(dir, "clean", history, lines, false);
  ASSERT_FALSE(clean.metrics.empty());
  EXPECT_FALSE(clean.api.at("/api/v1/events")["events"].empty()) << "the clean run found no events: no watermark?";
  if (HasFailure()) return;
  const Answers faulted = run(dir, "faulted", history, lines, true);
  const auto diff = diff_answers(clean, faulted);
  EXPECT_TRUE(diff.empty()) << "answers after broker faults differ from the clean run's: " << format_diff(diff);
}

}  // namespace
}  // namespace atomd::fault
