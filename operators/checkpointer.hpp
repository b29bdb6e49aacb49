#pragma once
// One atomic checkpoint of everything a process must not lose (DESIGN §5): every operator's
// changed state, plus the positions the daemon hands over whole (consumed offsets, connector
// cursors, the replay's resume line, the event outbox), in one RocksDB write batch.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "operators/operator.hpp"
#include "operators/state_diff.hpp"
#include "operators/state_store.hpp"

namespace atomd {

// Namespace → key → value; each namespace is rewritten whole by a checkpoint.
using CheckpointPositions = std::map<std::string, std::map<std::string, std::string>>;

struct CheckpointResult {
  std::size_t changes = 0;  // operator keys put or erased
  std::size_t bytes = 0;    // bytes written
  double seconds = 0;
};

class Checkpointer {
 public:
  // `operators` must outlive the checkpointer; each is stored under its name().
  Checkpointer(StateStore& store, std::vector<StatefulOperator*> operators);

  // Clears and restores every operator from the store; returns the keys restored per operator.
  // Lets an operator's std::runtime_error (a bad value) and StateStoreCorrupt propagate.
  std::map<std::string, std::size_t> restore();
  // The stored positions of the given namespaces (empty maps when none).
  CheckpointPositions positions(std::span<const std::string_view> namespaces) const;
  // The time of the last committed checkpoint, if any.
  std::optional<TimeMs> last_checkpoint() const;

  // Writes one checkpoint stamped `now`. Throws StateStoreError when the commit fails (the
  // changes stay pending for the next attempt, except an incremental operator's, so callers
  // treat a failed commit as fatal).
  CheckpointResult checkpoint(const CheckpointPositions& positions, TimeMs now);

  // Sees every operator key written (value) or erased (nullopt) by the next checkpoints:
  // the changelog topics (DESIGN §5).
  using ChangeObserver = std::function<void(std::string_view op, std::string_view key, std::optional<std::string_view> value)>;
  void set_change_observer(ChangeObserver observer);

  StateStore& store() { return store_; }

 private:
  StateStore& store_;
  std::vector<StatefulOperator*> operators_;
  std::vector<StateDiff> diffs_;
};

inline constexpr std::string_view kCheckpointKey = "checkpoint";  // in kMetaNamespace: unix ms of the last checkpoint

}  // namespace atomd
