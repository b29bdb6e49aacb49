#pragma once
// A ProcessorContext for unit tests (like Kafka Streams' MockProcessorContext): it holds the
// stores the test registers, captures what the processor forwards and rejects, and lets the
// test set processing time, running the punctuations that fall due. No broker, no topology.
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "daemon/metrics.hpp"
#include "daemon/processor.hpp"

namespace atomd::testing {

template <class Out>
class MockProcessorContext final : public ProcessorContext<Out> {
 public:
  explicit MockProcessorContext(std::shared_ptr<const ReferenceData> reference = std::make_shared<ReferenceData>())
      : reference_(std::move(reference)) {}

  // The test owns `store`; it must outlive the context.
  void add_store(StatefulOperator& store) { stores_.push_back(&store); }
  void set_reference(std::shared_ptr<const ReferenceData> reference) { reference_ = std::move(reference); }
  // Moves processing time to `now`, running every punctuation due by then once.
  void set_processing_time(TimeMs now) {
    now_ = now;
    for (auto& p : punctuations_)
      if (now_ >= p.next) {
        p.next = now_ + p.interval;
        p.fn(now_);
      }
  }

  const std::vector<Out>& forwarded() const { return forwarded_; }
  void clear_forwarded() { forwarded_.clear(); }
  struct CapturedRejection {
    Rejection rejection;
    TopicPartition source;
    std::int64_t offset;
  };
  const std::vector<CapturedRejection>& rejections() const { return rejections_; }
  std::size_t punctuation_count() const { return punctuations_.size(); }
  Metrics& test_metrics() { return metrics_; }

  void forward(const Out& result) override { forwarded_.push_back(result); }
  void schedule(std::chrono::milliseconds interval, std::function<void(TimeMs)> fn) override {
    punctuations_.push_back(Punctuation{interval.count(), now_ + interval.count(), std::move(fn)});
  }
  StatefulOperator& store(std::string_view name) override {
    for (auto* s : stores_)
      if (s->name() == name) return *s;
    throw std::out_of_range("MockProcessorContext: no store '" + std::string(name) + "' registered");
  }
  Metrics& metrics() override { return metrics_; }
  std::shared_ptr<const ReferenceData> reference() override { return reference_; }
  void reject(const Rejection& rejection, const StreamRecord& record) override {
    rejections_.push_back(CapturedRejection{rejection, record.source, record.offset});
  }
  void observe_event_time(TimeMs event_time) override {
    if (event_time > stream_time_) stream_time_ = event_time;
  }
  TimeMs stream_time() const override { return stream_time_; }
  TimeMs processing_time() const override { return now_; }

 private:
  struct Punctuation {
    TimeMs interval;
    TimeMs next;
    std::function<void(TimeMs)> fn;
  };
  std::shared_ptr<const ReferenceData> reference_;
  Metrics metrics_{"test"};
  std::vector<StatefulOperator*> stores_;
  std::vector<Out> forwarded_;
  std::vector<CapturedRejection> rejections_;
  std::vector<Punctuation> punctuations_;
  TimeMs stream_time_ = kNoTime;
  TimeMs now_ = 0;
};

}  // namespace atomd::testing
