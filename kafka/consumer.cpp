#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <string_view>
#include <utility>

#include "kafka/client_config.hpp"
#include "kafka/consumer_impl.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {
namespace {

constexpr auto kCloseEventPoll = std::chrono::milliseconds(100);
// How long close() waits for the group coordinator to show it is reachable.
constexpr auto kCoordinatorProbe = std::chrono::milliseconds(1000);

// Unstores the partitions' offsets, so giving them back queues no commit.
void forget_stored_offsets(rd_kafka_t* handle, const rd_kafka_topic_partition_list_t* partitions) {
  detail::PartitionListPtr list(rd_kafka_topic_partition_list_copy(partitions));
  for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
  if (const rd_kafka_resp_err_t err = rd_kafka_offsets_store(handle, list.get()))
    spdlog::warn("kafka consumer: unstoring offsets: {}", rd_kafka_err2str(err));
}

// Whether the group coordinator answers an offset request within `timeout` (trivially
// when nothing is assigned: then close() commits nothing).
bool coordinator_answers(rd_kafka_t* handle, std::chrono::milliseconds timeout) {
  const detail::PartitionListPtr assigned = detail::current_assignment(handle);
  if (assigned->cnt == 0) return true;
  return rd_kafka_committed(handle, assigned.get(), static_cast<int>(timeout.count())) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool is_cooperative(rd_kafka_t* handle) {
  return std::string_view(rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE";
}

void log_rebalance_step_error(const char* step, rd_kafka_error_t* error) {
  if (error == nullptr) return;
  spdlog::error("kafka consumer: {}: {}", step, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
}

void log_rebalance_step_error(const char* step, rd_kafka_resp_err_t err) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    spdlog::error("kafka consumer: {}: {}", step, rd_kafka_err2str(err));
}

}  // namespace

Consumer::Impl::~Impl() {
  if (handle == nullptr) return;
  rd_kafka_destroy_flags(handle, close_completed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

void Consumer::Impl::on_rebalance(rd_kafka_t* /*handle*/, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<Impl*>(opaque)->rebalance(err, partitions);
}

template <typename F>
void Consumer::Impl::call_hook(F&& f) {
  try {
    f();
  } catch (...) {
    if (!hook_error) hook_error = std::current_exception();
  }
}

void Consumer::Impl::rebalance(rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* partitions) {
  const bool cooperative = is_cooperative(handle);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    const auto assigned = detail::to_topic_partitions(partitions);
    spdlog::info("kafka consumer: {} partition(s) assigned ({})", assigned.size(),
                 cooperative ? "incremental" : "eager");
    if (hooks.on_assign && !assigned.empty()) start_offsets(partitions, assigned);
    if (cooperative)
      log_rebalance_step_error("incremental assign",
                               rd_kafka_incremental_assign(handle, partitions));
    else
      log_rebalance_step_error("assign", rd_kafka_assign(handle, partitions));
    return;
  }
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
    spdlog::error("kafka consumer: rebalance failed ({}); giving up the assignment",
                  rd_kafka_err2str(err));
  // On a failed rebalance everything currently assigned goes.
  detail::PartitionListPtr everything;
  if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    everything = detail::current_assignment(handle);
    partitions = everything.get();
  }
  const auto revoked = detail::to_topic_partitions(partitions);
  if (rd_kafka_assignment_lost(handle))
    spdlog::warn("kafka consumer: {} partition(s) lost (the group dropped this member); another "
                 "member may own them already",
                 revoked.size());
  else
    spdlog::info("kafka consumer: {} partition(s) revoked", revoked.size());
  if (hooks.on_revoke && !revoked.empty()) call_hook([&] { hooks.on_revoke(revoked); });
  if (coordinator_unreachable) forget_stored_offsets(handle, partitions);
  if (cooperative)
    log_rebalance_step_error("incremental unassign",
                             rd_kafka_incremental_unassign(handle, partitions));
  else
    log_rebalance_step_error("unassign", rd_kafka_assign(handle, nullptr));
}

void Consumer::Impl::start_offsets(rd_kafka_topic_partition_list_t* partitions,
                                   const std::vector<TopicPartition>& assigned) {
  std::map<TopicPartition, std::int64_t> starts;
  call_hook([&] { starts = hooks.on_assign(assigned); });
  for (const auto& [tp, offset] : starts) {
    rd_kafka_topic_partition_t* entry =
        rd_kafka_topic_partition_list_find(partitions, tp.topic.c_str(), tp.partition);
    if (entry == nullptr) {
      spdlog::warn("kafka consumer: on_assign gave an offset for {}, which is not assigned",
                   tp.to_string());
      continue;
    }
    entry->offset = offset;
    spdlog::debug("kafka consumer: {} starts at offset {}", tp.to_string(), offset);
  }
}

void Consumer::Impl::rethrow_hook_error() {
  if (!hook_error) return;
  std::exception_ptr error = std::exchange(hook_error, nullptr);
  std::rethrow_exception(error);
}

Consumer::Consumer(const Settings& settings, const std::vector<std::string>& topics)
    : Consumer(settings, topics, RebalanceHooks{}) {}

Consumer::Consumer(const Settings& settings, const std::vector<std::string>& topics,
                   RebalanceHooks hooks)
    : impl_(std::make_unique<Impl>()) {
  if (topics.empty()) throw KafkaError("kafka consumer: no topics to subscribe to");
  impl_->hooks = std::move(hooks);
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
  // Eager and cooperative (partition.assignment.strategy) rebalances both go through
  // Impl::rebalance, with or without hooks.
  rd_kafka_conf_set_opaque(conf.get(), impl_.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), Impl::on_rebalance);
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

Consumer::~Consumer() {
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::error("kafka consumer: rebalance hook failed while closing: {}", e.what());
  } catch (...) {
    spdlog::error("kafka consumer: rebalance hook failed while closing");
  }
}

std::optional<Message> Consumer::poll(std::chrono::milliseconds timeout) {
  if (impl_->closing.load()) throw KafkaError("kafka consumer: poll after close");
  const detail::MessagePtr owned(
      rd_kafka_consumer_poll(impl_->handle, static_cast<int>(timeout.count())));
  // Rebalance callbacks ran inside the poll.
  impl_->rethrow_hook_error();
  if (!owned) return std::nullopt;
  const rd_kafka_message_t* raw = owned.get();
  switch (raw->err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return detail::to_message(*raw);
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

void Consumer::close() {
  std::lock_guard lock(impl_->close_mutex);
  if (impl_->closing.exchange(true)) return;
  rd_kafka_t* handle = impl_->handle;
  const auto started = std::chrono::steady_clock::now();
  // Giving the partitions back commits the stored offsets; that commit waits up to
  // session.timeout.ms for the coordinator, and destroying the handle waits for the commit.
  // So when the coordinator does not answer now, the revocation unstores the offsets after
  // on_revoke (they could not be committed anyway) and shutdown stays within close_timeout.
  impl_->coordinator_unreachable =
      !coordinator_answers(handle, std::min<std::chrono::milliseconds>(impl_->close_timeout,
                                                                        kCoordinatorProbe));
  if (impl_->coordinator_unreachable)
    spdlog::warn("kafka consumer: the group coordinator does not answer; closing without "
                 "committing offsets");
  // The asynchronous close lets us give up when the coordinator is unreachable, where the
  // blocking rd_kafka_consumer_close() could wait for socket timeouts. The revocation comes
  // back on `queue` as an event, answered like the rebalance callback (on_revoke included).
  const detail::QueuePtr queue(rd_kafka_queue_new(handle));
  if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(handle, queue.get())) {
    spdlog::warn("kafka consumer: close: {}", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  } else {
    while (!rd_kafka_consumer_closed(handle) &&
           std::chrono::steady_clock::now() - started < impl_->close_timeout) {
      const detail::EventPtr event(
          rd_kafka_queue_poll(queue.get(), static_cast<int>(kCloseEventPoll.count())));
      if (event && rd_kafka_event_type(event.get()) == RD_KAFKA_EVENT_REBALANCE)
        impl_->rebalance(rd_kafka_event_error(event.get()),
                         rd_kafka_event_topic_partition_list(event.get()));
    }
  }
  impl_->close_completed = rd_kafka_consumer_closed(handle) != 0;
  impl_->closed = true;
  if (!impl_->close_completed)
    spdlog::warn("kafka consumer: group not left cleanly within {} ms (broker unreachable?)",
                 impl_->close_timeout.count());
  impl_->rethrow_hook_error();
}

namespace {
void set_paused(rd_kafka_t* handle, const std::vector<TopicPartition>& partitions, bool pause) {
  if (partitions.empty()) return;
  detail::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions) rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  const rd_kafka_resp_err_t err =
      pause ? rd_kafka_pause_partitions(handle, list.get()) : rd_kafka_resume_partitions(handle, list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    spdlog::warn("kafka consumer: {} {} partition(s) failed: {}", pause ? "pausing" : "resuming", partitions.size(),
                 rd_kafka_err2str(err));
}
}  // namespace

void Consumer::pause(const std::vector<TopicPartition>& partitions) { set_paused(impl_->handle, partitions, true); }
void Consumer::resume(const std::vector<TopicPartition>& partitions) { set_paused(impl_->handle, partitions, false); }

std::pair<std::int64_t, std::int64_t> Consumer::query_watermarks(const TopicPartition& tp,
                                                                 std::chrono::milliseconds timeout) {
  std::int64_t low = 0;
  std::int64_t high = 0;
  const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(impl_->handle, tp.topic.c_str(), tp.partition, &low,
                                                                   &high, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("watermarks of " + tp.to_string() + ": " + rd_kafka_err2str(err));
  return {low, high};
}

}  // namespace atomd::kafka
