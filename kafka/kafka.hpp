#pragma once
// RAII wrappers over librdkafka used identically against an external cluster and the
// embedded (in-process mock) cluster.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace atomd::kafka {

struct KafkaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Settings {
  std::string brokers;                            // bootstrap servers
  std::string group_id = "atomd";
  std::map<std::string, std::string> properties;  // passed to librdkafka as is
};

// librdkafka's built-in Kafka-protocol cluster (rdkafka_mock.h), in-process.
// Topics are auto-created with `partitions` partitions.
class EmbeddedBroker {
 public:
  explicit EmbeddedBroker(int partitions, int brokers = 1);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  // Creates a topic explicitly (the mock cluster has no CreateTopics API).
  void create_topic(const std::string& topic, int partitions);
  // Raw handle for fault injection in tests (rd_kafka_mock_cluster_t*).
  void* mock_cluster() const { return cluster_; }

 private:
  void* handle_ = nullptr;   // rd_kafka_t*
  void* cluster_ = nullptr;  // rd_kafka_mock_cluster_t*
  std::string bootstrap_;
};

// Keeps a producer from running ahead of the consumers (the embedded broker keeps only the
// newest 100k message sets / 5 MiB per partition). Producers call wait_for_room() before
// producing; consumers call consumed() after processing.
class BackpressureGate {
 public:
  explicit BackpressureGate(std::int64_t max_in_flight) : max_in_flight_(max_in_flight) {}
  // Blocks while produced - consumed >= max_in_flight; returns false when `stop` is set.
  bool wait_for_room(const std::atomic<bool>& stop);
  void produced(std::int64_t n = 1) { produced_.fetch_add(n); }
  void consumed(std::int64_t n = 1) { consumed_.fetch_add(n); }
  std::int64_t in_flight() const { return produced_.load() - consumed_.load(); }
  std::int64_t produced_count() const { return produced_.load(); }
  std::int64_t consumed_count() const { return consumed_.load(); }

 private:
  std::int64_t max_in_flight_;
  std::atomic<std::int64_t> produced_{0};
  std::atomic<std::int64_t> consumed_{0};
};

struct Message {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  std::int64_t timestamp_ms = 0;
};

class Producer {
 public:
  explicit Producer(const Settings& settings);
  ~Producer();  // flushes with a timeout
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Keyed produce (murmur2 partitioner, Java-compatible). QUEUE_FULL is backpressure: it
  // polls and retries until queued. Throws KafkaError on any other error.
  void produce(const std::string& topic, const std::string& key, const std::string& value);
  // Serves delivery reports; call regularly.
  void poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Returns false if messages remain after the timeout.
  bool flush(std::chrono::milliseconds timeout);
  std::int64_t delivered() const;
  std::int64_t failed() const;  // delivery failures (logged)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Consumer {
 public:
  Consumer(const Settings& settings, const std::vector<std::string>& topics);
  ~Consumer();  // close() if not closed
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // A message, or nullopt on timeout / partition EOF / transient error (logged).
  std::optional<Message> poll(std::chrono::milliseconds timeout);
  // Assigned partitions as "topic/partition".
  std::vector<std::string> assignment() const;
  // Records behind the high watermark, per "topic/partition" (from the last poll's stats).
  std::map<std::string, std::int64_t> lag() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atomd::kafka
