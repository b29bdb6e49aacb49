#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "kafka/client_config.hpp"
#include "kafka/consumer_impl.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {

detail::PartitionListPtr detail::current_assignment(rd_kafka_t* handle) {
  rd_kafka_topic_partition_list_t* list = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_assignment(handle, &list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("kafka consumer: reading assignment: {}", rd_kafka_err2str(err));
    return PartitionListPtr(rd_kafka_topic_partition_list_new(0));
  }
  return PartitionListPtr(list);
}

namespace {

constexpr int kCommittedQueryTimeoutMs = 500;

}  // namespace

std::vector<TopicPartition> Consumer::assigned_partitions() const {
  if (impl_->closed.load()) return {};
  return detail::to_topic_partitions(detail::current_assignment(impl_->handle).get());
}

std::map<TopicPartition, std::int64_t> Consumer::lag() const {
  std::map<TopicPartition, std::int64_t> lags;
  if (impl_->closed.load()) return lags;
  rd_kafka_t* handle = impl_->handle;
  const detail::PartitionListPtr positions = detail::current_assignment(handle);
  if (positions->cnt == 0) return lags;
  rd_kafka_position(handle, positions.get());

  // Until a partition has delivered a message its position is unknown; its committed
  // offset is where consumption resumes.
  detail::PartitionListPtr unknown(rd_kafka_topic_partition_list_new(0));
  for (int i = 0; i < positions->cnt; ++i)
    if (positions->elems[i].offset < 0)
      rd_kafka_topic_partition_list_add(unknown.get(), positions->elems[i].topic,
                                        positions->elems[i].partition);
  if (unknown->cnt > 0 && rd_kafka_committed(handle, unknown.get(), kCommittedQueryTimeoutMs) !=
                              RD_KAFKA_RESP_ERR_NO_ERROR)
    unknown.reset(rd_kafka_topic_partition_list_new(0));

  for (int i = 0; i < positions->cnt; ++i) {
    const auto& entry = positions->elems[i];
    std::int64_t low = RD_KAFKA_OFFSET_INVALID;
    std::int64_t high = RD_KAFKA_OFFSET_INVALID;
    if (rd_kafka_get_watermark_offsets(handle, entry.topic, entry.partition, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0)
      continue;
    std::int64_t position = entry.offset;
    if (position < 0) {
      const auto* committed =
          rd_kafka_topic_partition_list_find(unknown.get(), entry.topic, entry.partition);
      if (committed != nullptr && committed->err == RD_KAFKA_RESP_ERR_NO_ERROR)
        position = committed->offset;
    }
    // An empty partition has no lag whatever the position; otherwise it is unknown.
    if (position < 0 && high > 0) continue;
    lags[TopicPartition{entry.topic, entry.partition}] =
        position < 0 ? 0 : std::max<std::int64_t>(0, high - position);
  }
  return lags;
}

}  // namespace atomd::kafka
