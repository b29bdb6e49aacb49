// Scale-out (DESIGN §1): two replicas in one consumer group on an `atomd broker` split the input
// partitions; stage 2 runs in exactly one of them, and both answer every leaderboard exactly as
// a single replica over the same input does, also after one of them is killed (kill -9).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/fault/fault_support.hpp"

namespace atomd::fault {
namespace {

using testing::make_temp_dir;
using testing::metric_value;
using testing::wait_until;

constexpr auto kReplayTimeout = std::chrono::minutes(2);
constexpr int kPartitions = 8;

// A member that left without a goodbye is noticed after the session timeout: 6 s, not
// Kafka's 45 s default, so a takeover fits the test's budget.
const std::vector<std::string> kFastSession = {"--set", "kafka.properties.session.timeout.ms=6000"};

std::vector<std::string> replica_args(const std::string& replay, const std::string& state, const std::string& bootstrap) {
  std::vector<std::string> extra = {"--brokers", bootstrap};
  extra.insert(extra.end(), kFastSession.begin(), kFastSession.end());
  return daemon_args(replay, state, extra);
}

class Replicas : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir(std::string("fault-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    // The last 20k lines of the demo history: every input topic, and few enough records that
    // the one-partition internal topic stays within the `atomd broker`'s 5 MiB per partition.
    history_ = write_history(dir_, "history.jsonl", "2026-03-31", 20'000);
  }

  // An `atomd broker --partitions 8` child; its bootstrap address.
  std::string start_broker(const std::string& name, std::unique_ptr<DaemonProcess>& broker) {
    std::filesystem::create_directories(dir_ + "/" + name);
    broker = std::make_unique<DaemonProcess>(std::vector<std::string>{"broker", "--partitions", std::to_string(kPartitions)},
                                             dir_ + "/" + name);
    return broker_bootstrap(*broker);
  }

  std::unique_ptr<DaemonProcess> start_replica(const std::string& name, const std::string& replay,
                                               const std::string& bootstrap) {
    const std::string run_dir = dir_ + "/" + name;
    std::filesystem::create_directories(run_dir);
    return std::make_unique<DaemonProcess>(replica_args(replay, run_dir + "/state", bootstrap), run_dir);
  }

  // One replica alone over the same input: the answers both replicas must give.
  Answers single_replica_answers() {
    std::unique_ptr<DaemonProcess> broker;
    const auto bootstrap = start_broker("single-broker", broker);
    EXPECT_FALSE(bootstrap.empty()) << log_tail(*broker);
    auto daemon = start_replica("single", history_, bootstrap);
    EXPECT_TRUE(daemon->wait_ready()) << log_tail(*daemon);
    EXPECT_TRUE(wait_replay_done(*daemon, kReplayTimeout)) << log_tail(*daemon);
    Answers answers = collect_settled(*daemon, AnswerSet::leaderboards);
    EXPECT_EQ(metric_value(daemon->get("/metrics").body, "atom_stage2_owner", {}), 1.0);
    // The history closes days: without a watermark the `day` windows would be compared empty.
    EXPECT_FALSE(status(*daemon)["watermark"].is_null())
        << "the single replica's watermark never advanced over " << kPartitions << "-partition topics";
    EXPECT_EQ(daemon->terminate(std::chrono::seconds(20)), 0) << log_tail(*daemon);
    const auto dropped = dropped_by_broker(daemon->stderr_text());
    EXPECT_TRUE(dropped.empty()) << "single replica: " << dropped_by_broker_message(dropped);
    return answers;
  }

  std::string dir_;
  std::string history_;
};

double stage2_owner(DaemonProcess& daemon) { return metric_value(daemon.get("/metrics").body, "atom_stage2_owner", {}); }

// Who runs stage 2, as each replica says on /metrics (atom_stage2_owner) and /api/v1/status
// (stage2.owner), e.g. "A: metrics 1, status true; B: metrics 0, status false".
struct Stage2Ownership {
  std::vector<double> gauges;
  std::vector<json> flags;
  // The index of the one replica that owns stage 2 on both surfaces while every other one
  // disowns it on both; -1 otherwise.
  int owner() const {
    int owner = -1;
    for (std::size_t i = 0; i < gauges.size(); ++i) {
      const bool owns = gauges[i] == 1 && flags[i] == true, disowns = gauges[i] == 0 && flags[i] == false;
      if (!owns && !disowns) return -1;
      if (owns && owner != -1) return -1;
      if (owns) owner = static_cast<int>(i);
    }
    return owner;
  }
  std::string describe() const {
    std::string text;
    for (std::size_t i = 0; i < gauges.size(); ++i)
      text += std::string(i ? "; " : "") + static_cast<char>('A' + i) + ": atom_stage2_owner " +
              std::to_string(gauges[i]) + ", stage2.owner " + flags[i].dump();
    return text;
  }
};

Stage2Ownership stage2_ownership(const std::vector<DaemonProcess*>& replicas) {
  Stage2Ownership o;
  for (DaemonProcess* replica : replicas) {
    o.gauges.push_back(stage2_owner(*replica));
    const json s = status(*replica);
    o.flags.push_back(s.contains("stage2") ? s["stage2"].value("owner", json()) : json());
  }
  return o;
}

TEST_F(Replicas, TwoReplicas) {
  const Answers single = single_replica_answers();
  ASSERT_FALSE(single.empty());
  if (HasFailure()) return;

  std::unique_ptr<DaemonProcess> broker;
  const auto bootstrap = start_broker("broker", broker);
  ASSERT_FALSE(bootstrap.empty()) << log_tail(*broker);
  auto a = start_replica("a", history_, bootstrap);
  auto b = start_replica("b", "", bootstrap);
  ASSERT_TRUE(a->wait_ready()) << log_tail(*a);
  ASSERT_TRUE(b->wait_ready()) << log_tail(*b);
  ASSERT_TRUE(wait_replay_done(*a, kReplayTimeout)) << log_tail(*a);
  EXPECT_TRUE(wait_until([&] { return records(*b) > 0; }, std::chrono::seconds(60)))
      << "replica B processed nothing: the input partitions were not split\n" << log_tail(*b);

  const Answers from_a = collect_settled(*a, AnswerSet::leaderboards);
  const Answers from_b = collect_settled(*b, AnswerSet::leaderboards);
  auto diff = diff_answers(single, from_a);
  EXPECT_TRUE(diff.empty()) << "replica A (the replaying one) differs from a single replica: " << format_diff(diff);
  diff = diff_answers(single, from_b);
  EXPECT_TRUE(diff.empty()) << "replica B differs from a single replica: " << format_diff(diff);

  // Exactly one replica runs stage 2, and says so on /metrics and in /api/v1/status alike.
  const Stage2Ownership ownership = stage2_ownership({a.get(), b.get()});
  EXPECT_NE(ownership.owner(), -1) << ownership.describe();
  // Only the owner exposes group gauges, so PromQL sums over replicas never double count.
  if (ownership.owner() != -1) {
    DaemonProcess& owner = ownership.owner() == 0 ? *a : *b;
    DaemonProcess& other = ownership.owner() == 0 ? *b : *a;
    EXPECT_FALSE(std::isnan(metric_value(owner.get("/metrics").body, "atom_downloads", {}))) << ownership.describe();
    EXPECT_TRUE(std::isnan(metric_value(other.get("/metrics").body, "atom_downloads", {}))) << ownership.describe();
  }
  EXPECT_GT(records(*a), 0);
  EXPECT_GT(records(*b), 0);
  EXPECT_EQ(a->terminate(std::chrono::seconds(20)), 0) << log_tail(*a);
  EXPECT_EQ(b->terminate(std::chrono::seconds(20)), 0) << log_tail(*b);
  for (auto* replica : {a.get(), b.get()}) {
    const auto dropped = dropped_by_broker(replica->stderr_text());
    EXPECT_TRUE(dropped.empty()) << dropped_by_broker_message(dropped);
  }
}

// B (no replay) starts first, so it tends to own stage 2; A replays. B is killed mid-replay:
// A takes over B's partitions (and stage 2 when B had it) and still ends with the single
// replica's answers. (Killing the replaying replica would end the replay itself.)
TEST_F(Replicas, TwoReplicasOneKilled) {
  const Answers single = single_replica_answers();
  ASSERT_FALSE(single.empty());
  if (HasFailure()) return;

  std::unique_ptr<DaemonProcess> broker;
  const auto bootstrap = start_broker("broker", broker);
  ASSERT_FALSE(bootstrap.empty()) << log_tail(*broker);
  auto b = start_replica("b", "", bootstrap);
  ASSERT_TRUE(b->wait_ready()) << log_tail(*b);
  auto a = start_replica("a", history_, bootstrap);
  ASSERT_TRUE(a->wait_ready()) << log_tail(*a);
  // Mid-replay: once B has processed a share of the input.
  bool a_done = false;
  ASSERT_TRUE(wait_until([&] { return (a_done = replay_done(*a)) || records(*b) >= 5'000 || !b->running(); },
                         kReplayTimeout))
      << log_tail(*b);
  ASSERT_FALSE(a_done) << "the replay finished before B had processed 5000 records";
  // Before the kill, exactly one of the two runs stage 2 (both surfaces agree); B may be it.
  Stage2Ownership before;
  EXPECT_TRUE(wait_until([&] { return (before = stage2_ownership({a.get(), b.get()})).owner() != -1; },
                         std::chrono::seconds(10)))
      << before.describe();
  EXPECT_EQ(b->kill_hard(), 128 + 9);

  ASSERT_TRUE(wait_replay_done(*a, kReplayTimeout)) << log_tail(*a);
  // The survivor owns stage 2 (taken over when B had it), on both surfaces.
  Stage2Ownership after;
  EXPECT_TRUE(wait_until([&] { return (after = stage2_ownership({a.get()})).owner() == 0; }, std::chrono::seconds(60)))
      << "the survivor did not take stage 2 over (before the kill: " << before.describe() << "; now "
      << after.describe() << ")\n" << log_tail(*a);
  const Answers survivor = collect_settled(*a, AnswerSet::leaderboards);
  const auto diff = diff_answers(single, survivor);
  EXPECT_TRUE(diff.empty()) << "the survivor's answers differ from a single replica's: " << format_diff(diff);
  EXPECT_EQ(a->terminate(std::chrono::seconds(20)), 0) << log_tail(*a);
  for (auto* replica : {a.get(), b.get()}) {
    const auto dropped = dropped_by_broker(replica->stderr_text());
    EXPECT_TRUE(dropped.empty()) << dropped_by_broker_message(dropped);
  }
}

}  // namespace
}  // namespace atomd::fault
