#pragma once
// The operators wired in one process: consumed messages are decoded, advance the
// watermark, go through stage 1 (per model) and stage 2 (groups). Readers (HTTP, summary,
// metrics) take a shared lock; the stream thread takes it exclusively per record.
#include <atomic>
#include <cstdint>
#include <shared_mutex>
#include <string>

#include "core/topics.hpp"
#include "daemon/config.hpp"
#include "daemon/metrics.hpp"
#include "daemon/rate_limited_log.hpp"
#include "daemon/reference_holder.hpp"
#include "kafka/kafka.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/downloads.hpp"
#include "operators/watermark.hpp"

namespace atomd {

struct PipelineView {
  const DownloadAggregates& downloads;
  const Watermark& watermark;
};

class Pipeline {
 public:
  Pipeline(const Config& config, TopicNames topics, ReferenceHolder& reference, Metrics& metrics);

  // Processes one consumed message. Never throws for bad input: it is counted and logged.
  void process(const kafka::Message& message);

  template <class F>
  auto read(F&& f) const {
    std::shared_lock lock(mu_);
    return f(PipelineView{stage2_, watermark_});
  }
  std::int64_t processed() const { return processed_.load(); }

 private:
  void process_hf_model(const kafka::Message& message, const std::string& topic);
  void reject(const std::string& topic, const Rejection& r, const kafka::Message& m);

  TopicNames topics_;
  ReferenceHolder& reference_;
  Metrics& metrics_;
  mutable std::shared_mutex mu_;
  ModelDownloads stage1_;
  DownloadAggregates stage2_;
  Watermark watermark_;
  RateLimitedLog rejection_log_;
  std::atomic<std::int64_t> processed_{0};
};

}  // namespace atomd
