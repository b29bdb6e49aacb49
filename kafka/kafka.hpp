#pragma once
// RAII wrappers over librdkafka used identically against an external cluster and the
// embedded (in-process mock) cluster.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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
  // Bounds the producer's final flush and the consumer's close() when the broker is
  // unreachable; undelivered messages are then counted as failed.
  std::chrono::milliseconds close_timeout = std::chrono::seconds(10);
};

// librdkafka's built-in Kafka-protocol cluster (rdkafka_mock.h), in-process, listening on
// 127.0.0.1 ephemeral ports that outside clients (kcat, another atomd) can use too.
// librdkafka 2.0.2's mock auto-creates a topic a client touches first with 4 partitions
// (its fixed default, not `partitions`), so create every topic with create_topic() before
// any client produces to or subscribes to it.
class EmbeddedBroker {
 public:
  explicit EmbeddedBroker(int partitions, int brokers = 1);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:port[,127.0.0.1:port...]", fixed for the broker's lifetime.
  const std::string& bootstrap() const { return bootstrap_; }
  int partitions() const { return partitions_; }
  // Creates a topic explicitly (the mock cluster has no CreateTopics API). A no-op when the
  // topic exists with that many partitions; throws KafkaError when it exists with another
  // count (e.g. it was auto-created first).
  void create_topic(const std::string& topic, int partitions);
  void create_topic(const std::string& topic) { create_topic(topic, partitions_); }
  // Fault injection: disconnects all brokers and refuses connections (false) or accepts
  // them again (true). Partition leadership does not change.
  void set_brokers_up(bool up);
  // Raw handle for fault injection in tests (rd_kafka_mock_cluster_t*).
  void* mock_cluster() const { return cluster_; }

 private:
  void* handle_ = nullptr;   // rd_kafka_t*
  void* cluster_ = nullptr;  // rd_kafka_mock_cluster_t*
  std::string bootstrap_;
  int partitions_;
  int brokers_;
};

// Keeps a producer from running ahead of the consumers (the embedded broker keeps only the
// newest 100k message sets / 5 MiB per partition). Producers call wait_for_room() before
// producing; consumers call consumed() after processing.
class BackpressureGate {
 public:
  // max_in_flight < 1 is treated as 1 (a gate that never opens would deadlock).
  explicit BackpressureGate(std::int64_t max_in_flight)
      : max_in_flight_(max_in_flight < 1 ? 1 : max_in_flight) {}
  // Blocks while produced - consumed >= max_in_flight; returns false when `stop` is set
  // (noticed within ~10 ms).
  bool wait_for_room(const std::atomic<bool>& stop);
  void produced(std::int64_t n = 1) { produced_.fetch_add(n); }
  void consumed(std::int64_t n = 1);  // wakes waiters
  std::int64_t in_flight() const { return produced_.load() - consumed_.load(); }
  std::int64_t produced_count() const { return produced_.load(); }
  std::int64_t consumed_count() const { return consumed_.load(); }

 private:
  std::int64_t max_in_flight_;
  std::atomic<std::int64_t> produced_{0};
  std::atomic<std::int64_t> consumed_{0};
  std::mutex mutex_;
  std::condition_variable room_;
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
  ~Producer();  // flushes for up to Settings::close_timeout, then purges (counted failed)
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
  // Messages queued locally or in flight, not yet acknowledged.
  std::int64_t queued() const;

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
  // Throws KafkaError on a fatal client error or after close().
  std::optional<Message> poll(std::chrono::milliseconds timeout);
  // At-least-once: offsets are committed (every auto.commit.interval.ms, on rebalance and
  // on close) only up to what was stored here. Store a message once its effects are safe
  // (processed, or checkpointed by the state store). Stores message.offset + 1. Returns
  // false when the partition is no longer assigned (its new owner will redeliver it).
  bool store_offset(const Message& message);
  bool store_offset(const std::string& topic, std::int32_t partition, std::int64_t offset);
  // Commits the stored offsets now (synchronously); false on failure (logged).
  bool commit();
  // Assigned partitions as "topic/partition".
  std::vector<std::string> assignment() const;
  // Records behind the high watermark, per assigned "topic/partition": the last fetched
  // high watermark minus the consumer's position (its committed offset until it has
  // delivered a message). Partitions whose lag is not known yet are left out; while the
  // broker is unreachable the watermark is stale. Cheap: no watermark queries, at most one
  // committed-offset request (<= 500 ms) for partitions that delivered nothing yet.
  std::map<std::string, std::int64_t> lag() const;
  // Leaves the group after committing stored offsets; bounded by Settings::close_timeout
  // when the broker is unreachable. Idempotent.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atomd::kafka
