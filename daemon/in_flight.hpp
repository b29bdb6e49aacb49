#pragma once
// Flow control between this process's sources and its own stream task (the embedded
// broker keeps only the newest 100k message sets / 5 MiB per partition, so a producer that
// runs further ahead of the consumer loses records before they are read).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace atomd {

// One bound: producers call wait_for_room() before producing, the consumer calls consumed()
// after processing.
class BackpressureGate {
 public:
  // max_in_flight < 1 is treated as 1 (a gate that never opens would deadlock).
  explicit BackpressureGate(std::int64_t max_in_flight) : max_in_flight_(max_in_flight < 1 ? 1 : max_in_flight) {}
  // Blocks while produced - consumed >= max_in_flight; returns false when `stop` is set
  // (noticed within ~10 ms).
  bool wait_for_room(const std::atomic<bool>& stop);
  void produced(std::int64_t n = 1) { produced_.fetch_add(n); }
  void consumed(std::int64_t n = 1);  // wakes waiters
  std::int64_t in_flight() const { return produced_.load() - consumed_.load(); }
  std::int64_t produced_count() const { return produced_.load(); }
  std::int64_t consumed_count() const { return consumed_.load(); }

 private:
  std::int64_t max_in_flight_;
  std::atomic<std::int64_t> produced_{0};
  std::atomic<std::int64_t> consumed_{0};
  std::mutex mutex_;
  std::condition_variable room_;
};

// Records produced by this process but not yet processed by it, bounded by count and bytes.
class InFlightLimit {
 public:
  InFlightLimit(std::int64_t max_records, std::int64_t max_bytes) : records_(max_records), bytes_(max_bytes) {}

  // Blocks while either bound is reached; false when `stop` is set.
  bool wait_for_room(const std::atomic<bool>& stop) {
    return records_.wait_for_room(stop) && bytes_.wait_for_room(stop);
  }
  void produced(std::int64_t bytes) {
    records_.produced();
    bytes_.produced(bytes);
  }
  void consumed(std::int64_t bytes) {
    records_.consumed();
    bytes_.consumed(bytes);
  }
  // Records that will never be consumed (an offset gap); their bytes are estimated.
  void lost(std::int64_t records) {
    auto produced = records_.produced_count();
    std::int64_t average = produced > 0 ? bytes_.produced_count() / produced : 0;
    records_.consumed(records);
    bytes_.consumed(records * average);
  }
  bool caught_up() const { return records_.consumed_count() >= records_.produced_count(); }
  std::int64_t in_flight_records() const { return records_.in_flight(); }
  std::int64_t in_flight_bytes() const { return bytes_.in_flight(); }

 private:
  BackpressureGate records_;
  BackpressureGate bytes_;
};

}  // namespace atomd
