#pragma once
// Incremental checkpoints of any StatefulOperator: remembers a 64-bit hash of what was last
// written for each key of the operator's namespace, so a checkpoint writes only the keys whose
// value changed and erases the keys the operator no longer has.
//
// The hashes live only in memory (rebuilt from the values on restore), so the hash function is
// not a storage format. A changed value whose hash equals the old one (probability 2^-64 per
// change) would go unwritten until it changes again.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "operators/operator.hpp"
#include "operators/state_store.hpp"

namespace atomd {

class StateDiff {
 public:
  using Sink = std::function<void(std::string_view key, std::string_view value)>;
  using ChangeObserver = std::function<void(std::string_view key, std::optional<std::string_view> value)>;

  explicit StateDiff(std::string ns) : ns_(std::move(ns)) {}
  const std::string& ns() const { return ns_; }

  // Calls op.save_state and adds to `batch` a put for every key whose value differs from what
  // was last recorded and an erase for every recorded key not visited; returns puts + erases.
  // Records change only in mark_committed(), so after a failed commit the next call finds the
  // same changes again.
  std::size_t add_changes(const StatefulOperator& op, StateBatch& batch);
  // For operators that report only their changed keys (DerivativeDedupe::save_changed_state):
  // every reported key is put, nothing is erased. Such an operator forgets a change once it has
  // reported it, so reported values stay pending here until mark_committed() and are put again
  // by the next call when the commit in between failed.
  std::size_t add_reported_changes(const std::function<void(const Sink&)>& save_changed, StateBatch& batch);
  // After the batch committed: the pending changes become the records.
  void mark_committed();
  // After a restore from the store: (key, value) is already written.
  void note_restored(std::string_view key, std::string_view value);
  void reset();  // forget everything (after a wipe)
  std::size_t keys() const { return written_.size(); }

  // Called for every put (value) and erase (nullopt) added, e.g. to send the same changes to a
  // changelog topic.
  void set_change_observer(ChangeObserver f) { observer_ = std::move(f); }

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Record {
    std::uint64_t hash = 0;
    std::uint64_t visited = 0;  // the add_changes pass that last saw the key
  };
  struct Change {
    std::string key;
    std::optional<std::uint64_t> hash;  // nullopt: erased
  };

  void put(std::string_view key, std::string_view value, std::uint64_t hash, StateBatch& batch);

  std::string ns_;
  std::unordered_map<std::string, Record, StringHash, std::equal_to<>> written_;
  std::vector<Change> pending_;
  std::map<std::string, std::string, std::less<>> unacknowledged_;  // reported, not yet committed
  std::uint64_t pass_ = 0;
  ChangeObserver observer_;
};

// Restores an operator from the store: clear_state(), then restore_state for every key of the
// diff's namespace, noting each in `diff` (which is reset first). Returns the keys restored.
// An operator's std::runtime_error on a bad value propagates.
std::size_t restore_operator(const StateStore& store, StatefulOperator& op, StateDiff& diff);

}  // namespace atomd
