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
#include <string_view>
#include <utility>
#include <vector>

#include "core/topics.hpp"

namespace atomd::kafka {

struct KafkaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using TopicPartition = atomd::TopicPartition;

// Kafka offsets that name a position rather than a record.
inline constexpr std::int64_t kOffsetBeginning = -2;  // RD_KAFKA_OFFSET_BEGINNING
inline constexpr std::int64_t kOffsetEnd = -1;        // RD_KAFKA_OFFSET_END

// Record headers in wire order; a name may repeat.
using Headers = std::vector<std::pair<std::string, std::string>>;

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
  // The same for one broker (ids are 1..brokers).
  void set_broker_up(std::int32_t broker_id, bool up);
  // The next error_codes.size() requests of type api_key (any broker) fail with these Kafka
  // protocol error codes, in order; 0 lets one through.
  void push_request_errors(std::int16_t api_key, const std::vector<int>& error_codes);
  // Moves a consumer group's coordinator to another broker.
  void set_coordinator(const std::string& group, std::int32_t broker_id);
  // Moves a partition's leadership (-1: leaderless).
  void set_partition_leader(const std::string& topic, std::int32_t partition,
                            std::int32_t broker_id);
  // Raw handle for fault injection in tests (rd_kafka_mock_cluster_t*).
  void* mock_cluster() const { return cluster_; }

 private:
  void check_broker_id(std::int32_t broker_id) const;

  void* handle_ = nullptr;   // rd_kafka_t*
  void* cluster_ = nullptr;  // rd_kafka_mock_cluster_t*
  std::string bootstrap_;
  int partitions_;
  int brokers_;
};

// Kafka protocol request types, for EmbeddedBroker::push_request_errors.
namespace api_key {
inline constexpr std::int16_t kProduce = 0;
inline constexpr std::int16_t kFetch = 1;
inline constexpr std::int16_t kListOffsets = 2;
inline constexpr std::int16_t kMetadata = 3;
inline constexpr std::int16_t kOffsetCommit = 8;
inline constexpr std::int16_t kOffsetFetch = 9;
inline constexpr std::int16_t kFindCoordinator = 10;
inline constexpr std::int16_t kJoinGroup = 11;
inline constexpr std::int16_t kHeartbeat = 12;
inline constexpr std::int16_t kLeaveGroup = 13;
inline constexpr std::int16_t kSyncGroup = 14;
inline constexpr std::int16_t kCreateTopics = 19;
inline constexpr std::int16_t kInitProducerId = 22;
}  // namespace api_key

struct Message {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string key;
  std::string value;
  std::int64_t timestamp_ms = 0;
  Headers headers;  // a header without a value reads as ""

  // The value of the last header with this name (Java's Headers.lastHeader).
  std::optional<std::string> header(std::string_view name) const;
};

// The partition the Java client's default partitioner, and librdkafka's "murmur2" and
// "murmur2_random" partitioners, pick for a non-empty key:
// (murmur2(key) & 0x7fffffff) % partitions.
std::int32_t partition_for_key(std::string_view key, int partitions);

