#pragma once
// The records atomd writes to its state topics (DESIGN §5): the stage-1 changelogs
// "<prefix><operator>.changelog" and stage 2's atom.aggregates.v1. A value is one tag byte,
// 'P' + the state bytes for a put or 'D' for an erase (so an empty state value is never
// mistaken for a deletion). atom.aggregates.v1 is one partition, keys "<operator>/<key>", and
// each owner checkpoint ends with a marker carrying the internal-topic offset it covers; a
// new owner starts with a reset marker and publishes its whole state.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace atomd {

inline constexpr std::string_view kAggregatesCheckpointKey = "__checkpoint";  // value 'P' + internal offset
inline constexpr std::string_view kAggregatesResetKey = "__reset";            // forget everything before

inline std::string state_put_value(std::string_view bytes) { return "P" + std::string(bytes); }
inline std::string state_erase_value() { return "D"; }
// The state bytes of a put, nullopt for an erase; throws std::runtime_error on another tag.
std::optional<std::string_view> state_value(std::string_view record_value);

// Stage 2's state as mirrored from atom.aggregates.v1: records are buffered until the
// checkpoint marker that completes them, so a half-published checkpoint is never applied.
class AggregatesTable {
 public:
  // Applies one record; returns the internal offset when it completed a checkpoint.
  std::optional<std::int64_t> add(std::string_view key, std::string_view value);
  // "<operator>/<key>" → state bytes, as of the last completed checkpoint.
  const std::map<std::string, std::string>& state() const { return state_; }

 private:
  std::map<std::string, std::optional<std::string>> pending_;  // nullopt: erase
  std::map<std::string, std::string> state_;
};

}  // namespace atomd
