#pragma once
// A real Apache Kafka cluster for tests: scripts/kafka.sh start N DIR in the constructor,
// scripts/kafka.sh stop DIR in the destructor. The broker's jars come from
// `scripts/kafka.sh fetch` (`make kafka`, which `make test` runs); without them a test skips
// (kafka_cluster_skip_reason), except in CI (CI set), where starting fails loudly.
#include <memory>
#include <string>

namespace atomd::testing {

// What CTest matches to show a test binary whose tests skipped for want of the jars as skipped.
inline constexpr const char* kKafkaClusterSkipMarker = "no Kafka cluster here:";

// Why a real-Kafka test cannot run on this machine (starts with kKafkaClusterSkipMarker);
// empty when it can (or must: in CI a missing cache is a failure, not a skip).
std::string kafka_cluster_skip_reason();

class KafkaCluster {
 public:
  // Starts `nodes` (1 or 3) combined broker+controller nodes with their files under `dir`
  // (created); the script stops them by itself if this process dies first. Throws
  // std::runtime_error with the script's output when they do not start.
  KafkaCluster(int nodes, std::string dir);
  ~KafkaCluster();  // stops every node
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }  // "127.0.0.1:P1,127.0.0.1:P2,…"
  const std::string& dir() const { return dir_; }
  int nodes() const { return nodes_; }
  // SIGKILL node i (1-based) / start it again and wait until it answers; throw on failure.
  void kill(int node);
  void restart(int node);

 private:
  void run(const std::string& args) const;
  int nodes_;
  std::string dir_;
  std::string bootstrap_;
};

// One cluster for a test suite: start() in SetUpTestSuite (never throws), and in SetUp
//   if (!shared.skip_reason().empty()) GTEST_SKIP() << shared.skip_reason();
//   ASSERT_NE(shared.get(), nullptr) << shared.error();
class SharedKafkaCluster {
 public:
  void start(int nodes, const std::string& dir);
  void stop() { cluster_.reset(); }
  KafkaCluster* get() const { return cluster_.get(); }
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<KafkaCluster> cluster_;
  std::string skip_reason_;
  std::string error_;
};

}  // namespace atomd::testing
