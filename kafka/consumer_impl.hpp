#pragma once
// Internal: the state behind Consumer, shared by consumer.cpp (group membership, rebalances,
// polling, offsets, close) and consumer_partitions.cpp (assignment and lag).
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>

#include "kafka/client_config.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {
namespace detail {

// The consumer's current assignment (empty, logged, when librdkafka cannot say).
PartitionListPtr current_assignment(rd_kafka_t* handle);

}  // namespace detail

struct Consumer::Impl {
  rd_kafka_t* handle = nullptr;
  RebalanceHooks hooks;
  // A hook's exception, rethrown by poll() or close() once the rebalance step is done.
  std::exception_ptr hook_error;
  std::chrono::milliseconds close_timeout{0};
  std::mutex close_mutex;
  std::atomic<bool> closing{false};
  // Set once close() is done: on_revoke may still store offsets while closing.
  std::atomic<bool> closed{false};
  // Whether close() left the group cleanly; if not, destroy must not try again (it blocks).
  bool close_completed = false;
  // Set by close() when the coordinator does not answer: a revocation then unstores the
  // offsets before giving the partitions back, as their commit would wait up to
  // session.timeout.ms for the coordinator and destroying the handle would wait for it.
  bool coordinator_unreachable = false;

  ~Impl();

  // librdkafka's rebalance_cb; served inside rd_kafka_consumer_poll. opaque is this Impl.
  static void on_rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  // One rebalance step: the hook first, then the (incremental) assign or unassign that
  // librdkafka waits for, whatever the hook did.
  void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void rethrow_hook_error();

 private:
  // Sets the offsets on_assign returns on `partitions`.
  void start_offsets(rd_kafka_topic_partition_list_t* partitions,
                     const std::vector<TopicPartition>& assigned);
  template <typename F>
  void call_hook(F&& f);
};

}  // namespace atomd::kafka
