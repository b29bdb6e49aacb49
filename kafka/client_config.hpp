#pragma once
// Internal: librdkafka configuration and handle ownership shared by the kafka library.
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/topics.hpp"

namespace atomd::kafka {
struct Message;
using TopicPartition = atomd::TopicPartition;
struct TopicSpec;
}  // namespace atomd::kafka

namespace atomd::kafka::detail {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct HandleDeleter {
  void operator()(rd_kafka_t* handle) const { rd_kafka_destroy(handle); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// Keys whose values must never reach a log line or an error message.
bool is_secret_key(std::string_view key);

// A configuration whose log and error callbacks go to spdlog.
ConfPtr new_conf();

// Sets one property; throws KafkaError naming the key (never a secret value).
void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);
void set_properties(rd_kafka_conf_t* conf, const std::map<std::string, std::string>& properties);

// Creates a client; the handle owns `conf` on success. Throws KafkaError on failure.
HandlePtr new_handle(rd_kafka_type_t type, ConfPtr conf);

// "topic/partition" (TopicPartition::to_string), for log lines built from raw handles.
std::string partition_name(std::string_view topic, std::int32_t partition);

// A delivered message (err == 0) with its headers, copied.
Message to_message(const rd_kafka_message_t& raw);
// The list's partitions, sorted.
std::vector<TopicPartition> to_topic_partitions(const rd_kafka_topic_partition_list_t* list);

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* topic) const { rd_kafka_NewTopic_destroy(topic); }
};
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;

// The CreateTopics entries for `specs`; throws KafkaError naming the topic librdkafka
// rejects (partition count, replication factor, config).
std::vector<NewTopicPtr> new_topics(const std::vector<TopicSpec>& specs);

}  // namespace atomd::kafka::detail
