#pragma once
// Every event the operators have found, once each by id (DESIGN §4 "Events"): the same
// history replayed, a restart or a re-evaluated day give the same ids and add nothing.
// The daemon publishes an event to atom.events.v1 only when add() says it is new. State: one
// key per event, its id, with the event as on atom.events.v1 (JSON) as the value.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "operators/operator.hpp"

namespace atomd {

class EventLog final : public StatefulOperator {
 public:
  // False when an event with this id is already known (it is not added again).
  bool add(const Event& event);

  // Newest first: by `at` descending, then by id; at most `limit`.
  std::vector<Event> list(std::optional<EventKind> kind = std::nullopt, std::size_t limit = SIZE_MAX) const;
  std::size_t size() const { return by_id_.size(); }
  void clear() { by_id_.clear(); }

  // Confirmed overtakes per (metric, group_by, winner, loser) and threshold crossings per
  // (metric, group_by, group, direction): the counters of DESIGN §6.
  struct Count {
    std::string metric, group_by, first, second;  // winner/loser or group/direction
    double count = 0;
  };
  std::vector<Count> counts(EventKind kind) const;

  std::string_view name() const override { return "events"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  // Throws std::runtime_error when the value is not an event or its id is not the key.
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override { clear(); }

 private:
  std::map<std::string, Event> by_id_;
};

}  // namespace atomd
