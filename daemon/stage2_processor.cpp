#include "daemon/stage2_processor.hpp"

#include "daemon/metrics.hpp"

namespace atomd {

void Stage2Processor::init(Context& context) {
  context_ = &context;
  download_aggregates_ = &context.store_as<DownloadAggregates>("download_aggregates");
  derivative_aggregates_ = &context.store_as<DerivativeAggregates>("derivative_aggregates");
  inference_ = &context.store_as<InferenceTokens>("inference");
  ram_ = &context.store_as<RamOperator>("ram");
  overtake_ = &context.store_as<OvertakeDetector>("overtake");
  daily_ = &context.store_as<DailyEvaluation>("evaluation");
  events_ = &context.store_as<EventLog>("events");
  watermark_ = &context.store_as<Watermark>("watermark");
  if (options_.punctuate_watermark)
    context.schedule(options_.punctuation, [this](TimeMs now) { advance_watermark(now); });
}

void Stage2Processor::process(const StageRecord& record) {
  auto reference = context_->reference();
  const TimeMs now = context_->processing_time();
  if (!expect_partitions_.empty()) {
    if (auto source = TopicPartition::parse(record.source); source && expected_topics_.insert(source->topic).second)
      if (auto it = expect_partitions_.find(source->topic); it != expect_partitions_.end())
        for (int p = 0; p < it->second; ++p) watermark_->expect(TopicPartition{source->topic, p}.to_string(), now);
  }
  watermark_->observe(record.source, record.event_time, now);
  context_->observe_event_time(record.event_time);
  daily_->note_data_day(day_of(record.event_time));
  Metrics& metrics = context_->metrics();
  if (const auto* c = std::get_if<DownloadContribution>(&record.payload)) {
    download_aggregates_->apply(*c);
    metrics.operator_records("download_aggregates");
    if (ram_reference_ != reference) {
      // Reference data was reloaded: sizes may have moved models between buckets.
      if (ram_reference_) ram_->rebucket(*reference);
      ram_reference_ = reference;
    }
    ram_->apply(*c, *reference);
    metrics.operator_records("ram");
  } else if (const auto* d = std::get_if<DerivativeContribution>(&record.payload)) {
    derivative_aggregates_->apply(*d);
    metrics.operator_records("derivative_aggregates");
  } else if (const auto* row = std::get_if<OpenRouterTokens>(&record.payload)) {
    if (inference_->apply(*row) == UpsertOutcome::stale)
      if (auto source = TopicPartition::parse(record.source)) metrics.late(source->topic);
    metrics.operator_records("inference");
  }
  evaluate_closed_days(*reference);
}

void Stage2Processor::expect_partitions(std::map<std::string, int> partitions) {
  expect_partitions_ = std::move(partitions);
  expected_topics_.clear();
}

void Stage2Processor::rebucket(std::shared_ptr<const ReferenceData> reference) {
  ram_->rebucket(*reference);
  ram_reference_ = std::move(reference);
}

void Stage2Processor::advance_watermark(TimeMs now) {
  const TimeMs before = watermark_->watermark();
  watermark_->advance(now);
  if (watermark_->watermark() != before) evaluate_closed_days(*context_->reference());
}

void Stage2Processor::evaluate_closed_days(const ReferenceData& reference) {
  if (!daily_->first_day()) return;
  for (DayIndex day : daily_->due(watermark_->watermark(), *daily_->first_day())) {
    DayValues values;
    values.day = day;
    add_download_values(values, *download_aggregates_, reference);
    for (GroupBy by : {GroupBy::org, GroupBy::region}) {
      const std::string group_by(to_string(by));
      auto derivative_shares = derivative_aggregates_->shares_at(by, day, reference);
      if (!derivative_shares.empty())
        values.values[{std::string(kMetricDerivativeShareMonth), group_by}] = std::move(derivative_shares);
      auto inference_shares = inference_->shares_at(by, day, reference);
      if (!inference_shares.empty())
        values.values[{std::string(kMetricInferenceShare7d), group_by}] = std::move(inference_shares);
    }
    // `other` (OpenRouter's rows outside the top 50; summed long tails) and `unknown` are
    // not contenders: no event says they overtook a lab or a region.
    for (auto& [key, groups] : values.values) groups.erase(key.group_by == "org" ? "other" : "unknown");
    for (const auto& e : overtake_->evaluate(values))
      if (events_->add(e)) context_->forward(e);
    daily_->mark_evaluated(day);
    context_->metrics().operator_records("overtake");
  }
}

}  // namespace atomd
