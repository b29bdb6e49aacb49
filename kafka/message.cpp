#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "kafka/client_config.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {

std::optional<std::string> Message::header(std::string_view name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it)
    if (it->first == name) return it->second;
  return std::nullopt;
}

namespace detail {

Message to_message(const rd_kafka_message_t& raw) {
  Message message;
  message.topic = rd_kafka_topic_name(raw.rkt);
  message.partition = raw.partition;
  message.offset = raw.offset;
  if (raw.key != nullptr) message.key.assign(static_cast<const char*>(raw.key), raw.key_len);
  if (raw.payload != nullptr) message.value.assign(static_cast<const char*>(raw.payload), raw.len);
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  const std::int64_t timestamp = rd_kafka_message_timestamp(&raw, &type);
  message.timestamp_ms = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? 0 : timestamp;
  // The headers stay owned by the message; NOENT means there are none.
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&raw, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i)
      message.headers.emplace_back(name, value == nullptr
                                             ? std::string()
                                             : std::string(static_cast<const char*>(value), size));
  }
  return message;
}

std::vector<TopicPartition> to_topic_partitions(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> partitions;
  if (list == nullptr) return partitions;
  partitions.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i)
    partitions.push_back({list->elems[i].topic, list->elems[i].partition});
  std::sort(partitions.begin(), partitions.end());
  return partitions;
}

}  // namespace detail
}  // namespace atomd::kafka
