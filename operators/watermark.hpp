#pragma once
// Event time and the watermark (DESIGN §4): per-partition stream time s_p, S = max s_p,
// active partitions (s_p >= S - lateness), W = min over active s_p - lateness, never back.
#include <map>
#include <string>

#include "core/time.hpp"

namespace atomd {

class Watermark {
 public:
  explicit Watermark(TimeMs allowed_lateness_ms) : lateness_(allowed_lateness_ms) {}

  // `source` names an input partition, e.g. "atom.hf.models.v1/3".
  void observe(const std::string& source, TimeMs event_time);

  TimeMs stream_time() const { return stream_time_; }  // S; kNoTime before any record
  TimeMs watermark() const { return watermark_; }       // W; kNoTime before any record
  bool day_closed(DayIndex d) const { return watermark_ != kNoTime && day_end(d) <= watermark_; }

  // For checkpoint/restore: W never goes back, even across restarts.
  void restore(TimeMs watermark) { if (watermark > watermark_) watermark_ = watermark; }

 private:
  TimeMs lateness_;
  std::map<std::string, TimeMs> partition_time_;
  TimeMs stream_time_ = kNoTime;
  TimeMs watermark_ = kNoTime;
};

}  // namespace atomd
