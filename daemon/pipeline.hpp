#pragma once
// The operators wired in one process: consumed messages are decoded, advance the
// watermark, go through stage 1 (per model / derivative / row) and stage 2 (groups, RAM),
// and every newly closed UTC day is evaluated for overtakes and threshold crossings.
// Readers (HTTP, summary, metrics) take a shared lock; the stream thread takes it
// exclusively per record.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <shared_mutex>
#include <string>

#include "core/topics.hpp"
#include "daemon/config.hpp"
#include "daemon/event_log.hpp"
#include "daemon/metrics.hpp"
#include "daemon/rate_limited_log.hpp"
#include "daemon/reference_holder.hpp"
#include "kafka/kafka.hpp"
#include "operators/daily_evaluation.hpp"
#include "operators/derivative_aggregates.hpp"
#include "operators/derivatives.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/downloads.hpp"
#include "operators/inference.hpp"
#include "operators/overtake.hpp"
#include "operators/ram.hpp"
#include "operators/watermark.hpp"

namespace atomd {

struct PipelineView {
  const DownloadAggregates& downloads;
  const DerivativeAggregates& derivatives;
  const InferenceTokens& inference;
  const RamOperator& ram;
  const OvertakeDetector& overtake;
  const EventLog& events;
  const Watermark& watermark;

  // The inference leaderboard with its `day` window on the last closed UTC day (empty before
  // any watermark).
  Leaderboard inference_leaderboard(GroupBy by, InferenceWindow window, InferenceScope scope,
                                    std::optional<MonthIndex> month, const ReferenceData& reference) const {
    const auto closed = last_closed_day(watermark.watermark());
    return inference.leaderboard(by, window, scope, month, closed.value_or(std::numeric_limits<DayIndex>::min()),
                                 reference);
  }
};

OvertakeConfig overtake_config(const Config& config);

class Pipeline {
 public:
  static constexpr std::string_view kInputTopics[] = {kTopicHfModels, kTopicHfDerivatives, kTopicOpenRouterTokens};

  // Receives every event once, when it is first found (the one place events leave stage 2;
  // the state store's outbox takes this over).
  using EventPublisher = std::function<void(const Event&)>;

  Pipeline(const Config& config, TopicNames topics, ReferenceHolder& reference, Metrics& metrics);

  // Set before the first process().
  void set_event_publisher(EventPublisher publisher) { publish_ = std::move(publisher); }

  // Processes one consumed message. Never throws for bad input: it is counted and logged.
  void process(const kafka::Message& message);

  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(PipelineView{downloads_, derivative_aggregates_, inference_, ram_, overtake_, events_, watermark_});
  }
  std::int64_t processed() const { return processed_.load(); }
  // The largest event time processed from one input topic (short name); kNoTime before any.
  // Lock-free.
  TimeMs topic_stream_time(std::string_view short_name) const;

 private:
  void process_hf_model(const kafka::Message& message);
  void process_hf_derivative(const kafka::Message& message);
  void process_tokens(const kafka::Message& message);
  // Advances the watermark with one record's event time (call with the lock held).
  void observe(const kafka::Message& message, TimeMs event_time);
  // Evaluates every UTC day the watermark has closed since the last call (lock held).
  void evaluate_closed_days(const ReferenceData& reference);
  void emit(const std::vector<Event>& events);
  void reject(const Rejection& r, const kafka::Message& m);

  TopicNames topics_;
  ReferenceHolder& reference_;
  Metrics& metrics_;
  EventPublisher publish_;
  mutable std::shared_mutex mu_;
  // Stage 1
  ModelDownloads model_downloads_;
  DerivativeDedupe derivative_dedupe_;
  // Stage 2
  DownloadAggregates downloads_;
  DerivativeAggregates derivative_aggregates_;
  InferenceTokens inference_;
  RamOperator ram_;
  OvertakeDetector overtake_;
  DailyEvaluation daily_;
  std::optional<DayIndex> first_day_;  // the first UTC day with data: evaluations start there
  EventLog events_;
  Watermark watermark_;
  std::shared_ptr<const ReferenceData> ram_reference_;  // the reference data RAM's buckets were last set from
  RateLimitedLog rejection_log_;
  std::atomic<std::int64_t> processed_{0};
  std::array<std::atomic<TimeMs>, std::size(kInputTopics)> topic_stream_time_{kNoTime, kNoTime, kNoTime};
};

}  // namespace atomd
