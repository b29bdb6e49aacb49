#include "operators/watermark.hpp"

#include <algorithm>
#include <cstdint>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;
constexpr std::string_view kTimesKey = "w";
constexpr std::string_view kPartitionPrefix = "p/";

static_assert(kNoTime == INT64_MIN, "std::max treats kNoTime as before every time");

}  // namespace

void Watermark::observe(const std::string& source, TimeMs event_time, TimeMs now) {
  auto [it, inserted] = partitions_.try_emplace(source, Partition{event_time, now});
  if (!inserted) it->second = Partition{std::max(it->second.stream_time, event_time), now};
  stream_time_ = std::max(stream_time_, event_time);
  advance(now);
}

void Watermark::expect(const std::string& source, TimeMs now) {
  auto [it, inserted] = partitions_.try_emplace(source, Partition{kNoTime, now});
  if (!inserted && it->second.stream_time == kNoTime) it->second.last_seen = now;  // expected again
}

void Watermark::advance(TimeMs now) {
  if (stream_time_ == kNoTime) return;
  // A partition more than `lateness` behind S is idle (or drained) and must not hold W back,
  // unless it is still delivering (see busy_ms in the header).
  TimeMs slowest_active = stream_time_;
  for (const auto& [name, p] : partitions_) {
    const bool busy = busy_ > 0 && p.last_seen != kNoTime && now - p.last_seen < busy_;
    const bool recent = p.stream_time != kNoTime && p.stream_time >= stream_time_ - lateness_;
    if (!busy && !recent) continue;
    if (p.stream_time == kNoTime) return;  // expected, nothing delivered yet: W waits
    slowest_active = std::min(slowest_active, p.stream_time);
  }
  const TimeMs candidate = slowest_active - lateness_;
  if (watermark_ == kNoTime || candidate > watermark_) watermark_ = candidate;
}

TimeMs Watermark::partition_time(std::string_view source) const {
  auto it = partitions_.find(source);
  return it == partitions_.end() ? kNoTime : it->second.stream_time;
}

void Watermark::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  if (watermark_ != kNoTime || stream_time_ != kNoTime) {
    StateWriter w;
    w.u8(kStateVersion);
    w.i64(watermark_);
    w.i64(stream_time_);
    sink(kTimesKey, w.bytes());
  }
  for (const auto& [source, p] : partitions_) {
    if (p.stream_time == kNoTime) continue;  // expected only: processing-time state
    StateWriter w;
    w.u8(kStateVersion);
    w.i64(p.stream_time);
    sink(std::string(kPartitionPrefix) + source, w.bytes());
  }
}

void Watermark::restore_state(std::string_view key, std::string_view value) {
  StateReader r(value, key);
  if (r.u8() != kStateVersion) r.fail("unknown version");
  if (key == kTimesKey) {
    const TimeMs w = r.i64();
    const TimeMs s = r.i64();
    r.expect_end();
    watermark_ = std::max(watermark_, w);
    stream_time_ = std::max(stream_time_, s);
    return;
  }
  if (!key.starts_with(kPartitionPrefix) || key.size() == kPartitionPrefix.size()) r.fail("unknown key");
  const TimeMs s = r.i64();
  r.expect_end();
  if (s == kNoTime) r.fail("partition without a stream time");
  const std::string source(key.substr(kPartitionPrefix.size()));
  auto [it, inserted] = partitions_.try_emplace(source, Partition{s, kNoTime});
  if (!inserted) it->second.stream_time = std::max(it->second.stream_time, s);
  stream_time_ = std::max(stream_time_, s);
}

void Watermark::clear_state() {
  partitions_.clear();
  stream_time_ = kNoTime;
  watermark_ = kNoTime;
}

}  // namespace atomd
