#pragma once
// The processors wired in one process (DESIGN §1), keyed by input topic: each input topic's
// stage-1 processor forwards StageRecords to stage 2, either in this process (one replica)
// or, scaled out, through a forward to atom.internal.contributions.v1 whose one partition's
// owner applies them here with apply(). Stage 2 forwards new events to the outbox that the
// next checkpoint writes (take_new_events). The topology owns every state store, gives each
// processor its context, and runs their scheduled punctuations.
// Readers (HTTP, summary, metrics) take a shared lock; stage 2 takes it exclusively per
// record.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/topics.hpp"
#include "daemon/config.hpp"
#include "daemon/metrics.hpp"
#include "daemon/processor.hpp"
#include "daemon/rate_limited_log.hpp"
#include "daemon/reference_holder.hpp"
#include "daemon/stage1_processors.hpp"
#include "daemon/stage2_processor.hpp"

namespace atomd {

// Stage 2's state as readers see it.
struct TopologyView {
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

class Topology {
 public:
  static constexpr std::string_view kInputTopics[] = {kTopicHfModels, kTopicHfDerivatives, kTopicOpenRouterTokens};
  // Sends a stage-1 result to the stage-2 owner (another process, through the internal topic).
  using StageForward = std::function<void(const StageRecord&)>;

  Topology(const Config& config, TopicNames topics, ReferenceHolder& reference, Metrics& metrics);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // Scaled out: set before the first process(); unset, stage 2 runs in this process.
  void forward_stage1_to(StageForward forward) { stage_forward_ = std::move(forward); }

  // One input record: its topic's stage-1 processor, then stage 2 or the forward. Never
  // throws for bad input: it is counted and logged.
  void process(const StreamRecord& record);
  // One stage-1 result (stage 2). The owner of the internal topic calls this for each of its
  // messages; process() calls it when nothing forwards.
  void apply(const StageRecord& record);
  // Runs the punctuations that are due at processing time `now`; stage 2's only when this
  // replica runs stage 2.
  void punctuate(TimeMs now, bool stage2_active);
  // See Stage2Processor::expect_partitions.
  void expect_partitions(std::map<std::string, int> partitions);

  // The events stage 2 found since the last call, in order: the outbox a checkpoint writes
  // before they are published (DESIGN §4 "Events").
  std::vector<Event> take_new_events();

  // State stores by name (the operators' name()); throws std::out_of_range for an unknown one.
  StatefulOperator& store(std::string_view name);
  StatefulOperator* find_store(std::string_view name);  // nullptr for an unknown one
  // The stores a checkpoint writes: stage 1 is per input partition, stage 2 is global.
  std::vector<StatefulOperator*> stage1_stores();
  std::vector<StatefulOperator*> stage2_stores();
  bool is_stage1_store(std::string_view name) const;

  // Runs `f` with stage 2 held exclusively (a restore or a mirror rebuild), then puts RAM's
  // buckets in line with the current reference data.
  void with_stage2_exclusive(const std::function<void()>& f);
  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(view());
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
  template <class Out>
  class NodeContext;
  struct Stores;
  struct Source;
  TopologyView view() const;
  void reject(const Rejection& r, const StreamRecord& record);

  TopicNames topics_;
  ReferenceHolder& reference_;
  Metrics& metrics_;
  StageForward stage_forward_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<Stores> stores_;
  std::map<std::string, std::unique_ptr<Source>, std::less<>> sources_;  // by full topic name
  std::unique_ptr<Stage2Processor> stage2_;
  std::unique_ptr<NodeContext<Event>> stage2_context_;
  std::vector<Event> new_events_;  // found since the last take_new_events()
  RateLimitedLog rejection_log_;
  std::atomic<std::int64_t> processed_{0};
  std::array<std::atomic<TimeMs>, std::size(kInputTopics)> topic_stream_time_{kNoTime, kNoTime, kNoTime};
  std::atomic<TimeMs> stage2_stream_time_{kNoTime};
};

}  // namespace atomd
