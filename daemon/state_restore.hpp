#pragma once
// The durable state (DESIGN §5): opens the RocksDB store under state.dir (wiped first with
// --reset-state; a corrupt one moved aside and the state rebuilt), restores every
// operator's stores and reads back the positions the last checkpoint wrote.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/topics.hpp"
#include "daemon/component.hpp"
#include "daemon/stream_topology.hpp"
#include "operators/checkpointer.hpp"
#include "operators/state_store.hpp"

namespace atomd {

// Checkpointed positions, each namespace rewritten whole by every checkpoint.
inline constexpr std::string_view kReplayNamespace = "replay";    // absolute replay path → resume line
inline constexpr std::string_view kCursorsNamespace = "cursors";  // connector → cursor
inline constexpr std::string_view kOffsetsNamespace = "offsets";  // "topic/partition" → last processed offset
inline constexpr std::string_view kOutboxNamespace = "outbox";    // event id → event, published after the commit

class StateRestore final : public Component {
 public:
  explicit StateRestore(ComponentContext& context);
  std::string_view name() const override { return "state"; }

  Checkpointer& checkpointer() { return *checkpointer_; }
  // The positions of the last checkpoint by namespace (empty when none).
  const std::map<std::string, std::string>& restored(std::string_view ns) const;
  // The line the replay of `path` resumes at, as the last checkpoint stored it (1 when none).
  std::int64_t replay_resume_line(const std::string& path) const;
  // Scaled out: the last processed offset of each input partition, and stage 2's offset on
  // the internal topic (-1: none). Empty with the embedded broker, whose topics died with
  // the last process.
  const std::map<TopicPartition, std::int64_t>& restored_offsets() const { return offsets_; }
  std::int64_t restored_stage2_offset() const { return stage2_offset_; }
  const std::vector<Event>& restored_outbox() const { return outbox_; }
  std::optional<TimeMs> last_checkpoint() const { return last_checkpoint_; }

 private:
  void open();
  void restore();
  void rebuild(const std::string& why);

  const ComponentContext& context_;
  const std::string dir_;
  Topology& topology_;
  std::vector<StatefulOperator*> stores_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Checkpointer> checkpointer_;
  CheckpointPositions positions_;
  std::map<TopicPartition, std::int64_t> offsets_;
  std::int64_t stage2_offset_ = -1;
  std::vector<Event> outbox_;
  std::optional<TimeMs> last_checkpoint_;
};

// The key of a replay file in the replay namespace: its absolute path.
std::string replay_key(const std::string& path);

}  // namespace atomd
