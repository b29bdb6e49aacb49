#pragma once
// Where a replay can resume after a crash (DESIGN §5): the first line of the file whose record
// the operators have not processed yet. Lines are produced in order but consumed across
// partitions in any interleaving, so the position is the smallest produced-but-unprocessed
// line (or the line after the last produced when none is pending). Every line before it is in
// the operators' state; lines at or after it may be too, and idempotence absorbs the repeat.
#include <cstdint>
#include <mutex>
#include <set>

namespace atomd {

class ReplayPosition {
 public:
  // The line the replay starts at (1, or a resumed position).
  explicit ReplayPosition(std::int64_t start_line = 1) : next_unproduced_(start_line) {}

  void produced(std::int64_t line) {
    std::lock_guard lock(mu_);
    pending_.insert(line);
    if (line >= next_unproduced_) next_unproduced_ = line + 1;
  }
  void processed(std::int64_t line) {
    std::lock_guard lock(mu_);
    pending_.erase(line);
  }
  // The records of lines produced but lost by the broker before they were read: the replay
  // cannot resume past them, so they stay pending (a restart produces them again).
  std::int64_t safe_line() const {
    std::lock_guard lock(mu_);
    return pending_.empty() ? next_unproduced_ : *pending_.begin();
  }

 private:
  mutable std::mutex mu_;
  std::set<std::int64_t> pending_;
  std::int64_t next_unproduced_;
};

}  // namespace atomd
