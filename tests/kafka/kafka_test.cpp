// Producer, Consumer and EmbeddedBroker against librdkafka's in-process mock cluster.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "kafka/kafka.hpp"
#include "tests/kafka/test_support.hpp"

namespace atomd::kafka {
namespace {

using namespace std::chrono_literals;
using testing::consume;
using testing::eventually;
using testing::java_partition;
using testing::murmur2;
using testing::consumer_settings;
using testing::producer_settings;

TEST(Murmur2Reference, MatchesKafkaUtilsTestVectors) {
  EXPECT_EQ(murmur2("21"), -973932308);
  EXPECT_EQ(murmur2("foobar"), -790332482);
  EXPECT_EQ(murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(murmur2("abc"), 479470107);
}

TEST(EmbeddedBroker, BootstrapListsOneLoopbackListenerPerBroker) {
  EmbeddedBroker broker(16, 3);
  EXPECT_TRUE(std::regex_match(broker.bootstrap(),
                               std::regex(R"(127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+)")))
      << broker.bootstrap();
  EXPECT_EQ(broker.partitions(), 16);
}

TEST(EmbeddedBroker, AutoCreatedTopicGetsTheMockDefaultOfFourPartitions) {
  EmbeddedBroker broker(16);
  {
    Producer producer(producer_settings(broker.bootstrap()));
    producer.produce("auto.created", "k", "v");
    ASSERT_TRUE(producer.flush(10s));
  }
  // Documented limit: a topic touched first by a client has 4 partitions, whatever the
  // broker's own count, and the mismatch is reported instead of silently accepted.
  EXPECT_THROW(broker.create_topic("auto.created"), KafkaError);
  EXPECT_NO_THROW(broker.create_topic("auto.created", 4));

  broker.create_topic("explicit");
  EXPECT_NO_THROW(broker.create_topic("explicit", 16));  // idempotent
  EXPECT_THROW(broker.create_topic("explicit", 8), KafkaError);
}

TEST(Settings, PropertyErrorsNameTheKeyButNeverASecretValue) {
  Settings settings = consumer_settings("127.0.0.1:1", "g");
  settings.properties = {{"no.such.property", "x"}};
  try {
    Producer producer(settings);
    FAIL() << "unknown property accepted";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("no.such.property"), std::string::npos) << e.what();
  }
  settings.properties = {{"sasl.oauthbearer.method", "hunter2-not-a-method"}};
  try {
    Consumer consumer(settings, {"t"});
    FAIL() << "invalid enum value accepted";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("sasl.oauthbearer.method"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
  settings.properties = {{"acks", "sometimes"}};
  try {
    Producer producer(settings);
    FAIL() << "invalid acks accepted";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("acks"), std::string::npos) << e.what();
  }
}

TEST(ProduceConsume, KeyedMessagesArriveExactlyOnceOnTheirMurmur2Partition) {
  constexpr int kPartitions = 16;
  constexpr int kMessages = 3000;
  constexpr int kKeys = 300;
  EmbeddedBroker broker(kPartitions);
  const std::string topic = "atom.hf.models.v1";
  broker.create_topic(topic);

  Producer producer(producer_settings(broker.bootstrap()));
  for (int i = 0; i < kMessages; ++i)
    producer.produce(topic, "org-" + std::to_string(i % kKeys) + "/model", std::to_string(i));
  ASSERT_TRUE(producer.flush(10s));
  EXPECT_EQ(producer.delivered(), kMessages);
  EXPECT_EQ(producer.failed(), 0);
  EXPECT_EQ(producer.queued(), 0);

  Consumer consumer(consumer_settings(broker.bootstrap(), "atomd"), {topic});
  const auto messages = consume(consumer, kMessages, 30s);
  ASSERT_EQ(messages.size(), static_cast<std::size_t>(kMessages));
  // Nothing more than the N messages: no duplicates waiting behind them.
  EXPECT_FALSE(consumer.poll(300ms).has_value());

  std::set<std::string> values;
  std::map<std::string, std::int32_t> partition_of_key;
  std::map<std::int32_t, std::int64_t> last_offset;
  for (const auto& m : messages) {
    EXPECT_EQ(m.topic, topic);
    values.insert(m.value);
    const auto [it, inserted] = partition_of_key.emplace(m.key, m.partition);
    EXPECT_EQ(it->second, m.partition) << "key " << m.key << " on two partitions";
    EXPECT_EQ(m.partition, java_partition(m.key, kPartitions)) << "key " << m.key;
    // Per-partition order is preserved.
    if (auto found = last_offset.find(m.partition); found != last_offset.end()) {
      EXPECT_GT(m.offset, found->second);
    }
    last_offset[m.partition] = m.offset;
    EXPECT_GT(m.timestamp_ms, 0);
  }
  EXPECT_EQ(values.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(partition_of_key.size(), static_cast<std::size_t>(kKeys));
  EXPECT_EQ(consumer.assigned_partitions().size(), static_cast<std::size_t>(kPartitions));
  EXPECT_EQ(last_offset.size(), static_cast<std::size_t>(kPartitions));

  const auto lag = consumer.lag();
  EXPECT_EQ(lag.size(), static_cast<std::size_t>(kPartitions));
  for (const auto& [partition, records] : lag) EXPECT_EQ(records, 0) << partition.to_string();
  EXPECT_TRUE(consumer.commit());
  consumer.close();
  consumer.close();  // idempotent
  EXPECT_THROW(consumer.poll(0ms), KafkaError);
}

TEST(ProduceConsume, RestartInTheSameGroupResumesAfterTheStoredOffset) {
  constexpr int kMessages = 100;
  constexpr int kStored = 30;
  constexpr int kPolled = 35;
  EmbeddedBroker broker(16);
  const std::string topic = "atom.internal.contributions.v1";
  broker.create_topic(topic, 1);
  Producer producer(producer_settings(broker.bootstrap()));
  for (int i = 0; i < kMessages; ++i) producer.produce(topic, "k", std::to_string(i));
  ASSERT_TRUE(producer.flush(10s));

  {
    Consumer first(consumer_settings(broker.bootstrap(), "stage2"), {topic});
    const auto polled = consume(first, kPolled, 20s, /*store=*/false);
    ASSERT_EQ(polled.size(), static_cast<std::size_t>(kPolled));
    // Only what was "processed" is stored; the 5 polled after it must come again.
    for (int i = 0; i < kStored; ++i) ASSERT_TRUE(first.store_offset(polled[i]));
    EXPECT_EQ(first.lag(), (std::map<TopicPartition, std::int64_t>{{TopicPartition{topic, 0}, kMessages - kPolled}}));
    first.close();  // commits the stored offsets
  }

  {
    Consumer second(consumer_settings(broker.bootstrap(), "stage2"), {topic});
    const auto resumed = consume(second, kMessages - kStored, 20s);
    ASSERT_EQ(resumed.size(), static_cast<std::size_t>(kMessages - kStored));
    EXPECT_EQ(resumed.front().offset, kStored);
    EXPECT_EQ(resumed.front().value, std::to_string(kStored));
    EXPECT_EQ(resumed.back().offset, kMessages - 1);
    EXPECT_FALSE(second.poll(300ms).has_value());
  }

  // Caught up and restarted with nothing new: no message ever delivers a position, so lag
  // comes from the committed offset.
  Consumer third(consumer_settings(broker.bootstrap(), "stage2"), {topic});
  const bool caught_up = eventually(
      [&] {
        EXPECT_FALSE(third.poll(50ms).has_value()) << "redelivered after a stored offset";
        const auto lag = third.lag();
        return lag.size() == 1 && lag.begin()->second == 0;
      },
      20s);
  EXPECT_TRUE(caught_up);
  EXPECT_EQ(third.assigned_partitions(), (std::vector<TopicPartition>{TopicPartition{topic, 0}}));
}

TEST(ProduceConsume, StoringAnUnassignedPartitionFails) {
  EmbeddedBroker broker(4);
  broker.create_topic("t");
  Consumer consumer(consumer_settings(broker.bootstrap(), "g"), {"t"});
  Message foreign;
  foreign.topic = "t";
  foreign.partition = 99;
  foreign.offset = 5;
  EXPECT_FALSE(consumer.store_offset(foreign));
}

TEST(ProduceConsume, BrokerDownForSecondsLosesNothing) {
  constexpr int kPartitions = 16;
  constexpr int kMessages = 600;
  EmbeddedBroker broker(kPartitions);
  const std::string topic = "atom.openrouter.tokens.v1";
  broker.create_topic(topic);
  Producer producer(producer_settings(broker.bootstrap()));
  Consumer consumer(consumer_settings(broker.bootstrap(), "atomd"), {topic});

  std::mutex seen_mutex;
  std::set<std::string> seen;
  const auto seen_count = [&] {
    std::lock_guard lock(seen_mutex);
    return seen.size();
  };
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      if (auto m = consumer.poll(100ms)) {
        std::lock_guard lock(seen_mutex);
        seen.insert(m->value);
        consumer.store_offset(*m);
      }
    }
  });
  // An outage while a JoinGroup is pending leaves a ghost member that the group waits for
  // until session.timeout.ms; this test covers an established member.
  ASSERT_TRUE(eventually([&] { return consumer.assigned_partitions().size() == kPartitions; }, 20s));

