#pragma once
// Event time and the watermark (DESIGN §4): per-partition stream time s_p, S = max s_p,
// active partitions (s_p >= S - lateness), W = min over active s_p - lateness, never back.
#include <map>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "operators/operator.hpp"

namespace atomd {

// A partition that delivered a record within the last `busy_ms` of processing time also
// counts as active, however far behind S its event time is: it is working through a backlog
// (a replay, a backfill, a consumer catching up) and W must wait for it. Without this, the
// DESIGN rule alone lets a partition whose backlog is read after the others' fall out of the
// active set and W close days whose records are still unread. 0 disables it (DESIGN's rule).
//
// State keys: "w" (W and S) and "p/<source>" (s_p) per partition. Processing time is not
// state: a restored partition is not busy until it delivers again.
class Watermark final : public StatefulOperator {
 public:
  explicit Watermark(TimeMs allowed_lateness_ms, TimeMs busy_ms = 0) : lateness_(allowed_lateness_ms), busy_(busy_ms) {}

  // `source` names an input partition, e.g. "atom.hf.models.v1/3"; `now` is processing time
  // (any monotonic milliseconds), used only when busy_ms > 0.
  void observe(const std::string& source, TimeMs event_time, TimeMs now = 0);
  // A partition known to exist that has delivered nothing yet: while busy_ms has not passed
  // since `now`, it holds W back as if it were at the very beginning (consumers start
  // fetching partitions at different moments). No effect on a partition already seen.
  void expect(const std::string& source, TimeMs now);
  // Recomputes W at processing time `now` without a record: a partition whose busy time
  // has passed stops holding W back even when nothing else arrives.
  void advance(TimeMs now);

  TimeMs stream_time() const { return stream_time_; }  // S; kNoTime before any record
  TimeMs watermark() const { return watermark_; }       // W; kNoTime before any record
  bool day_closed(DayIndex d) const { return watermark_ != kNoTime && day_end(d) <= watermark_; }
  // s_p of `source`; kNoTime when it never delivered (since the last restore).
  TimeMs partition_time(std::string_view source) const;
  std::size_t partition_count() const { return partitions_.size(); }

  // For checkpoint/restore: W never goes back, even across restarts.
  void restore(TimeMs watermark) { if (watermark > watermark_) watermark_ = watermark; }

  std::string_view name() const override { return "watermark"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  // Times only move forward: a restored s_p, S or W below the one held is ignored, so
  // restoring into a running instance (a partition moving here) merges.
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override;

 private:
  struct Partition {
    TimeMs stream_time = kNoTime;  // s_p
    TimeMs last_seen = kNoTime;    // processing time of its latest record; none since a restore
  };
  TimeMs lateness_;
  TimeMs busy_;
  std::map<std::string, Partition, std::less<>> partitions_;
  TimeMs stream_time_ = kNoTime;
  TimeMs watermark_ = kNoTime;
};

}  // namespace atomd
