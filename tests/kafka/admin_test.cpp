// create_topics: the request it builds, and what the embedded broker answers.
#include <gtest/gtest.h>

#include "kafka/client_config.hpp"
#include "kafka/kafka.hpp"
#include "tests/kafka/fake_controller.hpp"
#include "tests/kafka/test_support.hpp"

namespace atomd::kafka {
namespace {

using namespace std::chrono_literals;
using testing::FakeController;
using testing::producer_settings;

constexpr std::int16_t kTopicAlreadyExists = 36;
constexpr std::int16_t kInvalidReplicationFactor = 38;

std::vector<TopicSpec> changelog_specs() {
  TopicSpec stage2 = compacted_topic_spec("atom.changelog.stage2.v1", 1);
  stage2.replication_factor = 3;
  stage2.config["min.insync.replicas"] = "2";
  return {compacted_topic_spec("atom.changelog.stage1.v1", 16), stage2};
}

TEST(CreateTopics, ChangelogSpecIsCompacted) {
  const TopicSpec spec = compacted_topic_spec("atom.changelog.stage1.v1", 16);
  EXPECT_EQ(spec.name, "atom.changelog.stage1.v1");
  EXPECT_EQ(spec.partitions, 16);
  EXPECT_EQ(spec.replication_factor, -1);  // the cluster's default
  EXPECT_EQ(spec.config, (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
}

TEST(CreateTopics, LibrdkafkaAcceptsTheRequestEntries) {
  TopicSpec extra = compacted_topic_spec("atom.changelog.stage2.v1", 1);
  extra.replication_factor = 3;
  extra.config["min.insync.replicas"] = "2";
  const auto topics =
      detail::new_topics({compacted_topic_spec("atom.changelog.stage1.v1", 16), extra});
  EXPECT_EQ(topics.size(), 2U);
  EXPECT_NE(topics[0], nullptr);
  EXPECT_NE(topics[1], nullptr);

  // What librdkafka refuses is reported with the topic's name.
  for (const auto& [bad, what] : std::vector<std::pair<TopicSpec, std::string>>{
           {{"bad.partitions", 0, -1, {}}, "partitions"},
           {{"bad.replication", 1, -7, {}}, "replication"},
           {{"bad.config", 1, -1, {{"", "x"}}}, "config"},
           {{"", 1, -1, {}}, "topic name"}}) {
    try {
      detail::new_topics({compacted_topic_spec("fine", 1), bad});
      ADD_FAILURE() << "accepted: '" << bad.name << "'";
    } catch (const KafkaError& e) {
      EXPECT_NE(std::string(e.what()).find("'" + bad.name + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  }
}

TEST(CreateTopics, SendsOneRequestWithEachTopicsPartitionsReplicationAndConfig) {
  FakeController controller;
  create_topics(producer_settings(controller.bootstrap()), changelog_specs(), 5s);
  const auto requests = controller.requests();
  ASSERT_EQ(requests.size(), 1U);
  // v4: the first version that lets the broker pick the replication factor (-1).
  EXPECT_EQ(requests[0].version, 4);
  EXPECT_EQ(requests[0].timeout_ms, 5000);
  ASSERT_EQ(requests[0].topics.size(), 2U);
  const auto& stage1 = requests[0].topics[0];
  EXPECT_EQ(stage1.name, "atom.changelog.stage1.v1");
  EXPECT_EQ(stage1.partitions, 16);
  EXPECT_EQ(stage1.replication_factor, -1);
  EXPECT_EQ(stage1.config, (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
  const auto& stage2 = requests[0].topics[1];
  EXPECT_EQ(stage2.name, "atom.changelog.stage2.v1");
  EXPECT_EQ(stage2.partitions, 1);
  EXPECT_EQ(stage2.replication_factor, 3);
  EXPECT_EQ(stage2.config, (std::map<std::string, std::string>{{"cleanup.policy", "compact"},
                                                               {"min.insync.replicas", "2"}}));
}

TEST(CreateTopics, ATopicThatExistsIsFine) {
  FakeController controller;
  controller.answer("atom.changelog.stage1.v1", kTopicAlreadyExists, "Topic exists.");
  EXPECT_NO_THROW(create_topics(producer_settings(controller.bootstrap()), changelog_specs(), 5s));
}

TEST(CreateTopics, AFailedTopicIsNamedWithTheBrokersError) {
  FakeController controller;
  controller.answer("atom.changelog.stage1.v1", kTopicAlreadyExists, "Topic exists.");
  controller.answer("atom.changelog.stage2.v1", kInvalidReplicationFactor,
                    "Replication factor: 3 larger than available brokers: 1.");
  try {
    create_topics(producer_settings(controller.bootstrap()), changelog_specs(), 5s);
    FAIL() << "a failed topic was accepted";
  } catch (const KafkaError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'atom.changelog.stage2.v1'"), std::string::npos) << message;
    EXPECT_NE(message.find("INVALID_REPLICATION_FACTOR"), std::string::npos) << message;
    EXPECT_NE(message.find("larger than available brokers"), std::string::npos) << message;
    EXPECT_EQ(message.find("stage1"), std::string::npos) << message;  // that one is fine
  }
}

TEST(CreateTopics, EmbeddedBrokerHasNoCreateTopicsAndSaysSo) {
  // librdkafka 2.0.2's mock cluster names broker 0 as its controller, which does not exist,
  // so the admin request waits for a controller until its deadline (and the mock would not
  // know CreateTopics anyway: its ApiVersions answer lacks it).
  EmbeddedBroker broker(4);
  const Settings settings = producer_settings(broker.bootstrap());
  const auto started = std::chrono::steady_clock::now();
  try {
    create_topics(settings,
                  {compacted_topic_spec("atom.changelog.stage1.v1", 4),
                   compacted_topic_spec("atom.changelog.stage2.v1", 1)},
                  1s);
    FAIL() << "the embedded broker created topics";
  } catch (const KafkaError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'atom.changelog.stage1.v1'"), std::string::npos) << message;
    EXPECT_NE(message.find("'atom.changelog.stage2.v1'"), std::string::npos) << message;
    EXPECT_NE(message.find("controller"), std::string::npos) << message;
    EXPECT_NE(message.find("no CreateTopics API"), std::string::npos) << message;
    EXPECT_NE(message.find("EmbeddedBroker::create_topic"), std::string::npos) << message;
  }
  // Waiting out the 1 s deadline is the behaviour (a lower bound: slowness cannot fail it); the
  // upper bound is only a liveness guard against a request that ignores its deadline.
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 1s);
  EXPECT_LT(elapsed, 10s);
  EXPECT_EQ(partition_count(settings, "atom.changelog.stage1.v1", 5s), std::nullopt);
  EXPECT_NO_THROW(create_topics(settings, {}, 1s));  // nothing to ask
}

}  // namespace
}  // namespace atomd::kafka
