#pragma once
// Who runs stage 2 (DESIGN §1). With the embedded broker: this process, always. Scaled out:
// the consumer-group member that owns atom.internal.contributions.v1's one partition; it
// publishes stage 2's state to atom.aggregates.v1 after each checkpoint, and every other
// replica mirrors that topic so it can answer the API. Stage-1 stores' changes go to their
// changelogs, from which a replica restores a partition it never had.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "daemon/component.hpp"
#include "daemon/kafka_bootstrap.hpp"
#include "daemon/state_restore.hpp"
#include "daemon/state_topics.hpp"
#include "daemon/stream_topology.hpp"

namespace atomd {

class Stage2Ownership final : public Component {
 public:
  explicit Stage2Ownership(ComponentContext& context);
  std::string_view name() const override { return "stage2"; }
  // Scaled out: reads atom.aggregates.v1 to its end, then follows it on the mirror thread.
  void start() override;
  void stop() override;
  void report(nlohmann::json& status) const override;

  bool owner() const { return owner_.load(); }
  bool scaled_out() const { return scaled_out_; }
  // The internal-topic offset stage 2's state covers (-1: none).
  std::int64_t offset() const { return offset_.load(); }
  const std::string& internal_topic() const { return internal_topic_; }
  // The stream thread applied the internal topic's record at `offset`.
  void applied(std::int64_t offset) { offset_.store(offset); }

  // Rebalance (on the stream thread): this replica got the internal partition; returns the
  // offset to start it at.
  std::int64_t take_over();
  // It lost it (after the revoke's checkpoint).
  void hand_over();
  // Restores the per-model state of one hf.models partition from its changelog.
  void restore_from_changelog(std::int32_t partition);
  // After a checkpoint committed: its store changes to the changelogs and, from the owner,
  // to atom.aggregates.v1 with the checkpoint marker.
  void publish_state_changes();

 private:
  void mirror_catch_up();
  void mirror_loop();
  // A mirrored checkpoint of stage 2 replaces this replica's, unless it owns stage 2.
  void apply_mirror(std::int64_t internal_offset);

  const ComponentContext& context_;
  KafkaBootstrap& kafka_;
  Topology& topology_;
  const bool scaled_out_;
  const std::string internal_topic_;
  std::atomic<bool> owner_{true};
  std::mutex mutex_;  // ownership changes vs. mirror applies
  std::atomic<std::int64_t> offset_{-1};
  bool publish_full_ = false;  // a new owner publishes its whole state once
  std::vector<std::tuple<std::string, std::string, std::optional<std::string>>> changes_;
  std::unique_ptr<kafka::PartitionReader> mirror_reader_;
  std::unique_ptr<AggregatesTable> mirror_table_;
  std::atomic<bool> mirror_stop_{false};
  std::thread mirror_thread_;
};

}  // namespace atomd
