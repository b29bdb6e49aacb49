#include "daemon/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <mutex>


namespace atomd {
Pipeline::Pipeline(const Config& config, TopicNames topics, ReferenceHolder& reference, Metrics& metrics)
    : topics_(std::move(topics)),
      reference_(reference),
      metrics_(metrics),
      stage1_(DownloadsConfig{config.downloads.gap_fill_horizon}),
      watermark_(config.windows.allowed_lateness) {}

void Pipeline::process(const kafka::Message& message) {
  auto short_name = topics_.short_name(message.topic);
  if (short_name && *short_name == kTopicHfModels) {
    process_hf_model(message, message.topic);
  } else {
    spdlog::warn("ignoring a message from unexpected topic {}", message.topic);
  }
  processed_.fetch_add(1);
}

void Pipeline::reject(const std::string& topic, const Rejection& r, const kafka::Message& m) {
  metrics_.rejected(topic, to_string(r.reason));
  if (rejection_log_.allow(topic + "|" + std::string(to_string(r.reason))))
    spdlog::warn("rejected a record on {} partition {} offset {}: {} ({}); further {} rejections logged at most once a minute",
                 topic, m.partition, m.offset, to_string(r.reason), r.detail, to_string(r.reason));
}

void Pipeline::process_hf_model(const kafka::Message& message, const std::string& topic) {
  auto decoded = decode_hf_model(message.value);
  if (!decoded) return reject(topic, decoded.rejection(), message);
  const HfModelSnapshot& snapshot = decoded.value();
  auto reference = reference_.get();

  std::unique_lock lock(mu_);
  watermark_.observe(topic + "/" + std::to_string(message.partition), snapshot.observed_at);
  SnapshotResult result = stage1_.process(snapshot, *reference);
  metrics_.operator_records("downloads");
  switch (result.outcome) {
    case SnapshotOutcome::late: metrics_.late(topic); break;
    case SnapshotOutcome::anomalous_decrease: metrics_.anomalous("decrease"); break;
    default: break;
  }
  if (result.contribution) {
    stage2_.apply(*result.contribution);
    metrics_.operator_records("download_aggregates");
  }
}

}  // namespace atomd
