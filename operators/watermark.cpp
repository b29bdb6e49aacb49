#include "operators/watermark.hpp"

#include <algorithm>

namespace atomd {

void Watermark::observe(const std::string& source, TimeMs event_time, TimeMs now) {
  auto [it, inserted] = partitions_.try_emplace(source, Partition{event_time, now});
  if (!inserted) it->second = Partition{std::max(it->second.stream_time, event_time), now};
  stream_time_ = stream_time_ == kNoTime ? event_time : std::max(stream_time_, event_time);

  // A partition more than `lateness` behind S is idle (or drained) and must not hold W back,
  // unless it is still delivering (see busy_ms in the header).
  TimeMs slowest_active = stream_time_;
  for (const auto& [name, p] : partitions_)
    if (p.stream_time >= stream_time_ - lateness_ || (busy_ > 0 && now - p.last_seen < busy_))
      slowest_active = std::min(slowest_active, p.stream_time);
  TimeMs candidate = slowest_active - lateness_;
  if (watermark_ == kNoTime || candidate > watermark_) watermark_ = candidate;
}

}  // namespace atomd
