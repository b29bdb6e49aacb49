#pragma once
// Event time and the watermark (DESIGN §4): per-partition stream time s_p, S = max s_p,
// active partitions (s_p >= S - lateness), W = min over active s_p - lateness, never back.
#include <map>
#include <string>

#include "core/time.hpp"

namespace atomd {

// A partition that delivered a record within the last `busy_ms` of processing time also
// counts as active, however far behind S its event time is: it is working through a backlog
// (a replay, a backfill, a consumer catching up) and W must wait for it. Without this, the
// DESIGN rule alone lets a partition whose backlog is read after the others' fall out of the
// active set and W close days whose records are still unread. 0 disables it (DESIGN's rule).
class Watermark {
 public:
  explicit Watermark(TimeMs allowed_lateness_ms, TimeMs busy_ms = 0) : lateness_(allowed_lateness_ms), busy_(busy_ms) {}

  // `source` names an input partition, e.g. "atom.hf.models.v1/3"; `now` is processing time
  // (any monotonic milliseconds), used only when busy_ms > 0.
  void observe(const std::string& source, TimeMs event_time, TimeMs now = 0);

  TimeMs stream_time() const { return stream_time_; }  // S; kNoTime before any record
  TimeMs watermark() const { return watermark_; }       // W; kNoTime before any record
  bool day_closed(DayIndex d) const { return watermark_ != kNoTime && day_end(d) <= watermark_; }

  // For checkpoint/restore: W never goes back, even across restarts.
  void restore(TimeMs watermark) { if (watermark > watermark_) watermark_ = watermark; }

 private:
  struct Partition {
    TimeMs stream_time = kNoTime;  // s_p
    TimeMs last_seen = 0;          // processing time of its latest record
  };
  TimeMs lateness_;
  TimeMs busy_;
  std::map<std::string, Partition> partitions_;
  TimeMs stream_time_ = kNoTime;
  TimeMs watermark_ = kNoTime;
};

}  // namespace atomd
