// Partitioning, headers and explicit partitions of Producer::produce.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "kafka/kafka.hpp"
#include "tests/kafka/test_support.hpp"

namespace atomd::kafka {
namespace {

using namespace std::chrono_literals;
using testing::consume;
using testing::consumer_settings;
using testing::java_partition;
using testing::producer_settings;
using testing::read_partitions;

TEST(PartitionForKey, KafkaUtilsMurmur2VectorsGiveTheirPartitions) {
  // (murmur2 & 0x7fffffff) % n, from the hashes of Kafka's UtilsTest (see Murmur2Reference).
  struct Vector {
    const char* key;
    std::int32_t p7, p16, p100;
  };
  const Vector vectors[] = {
      {"21", 3, 12, 40},
      {"foobar", 0, 14, 66},
      {"a-little-bit-long-string", 1, 0, 12},
      {"a-little-bit-longer-string", 0, 3, 19},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 3, 13, 77},
      {"abc", 4, 11, 7},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(partition_for_key(v.key, 1), 0) << v.key;
    EXPECT_EQ(partition_for_key(v.key, 7), v.p7) << v.key;
    EXPECT_EQ(partition_for_key(v.key, 16), v.p16) << v.key;
    EXPECT_EQ(partition_for_key(v.key, 100), v.p100) << v.key;
  }
  EXPECT_THROW(partition_for_key("k", 0), KafkaError);
}

TEST(PartitionForKey, AgreesWithTheIndependentReferenceOnEveryTailLengthAndHighBytes) {
  // Bytes >= 0x80 must hash unsigned (Java masks with 0xff), as in UTF-8 repo ids.
  std::string key;
  for (int length = 1; length <= 64; ++length) {
    key += static_cast<char>(length % 3 == 0 ? 0xC3 : 'a' + length % 26);
    for (const int partitions : {1, 2, 3, 16, 31, 1000})
      ASSERT_EQ(partition_for_key(key, partitions), java_partition(key, partitions))
          << "length " << length << " partitions " << partitions;
  }
}

TEST(PartitionForKey, MatchesWhereLibrdkafkaPutsEveryKey) {
  constexpr int kPartitions = 16;
  constexpr int kKeys = 500;
  EmbeddedBroker broker(kPartitions);
  const std::string topic = "atom.hf.models.v1";
  broker.create_topic(topic);
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i)
    keys.push_back((i % 5 == 0 ? "org-é" : "org-") + std::to_string(i * 7919) + "/" +
                   std::string(static_cast<std::size_t>(i % 13), 'm'));
  {
    Producer producer(producer_settings(broker.bootstrap()));
    for (const auto& key : keys) producer.produce(topic, key, "v");
    ASSERT_TRUE(producer.flush(10s));
  }
  std::map<std::string, std::int32_t> partition_of;
  for (const auto& m : read_partitions(broker.bootstrap(), topic, kPartitions))
    partition_of.emplace(m.key, m.partition);
  ASSERT_EQ(partition_of.size(), static_cast<std::size_t>(kKeys));
  std::set<std::int32_t> used;
  for (const auto& key : keys) {
    EXPECT_EQ(partition_for_key(key, kPartitions), partition_of.at(key)) << key;
    used.insert(partition_of.at(key));
  }
  EXPECT_EQ(used.size(), static_cast<std::size_t>(kPartitions));
}

TEST(ProduceHeaders, ConsumerSeesHeadersInOrderAndExplicitPartitionsAreKept) {
  constexpr int kPartitions = 4;
  EmbeddedBroker broker(kPartitions);
  const std::string topic = "atom.events.v1";
  broker.create_topic(topic);
  // A key whose murmur2 partition is not 3, sent to 3.
  std::string key = "k0";
  for (int i = 1; partition_for_key(key, kPartitions) == 3; ++i) key = "k" + std::to_string(i);

  Producer producer(producer_settings(broker.bootstrap()));
  producer.produce(topic, "with-headers", "1", {{"schema", "1"}, {"source", "replay"}});
  producer.produce(topic, "repeated", "2", {{"trace", "a"}, {"empty", ""}, {"trace", "b"}});
  producer.produce(topic, key, "3", {}, 3);
  producer.produce(topic, "plain", "4");
  ASSERT_TRUE(producer.flush(10s));
  EXPECT_EQ(producer.delivered(), 4);
  // The topic's metadata is known now, so a partition it lacks is refused at once.
  EXPECT_THROW(producer.produce(topic, key, "5", {}, kPartitions), KafkaError);

  Consumer consumer(consumer_settings(broker.bootstrap(), "g"), {topic});
  std::map<std::string, Message> by_value;
  for (auto& m : consume(consumer, 4, 20s)) by_value.emplace(m.value, std::move(m));
  ASSERT_EQ(by_value.size(), 4U);

  const Message& first = by_value.at("1");
  EXPECT_EQ(first.headers, (Headers{{"schema", "1"}, {"source", "replay"}}));
  EXPECT_EQ(first.header("schema"), "1");
  EXPECT_EQ(first.header("source"), "replay");
  EXPECT_EQ(first.header("missing"), std::nullopt);
  EXPECT_EQ(first.partition, partition_for_key("with-headers", kPartitions));

  const Message& repeated = by_value.at("2");
  EXPECT_EQ(repeated.headers, (Headers{{"trace", "a"}, {"empty", ""}, {"trace", "b"}}));
  EXPECT_EQ(repeated.header("trace"), "b");  // the last one, as Java's lastHeader
  EXPECT_EQ(repeated.header("empty"), "");

  EXPECT_EQ(by_value.at("3").partition, 3);
  EXPECT_EQ(by_value.at("3").key, key);
  EXPECT_TRUE(by_value.at("3").headers.empty());
  EXPECT_TRUE(by_value.at("4").headers.empty());
  EXPECT_EQ(by_value.at("4").partition, partition_for_key("plain", kPartitions));
}

}  // namespace
}  // namespace atomd::kafka
