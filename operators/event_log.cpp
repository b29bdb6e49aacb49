#include "operators/event_log.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

namespace atomd {

bool EventLog::add(const Event& event) { return by_id_.try_emplace(event.id(), event).second; }

std::vector<Event> EventLog::list(std::optional<EventKind> kind, std::size_t limit) const {
  std::vector<const Event*> chosen;
  for (const auto& [id, e] : by_id_)
    if (!kind || e.kind == *kind) chosen.push_back(&e);
  std::sort(chosen.begin(), chosen.end(), [](const Event* a, const Event* b) {
    if (a->at != b->at) return a->at > b->at;
    return a->id() < b->id();
  });
  std::vector<Event> out;
  for (std::size_t i = 0; i < chosen.size() && i < limit; ++i) out.push_back(*chosen[i]);
  return out;
}

std::vector<EventLog::Count> EventLog::counts(EventKind kind) const {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, double> tally;
  for (const auto& [id, e] : by_id_) {
    if (e.kind != kind) continue;
    const auto& first = kind == EventKind::overtake ? e.winner : e.group;
    const auto& second = kind == EventKind::overtake ? e.loser : e.direction;
    tally[{e.metric, e.group_by, first.value_or(""), second.value_or("")}] += 1;
  }
  std::vector<Count> out;
  for (const auto& [key, n] : tally)
    out.push_back(Count{std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), n});
  return out;
}

void EventLog::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  for (const auto& [id, e] : by_id_) sink(id, encode(e));
}

void EventLog::restore_state(std::string_view key, std::string_view value) {
  auto decoded = decode_event(value);
  if (!decoded)
    throw std::runtime_error("events/" + std::string(key) + ": bad state value: " + decoded.rejection().detail);
  if (decoded->id() != key)
    throw std::runtime_error("events/" + std::string(key) + ": bad state value: the event's id is " + decoded->id());
  by_id_.insert_or_assign(std::string(key), std::move(decoded.value()));
}

}  // namespace atomd