class Producer {
 public:
  explicit Producer(const Settings& settings);
  ~Producer();  // flushes for up to Settings::close_timeout, then purges (counted failed)
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Keyed produce (murmur2 partitioner, Java-compatible). QUEUE_FULL is backpressure: it
  // polls and retries until queued. Throws KafkaError on any other error.
  void produce(const std::string& topic, const std::string& key, const std::string& value);
  // The same with headers (copied), and on `partition` when given instead of the key's.
  void produce(const std::string& topic, const std::string& key, const std::string& value,
               const Headers& headers, std::optional<std::int32_t> partition = std::nullopt);
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

// Called inside Consumer::poll() (and close()) on the calling thread. An exception from a
// hook is rethrown by that poll() or close() once the rebalance step is done (an
// assignment then starts at the committed offsets); treat it as fatal.
struct RebalanceHooks {
  // Before partitions are taken away: an eager rebalance (all of them), a cooperative one
  // (those moving), lost partitions (session expired: they may already be someone else's)
  // and close(). Offsets stored here are still committed (except when close() finds the
  // group coordinator unreachable: then nothing is).
  std::function<void(const std::vector<TopicPartition>&)> on_revoke;
  // When partitions are assigned, before any of their messages is delivered: the offset to
  // start each at. Partitions left out start at the committed offset (else
  // auto.offset.reset).
  std::function<std::map<TopicPartition, std::int64_t>(const std::vector<TopicPartition>&)>
      on_assign;
};

class Consumer {
 public:
  Consumer(const Settings& settings, const std::vector<std::string>& topics);
  // The hooks must stay callable until close() returned (the destructor closes).
  Consumer(const Settings& settings, const std::vector<std::string>& topics,
           RebalanceHooks hooks);
  ~Consumer();  // close() if not closed; a hook's exception is logged
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
  // Assigned partitions, sorted.
  std::vector<TopicPartition> assigned_partitions() const;
  // Stops (pause) or restarts (resume) fetching the given assigned partitions; poll() keeps
  // serving the others and rebalances. A rebalance forgets pauses. Errors are logged.
  void pause(const std::vector<TopicPartition>& partitions);
  void resume(const std::vector<TopicPartition>& partitions);
  // Low and high watermark of any partition, asked of the broker through this consumer's
  // connection (no new client). Throws KafkaError on failure.
  std::pair<std::int64_t, std::int64_t> query_watermarks(const TopicPartition& tp, std::chrono::milliseconds timeout);
  // Records behind the high watermark, per assigned partition: the last fetched
  // high watermark minus the consumer's position (its committed offset until it has
  // delivered a message). Partitions whose lag is not known yet are left out; while the
  // broker is unreachable the watermark is stale. Cheap: no watermark queries, at most one
  // committed-offset request (<= 500 ms) for partitions that delivered nothing yet.
  std::map<TopicPartition, std::int64_t> lag() const;
  // Leaves the group after committing stored offsets; bounded by Settings::close_timeout
  // when the broker is unreachable. Idempotent.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads given partitions directly: no consumer group, no commits (state restore, tools).
// A start offset past the partition's end, or before its start, reads from its start.
class PartitionReader {
 public:
  // starts: each partition with its first offset (or kOffsetBeginning / kOffsetEnd).
  PartitionReader(const Settings& settings,
                  std::vector<std::pair<TopicPartition, std::int64_t>> starts);
  ~PartitionReader();
  PartitionReader(const PartitionReader&) = delete;
  PartitionReader& operator=(const PartitionReader&) = delete;

  // A message, or nullopt on timeout / partition end / transient error (logged). Throws
  // KafkaError on a fatal error.
  std::optional<Message> poll(std::chrono::milliseconds timeout);
  // Reads until every partition has reached its high watermark as queried at the call
  // (empty partitions count as reached), calling f for each message (also for newer ones
  // polled meanwhile); false if `timeout` passed first. Throws KafkaError when a partition
  // does not exist.
  bool read_to_end(std::chrono::milliseconds timeout,
                   const std::function<void(const Message&)>& f);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Number of partitions of a topic (one metadata request that never auto-creates it);
// nullopt when the topic does not exist. Throws KafkaError when the cluster does not answer
// within `timeout`.
std::optional<int> partition_count(const Settings& settings, const std::string& topic,
                                   std::chrono::milliseconds timeout);
// {low, high} watermark of one partition. Throws KafkaError on failure (unknown partition,
// timeout).
std::pair<std::int64_t, std::int64_t> watermark_offsets(const Settings& settings,
                                                        const TopicPartition& tp,
                                                        std::chrono::milliseconds timeout);

// A topic for create_topics. replication_factor -1: the broker's default.
struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = -1;
  std::map<std::string, std::string> config;
};
// A changelog topic (DESIGN §5): compacted, so the newest value of every key survives.
TopicSpec compacted_topic_spec(const std::string& name, int partitions);
// One CreateTopics request for all specs; a topic that already exists is fine (its config
// is left as it is). Throws KafkaError naming each failed topic and the broker's error. The
// embedded broker has no CreateTopics API: use EmbeddedBroker::create_topic there.
void create_topics(const Settings& settings, const std::vector<TopicSpec>& specs,
                   std::chrono::milliseconds timeout);
// A topic's effective configuration (DescribeConfigs): every entry, the broker's defaults
// included ("cleanup.policy" → "compact"). Throws KafkaError when the topic does not exist,
// the broker has no DescribeConfigs API (the embedded broker) or no answer came in `timeout`.
std::map<std::string, std::string> describe_topic_configs(const Settings& settings, const std::string& topic,
                                                          std::chrono::milliseconds timeout);
// Creates those of `specs` that do not exist yet (metadata asked within `timeout` per topic,
// then one CreateTopics request, then waits up to `timeout` until the cluster's metadata
// shows them); returns the topics it created. A topic whose metadata
// cannot be read, or a failed CreateTopics, is logged and left to the broker's
// auto-creation: start-up goes on.
std::vector<TopicSpec> ensure_topics(const Settings& settings, std::vector<TopicSpec> specs,
                                     std::chrono::milliseconds timeout);

}  // namespace atomd::kafka
