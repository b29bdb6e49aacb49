// The admin calls against a real Apache Kafka broker (scripts/kafka.sh, one KRaft node), which
// the embedded broker cannot answer: CreateTopics with a config and a replication factor,
// DescribeConfigs, and ensure_topics returning only once the new topics can be read.
#include <gtest/gtest.h>

#include <filesystem>

#include "kafka/kafka.hpp"
#include "tests/kafka/test_support.hpp"
#include "tests/support/kafka_cluster.hpp"

namespace atomd::kafka {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::producer_settings;

class RealKafkaAdmin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto dir = std::filesystem::path(ATOMD_BINARY_DIR) / "test-tmp" / "real-kafka-admin";
    std::filesystem::remove_all(dir);
    cluster_.start(1, dir.string());
  }
  static void TearDownTestSuite() { cluster_.stop(); }
  void SetUp() override {
    if (!cluster_.skip_reason().empty()) GTEST_SKIP() << cluster_.skip_reason();
    ASSERT_NE(cluster_.get(), nullptr) << cluster_.error();
  }
  static Settings settings() { return producer_settings(cluster_.get()->bootstrap()); }

  static atomd::testing::SharedKafkaCluster cluster_;
};

atomd::testing::SharedKafkaCluster RealKafkaAdmin::cluster_;

TEST_F(RealKafkaAdmin, CreatedTopicsHaveTheirConfigAndPartitions) {
  TopicSpec plain{"admin.plain", 3, 1, {{"retention.ms", "86400000"}}};
  create_topics(settings(), {compacted_topic_spec("admin.compacted", 2), plain}, 10s);

  const auto compacted = describe_topic_configs(settings(), "admin.compacted", 10s);
  EXPECT_EQ(compacted.at("cleanup.policy"), "compact");
  const auto configs = describe_topic_configs(settings(), "admin.plain", 10s);
  EXPECT_EQ(configs.at("cleanup.policy"), "delete");  // the broker's default
  EXPECT_EQ(configs.at("retention.ms"), "86400000");
  EXPECT_TRUE(eventually([] { return partition_count(settings(), "admin.plain", 5s) == 3; }, 10s));

  // Again: an existing topic is fine and keeps its config.
  EXPECT_NO_THROW(create_topics(settings(), {plain}, 10s));
}

TEST_F(RealKafkaAdmin, DescribeConfigsOfAMissingTopicNamesIt) {
  try {
    describe_topic_configs(settings(), "admin.absent", 10s);
    ADD_FAILURE() << "described a topic that does not exist";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("'admin.absent'"), std::string::npos) << e.what();
  }
}

TEST_F(RealKafkaAdmin, ReplicationBeyondTheBrokersIsRefusedByName) {
  try {
    create_topics(settings(), {TopicSpec{"admin.rf3", 1, 3, {}}}, 10s);
    ADD_FAILURE() << "one broker accepted replication factor 3";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("'admin.rf3'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("REPLICATION"), std::string::npos) << e.what();
  }
}

TEST_F(RealKafkaAdmin, EnsureTopicsReturnsOnceTheNewTopicsCanBeRead) {
  const std::vector<TopicSpec> specs = {compacted_topic_spec("admin.ensure.compacted", 1), TopicSpec{"admin.ensure", 4, -1, {}}};
  const auto created = ensure_topics(settings(), specs, 10s);
  ASSERT_EQ(created.size(), 2u);
  // At once, with no retry: a reader of a topic the brokers do not know yet gets "Unknown partition".
  for (const auto& spec : specs)
    for (int p = 0; p < spec.partitions; ++p)
      EXPECT_EQ(watermark_offsets(settings(), {spec.name, p}, 5s), (std::pair<std::int64_t, std::int64_t>{0, 0}));
  EXPECT_TRUE(ensure_topics(settings(), specs, 10s).empty());  // nothing missing any more
}

}  // namespace
}  // namespace atomd::kafka
