#include "operators/watermark.hpp"

#include <algorithm>

namespace atomd {

void Watermark::observe(const std::string& source, TimeMs event_time) {
  auto [it, inserted] = partition_time_.try_emplace(source, event_time);
  if (!inserted) it->second = std::max(it->second, event_time);
  stream_time_ = stream_time_ == kNoTime ? event_time : std::max(stream_time_, event_time);

  // A partition more than `lateness` behind S is idle (or drained) and must not hold W back.
  TimeMs slowest_active = stream_time_;
  for (const auto& [name, s_p] : partition_time_)
    if (s_p >= stream_time_ - lateness_) slowest_active = std::min(slowest_active, s_p);
  TimeMs candidate = slowest_active - lateness_;
  if (watermark_ == kNoTime || candidate > watermark_) watermark_ = candidate;
}

}  // namespace atomd
