// build/atomd against a real Apache Kafka cluster (scripts/kafka.sh: 3 KRaft nodes on 127.0.0.1),
// where the embedded broker's limits (DESIGN §1: no CreateTopics, no compaction) do not hide
// anything: the topics atomd creates through the admin API (partitions, replication, compaction),
// an outside client (kcat) writing and reading every topic, and a replay giving the summary of
// the same replay on the embedded broker. One cluster serves every test; each test uses topics
// of its own prefix and a group of its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/topics.hpp"
#include "kafka/kafka.hpp"
#include "tests/fault/fault_support.hpp"
#include "tests/support/kafka_cluster.hpp"

namespace atomd::fault {
namespace {

using testing::make_temp_dir;
using testing::metric_value;
using testing::run_command;
using testing::wait_until;

constexpr int kNodes = 3;
constexpr int kPartitions = 4;

class RealCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_.start(kNodes, make_temp_dir("real-cluster-kafka")); }
  static void TearDownTestSuite() { cluster_.stop(); }

  void SetUp() override {
    if (!cluster_.skip_reason().empty()) GTEST_SKIP() << cluster_.skip_reason();
    ASSERT_NE(cluster_.get(), nullptr) << cluster_.error();
    test_name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = make_temp_dir("real-cluster-" + test_name_);
  }

  static const std::string& bootstrap() { return cluster_.get()->bootstrap(); }

  // This test's topic prefix and consumer group, so tests never see each other's records.
  std::string prefix() const { return "t-" + test_name_ + "."; }

  // A daemon on the cluster (or, with `embedded`, on its embedded broker, files under
  // dir_/embedded): demo config (pollers off), kafka.partitions=4, this test's prefix and
  // group; `extra` appended.
  std::unique_ptr<DaemonProcess> start_daemon(const std::string& replay, std::vector<std::string> extra = {},
                                              bool embedded = false) {
    const std::string dir = embedded ? dir_ + "/embedded" : dir_;
    std::filesystem::create_directories(dir);
    std::vector<std::string> args = {"--set", "kafka.partitions=" + std::to_string(kPartitions),
                                     "--set", "kafka.topic_prefix=" + prefix(),
                                     "--set", "kafka.group_id=" + prefix() + "atomd"};
    if (!embedded) args.insert(args.end(), {"--brokers", bootstrap()});
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<DaemonProcess>(daemon_args(replay, dir + "/state", args), dir);
  }

  // The cluster's metadata (kcat -L -J) of every topic: name → {partition count, replicas
  // of each partition}.
  struct TopicMetadata {
    int partitions = 0;
    std::vector<int> replicas;
  };
  static std::map<std::string, TopicMetadata> metadata() {
    std::string out;
    EXPECT_EQ(run_command("kcat -b " + bootstrap() + " -L -J -m 10 2>/dev/null", &out), 0) << out;
    std::map<std::string, TopicMetadata> topics;
    const json doc = json::parse(out, nullptr, false);
    if (doc.is_discarded() || !doc.contains("topics")) {
      ADD_FAILURE() << "kcat -L -J: not JSON: " << out;
      return topics;
    }
    for (const auto& t : doc["topics"]) {
      TopicMetadata& m = topics[t["topic"].get<std::string>()];
      for (const auto& p : t["partitions"]) {
        ++m.partitions;
        m.replicas.push_back(static_cast<int>(p["replicas"].size()));
      }
    }
    return topics;
  }

  static kafka::Settings admin_settings() {
    kafka::Settings settings;
    settings.brokers = bootstrap();
    return settings;
  }

  static testing::SharedKafkaCluster cluster_;
  std::string test_name_;
  std::string dir_;
};

testing::SharedKafkaCluster RealCluster::cluster_;

TEST_F(RealCluster, TopicsCreatedThroughTheAdminApi) {
  auto daemon = start_daemon("");
  ASSERT_TRUE(daemon->wait_ready()) << log_tail(*daemon);

  const auto topics = metadata();
  const auto layout = topic_layout(TopicNames(prefix()), kPartitions);
  ASSERT_EQ(layout.size(), 8u);
  for (const auto& t : layout) {
    SCOPED_TRACE(t.name);
    const auto found = topics.find(t.name);
    ASSERT_NE(found, topics.end()) << "not created";
    const bool single = t.name == prefix() + "internal.contributions.v1" || t.name == prefix() + "aggregates.v1";
    EXPECT_EQ(found->second.partitions, single ? 1 : kPartitions);
    // kafka.replication_factor -1: the brokers' default.replication.factor (3).
    for (const int replicas : found->second.replicas) EXPECT_EQ(replicas, kNodes);
    const auto configs = kafka::describe_topic_configs(admin_settings(), t.name, std::chrono::seconds(10));
    const bool compacted = t.name.ends_with(".changelog") || t.name == prefix() + "aggregates.v1";
    EXPECT_EQ(t.compacted, compacted);
    EXPECT_EQ(configs.at("cleanup.policy"), compacted ? "compact" : "delete");
  }
  EXPECT_EQ(daemon->terminate(std::chrono::seconds(20)), 0) << log_tail(*daemon);
}

