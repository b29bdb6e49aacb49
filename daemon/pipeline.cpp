#include "daemon/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <utility>

namespace atomd {
namespace {

// A partition that delivered within this much processing time holds the watermark even when
// it is more than allowed_lateness behind (operators/watermark.hpp).
constexpr TimeMs kBusyPartitionMs = 30'000;

// Index of an input topic in topic_stream_time_.
std::optional<std::size_t> input_index(std::optional<std::string_view> short_name) {
  for (std::size_t i = 0; i < std::size(Pipeline::kInputTopics); ++i)
    if (short_name == Pipeline::kInputTopics[i]) return i;
  return std::nullopt;
}

}  // namespace

TimeMs Pipeline::topic_stream_time(std::string_view short_name) const {
  auto index = input_index(short_name);
  return index ? topic_stream_time_[*index].load() : kNoTime;
}

OvertakeConfig overtake_config(const Config& config) {
  OvertakeConfig o;
  o.confirm = config.overtake.confirm;
  o.top_n = config.overtake.top_n;
  o.new_entrant_days = config.overtake.new_entrant_days;
  for (const auto& t : config.alerts.thresholds)
    o.thresholds.push_back(ThresholdSpec{t.metric, t.group_by, t.group, t.value, t.direction});
  return o;
}

Pipeline::Pipeline(const Config& config, TopicNames topics, ReferenceHolder& reference, Metrics& metrics)
    : topics_(std::move(topics)),
      reference_(reference),
      metrics_(metrics),
      model_downloads_(DownloadsConfig{config.downloads.gap_fill_horizon}),
      derivative_dedupe_(DerivativesConfig{config.derivatives.min_downloads,
                                           *parse_derivative_attribution(config.derivatives.attribution)}),
      derivative_aggregates_(*parse_derivative_attribution(config.derivatives.attribution)),
      overtake_(overtake_config(config)),
      watermark_(config.windows.allowed_lateness, kBusyPartitionMs) {}

void Pipeline::process(const kafka::Message& message) {
  auto short_name = topics_.short_name(message.topic);
  bool ok = false;
  StageRecord record;
  if (short_name == kTopicHfModels) {
    record = process_hf_model(message, ok);
  } else if (short_name == kTopicHfDerivatives) {
    record = process_hf_derivative(message, ok);
  } else if (short_name == kTopicOpenRouterTokens) {
    record = process_tokens(message, ok);
  } else {
    spdlog::warn("ignoring a message from unexpected topic {}", message.topic);
  }
  if (ok) {
    if (forward_) {
      forward_(record);
    } else {
      apply(record);
    }
  }
  processed_.fetch_add(1);
}

void Pipeline::reject(const Rejection& r, const kafka::Message& m) {
  metrics_.rejected(m.topic, to_string(r.reason));
  if (rejection_log_.allow(m.topic + "|" + std::string(to_string(r.reason))))
    spdlog::warn("rejected a record on {} partition {} offset {}: {} ({}); further {} rejections logged at most once a minute",
                 m.topic, m.partition, m.offset, to_string(r.reason), r.detail, to_string(r.reason));
}

void Pipeline::observe_stage1(const kafka::Message& message, TimeMs event_time) {
  if (auto index = input_index(topics_.short_name(message.topic)))
    if (event_time > topic_stream_time_[*index].load()) topic_stream_time_[*index].store(event_time);
}

namespace {
std::string source_of(const kafka::Message& m) { return m.topic + "/" + std::to_string(m.partition); }
}  // namespace

StageRecord Pipeline::process_hf_model(const kafka::Message& message, bool& ok) {
  StageRecord record;
  auto decoded = decode_hf_model(message.value);
  if (!decoded) {
    reject(decoded.rejection(), message);
    return record;
  }
  const HfModelSnapshot& snapshot = decoded.value();
  auto reference = reference_.get();
  observe_stage1(message, snapshot.observed_at);
  SnapshotResult result = model_downloads_.process(snapshot, *reference);
  metrics_.operator_records("downloads");
  switch (result.outcome) {
    case SnapshotOutcome::late: metrics_.late(message.topic); break;
    case SnapshotOutcome::anomalous_decrease: metrics_.anomalous("decrease"); break;
    default: break;
  }
  record.source = source_of(message);
  record.event_time = snapshot.observed_at;
  if (result.contribution) record.payload = std::move(*result.contribution);
  ok = true;
  return record;
}

StageRecord Pipeline::process_hf_derivative(const kafka::Message& message, bool& ok) {
  StageRecord record;
  auto decoded = decode_hf_derivative(message.value);
  if (!decoded) {
    reject(decoded.rejection(), message);
    return record;
  }
  const HfDerivative& derivative = decoded.value();
  observe_stage1(message, derivative.observed_at);
  DerivativeResult result = derivative_dedupe_.process(derivative);
  metrics_.operator_records("derivatives");
  record.source = source_of(message);
  record.event_time = derivative.observed_at;
  if (result.contribution) record.payload = std::move(*result.contribution);
  ok = true;
  return record;
}

StageRecord Pipeline::process_tokens(const kafka::Message& message, bool& ok) {
  StageRecord record;
  auto decoded = decode_openrouter_tokens(message.value);
  if (!decoded) {
    reject(decoded.rejection(), message);
    return record;
  }
  record.source = source_of(message);
  record.event_time = day_end(decoded.value().date) - 1;  // a row's event time: the last millisecond of its date
  observe_stage1(message, record.event_time);
  record.payload = std::move(decoded.value());
  ok = true;
  return record;
}

void Pipeline::apply(const StageRecord& record) {
  auto reference = reference_.get();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  std::unique_lock lock(mu_);
  if (!expect_partitions_.empty()) {
    const std::string topic = record.source.substr(0, record.source.rfind('/'));
    if (expected_topics_.insert(topic).second)
      if (auto it = expect_partitions_.find(topic); it != expect_partitions_.end())
        for (int p = 0; p < it->second; ++p) watermark_.expect(topic + "/" + std::to_string(p), now);
  }
  watermark_.observe(record.source, record.event_time, now);
  daily_.note_data_day(day_of(record.event_time));
  if (const auto* c = std::get_if<DownloadContribution>(&record.payload)) {
    downloads_.apply(*c);
    metrics_.operator_records("download_aggregates");
    if (ram_reference_ != reference) {
      // Reference data was reloaded: sizes may have moved models between buckets.
      if (ram_reference_) ram_.rebucket(*reference);
      ram_reference_ = reference;
    }
    ram_.apply(*c, *reference);
    metrics_.operator_records("ram");
  } else if (const auto* d = std::get_if<DerivativeContribution>(&record.payload)) {
    derivative_aggregates_.apply(*d);
    metrics_.operator_records("derivative_aggregates");
  } else if (const auto* row = std::get_if<OpenRouterTokens>(&record.payload)) {
    if (inference_.apply(*row) == UpsertOutcome::stale)
      metrics_.late(record.source.substr(0, record.source.rfind('/')));
    metrics_.operator_records("inference");
  }
  evaluate_closed_days(*reference);
}

void Pipeline::expect_partitions(std::map<std::string, int> partitions) {
  std::unique_lock lock(mu_);
  expect_partitions_ = std::move(partitions);
  expected_topics_.clear();
}

void Pipeline::tick() {
  auto reference = reference_.get();
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  std::unique_lock lock(mu_);
  const TimeMs before = watermark_.watermark();
  watermark_.advance(now);
  if (watermark_.watermark() != before) evaluate_closed_days(*reference);
}

std::vector<Event> Pipeline::take_new_events() {
  std::unique_lock lock(mu_);
  return std::exchange(new_events_, {});
}

void Pipeline::with_stage2_exclusive(const std::function<void()>& f) {
  auto reference = reference_.get();
  std::unique_lock lock(mu_);
  f();
  ram_.rebucket(*reference);
  ram_reference_ = reference;
}

void Pipeline::evaluate_closed_days(const ReferenceData& reference) {
  if (!daily_.first_day()) return;
  for (DayIndex day : daily_.due(watermark_.watermark(), *daily_.first_day())) {
    DayValues values;
    values.day = day;
    add_download_values(values, downloads_, reference);
    for (GroupBy by : {GroupBy::org, GroupBy::region}) {
      const std::string group_by(to_string(by));
      auto derivative_shares = derivative_aggregates_.shares_at(by, day, reference);
      if (!derivative_shares.empty())
        values.values[{std::string(kMetricDerivativeShareMonth), group_by}] = std::move(derivative_shares);
      auto inference_shares = inference_.shares_at(by, day, reference);
      if (!inference_shares.empty())
        values.values[{std::string(kMetricInferenceShare7d), group_by}] = std::move(inference_shares);
    }
    // `other` (OpenRouter's rows outside the top 50; summed long tails) and `unknown` are
    // not contenders: no event says they overtook a lab or a region.
    for (auto& [key, groups] : values.values) groups.erase(key.group_by == "org" ? "other" : "unknown");
    emit(overtake_.evaluate(values));
    daily_.mark_evaluated(day);
    metrics_.operator_records("overtake");
  }
}

void Pipeline::emit(const std::vector<Event>& events) {
  for (const auto& e : events) {
    if (!events_.add(e)) continue;
    spdlog::info("event {}", e.id());
    new_events_.push_back(e);
  }
}

}  // namespace atomd