  for (int i = 0; i < kMessages; ++i) {
    if (i == kMessages / 3) {
      // Let the consumer catch up, so it is fetching when the broker goes away.
      EXPECT_TRUE(eventually([&] { return seen_count() == static_cast<std::size_t>(i); }, 10s));
      broker.set_brokers_up(false);
    }
    if (i == 2 * kMessages / 3) {
      // Clients keep queueing while the broker is unreachable.
      std::this_thread::sleep_for(3s);
      broker.set_brokers_up(true);
    }
    producer.produce(topic, "slug-" + std::to_string(i % 97) + "@2026-04-01", std::to_string(i));
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(producer.flush(20s));
  EXPECT_EQ(producer.delivered(), kMessages);
  EXPECT_EQ(producer.failed(), 0);

  const auto recovering = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return seen_count() == static_cast<std::size_t>(kMessages); }, 30s))
      << seen_count() << " of " << kMessages << " consumed";
  RecordProperty("catch_up_ms_after_flush",
                 static_cast<int>((std::chrono::steady_clock::now() - recovering) / 1ms));
  const auto lag = consumer.lag();
  EXPECT_EQ(lag.size(), static_cast<std::size_t>(kPartitions));
  for (const auto& [partition, records] : lag) EXPECT_EQ(records, 0) << partition.to_string();
  stop = true;
  reader.join();
}

