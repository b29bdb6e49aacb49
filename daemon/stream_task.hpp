#pragma once
// The stream thread (like a Kafka Streams StreamThread): consumes the input topics (and,
// scaled out, the internal topic when this replica owns it), feeds the topology, runs its
// punctuations, drives the checkpoints and refreshes consumer lag. It installs the
// rebalance hooks: revoked partitions are checkpointed before release, assigned ones resume
// at this replica's own offset or are restored from their changelog.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/checkpoint_coordinator.hpp"
#include "daemon/component.hpp"
#include "daemon/kafka_bootstrap.hpp"
#include "daemon/processor.hpp"
#include "daemon/stage2_ownership.hpp"
#include "daemon/stream_topology.hpp"
#include "kafka/kafka.hpp"

namespace atomd {

// A consumed message as the topology sees it (views into `m`).
inline StreamRecord stream_record(const kafka::Message& m) {
  return StreamRecord{TopicPartition{m.topic, m.partition}, m.offset, m.key, m.value};
}

class StreamTask final : public Component {
 public:
  explicit StreamTask(ComponentContext& context);
  ~StreamTask() override;
  std::string_view name() const override { return "stream"; }
  void start() override;
  // Flushes what the sources produced, drains what is fetched, checkpoints, leaves the group.
  void stop() override;
  bool ready() const override { return assigned_.load(); }
  void report(nlohmann::json& status) const override;

  // Called on the stream thread after each input record was processed (before start()).
  using ProcessedListener = std::function<void(const kafka::Message&)>;
  void on_processed(ProcessedListener listener) { listeners_.push_back(std::move(listener)); }

  // Scaled out, after a replay: waits until this replica's partitions are read to their end
  // and stage 2 (here or in the owner, seen through the mirror) has applied everything on
  // the internal topic, over two consecutive lag refreshes. False on stop.
  bool wait_until_processed();

 private:
  void loop();
  void handle(const kafka::Message& m);
  void check_offset_gap(const kafka::Message& m);
  void refresh_lag();
  std::map<kafka::TopicPartition, std::int64_t> on_assign(const std::vector<kafka::TopicPartition>& partitions);
  void on_revoke(const std::vector<kafka::TopicPartition>& partitions);

  const ComponentContext& context_;
  KafkaBootstrap& kafka_;
  Topology& topology_;
  Stage2Ownership& ownership_;
  CheckpointCoordinator& checkpoints_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::vector<ProcessedListener> listeners_;
  std::map<TopicPartition, std::int64_t> consumed_;     // last processed offset per input partition
  std::map<TopicPartition, std::int64_t> next_offset_;  // to detect gaps (embedded broker)
  std::atomic<bool> stop_{false};
  std::atomic<bool> assigned_{false};
  mutable std::mutex lag_mutex_;  // guards the two below, refreshed by the stream thread
  std::map<TopicPartition, std::int64_t> lag_;
  std::map<TopicPartition, std::int64_t> processed_at_lag_;  // consumed_ at the last lag refresh
  std::atomic<std::int64_t> lag_refreshes_{0};
  std::thread thread_;
};

}  // namespace atomd
