// PartitionReader, partition_count and watermark_offsets.
#include <gtest/gtest.h>

#include <map>

#include "kafka/kafka.hpp"
#include "tests/kafka/test_support.hpp"

namespace atomd::kafka {
namespace {

using namespace std::chrono_literals;
using testing::producer_settings;

class PartitionReaderTest : public ::testing::Test {
 protected:
  static constexpr int kPartitions = 4;
  // Messages per partition: 0..3 get 0, 5, 10 and 20 records.
  static constexpr int kCounts[kPartitions] = {0, 5, 10, 20};

  void SetUp() override {
    broker_.create_topic(topic_, kPartitions);
    Producer producer(producer_settings(broker_.bootstrap()));
    for (int p = 0; p < kPartitions; ++p)
      for (int i = 0; i < kCounts[p]; ++i)
        producer.produce(topic_, "k", std::to_string(p) + ":" + std::to_string(i), {}, p);
    ASSERT_TRUE(producer.flush(10s));
  }

  // partition -> values in delivery order
  std::map<std::int32_t, std::vector<std::string>> read(
      std::vector<std::pair<TopicPartition, std::int64_t>> starts, bool& reached) {
    PartitionReader reader(producer_settings(broker_.bootstrap()), std::move(starts));
    std::map<std::int32_t, std::vector<std::string>> values;
    std::map<std::int32_t, std::int64_t> last_offset;
    reached = reader.read_to_end(20s, [&](const Message& m) {
      EXPECT_EQ(m.topic, topic_);
      if (last_offset.count(m.partition) != 0) {
        EXPECT_EQ(m.offset, last_offset[m.partition] + 1);
      }
      last_offset[m.partition] = m.offset;
      values[m.partition].push_back(m.value);
    });
    // Nothing more than what was produced.
    EXPECT_FALSE(reader.poll(200ms).has_value());
    return values;
  }

  static std::vector<std::string> expected(int partition, int from) {
    std::vector<std::string> values;
    for (int i = from; i < kCounts[partition]; ++i)
      values.push_back(std::to_string(partition) + ":" + std::to_string(i));
    return values;
  }

  EmbeddedBroker broker_{kPartitions};
  const std::string topic_ = "atom.changelog.v1";
};

TEST_F(PartitionReaderTest, ReadsEveryPartitionFromTheBeginningIncludingAnEmptyOne) {
  bool reached = false;
  const auto values = read({{{topic_, 0}, kOffsetBeginning},
                            {{topic_, 1}, kOffsetBeginning},
                            {{topic_, 2}, kOffsetBeginning},
                            {{topic_, 3}, kOffsetBeginning}},
                           reached);
  EXPECT_TRUE(reached);
  EXPECT_EQ(values.count(0), 0U);
  EXPECT_EQ(values.at(1), expected(1, 0));
  EXPECT_EQ(values.at(2), expected(2, 0));
  EXPECT_EQ(values.at(3), expected(3, 0));
}

TEST_F(PartitionReaderTest, ReadsOnlyTheGivenPartitionsFromTheirStartOffsets) {
  bool reached = false;
  const auto values = read({{{topic_, 2}, 7}, {{topic_, 3}, 0}, {{topic_, 1}, 5}}, reached);
  EXPECT_TRUE(reached);
  EXPECT_EQ(values.count(0), 0U);
  EXPECT_EQ(values.count(1), 0U);  // started at its end
  EXPECT_EQ(values.at(2), expected(2, 7));
  EXPECT_EQ(values.at(3), expected(3, 0));
}

TEST_F(PartitionReaderTest, AStartPastTheEndReadsFromTheBeginning) {
  // As after an embedded broker restart: the checkpoint is ahead of the (new, shorter) log.
  bool reached = false;
  const auto values = read({{{topic_, 2}, 50}, {{topic_, 0}, 3}}, reached);
  EXPECT_TRUE(reached);
  EXPECT_EQ(values.at(2), expected(2, 0));
  EXPECT_EQ(values.count(0), 0U);
}

TEST_F(PartitionReaderTest, TimesOutWhenThePartitionsAreUnreachable) {
  PartitionReader reader(producer_settings(broker_.bootstrap()), {{{topic_, 3}, kOffsetBeginning}});
  broker_.set_brokers_up(false);
  const auto started = std::chrono::steady_clock::now();
  int delivered = 0;
  EXPECT_FALSE(reader.read_to_end(500ms, [&](const Message&) { ++delivered; }));
  // The deadline firing is the behaviour; this bound is only a liveness guard (a reader that
  // ignored its deadline would wait for the unreachable broker much longer), not a speed test.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(delivered, 0);
}

TEST_F(PartitionReaderTest, AMissingPartitionIsAnError) {
  PartitionReader reader(producer_settings(broker_.bootstrap()),
                         {{{topic_, 1}, kOffsetBeginning}, {{topic_, kPartitions}, 0}});
  EXPECT_THROW(reader.read_to_end(5s, [](const Message&) {}), KafkaError);
}

TEST_F(PartitionReaderTest, PartitionCountAndWatermarks) {
  const Settings settings = producer_settings(broker_.bootstrap());
  EXPECT_EQ(partition_count(settings, topic_, 5s), kPartitions);
  broker_.create_topic("one", 1);
  EXPECT_EQ(partition_count(settings, "one", 5s), 1);
  EXPECT_EQ(partition_count(settings, "missing", 5s), std::nullopt);
  // Asking did not create it.
  EXPECT_EQ(partition_count(settings, "missing", 5s), std::nullopt);

  for (int p = 0; p < kPartitions; ++p)
    EXPECT_EQ(watermark_offsets(settings, {topic_, p}, 5s),
              (std::pair<std::int64_t, std::int64_t>{0, kCounts[p]}))
        << p;
  EXPECT_THROW(watermark_offsets(settings, {topic_, kPartitions}, 2s), KafkaError);
  EXPECT_EQ(TopicPartition({topic_, 2}).to_string(), topic_ + "/2");
}

}  // namespace
}  // namespace atomd::kafka
