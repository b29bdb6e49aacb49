#include "daemon/stage1_processors.hpp"

#include "daemon/metrics.hpp"

namespace atomd {
namespace {

StageRecord stage_record(const StreamRecord& record, TimeMs event_time) {
  StageRecord out;
  out.source = record.source.to_string();
  out.event_time = event_time;
  return out;
}

}  // namespace

void HfModelsProcessor::init(Context& context) {
  context_ = &context;
  downloads_ = &context.store_as<ModelDownloads>("downloads");
}

void HfModelsProcessor::process(const StreamRecord& record) {
  auto decoded = decode_hf_model(record.value);
  if (!decoded) return context_->reject(decoded.rejection(), record);
  const HfModelSnapshot& snapshot = decoded.value();
  auto reference = context_->reference();
  context_->observe_event_time(snapshot.observed_at);
  SnapshotResult result = downloads_->process(snapshot, *reference);
  context_->metrics().operator_records("downloads");
  switch (result.outcome) {
    case SnapshotOutcome::late: context_->metrics().late(record.source.topic); break;
    case SnapshotOutcome::anomalous_decrease: context_->metrics().anomalous("decrease"); break;
    default: break;
  }
  StageRecord out = stage_record(record, snapshot.observed_at);
  if (result.contribution) out.payload = std::move(*result.contribution);
  context_->forward(out);
}

void HfDerivativesProcessor::init(Context& context) {
  context_ = &context;
  dedupe_ = &context.store_as<DerivativeDedupe>("derivatives");
}

void HfDerivativesProcessor::process(const StreamRecord& record) {
  auto decoded = decode_hf_derivative(record.value);
  if (!decoded) return context_->reject(decoded.rejection(), record);
  const HfDerivative& derivative = decoded.value();
  context_->observe_event_time(derivative.observed_at);
  DerivativeResult result = dedupe_->process(derivative);
  context_->metrics().operator_records("derivatives");
  StageRecord out = stage_record(record, derivative.observed_at);
  if (result.contribution) out.payload = std::move(*result.contribution);
  context_->forward(out);
}

void OpenRouterTokensProcessor::process(const StreamRecord& record) {
  auto decoded = decode_openrouter_tokens(record.value);
  if (!decoded) return context_->reject(decoded.rejection(), record);
  // A row's event time: the last millisecond of its date.
  StageRecord out = stage_record(record, day_end(decoded.value().date) - 1);
  context_->observe_event_time(out.event_time);
  out.payload = std::move(decoded.value());
  context_->forward(out);
}

}  // namespace atomd
