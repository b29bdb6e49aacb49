#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string_view>

#include "kafka/client_config.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {
namespace {

constexpr auto kCloseEventPoll = std::chrono::milliseconds(100);
constexpr int kCommittedQueryTimeoutMs = 500;

detail::PartitionListPtr current_assignment(rd_kafka_t* handle) {
  rd_kafka_topic_partition_list_t* list = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_assignment(handle, &list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("kafka consumer: reading assignment: {}", rd_kafka_err2str(err));
    return detail::PartitionListPtr(rd_kafka_topic_partition_list_new(0));
  }
  return detail::PartitionListPtr(list);
}

Message to_message(const rd_kafka_message_t& raw) {
  Message message;
  message.topic = rd_kafka_topic_name(raw.rkt);
  message.partition = raw.partition;
  message.offset = raw.offset;
  if (raw.key != nullptr) message.key.assign(static_cast<const char*>(raw.key), raw.key_len);
  if (raw.payload != nullptr)
    message.value.assign(static_cast<const char*>(raw.payload), raw.len);
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  const std::int64_t timestamp = rd_kafka_message_timestamp(&raw, &type);
  message.timestamp_ms = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? 0 : timestamp;
  return message;
}

// During close the group may still hand back its partitions; without a rebalance callback
// the application answers them on the close queue.
void serve_close_event(rd_kafka_t* handle, rd_kafka_event_t* event) {
  if (rd_kafka_event_type(event) != RD_KAFKA_EVENT_REBALANCE) return;
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE";
  if (rd_kafka_event_error(event) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    auto* partitions = rd_kafka_event_topic_partition_list(event);
    if (cooperative) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_assign(handle, partitions))
        rd_kafka_error_destroy(error);
    } else {
      rd_kafka_assign(handle, partitions);
    }
  } else if (cooperative) {
    if (rd_kafka_error_t* error =
            rd_kafka_incremental_unassign(handle, rd_kafka_event_topic_partition_list(event)))
      rd_kafka_error_destroy(error);
  } else {
    rd_kafka_assign(handle, nullptr);
  }
}

}  // namespace

struct Consumer::Impl {
  rd_kafka_t* handle = nullptr;
  std::chrono::milliseconds close_timeout{0};
  std::mutex close_mutex;
  std::atomic<bool> closed{false};
  // Whether close() left the group cleanly; if not, destroy must not try again (it blocks).
  bool close_completed = false;

