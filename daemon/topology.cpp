#include "daemon/topology.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <stdexcept>
#include <utility>

namespace atomd {
namespace {

// A partition that delivered within this much processing time holds the watermark even when
// it is more than allowed_lateness behind (operators/watermark.hpp).
constexpr TimeMs kBusyPartitionMs = 30'000;

// Index of an input topic in topic_stream_time_.
std::optional<std::size_t> input_index(std::optional<std::string_view> short_name) {
  for (std::size_t i = 0; i < std::size(Topology::kInputTopics); ++i)
    if (short_name == Topology::kInputTopics[i]) return i;
  return std::nullopt;
}

}  // namespace

OvertakeConfig overtake_config(const Config& config) {
  OvertakeConfig o;
  o.confirm = config.overtake.confirm;
  o.top_n = config.overtake.top_n;
  o.new_entrant_days = config.overtake.new_entrant_days;
  for (const auto& t : config.alerts.thresholds)
    o.thresholds.push_back(ThresholdSpec{t.metric, t.group_by, t.group, t.value, t.direction});
  return o;
}

// Every state store, owned here and handed to processors by name.
struct Topology::Stores {
  explicit Stores(const Config& config)
      : model_downloads(DownloadsConfig{config.downloads.gap_fill_horizon}),
        derivative_dedupe(DerivativesConfig{config.derivatives.min_downloads,
                                            *parse_derivative_attribution(config.derivatives.attribution)}),
        derivative_aggregates(*parse_derivative_attribution(config.derivatives.attribution)),
        overtake(overtake_config(config)),
        watermark(config.windows.allowed_lateness, kBusyPartitionMs) {}
  // Stage 1
  ModelDownloads model_downloads;
  DerivativeDedupe derivative_dedupe;
  // Stage 2
  DownloadAggregates download_aggregates;
  DerivativeAggregates derivative_aggregates;
  InferenceTokens inference;
  RamOperator ram;
  OvertakeDetector overtake;
  DailyEvaluation daily;
  EventLog events;
  Watermark watermark;

  std::vector<StatefulOperator*> stage1() { return {&model_downloads, &derivative_dedupe}; }
  std::vector<StatefulOperator*> stage2() {
    return {&download_aggregates, &derivative_aggregates, &inference, &ram, &overtake, &daily, &events, &watermark};
  }
};

// What a processor of this topology may touch.
template <class Out>
class Topology::NodeContext final : public ProcessorContext<Out> {
 public:
  NodeContext(Topology& topology, std::function<void(const Out&)> forward, std::atomic<TimeMs>& stream_time)
      : topology_(topology), forward_(std::move(forward)), stream_time_(stream_time) {}

  void forward(const Out& result) override { forward_(result); }
  void schedule(std::chrono::milliseconds interval, std::function<void(TimeMs)> fn) override {
    punctuations_.push_back(Punctuation{interval.count(), kNoTime, std::move(fn)});
  }
  StatefulOperator& store(std::string_view name) override { return topology_.store(name); }
  Metrics& metrics() override { return topology_.metrics_; }
  std::shared_ptr<const ReferenceData> reference() override { return topology_.reference_.get(); }
  void reject(const Rejection& rejection, const StreamRecord& record) override { topology_.reject(rejection, record); }
  void observe_event_time(TimeMs event_time) override {
    if (event_time > stream_time_.load()) stream_time_.store(event_time);
  }
  TimeMs stream_time() const override { return stream_time_.load(); }
  TimeMs processing_time() const override { return steady_now_ms(); }

  // Runs what is due; the first call only starts the clocks.
  void punctuate(TimeMs now) {
    for (auto& p : punctuations_) {
      if (p.next == kNoTime) {
        p.next = now + p.interval;
      } else if (now >= p.next) {
        p.next = now + p.interval;
        p.fn(now);
      }
    }
  }
  bool has_punctuations() const { return !punctuations_.empty(); }

