#pragma once
// Records produced by this process but not yet processed by it, bounded by count and by
// bytes: the embedded broker keeps only the newest 5 MiB per partition, so a producer that
// runs further ahead of the consumer loses records before they are read.
#include <atomic>
#include <cstdint>

#include "kafka/kafka.hpp"

namespace atomd {

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
  kafka::BackpressureGate records_;
  kafka::BackpressureGate bytes_;
};

}  // namespace atomd
