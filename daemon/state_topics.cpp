#include "daemon/state_topics.hpp"

#include <stdexcept>

namespace atomd {

std::optional<std::string_view> state_value(std::string_view record_value) {
  if (record_value.empty()) throw std::runtime_error("state record without a tag byte");
  if (record_value[0] == 'D') return std::nullopt;
  if (record_value[0] != 'P') throw std::runtime_error("state record with an unknown tag byte");
  return record_value.substr(1);
}

std::optional<std::int64_t> AggregatesTable::add(std::string_view key, std::string_view value) {
  if (key == kAggregatesResetKey) {
    pending_.clear();
    state_.clear();
    return std::nullopt;
  }
  auto bytes = state_value(value);
  if (key == kAggregatesCheckpointKey) {
    if (!bytes) throw std::runtime_error("checkpoint marker without an offset");
    const std::int64_t offset = std::stoll(std::string(*bytes));
    for (auto& [k, v] : pending_) {
      if (v) {
        state_[k] = std::move(*v);
      } else {
        state_.erase(k);
      }
    }
    pending_.clear();
    return offset;
  }
  pending_[std::string(key)] = bytes ? std::optional<std::string>(std::string(*bytes)) : std::nullopt;
  return std::nullopt;
}

}  // namespace atomd