  ~Impl() {
    if (handle == nullptr) return;
    rd_kafka_destroy_flags(handle, close_completed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
};

Consumer::Consumer(const Settings& settings, const std::vector<std::string>& topics)
    : impl_(std::make_unique<Impl>()) {
  if (topics.empty()) throw KafkaError("kafka consumer: no topics to subscribe to");
  impl_->close_timeout = settings.close_timeout;
  detail::ConfPtr conf = detail::new_conf();
  if (!settings.brokers.empty())
    detail::set_property(conf.get(), "bootstrap.servers", settings.brokers);
  detail::set_property(conf.get(), "group.id", settings.group_id);
  detail::set_property(conf.get(), "auto.offset.reset", "earliest");
  // Auto-commit only commits what store_offset() stored: at-least-once.
  detail::set_property(conf.get(), "enable.auto.commit", "true");
  detail::set_property(conf.get(), "enable.auto.offset.store", "false");
  detail::set_property(conf.get(), "enable.partition.eof", "false");
  detail::set_properties(conf.get(), settings.properties);
  detail::HandlePtr handle = detail::new_handle(RD_KAFKA_CONSUMER, std::move(conf));
  // One queue for messages, errors and callbacks, all served by poll().
  rd_kafka_poll_set_consumer(handle.get());

  detail::PartitionListPtr subscription(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& topic : topics)
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  // On failure the handle never joined a group, so destroying it without a close is safe.
  if (const rd_kafka_resp_err_t err = rd_kafka_subscribe(handle.get(), subscription.get()))
    throw KafkaError(std::string("kafka consumer: subscribe: ") + rd_kafka_err2str(err));
  impl_->handle = handle.release();
}

Consumer::~Consumer() { close(); }

std::optional<Message> Consumer::poll(std::chrono::milliseconds timeout) {
  if (impl_->closed.load()) throw KafkaError("kafka consumer: poll after close");
  const detail::MessagePtr owned(
      rd_kafka_consumer_poll(impl_->handle, static_cast<int>(timeout.count())));
  if (!owned) return std::nullopt;
  const rd_kafka_message_t* raw = owned.get();
  switch (raw->err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return to_message(*raw);
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      return std::nullopt;
    case RD_KAFKA_RESP_ERR__FATAL: {
      char reason[512] = {0};
      rd_kafka_fatal_error(impl_->handle, reason, sizeof reason);
      throw KafkaError(std::string("kafka consumer: fatal error: ") + reason);
    }
    default:
      // Transient (broker down, topic not yet created...): librdkafka retries by itself.
      spdlog::warn("kafka consumer: {}{}: {}", raw->rkt ? rd_kafka_topic_name(raw->rkt) : "",
                   raw->rkt ? "/" + std::to_string(raw->partition) : std::string(),
                   rd_kafka_message_errstr(raw));
      return std::nullopt;
  }
}

bool Consumer::store_offset(const Message& message) {
  return store_offset(message.topic, message.partition, message.offset);
}

bool Consumer::store_offset(const std::string& topic, std::int32_t partition,
                            std::int64_t offset) {
  if (impl_->closed.load()) return false;
  detail::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  // Kafka commits the next offset to read.
  rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset + 1;
  const rd_kafka_resp_err_t err = rd_kafka_offsets_store(impl_->handle, list.get());
  const rd_kafka_resp_err_t partition_err = list->elems[0].err;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR && partition_err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  spdlog::debug("kafka consumer: offset {} of {} not stored (partition not assigned?): {}", offset,
                detail::partition_name(topic, partition),
                rd_kafka_err2str(err ? err : partition_err));
  return false;
}

bool Consumer::commit() {
  if (impl_->closed.load()) return false;
  const rd_kafka_resp_err_t err = rd_kafka_commit(impl_->handle, nullptr, /*async=*/0);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return true;
  spdlog::warn("kafka consumer: commit failed: {}", rd_kafka_err2str(err));
  return false;
}

std::vector<std::string> Consumer::assignment() const {
  std::vector<std::string> names;
  if (impl_->closed.load()) return names;
  const detail::PartitionListPtr list = current_assignment(impl_->handle);
  for (int i = 0; i < list->cnt; ++i)
    names.push_back(detail::partition_name(list->elems[i].topic, list->elems[i].partition));
  return names;
}

std::map<std::string, std::int64_t> Consumer::lag() const {
  std::map<std::string, std::int64_t> lags;
  if (impl_->closed.load()) return lags;
  rd_kafka_t* handle = impl_->handle;
  const detail::PartitionListPtr positions = current_assignment(handle);
  if (positions->cnt == 0) return lags;
  rd_kafka_position(handle, positions.get());

  // Until a partition has delivered a message its position is unknown; its committed
  // offset is where consumption resumes.
  detail::PartitionListPtr unknown(rd_kafka_topic_partition_list_new(0));
  for (int i = 0; i < positions->cnt; ++i)
    if (positions->elems[i].offset < 0)
      rd_kafka_topic_partition_list_add(unknown.get(), positions->elems[i].topic,
                                        positions->elems[i].partition);
  if (unknown->cnt > 0 &&
      rd_kafka_committed(handle, unknown.get(), kCommittedQueryTimeoutMs) !=
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
    lags[detail::partition_name(entry.topic, entry.partition)] =
        position < 0 ? 0 : std::max<std::int64_t>(0, high - position);
  }
  return lags;
}

void Consumer::close() {
  std::lock_guard lock(impl_->close_mutex);
  if (impl_->closed.exchange(true)) return;
  rd_kafka_t* handle = impl_->handle;
  const auto started = std::chrono::steady_clock::now();
  // The asynchronous close lets us give up when the coordinator is unreachable, where the
  // blocking rd_kafka_consumer_close() could wait for socket timeouts.
  rd_kafka_queue_t* queue = rd_kafka_queue_new(handle);
  if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(handle, queue)) {
    spdlog::warn("kafka consumer: close: {}", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  } else {
    while (!rd_kafka_consumer_closed(handle) &&
           std::chrono::steady_clock::now() - started < impl_->close_timeout) {
      if (rd_kafka_event_t* event =
              rd_kafka_queue_poll(queue, static_cast<int>(kCloseEventPoll.count()))) {
        serve_close_event(handle, event);
        rd_kafka_event_destroy(event);
      }
    }
  }
  rd_kafka_queue_destroy(queue);
  impl_->close_completed = rd_kafka_consumer_closed(handle) != 0;
  if (!impl_->close_completed)
    spdlog::warn("kafka consumer: group not left cleanly within {} ms (broker unreachable?)",
                 impl_->close_timeout.count());
}

}  // namespace atomd::kafka
