// RebalanceHooks: assignment with start offsets, revocation on rebalance and on close, for
// the eager and the cooperative protocol.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "kafka/kafka.hpp"
#include "tests/kafka/test_support.hpp"

namespace atomd::kafka {
namespace {

using namespace std::chrono_literals;
using testing::consumer_settings;
using testing::eventually;
using testing::producer_settings;

constexpr int kPartitions = 4;

// What one consumer's hooks saw, in order, and the partitions they say it holds.
struct HookLog {
  std::mutex mutex;
  std::vector<std::vector<TopicPartition>> assigned;
  std::vector<std::vector<TopicPartition>> revoked;
  std::set<TopicPartition> held;
  std::map<TopicPartition, std::int64_t> next_starts;  // returned by the next on_assign
  int messages_before_first_assign = 0;

  RebalanceHooks hooks() {
    RebalanceHooks hooks;
    hooks.on_revoke = [this](const std::vector<TopicPartition>& partitions) {
      std::lock_guard lock(mutex);
      revoked.push_back(partitions);
      for (const auto& tp : partitions)
        EXPECT_EQ(held.erase(tp), 1U) << "revoked " << tp.to_string();
    };
    hooks.on_assign = [this](const std::vector<TopicPartition>& partitions) {
      std::lock_guard lock(mutex);
      assigned.push_back(partitions);
      for (const auto& tp : partitions)
        EXPECT_TRUE(held.insert(tp).second) << "assigned twice " << tp.to_string();
      return std::exchange(next_starts, {});
    };
    return hooks;
  }
  std::size_t revocations() {
    std::lock_guard lock(mutex);
    return revoked.size();
  }
  // The hooks' account matches the consumer's assignment.
  bool agrees_with(const Consumer& consumer) {
    const auto now = consumer.assigned_partitions();
    std::lock_guard lock(mutex);
    return std::vector<TopicPartition>(held.begin(), held.end()) == now;
  }
};

std::vector<TopicPartition> all_partitions(const std::string& topic) {
  std::vector<TopicPartition> partitions;
  for (int p = 0; p < kPartitions; ++p) partitions.push_back({topic, p});
  return partitions;
}

// Polls a consumer once at a time, storing the offsets of what it delivers.
struct PollingConsumer {
  Consumer& consumer;
  HookLog& log;
  std::vector<Message> delivered;

