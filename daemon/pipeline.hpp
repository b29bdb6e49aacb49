#pragma once
// The operators wired in one process (DESIGN §1). Stage 1 decodes an input record, runs the
// per-model operators (snapshots → increments, derivative dedupe) and turns it into one
// StageRecord; stage 2 applies StageRecords to the global operators (groups, shares, RAM),
// advances the watermark and evaluates every newly closed UTC day for overtakes and
// threshold crossings. With one replica (the embedded broker) a StageRecord goes straight to
// stage 2 in process; with several it is forwarded to atom.internal.contributions.v1 and the
// owner of that topic's one partition applies it.
// Readers (HTTP, summary, metrics) take a shared lock; the stream thread takes it
// exclusively per stage-2 record.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
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
#include "operators/stage_record.hpp"
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

  // Sends a stage-1 result to the stage-2 owner (another process, through the internal topic).
  using StageForward = std::function<void(const StageRecord&)>;

  Pipeline(const Config& config, TopicNames topics, ReferenceHolder& reference, Metrics& metrics);

  // Set before the first process(); unset, stage 2 runs in this process.
  void set_stage_forward(StageForward forward) { forward_ = std::move(forward); }

  // Processes one consumed input message (stage 1, then stage 2 or the forward). Never throws
  // for bad input: it is counted and logged.
  void process(const kafka::Message& message);
  // Applies one stage-1 result (stage 2). The owner of the internal topic calls this for
  // each of its messages; `process` calls it when nothing forwards.
  void apply(const StageRecord& record);

  // Stage 2 is starting in this replica: once a topic delivers its first record, each of its
  // partitions (full topic name → partition count) holds the watermark until it delivers too
  // (or stays silent for the busy time), see Watermark::expect.
  void expect_partitions(std::map<std::string, int> partitions);

  // Advances the watermark with processing time alone and evaluates newly closed days.
  void tick();

  // The events found since the last call, in order: the outbox a checkpoint writes before
  // the daemon publishes them (DESIGN §4 "Events").
  std::vector<Event> take_new_events();

  // The operators a checkpoint writes. Stage 1 is per input partition; stage 2 is global.
  std::vector<StatefulOperator*> stage1_operators() { return {&model_downloads_, &derivative_dedupe_}; }
  std::vector<StatefulOperator*> stage2_operators() {
    return {&downloads_, &derivative_aggregates_, &inference_, &ram_, &overtake_, &daily_, &events_, &watermark_};
  }
  // Runs `f` with stage 2 held exclusively (a restore or a mirror rebuild), then puts RAM's
  // buckets in line with the current reference data.
  void with_stage2_exclusive(const std::function<void()>& f);

  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(PipelineView{downloads_, derivative_aggregates_, inference_, ram_, overtake_, events_, watermark_});
  }
  // Runs `f` with stage 2 held shared (a checkpoint reading it while a mirror may write it).
  template <class F>
  auto with_stage2_shared(F&& f) const {
    std::shared_lock lock(mu_);
    return f();
  }
  std::int64_t processed() const { return processed_.load(); }
  // The largest event time processed from one input topic (short name); kNoTime before any.
  // Lock-free.
  TimeMs topic_stream_time(std::string_view short_name) const;

 private:
  StageRecord process_hf_model(const kafka::Message& message, bool& ok);
  StageRecord process_hf_derivative(const kafka::Message& message, bool& ok);
  StageRecord process_tokens(const kafka::Message& message, bool& ok);
  // Stage 1's stream time per input topic (replay pacing).
  void observe_stage1(const kafka::Message& message, TimeMs event_time);
  // Evaluates every UTC day the watermark has closed since the last call (lock held).
  void evaluate_closed_days(const ReferenceData& reference);
  void emit(const std::vector<Event>& events);
  void reject(const Rejection& r, const kafka::Message& m);

  TopicNames topics_;
  ReferenceHolder& reference_;
  Metrics& metrics_;
  StageForward forward_;
  std::map<std::string, int> expect_partitions_;
  std::set<std::string> expected_topics_;
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
  EventLog events_;
  std::vector<Event> new_events_;  // found since the last take_new_events()
  Watermark watermark_;
  std::shared_ptr<const ReferenceData> ram_reference_;  // the reference data RAM's buckets were last set from
  RateLimitedLog rejection_log_;
  std::atomic<std::int64_t> processed_{0};
  std::array<std::atomic<TimeMs>, std::size(kInputTopics)> topic_stream_time_{kNoTime, kNoTime, kNoTime};
};

}  // namespace atomd
