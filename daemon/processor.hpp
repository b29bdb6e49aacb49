#pragma once
// The processor API of atomd's topology, after Kafka Streams' Processor API: a processor is
// init(context), process(record), close(); everything it may touch comes through its
// context (forwarding downstream, scheduled punctuation, state stores by name, metrics,
// reference data, stream time and processing time). The transport stays outside: a
// processor sees a StreamRecord, never a kafka::Message, so the same processor runs behind
// a broker, a file backfill or a test's MockProcessorContext.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/records.hpp"
#include "core/reference.hpp"
#include "core/time.hpp"
#include "core/topics.hpp"
#include "operators/operator.hpp"

namespace atomd {

class Metrics;

// One input record, independent of where it was read.
struct StreamRecord {
  TopicPartition source;  // full topic name and partition: a watermark source
  std::int64_t offset = 0;
  std::string_view key;
  std::string_view value;
};

template <class Out>
class ProcessorContext {
 public:
  virtual ~ProcessorContext() = default;
  // Hands a result to the next node (stage 1 → stage 2, stage 2 → the event outbox).
  virtual void forward(const Out& result) = 0;
  // Calls `fn(now)` on the stream thread every `interval` of processing time (wall-clock
  // punctuation; `now` is processing time in monotonic milliseconds).
  virtual void schedule(std::chrono::milliseconds interval, std::function<void(TimeMs now)> fn) = 0;
  // A state store the framework owns (it checkpoints and restores it), by its name().
  virtual StatefulOperator& store(std::string_view name) = 0;
  virtual Metrics& metrics() = 0;
  virtual std::shared_ptr<const ReferenceData> reference() = 0;
  // A record failed validation: counted in atom_records_rejected_total and logged (rate
  // limited); the processor skips it.
  virtual void reject(const Rejection& rejection, const StreamRecord& record) = 0;
  // Advances this node's stream time (the largest event time it has seen).
  virtual void observe_event_time(TimeMs event_time) = 0;
  virtual TimeMs stream_time() const = 0;  // kNoTime before any record
  virtual TimeMs processing_time() const = 0;

  // The store named `name` as its concrete type; throws std::logic_error when it is another.
  template <class Store>
  Store& store_as(std::string_view name) {
    auto* typed = dynamic_cast<Store*>(&store(name));
    if (typed == nullptr) throw std::logic_error("state store '" + std::string(name) + "' has another type");
    return *typed;
  }
};

template <class In, class Out>
class Processor {
 public:
  using Context = ProcessorContext<Out>;
  virtual ~Processor() = default;
  virtual void init(Context& context) = 0;
  // Never throws for bad input: it is rejected through the context.
  virtual void process(const In& record) = 0;
  virtual void close() {}
};

// Monotonic milliseconds: processing time for punctuation and the watermark's busy rule.
inline TimeMs steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace atomd
