// Producer and consumer against the embedded broker's injected faults: request errors,
// a coordinator move, one broker down.
#include <gtest/gtest.h>

#include <atomic>
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
using testing::read_partitions;

// Kafka protocol error codes (retriable ones).
constexpr int kLeaderNotAvailable = 5;
constexpr int kNotLeaderForPartition = 6;
constexpr int kRequestTimedOut = 7;
constexpr int kNotEnoughReplicas = 19;
constexpr int kKafkaStorageError = 56;

// Values 0..n-1 each exactly once?
::testing::AssertionResult each_value_once(const std::vector<Message>& messages, int n) {
  std::multiset<std::string> values;
  for (const auto& m : messages) values.insert(m.value);
  for (int i = 0; i < n; ++i) {
    const auto count = values.count(std::to_string(i));
    if (count != 1)
      return ::testing::AssertionFailure() << "value " << i << " seen " << count << " times";
  }
  if (values.size() != static_cast<std::size_t>(n))
    return ::testing::AssertionFailure() << values.size() << " messages, expected " << n;
  return ::testing::AssertionSuccess();
}

TEST(FaultInjection, RetriableProduceErrorsNeitherLoseNorDuplicate) {
  constexpr int kPartitions = 4;
  constexpr int kMessages = 200;
  EmbeddedBroker broker(kPartitions);
  const std::string topic = "atom.hf.derivatives.v1";
  broker.create_topic(topic);

  // The control: without retries an injected REQUEST_TIMED_OUT fails the delivery, so the
  // errors below are really met. (NOT_LEADER_FOR_PARTITION would not: librdkafka requeues
  // for a metadata refresh without counting a retry.)
  {
    Settings settings = producer_settings(broker.bootstrap());
    settings.properties = {{"enable.idempotence", "false"}, {"retries", "0"}};
    Producer fragile(settings);
    fragile.produce("control", "k", "v");
    ASSERT_TRUE(fragile.flush(10s));
    broker.push_request_errors(api_key::kProduce, {kRequestTimedOut});
    fragile.produce("control", "k", "v");
    fragile.flush(10s);
    EXPECT_EQ(fragile.failed(), 1);
  }

  // REQUEST_TIMED_OUT means "possibly persisted": a plain producer's retry could write a
  // second copy. producer.cpp enables idempotence, so a retry carries the same producer id
  // and sequence and a broker that did append the batch drops the copy. The mock answers
  // injected errors without appending, so here every retry is a first write; the test
  // holds the producer to "every message exactly once" either way.
  Producer producer(producer_settings(broker.bootstrap()));
  producer.produce(topic, "warm-up", "0");
  ASSERT_TRUE(producer.flush(10s));  // metadata and producer id known
  broker.push_request_errors(api_key::kProduce,
                             {kNotLeaderForPartition, kRequestTimedOut, kNotEnoughReplicas,
                              kLeaderNotAvailable, kNotLeaderForPartition, kRequestTimedOut});
  for (int i = 1; i < kMessages; ++i)
    producer.produce(topic, "org/model-" + std::to_string(i % 37), std::to_string(i));
  ASSERT_TRUE(producer.flush(20s));
  EXPECT_EQ(producer.delivered(), kMessages);
  EXPECT_EQ(producer.failed(), 0);
  EXPECT_TRUE(each_value_once(read_partitions(broker.bootstrap(), topic, kPartitions), kMessages));
}

// One streaming session through three faults in turn; a consumer group costs seconds of
// the mock's join timers, so the faults share one.
TEST(FaultInjection, StreamingSurvivesFetchErrorsACoordinatorMoveAndABrokerOutage) {
  constexpr int kPartitions = 6;
  constexpr int kBatch = 100;
  constexpr std::int32_t kFailing = 2;
  EmbeddedBroker broker(kPartitions, 3);
  const std::string topic = "atom.hf.models.v1";
  const std::string group = "atomd";
  broker.create_topic(topic);
  // Two partitions per broker; the coordinator is never the broker that goes down.
  for (int p = 0; p < kPartitions; ++p) broker.set_partition_leader(topic, p, 1 + p % 3);
  broker.set_coordinator(group, 1);

  Producer producer(producer_settings(broker.bootstrap()));
  int produced = 0;
  int on_failing_broker = 0;
  bool failing_broker_down = false;
  const auto produce = [&](int count) {
    for (int end = produced + count; produced < end; ++produced) {
      const std::string key = "org-" + std::to_string(produced % 101) + "/model";
      if (failing_broker_down && 1 + partition_for_key(key, kPartitions) % 3 == kFailing)
        ++on_failing_broker;
      producer.produce(topic, key, std::to_string(produced));
    }
  };

  std::atomic<int> revocations{0};
  RebalanceHooks hooks;
  hooks.on_revoke = [&](const std::vector<TopicPartition>&) { ++revocations; };
  // consumer_settings heartbeats every second: after a coordinator move the first
  // heartbeat fails (NOT_COORDINATOR) and the next one finds the new coordinator, which
  // with librdkafka's default 3 s interval can take the whole 6 s session.
  Consumer consumer(consumer_settings(broker.bootstrap(), group), {topic}, hooks);
  std::mutex seen_mutex;
  std::vector<Message> seen;
  const auto all_seen = [&](std::chrono::milliseconds timeout) {
    return eventually(
        [&] {
          std::lock_guard lock(seen_mutex);
          return seen.size() >= static_cast<std::size_t>(produced);
        },
        timeout);
  };
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      if (auto m = consumer.poll(50ms)) {
        consumer.store_offset(*m);
        std::lock_guard lock(seen_mutex);
        seen.push_back(std::move(*m));
      }
    }
  });

  produce(kBatch);
  EXPECT_TRUE(all_seen(15s)) << "before any fault";

  // Fetches fail for a while (request-level errors on the next ones).
  broker.push_request_errors(api_key::kFetch, {kNotLeaderForPartition, kKafkaStorageError,
                                               kRequestTimedOut, kNotLeaderForPartition});
  produce(kBatch);
  EXPECT_TRUE(all_seen(10s)) << "after fetch errors";

  // The group's coordinator moves: heartbeats and commits find the new one.
  broker.set_coordinator(group, 3);
  produce(kBatch);
  EXPECT_TRUE(all_seen(10s)) << "after the coordinator moved";
  EXPECT_TRUE(consumer.commit());

  // One partition leader's broker is unreachable for 2 s: its records wait, the others flow.
  broker.set_broker_up(kFailing, false);
  failing_broker_down = true;
  produce(2 * kBatch);
  std::this_thread::sleep_for(2s);
  broker.set_broker_up(kFailing, true);
  failing_broker_down = false;
  produce(kBatch);
  EXPECT_GT(on_failing_broker, 0);
  EXPECT_TRUE(producer.flush(20s));
  EXPECT_TRUE(all_seen(15s)) << "after broker " << kFailing << " came back";
  stop = true;
  reader.join();

  EXPECT_EQ(producer.delivered(), produced);
  EXPECT_EQ(producer.failed(), 0);
  EXPECT_TRUE(each_value_once(seen, produced));
  EXPECT_EQ(revocations.load(), 0);  // no fault cost a rebalance
}

}  // namespace
}  // namespace atomd::kafka
