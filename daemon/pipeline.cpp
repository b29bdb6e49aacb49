#include "daemon/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>

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
  if (short_name == kTopicHfModels) {
    process_hf_model(message);
  } else if (short_name == kTopicHfDerivatives) {
    process_hf_derivative(message);
  } else if (short_name == kTopicOpenRouterTokens) {
    process_tokens(message);
  } else {
    spdlog::warn("ignoring a message from unexpected topic {}", message.topic);
  }
  processed_.fetch_add(1);
}

void Pipeline::reject(const Rejection& r, const kafka::Message& m) {
  metrics_.rejected(m.topic, to_string(r.reason));
  if (rejection_log_.allow(m.topic + "|" + std::string(to_string(r.reason))))
    spdlog::warn("rejected a record on {} partition {} offset {}: {} ({}); further {} rejections logged at most once a minute",
                 m.topic, m.partition, m.offset, to_string(r.reason), r.detail, to_string(r.reason));
}

void Pipeline::observe(const kafka::Message& message, TimeMs event_time) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  watermark_.observe(message.topic + "/" + std::to_string(message.partition), event_time, now);
  if (auto index = input_index(topics_.short_name(message.topic)))
    if (event_time > topic_stream_time_[*index].load()) topic_stream_time_[*index].store(event_time);
  const DayIndex day = day_of(event_time);
  if (!daily_.last_evaluated() && (!first_day_ || day < *first_day_)) first_day_ = day;
}

void Pipeline::process_hf_model(const kafka::Message& message) {
  auto decoded = decode_hf_model(message.value);
  if (!decoded) return reject(decoded.rejection(), message);
  const HfModelSnapshot& snapshot = decoded.value();
  auto reference = reference_.get();

  std::unique_lock lock(mu_);
  observe(message, snapshot.observed_at);
  SnapshotResult result = model_downloads_.process(snapshot, *reference);
  metrics_.operator_records("downloads");
  switch (result.outcome) {
    case SnapshotOutcome::late: metrics_.late(message.topic); break;
    case SnapshotOutcome::anomalous_decrease: metrics_.anomalous("decrease"); break;
    default: break;
  }
  if (result.contribution) {
    downloads_.apply(*result.contribution);
    metrics_.operator_records("download_aggregates");
    if (ram_reference_ != reference) {
      // Reference data was reloaded: sizes may have moved models between buckets.
      if (ram_reference_) ram_.rebucket(*reference);
      ram_reference_ = reference;
    }
    ram_.apply(*result.contribution, *reference);
    metrics_.operator_records("ram");
  }
  evaluate_closed_days(*reference);
}

void Pipeline::process_hf_derivative(const kafka::Message& message) {
  auto decoded = decode_hf_derivative(message.value);
  if (!decoded) return reject(decoded.rejection(), message);
  const HfDerivative& derivative = decoded.value();
  auto reference = reference_.get();

  std::unique_lock lock(mu_);
  observe(message, derivative.observed_at);
  DerivativeResult result = derivative_dedupe_.process(derivative);
  metrics_.operator_records("derivatives");
  if (result.contribution) {
    derivative_aggregates_.apply(*result.contribution);
    metrics_.operator_records("derivative_aggregates");
  }
  evaluate_closed_days(*reference);
}

void Pipeline::process_tokens(const kafka::Message& message) {
  auto decoded = decode_openrouter_tokens(message.value);
  if (!decoded) return reject(decoded.rejection(), message);
  const OpenRouterTokens& row = decoded.value();
  auto reference = reference_.get();

  std::unique_lock lock(mu_);
  observe(message, day_end(row.date) - 1);  // a row's event time: the last millisecond of its date
  if (inference_.apply(row) == UpsertOutcome::stale) metrics_.late(message.topic);
  metrics_.operator_records("inference");
  evaluate_closed_days(*reference);
}

void Pipeline::evaluate_closed_days(const ReferenceData& reference) {
  if (!first_day_) return;
  for (DayIndex day : daily_.due(watermark_.watermark(), *first_day_)) {
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
    if (publish_) publish_(e);
  }
}

}  // namespace atomd
