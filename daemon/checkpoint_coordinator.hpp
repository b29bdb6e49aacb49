#pragma once
// When and what to checkpoint (DESIGN §5): every state.checkpoint_interval while the state is
// dirty, once state.max_dirty_records were processed, on request, and at a rebalance or
// shutdown. One checkpoint writes every store's changes, the consumed offsets, the sources'
// positions and the event outbox in one batch; after it commits, offsets are stored for the
// group commit, state changes are published (scaled out) and the outbox's events produced.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "daemon/component.hpp"
#include "daemon/kafka_bootstrap.hpp"
#include "daemon/stage2_ownership.hpp"
#include "daemon/state_restore.hpp"
#include "daemon/stream_topology.hpp"

namespace atomd {

// A source whose resume position a checkpoint records under its namespace.
class CheckpointedSource {
 public:
  virtual ~CheckpointedSource() = default;
  virtual std::string_view position_namespace() const = 0;
  // Read before the producer flush that precedes the commit: positions every record before
  // which is processed (or delivered, scaled out) once the flush succeeded; nullopt keeps
  // the last safe ones.
  virtual std::optional<std::map<std::string, std::string>> checkpoint_positions() = 0;
};

class CheckpointCoordinator final : public Component {
 public:
  explicit CheckpointCoordinator(ComponentContext& context);
  std::string_view name() const override { return "checkpoint"; }
  // Publishes the outbox of the last checkpoint again, with the same ids (DESIGN §4).
  void start() override;
  void report(nlohmann::json& status) const override;

  // Before start(); its last safe positions start as the restored ones.
  void add_source(CheckpointedSource& source);

  // On the stream thread.
  void note_processed() { ++records_since_checkpoint_; }
  // A checkpoint when one is due or `force`d, covering `consumed` (the last processed offset
  // of each input partition), whose offsets are then stored in `consumer`. False when the
  // commit failed: the process is stopping.
  bool maybe_checkpoint(bool force, const std::map<TopicPartition, std::int64_t>& consumed, kafka::Consumer& consumer);

  // From another thread: asks the stream thread for a checkpoint and waits until one is
  // written (false on stop).
  bool request_checkpoint();

 private:
  void publish_events();

  const ComponentContext& context_;
  const Config::State& config_;
  Checkpointer& checkpointer_;
  Topology& topology_;
  KafkaBootstrap& kafka_;
  Stage2Ownership& ownership_;
  std::vector<CheckpointedSource*> sources_;
  std::map<std::string, std::map<std::string, std::string>> safe_positions_;  // by namespace
  std::vector<Event> outbox_;  // events written by the last checkpoint, published after it
  std::chrono::steady_clock::time_point last_checkpoint_ = std::chrono::steady_clock::now();
  std::int64_t records_since_checkpoint_ = 0;
  std::atomic<std::int64_t> requested_{0};
  std::atomic<std::int64_t> served_{0};  // requests covered by a written checkpoint
  std::atomic<std::int64_t> written_{0};
  mutable std::mutex status_mutex_;  // guards the two below (read by /api/v1/status)
  std::optional<TimeMs> last_time_;
  double last_seconds_ = 0;
};

}  // namespace atomd