 private:
  struct Punctuation {
    TimeMs interval;
    TimeMs next;
    std::function<void(TimeMs)> fn;
  };
  Topology& topology_;
  std::function<void(const Out&)> forward_;
  std::atomic<TimeMs>& stream_time_;
  std::vector<Punctuation> punctuations_;
};

struct Topology::Source {
  std::unique_ptr<Stage1Processor> processor;
  std::unique_ptr<NodeContext<StageRecord>> context;
};

Topology::Topology(const Config& config, TopicNames topics, ReferenceHolder& reference, Metrics& metrics)
    : topics_(std::move(topics)), reference_(reference), metrics_(metrics), stores_(std::make_unique<Stores>(config)) {
  auto add_source = [&](std::string_view short_name, std::unique_ptr<Stage1Processor> processor) {
    auto source = std::make_unique<Source>();
    source->processor = std::move(processor);
    source->context = std::make_unique<NodeContext<StageRecord>>(
        *this,
        [this](const StageRecord& r) {
          if (stage_forward_) {
            stage_forward_(r);
          } else {
            apply(r);
          }
        },
        topic_stream_time_[*input_index(short_name)]);
    source->processor->init(*source->context);
    sources_.emplace(topics_.full(short_name), std::move(source));
  };
  add_source(kTopicHfModels, std::make_unique<HfModelsProcessor>());
  add_source(kTopicHfDerivatives, std::make_unique<HfDerivativesProcessor>());
  add_source(kTopicOpenRouterTokens, std::make_unique<OpenRouterTokensProcessor>());

  stage2_ = std::make_unique<Stage2Processor>(Stage2Options{!config.kafka.brokers.empty()});
  stage2_context_ = std::make_unique<NodeContext<Event>>(
      *this,
      [this](const Event& e) {
        spdlog::info("event {}", e.id());
        new_events_.push_back(e);
      },
      stage2_stream_time_);
  stage2_->init(*stage2_context_);
}

Topology::~Topology() {
  for (auto& [topic, source] : sources_) source->processor->close();
  stage2_->close();
}

void Topology::process(const StreamRecord& record) {
  if (auto it = sources_.find(record.source.topic); it != sources_.end()) {
    it->second->processor->process(record);
  } else {
    spdlog::warn("ignoring a message from unexpected topic {}", record.source.topic);
  }
  processed_.fetch_add(1);
}

void Topology::apply(const StageRecord& record) {
  std::unique_lock lock(mu_);
  stage2_->process(record);
}

void Topology::punctuate(TimeMs now, bool stage2_active) {
  for (auto& [topic, source] : sources_) source->context->punctuate(now);
  if (stage2_active && stage2_context_->has_punctuations()) {
    std::unique_lock lock(mu_);
    stage2_context_->punctuate(now);
  }
}

void Topology::expect_partitions(std::map<std::string, int> partitions) {
  std::unique_lock lock(mu_);
  stage2_->expect_partitions(std::move(partitions));
}

std::vector<Event> Topology::take_new_events() {
  std::unique_lock lock(mu_);
  return std::exchange(new_events_, {});
}

StatefulOperator* Topology::find_store(std::string_view name) {
  for (auto* op : stores_->stage1())
    if (op->name() == name) return op;
  for (auto* op : stores_->stage2())
    if (op->name() == name) return op;
  return nullptr;
}

StatefulOperator& Topology::store(std::string_view name) {
  if (auto* op = find_store(name)) return *op;
  throw std::out_of_range("no state store named '" + std::string(name) + "'");
}

std::vector<StatefulOperator*> Topology::stage1_stores() { return stores_->stage1(); }
std::vector<StatefulOperator*> Topology::stage2_stores() { return stores_->stage2(); }

bool Topology::is_stage1_store(std::string_view name) const {
  for (auto* op : stores_->stage1())
    if (op->name() == name) return true;
  return false;
}

void Topology::with_stage2_exclusive(const std::function<void()>& f) {
  auto reference = reference_.get();
  std::unique_lock lock(mu_);
  f();
  stage2_->rebucket(std::move(reference));
}

TimeMs Topology::topic_stream_time(std::string_view short_name) const {
  auto index = input_index(short_name);
  return index ? topic_stream_time_[*index].load() : kNoTime;
}

TopologyView Topology::view() const {
  const Stores& s = *stores_;
  return TopologyView{s.download_aggregates, s.derivative_aggregates, s.inference, s.ram,
                      s.overtake,           s.events,                s.watermark};
}

void Topology::reject(const Rejection& r, const StreamRecord& record) {
  const std::string& topic = record.source.topic;
  metrics_.rejected(topic, to_string(r.reason));
  if (rejection_log_.allow(topic + "|" + std::string(to_string(r.reason))))
    spdlog::warn("rejected a record on {} partition {} offset {}: {} ({}); further {} rejections logged at most once a minute",
                 topic, record.source.partition, record.offset, to_string(r.reason), r.detail, to_string(r.reason));
}

}  // namespace atomd
