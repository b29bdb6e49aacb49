#pragma once
// The one produce path of every source (DESIGN §2: replay and live data take one path): a
// record goes to its topic, and, with the embedded broker, counts as in flight until this
// process's stream task has processed it (the mock keeps only 5 MiB per partition, so
// sources wait for room). Scaled out, other replicas consume too: nothing is counted.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/topics.hpp"
#include "daemon/in_flight.hpp"
#include "kafka/kafka.hpp"

namespace atomd {

class SourceSink {
 public:
  SourceSink(kafka::Producer& producer, const TopicNames& topics, bool scaled_out, std::int64_t max_records,
             std::int64_t max_bytes)
      : producer_(producer), topics_(topics), scaled_out_(scaled_out), limit_(max_records, max_bytes) {}

  // Produces to the topic with this short name ("hf.models") and serves delivery reports.
  void produce(std::string_view topic, const std::string& key, const std::string& value,
               const kafka::Headers& headers = {}) {
    producer_.produce(topics_.full(topic), key, value, headers);
    if (!scaled_out_) limit_.produced(static_cast<std::int64_t>(key.size() + value.size()));
    producer_.poll();
  }
  // Blocks while this process's stream task is too far behind; false when `stop` is set.
  bool wait_for_room(const std::atomic<bool>& stop) { return scaled_out_ || limit_.wait_for_room(stop); }
  // The stream task processed one record of `bytes` (key + value) that a source produced.
  void consumed(std::int64_t bytes) {
    if (!scaled_out_) limit_.consumed(bytes);
  }
  // Records the broker lost before they were read (an offset gap).
  void lost(std::int64_t records) {
    if (!scaled_out_) limit_.lost(records);
  }
  // Everything the sources produced was processed here (always true scaled out).
  bool caught_up() const { return limit_.caught_up(); }
  std::int64_t in_flight_records() const { return limit_.in_flight_records(); }
  kafka::Producer& producer() { return producer_; }

 private:
  kafka::Producer& producer_;
  const TopicNames& topics_;
  const bool scaled_out_;
  InFlightLimit limit_;
};

}  // namespace atomd
