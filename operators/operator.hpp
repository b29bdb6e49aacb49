#pragma once
// What every stateful operator offers the framework that owns its store: a name and its
// state as key/value pairs, so a checkpoint can write it and a restore can read it back.
#include <functional>
#include <string>
#include <string_view>

namespace atomd {

class StatefulOperator {
 public:
  virtual ~StatefulOperator() = default;
  virtual std::string_view name() const = 0;
  // Visits every piece of state as (key, serialized value).
  virtual void save_state(const std::function<void(std::string_view key, std::string_view value)>& sink) const = 0;
  // Restores one piece written by save_state; throws std::runtime_error on a bad value.
  virtual void restore_state(std::string_view key, std::string_view value) = 0;
  virtual void clear_state() = 0;
  // Operators too large to serialise whole at every checkpoint report only what changed
  // since their last restore or report (and never report deletions): then a checkpoint
  // writes what save_changed_state visits instead of diffing save_state.
  virtual bool reports_changes() const { return false; }
  virtual void save_changed_state(const std::function<void(std::string_view key, std::string_view value)>& sink) {
    save_state(sink);
  }
};

}  // namespace atomd
