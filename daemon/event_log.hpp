#pragma once
// Every event the operators have found, once each by id (DESIGN §4 "Events"): the same
// history replayed, a restart or a re-evaluated day give the same ids and add nothing.
// The daemon publishes an event to atom.events.v1 only when add() says it is new.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/records.hpp"

namespace atomd {

class EventLog {
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

 private:
  std::map<std::string, Event> by_id_;
};

}  // namespace atomd