TEST(ProduceConsume, CloseIsBoundedWhileTheBrokerIsDown) {
  EmbeddedBroker broker(4);
  broker.create_topic("t");
  {
    Producer producer(producer_settings(broker.bootstrap()));
    for (int i = 0; i < 10; ++i) producer.produce("t", std::to_string(i), "v");
    ASSERT_TRUE(producer.flush(10s));
  }
  Settings settings = consumer_settings(broker.bootstrap(), "g");
  settings.close_timeout = 2s;
  // This test is about the commit close() makes. A periodic auto-commit already in flight
  // when the broker goes down is another path (destroy then waits for its request, ~7 s;
  // seen 1 run in 16): keep the timer out of the way.
  settings.properties["auto.commit.interval.ms"] = "600000";
  int revocations = 0;
  RebalanceHooks hooks;
  hooks.on_revoke = [&](const std::vector<TopicPartition>&) { ++revocations; };
  auto consumer = std::make_unique<Consumer>(settings, std::vector<std::string>{"t"}, hooks);
  // Stored but not yet committed offsets give close() a commit that cannot succeed; left
  // queued, it would hold the destructor for up to session.timeout.ms.
  ASSERT_EQ(consume(*consumer, 10, 20s).size(), 10U);
  broker.set_brokers_up(false);
  // Liveness guards, not speed tests: an unbounded close waits session.timeout.ms (6 s,
  // consumer_settings) for the coordinator; a bounded one takes about close_timeout (2 s, of
  // which the coordinator probe takes 1 s: a shorter close_timeout leaves no time to revoke).
  constexpr auto kUnbounded = 5s;
  const auto started = std::chrono::steady_clock::now();
  consumer->close();
  EXPECT_LT(std::chrono::steady_clock::now() - started, kUnbounded);
  EXPECT_EQ(revocations, 1);  // the hook still runs
  EXPECT_TRUE(consumer->lag().empty());
  EXPECT_TRUE(consumer->assigned_partitions().empty());
  EXPECT_FALSE(consumer->commit());
  consumer.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, kUnbounded);
}

TEST(ProduceConsume, ProducerShutdownIsBoundedWhileTheBrokerIsDown) {
  EmbeddedBroker broker(4);
  broker.create_topic("t");
  Settings settings = producer_settings(broker.bootstrap());
  settings.close_timeout = 1s;
  auto producer = std::make_unique<Producer>(settings);
  producer->produce("t", "k", "before");
  ASSERT_TRUE(producer->flush(10s));
  broker.set_brokers_up(false);
  for (int i = 0; i < 5; ++i) producer->produce("t", "k", "during");
  EXPECT_FALSE(producer->flush(300ms));
  EXPECT_EQ(producer->queued(), 5);
  EXPECT_EQ(producer->failed(), 0);  // still retrying, not failed
  // A liveness guard, not a speed test: the destructor flushes for close_timeout (1 s) and
  // purges; unbounded, it would retry for message.timeout.ms (300 s by default).
  const auto started = std::chrono::steady_clock::now();
  producer.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

}  // namespace
}  // namespace atomd::kafka
