#include "daemon/checkpoint_coordinator.hpp"

#include <spdlog/spdlog.h>

#include "daemon/api.hpp"

namespace atomd {

CheckpointCoordinator::CheckpointCoordinator(ComponentContext& context)
    : context_(context),
      config_(context.config().state),
      checkpointer_(context.find<StateRestore>().checkpointer()),
      topology_(context.find<StreamTopology>().topology()),
      kafka_(context.find<KafkaBootstrap>()),
      ownership_(context.find<Stage2Ownership>()) {
  const auto& state = context.find<StateRestore>();
  outbox_ = state.restored_outbox();
  last_time_ = state.last_checkpoint();
}

void CheckpointCoordinator::add_source(CheckpointedSource& source) {
  sources_.push_back(&source);
  const std::string ns(source.position_namespace());
  safe_positions_[ns] = context_.find<StateRestore>().restored(ns);
}

void CheckpointCoordinator::start() { publish_events(); }

bool CheckpointCoordinator::maybe_checkpoint(bool force, const std::map<TopicPartition, std::int64_t>& consumed,
                                             kafka::Consumer& consumer) {
  const auto now = std::chrono::steady_clock::now();
  const auto requested_now = requested_.load();
  const bool requested = requested_now > served_.load();
  const bool dirty = records_since_checkpoint_ > 0 || !outbox_.empty();
  const bool due = force || requested || records_since_checkpoint_ >= config_.max_dirty_records ||
                   (dirty && now - last_checkpoint_ >= std::chrono::milliseconds(config_.checkpoint_interval));
  if (!due) return true;
  std::vector<std::pair<std::string, std::optional<std::map<std::string, std::string>>>> candidates;
  for (auto* source : sources_)
    candidates.emplace_back(std::string(source->position_namespace()), source->checkpoint_positions());
  if (kafka_.scaled_out() && !kafka_.producer().flush(std::chrono::seconds(30))) {
    // What this checkpoint says was processed must have reached the cluster first: the
    // forwarded stage records, the replayed and polled records its positions cover.
    spdlog::warn("checkpoint postponed: the producer could not deliver within 30 s");
    last_checkpoint_ = now;
    return true;
  }
  CheckpointPositions positions;
  for (auto& [ns, candidate] : candidates) {
    if (candidate) safe_positions_[ns] = std::move(*candidate);
    positions[ns] = safe_positions_[ns];
  }
  auto& offsets = positions[std::string(kOffsetsNamespace)];
  for (const auto& [tp, offset] : consumed) offsets[tp.to_string()] = std::to_string(offset);
  const auto stage2_offset = ownership_.offset();
  if (stage2_offset >= 0) offsets[TopicPartition{ownership_.internal_topic(), 0}.to_string()] = std::to_string(stage2_offset);
  auto fresh = topology_.take_new_events();
  outbox_.insert(outbox_.end(), fresh.begin(), fresh.end());
  auto& outbox = positions[std::string(kOutboxNamespace)];
  for (const auto& e : outbox_) outbox[e.id()] = encode(e);
  const TimeMs stamp = wall_clock_now();
  CheckpointResult result;
  try {
    result = topology_.with_stage2_shared([&] { return checkpointer_.checkpoint(positions, stamp); });
  } catch (const std::exception& e) {
    spdlog::critical("state checkpoint to {} failed: {}; stopping (the last good checkpoint stays)", config_.dir,
                     e.what());
    context_.fail();
    return false;
  }
  if (ownership_.scaled_out()) ownership_.publish_state_changes();
  // Offsets are committed only up to what this checkpoint holds (at-least-once, DESIGN §5).
  for (const auto& [tp, offset] : consumed) consumer.store_offset(tp.topic, tp.partition, offset);
  if (ownership_.owner() && stage2_offset >= 0) consumer.store_offset(ownership_.internal_topic(), 0, stage2_offset);
  last_checkpoint_ = now;
  records_since_checkpoint_ = 0;
  context_.metrics().checkpoint(result.seconds, static_cast<double>(stamp) / 1000.0);
  {
    std::lock_guard lock(status_mutex_);
    last_time_ = stamp;
    last_seconds_ = result.seconds;
  }
  spdlog::debug("checkpoint: {} changed keys, {} bytes in {:.3f}s", result.changes, result.bytes, result.seconds);
  publish_events();
  written_.fetch_add(1);
  served_.store(requested_now);
  return true;
}

void CheckpointCoordinator::publish_events() {
  // After the commit that holds them; a crash before the next checkpoint publishes them again
  // with the same ids and keys (DESIGN §4 "Events").
  const auto topic = context_.topics().full(kTopicEvents);
  for (const auto& e : outbox_) kafka_.producer().produce(topic, e.id(), encode(e));
  outbox_.clear();
}

bool CheckpointCoordinator::request_checkpoint() {
  const auto want = requested_.fetch_add(1) + 1;
  while (served_.load() < want) {
    if (context_.stop().wait_for(std::chrono::milliseconds(10))) return false;
  }
  return true;
}

void CheckpointCoordinator::report(nlohmann::json& status) const {
  std::lock_guard lock(status_mutex_);
  status["checkpoint"] = {{"last", last_time_ ? time_or_null(*last_time_) : nlohmann::json(nullptr)},
                          {"count", written_.load()},
                          {"duration_seconds", last_seconds_},
                          {"dir", config_.dir}};
}

}  // namespace atomd