TEST_F(RealCluster, ReplicationFactorKeyIsUsedForCreatedTopics) {
  auto daemon = start_daemon("", {"--set", "kafka.replication_factor=2"});
  ASSERT_TRUE(daemon->wait_ready()) << log_tail(*daemon);
  const auto topics = metadata();
  for (const auto& t : topic_layout(TopicNames(prefix()), kPartitions)) {
    SCOPED_TRACE(t.name);
    ASSERT_TRUE(topics.contains(t.name));
    for (const int replicas : topics.at(t.name).replicas) EXPECT_EQ(replicas, 2);
  }
  EXPECT_EQ(daemon->terminate(std::chrono::seconds(20)), 0) << log_tail(*daemon);
}

TEST_F(RealCluster, KcatReadsAndWritesEveryTopic) {
  auto daemon = start_daemon("");
  ASSERT_TRUE(daemon->wait_ready()) << log_tail(*daemon);

  // A snapshot two days after the model's release: gap-filled from the release, so it gives
  // stage 1 state (the downloads changelog) and contributions for stage 2.
  const json snapshot = {{"schema", 1},
                         {"repo_id", "Qwen/Qwen2.5-7B-Instruct"},
                         {"org", "Qwen"},
                         {"observed_at", "2025-02-03T00:00:00Z"},
                         {"created_at", "2025-02-01T00:00:00Z"},
                         {"downloads_30d", 500},
                         {"downloads_all_time", 1000},
                         {"likes", 1},
                         {"tags", json::array({"transformers"})}};
  testing::write_file(dir_ + "/snapshot.json", snapshot.dump() + "\n");
  std::string out;
  ASSERT_EQ(run_command("kcat -b " + bootstrap() + " -P -t " + prefix() + "hf.models.v1 -k Qwen/Qwen2.5-7B-Instruct " +
                            dir_ + "/snapshot.json 2>&1",
                        &out),
            0)
      << out;

  ASSERT_TRUE(wait_until([&] { return records(*daemon) >= 1; }, std::chrono::seconds(30)))
      << "the operators never counted kcat's record; status: " << status(*daemon).dump() << "\n"
      << log_tail(*daemon);
  EXPECT_TRUE(wait_until(
      [&] {
        return metric_value(daemon->get("/metrics").body, "atom_downloads",
                            {"group_by=\"org\"", "group=\"Qwen\"", "window=\"cumulative\""}) == 1000;
      },
      std::chrono::seconds(30)))
      << daemon->get("/metrics").body.substr(0, 2000);

  // Every topic reads to its end (-e) without error; the ones the record went through have it.
  const auto count_messages = [&](const std::string& topic) {
    std::string messages;
    const int code = run_command("kcat -b " + bootstrap() + " -C -t " + topic + " -o beginning -e -q -f '%k\\n' 2>&1", &messages);
    EXPECT_EQ(code, 0) << topic << ": " << messages;
    return std::count(messages.begin(), messages.end(), '\n');
  };
  for (const auto& t : topic_layout(TopicNames(prefix()), kPartitions)) {
    SCOPED_TRACE(t.name);
    count_messages(t.name);
  }
  EXPECT_EQ(count_messages(prefix() + "hf.models.v1"), 1);
  EXPECT_TRUE(wait_until([&] { return count_messages(prefix() + "internal.contributions.v1") >= 1; },
                         std::chrono::seconds(20)));
  // The checkpoint (every second) writes the model's state to its changelog.
  EXPECT_TRUE(wait_until([&] { return count_messages(prefix() + "downloads.changelog") >= 1; },
                         std::chrono::seconds(20)));
  EXPECT_EQ(daemon->terminate(std::chrono::seconds(20)), 0) << log_tail(*daemon);
}

// The summary lines of a replay's stdout, the timing ("…, 1.2s (3456 lines/s)") left out.
std::vector<std::string> summary_lines(const std::string& out) {
  static const std::regex timing(R"(, [0-9.]+s \([0-9]+ lines/s\))");
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(std::regex_replace(line, timing, ""));
  return lines;
}

TEST_F(RealCluster, ReplayPrintsTheSummaryOfTheEmbeddedRun) {
  // A later part of the demo history: every input topic, a few thousand records.
  const std::string history = write_history(dir_, "history.jsonl", "2026-03-31", 3'000);

  // The same settings (partitions: the watermark is a minimum over partitions) on the embedded broker.
  auto embedded = start_daemon(history, {"--exit-after-replay"}, /*embedded=*/true);
  ASSERT_EQ(embedded->wait_exit(std::chrono::minutes(2)), 0) << log_tail(*embedded);
  const auto want = summary_lines(embedded->stdout_text());
  ASSERT_NE(embedded->stdout_text().find("Replay summary: 3000 lines"), std::string::npos) << embedded->stdout_text();

  auto daemon = start_daemon(history, {"--exit-after-replay"});
  ASSERT_EQ(daemon->wait_exit(std::chrono::minutes(2)), 0) << log_tail(*daemon);
  EXPECT_EQ(summary_lines(daemon->stdout_text()), want) << "embedded:\n"
                                                       << embedded->stdout_text() << "\nreal cluster:\n"
                                                       << daemon->stdout_text();
}

}  // namespace
}  // namespace atomd::fault