  void poll_once() {
    if (auto m = consumer.poll(20ms)) {
      {
        std::lock_guard lock(log.mutex);
        if (log.assigned.empty()) ++log.messages_before_first_assign;
      }
      consumer.store_offset(*m);
      delivered.push_back(std::move(*m));
    }
  }
};

// A alone, then B joins, then A leaves; `strategy` picks the rebalance protocol.
void join_and_leave(const std::string& bootstrap, const std::string& topic,
                    const std::string& strategy) {
  SCOPED_TRACE(strategy);
  const bool cooperative = strategy == "cooperative-sticky";
  Settings settings = consumer_settings(bootstrap, "group-" + strategy);
  settings.properties["partition.assignment.strategy"] = strategy;
  settings.properties["fetch.wait.max.ms"] = "20";

  HookLog a_log;
  a_log.next_starts = {{{topic, 2}, 7}};
  auto a = std::make_unique<Consumer>(settings, std::vector<std::string>{topic}, a_log.hooks());
  PollingConsumer a_poller{*a, a_log, {}};

  // Alone, A gets every partition; partition 2 starts where on_assign said.
  ASSERT_TRUE(eventually(
      [&] {
        a_poller.poll_once();
        return a_poller.delivered.size() >= 3;
      },
      15s));
  EXPECT_EQ(a_log.messages_before_first_assign, 0);
  ASSERT_EQ(a_log.assigned.size(), 1U);
  EXPECT_EQ(a_log.assigned[0], all_partitions(topic));
  EXPECT_TRUE(a_log.revoked.empty());
  EXPECT_EQ(a->assigned_partitions(), all_partitions(topic));
  EXPECT_EQ(a_poller.delivered[0].partition, 2);
  EXPECT_EQ(a_poller.delivered[0].offset, 7);
  EXPECT_EQ(a_poller.delivered[1].offset, 8);
  EXPECT_EQ(a_poller.delivered[2].offset, 9);
  // librdkafka 2.0.2's mock refuses commits while a rebalance is in progress (Kafka accepts
  // them until the join completes), so the commit on revoke would fail there: commit now.
  EXPECT_TRUE(a->commit());

  // B joins: A gives up partitions (eager: all of them first), the group splits them. The
  // mock sometimes needs a second round, so the test waits for the hooks' account of both
  // consumers to agree with a split assignment.
  HookLog b_log;
  Consumer b(settings, {topic}, b_log.hooks());
  PollingConsumer b_poller{b, b_log, {}};
  const auto split = [&] {
    const auto a_now = a->assigned_partitions();
    const auto b_now = b.assigned_partitions();
    if (a_now.empty() || b_now.empty() || a_now.size() + b_now.size() != kPartitions) return false;
    std::vector<TopicPartition> both = a_now;
    both.insert(both.end(), b_now.begin(), b_now.end());
    std::sort(both.begin(), both.end());
    return both == all_partitions(topic);
  };
  ASSERT_TRUE(eventually(
      [&] {
        a_poller.poll_once();
        b_poller.poll_once();
        return a_log.revocations() > 0 && split() && a_log.agrees_with(*a) && b_log.agrees_with(b);
      },
      25s));
  const auto a_kept = a->assigned_partitions();
  {
    std::lock_guard lock(a_log.mutex);
    const auto& first_revoked = a_log.revoked.front();
    if (cooperative) {
      // Only what moves is revoked; A keeps the rest throughout.
      EXPECT_LT(first_revoked.size(), static_cast<std::size_t>(kPartitions));
      for (const auto& tp : a_kept)
        EXPECT_EQ(std::count(first_revoked.begin(), first_revoked.end(), tp), 0) << tp.to_string();
    } else {
      EXPECT_EQ(first_revoked, all_partitions(topic));
      EXPECT_GE(a_log.assigned.size(), 2U);
    }
  }
  // B starts at the committed offsets (its on_assign gave none): nothing is read again.
  for (int i = 0; i < 10; ++i) {
    a_poller.poll_once();
    b_poller.poll_once();
  }
  EXPECT_EQ(a_poller.delivered.size(), 3U);
  EXPECT_TRUE(b_poller.delivered.empty());

  // Closing revokes what A holds.
  const std::size_t revocations_before_close = a_log.revocations();
  a->close();
  {
    std::lock_guard lock(a_log.mutex);
    ASSERT_EQ(a_log.revoked.size(), revocations_before_close + 1);
    EXPECT_EQ(a_log.revoked.back(), a_kept);
    EXPECT_TRUE(a_log.held.empty());
  }
  a.reset();
  EXPECT_EQ(a_log.revocations(), revocations_before_close + 1);  // not again on destruction
}

TEST(RebalanceHooks, EagerAndCooperativeAssignRevokeAndClose) {
  EmbeddedBroker broker(kPartitions);
  const std::vector<std::string> strategies = {"range", "cooperative-sticky"};
  {
    Producer producer(producer_settings(broker.bootstrap()));
    for (const auto& strategy : strategies) {
      broker.create_topic("t-" + strategy, kPartitions);
      for (int i = 0; i < 10; ++i) producer.produce("t-" + strategy, "k", std::to_string(i), {}, 2);
    }
    ASSERT_TRUE(producer.flush(10s));
  }
  // The mock's group rebalances wait out most of session.timeout.ms; both protocols run at
  // once, each in its own group, to keep the test short.
  std::vector<std::thread> runs;
  for (const auto& strategy : strategies)
    runs.emplace_back(
        [&, strategy] { join_and_leave(broker.bootstrap(), "t-" + strategy, strategy); });
  for (auto& run : runs) run.join();
}

// Two edge cases on one group (each group join costs the mock's 3 s): a failing on_assign,
// then an assignment lost to an expired membership.
TEST(RebalanceHooks, AFailingHookReachesPollAndALostAssignmentIsRevoked) {
  EmbeddedBroker broker(kPartitions);
  broker.create_topic("t", kPartitions);
  std::vector<std::vector<TopicPartition>> revoked;
  RebalanceHooks hooks;
  hooks.on_assign =
      [](const std::vector<TopicPartition>&) -> std::map<TopicPartition, std::int64_t> {
    throw std::runtime_error("checkpoint store unavailable");
  };
  hooks.on_revoke = [&](const std::vector<TopicPartition>& partitions) {
    revoked.push_back(partitions);
  };
  Consumer consumer(consumer_settings(broker.bootstrap(), "g"), {"t"}, hooks);
  bool thrown = false;
  ASSERT_TRUE(eventually(
      [&] {
        try {
          consumer.poll(50ms);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "checkpoint store unavailable");
          thrown = true;
        }
        return thrown;
      },
      15s));
  // The rebalance completed anyway, from the committed offsets; the error is reported once.
  EXPECT_EQ(consumer.assigned_partitions(), all_partitions("t"));
  EXPECT_NO_THROW(consumer.poll(10ms));

  // The coordinator forgets the member (as after a session timeout): librdkafka drops the
  // assignment as lost, and on_revoke hears of it before anything else happens.
  broker.push_request_errors(api_key::kHeartbeat, {RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID});
  ASSERT_TRUE(eventually(
      [&] {
        consumer.poll(50ms);
        return !revoked.empty();
      },
      5s));
  EXPECT_EQ(revoked.front(), all_partitions("t"));
  EXPECT_TRUE(consumer.assigned_partitions().empty());
}

}  // namespace
}  // namespace atomd::kafka
