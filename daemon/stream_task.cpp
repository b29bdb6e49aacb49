#include "daemon/stream_task.hpp"

#include <spdlog/spdlog.h>

namespace atomd {
namespace {

constexpr auto kLagInterval = std::chrono::seconds(2);
// At shutdown the sources' last records get this long to reach the broker before the drain.
constexpr auto kShutdownFlush = std::chrono::seconds(4);

}  // namespace

StreamTask::StreamTask(ComponentContext& context)
    : context_(context),
      kafka_(context.find<KafkaBootstrap>()),
      topology_(context.find<StreamTopology>().topology()),
      ownership_(context.find<Stage2Ownership>()),
      checkpoints_(context.find<CheckpointCoordinator>()),
      consumed_(context.find<StateRestore>().restored_offsets()) {
  std::vector<std::string> inputs;
  for (auto name : kAllTopics)
    if (is_input_topic(name)) inputs.push_back(context.topics().full(name));
  if (!kafka_.scaled_out()) {
    consumer_ = std::make_unique<kafka::Consumer>(kafka_.consumer_settings(), inputs);
    return;
  }
  inputs.push_back(ownership_.internal_topic());
  kafka::RebalanceHooks hooks;
  hooks.on_assign = [this](const std::vector<kafka::TopicPartition>& tps) { return on_assign(tps); };
  hooks.on_revoke = [this](const std::vector<kafka::TopicPartition>& tps) { on_revoke(tps); };
  consumer_ = std::make_unique<kafka::Consumer>(kafka_.consumer_settings(), inputs, std::move(hooks));
}

StreamTask::~StreamTask() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void StreamTask::start() {
  thread_ = std::thread([this] { loop(); });
}

void StreamTask::stop() {
  kafka_.producer().flush(kShutdownFlush);
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::map<kafka::TopicPartition, std::int64_t> StreamTask::on_assign(const std::vector<kafka::TopicPartition>& partitions) {
  std::map<kafka::TopicPartition, std::int64_t> starts;
  for (const auto& tp : partitions) {
    if (tp.topic == ownership_.internal_topic()) {
      starts[tp] = ownership_.take_over();
    } else if (auto it = consumed_.find(tp); it != consumed_.end()) {
      starts[tp] = it->second + 1;  // this replica's own state covers it up to there
    } else if (tp.topic == context_.topics().full(kTopicHfModels)) {
      ownership_.restore_from_changelog(tp.partition);  // then the group's committed offset
    }
  }
  return starts;
}

void StreamTask::on_revoke(const std::vector<kafka::TopicPartition>& partitions) {
  // Their state and offsets are durable, and published, before another replica takes them.
  checkpoints_.maybe_checkpoint(true, consumed_, *consumer_);
  for (const auto& tp : partitions)
    if (tp.topic == ownership_.internal_topic()) ownership_.hand_over();
}

void StreamTask::handle(const kafka::Message& m) {
  if (m.topic == ownership_.internal_topic()) {
    // Stage 2 (this replica owns the internal partition).
    try {
      topology_.apply(decode_stage_record(m.value));
    } catch (const std::exception& e) {
      context_.metrics().rejected(m.topic, to_string(RejectReason::bad_value));
      spdlog::error("{} offset {}: stage record not applied: {}", m.topic, m.offset, e.what());
    }
    ownership_.applied(m.offset);
    checkpoints_.note_processed();
    return;
  }
  try {
    topology_.process(stream_record(m));
  } catch (const std::exception& e) {
    // Bad input never stops the stream: count it and move on.
    context_.metrics().rejected(m.topic, to_string(RejectReason::bad_value));
    spdlog::error("record on {} partition {} offset {} could not be processed: {}", m.topic, m.partition, m.offset,
                  e.what());
  }
  for (const auto& listener : listeners_) listener(m);
  check_offset_gap(m);
  consumed_[TopicPartition{m.topic, m.partition}] = m.offset;
  checkpoints_.note_processed();
  kafka_.sink().consumed(static_cast<std::int64_t>(m.key.size() + m.value.size()));
}

void StreamTask::loop() {
  auto last_lag = std::chrono::steady_clock::now();
  try {
    while (!stop_.load()) {
      if (auto m = consumer_->poll(std::chrono::milliseconds(100))) handle(*m);
      if (!checkpoints_.maybe_checkpoint(false, consumed_, *consumer_)) break;
      topology_.punctuate(steady_now_ms(), ownership_.owner());
      if (!assigned_.load()) assigned_.store(!consumer_->assigned_partitions().empty());
      if (std::chrono::steady_clock::now() - last_lag >= kLagInterval) {
        last_lag = std::chrono::steady_clock::now();
        refresh_lag();
      }
    }
    // Drain what is already fetched, then leave the group cleanly.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = consumer_->poll(std::chrono::milliseconds(200));
      if (!m) break;
      handle(*m);
    }
    checkpoints_.maybe_checkpoint(true, consumed_, *consumer_);
  } catch (const std::exception& e) {
    spdlog::critical("the consumer failed: {}; shutting down", e.what());
    context_.fail();
  }
  consumer_->close();
}

void StreamTask::refresh_lag() {
  assigned_.store(!consumer_->assigned_partitions().empty());
  auto lag = consumer_->lag();
  for (const auto& [tp, n] : lag)
    context_.metrics().consumer_lag(tp.topic, std::to_string(tp.partition), static_cast<double>(n));
  std::lock_guard lock(lag_mutex_);
  lag_ = std::move(lag);
  processed_at_lag_ = consumed_;
  lag_refreshes_.fetch_add(1);
}

// Offsets of a partition are consecutive for what this daemon produces; a jump means the
// broker dropped records before they were read (the embedded broker's retention). Loud, and
// the in-flight accounting is corrected so nothing waits for them forever.
void StreamTask::check_offset_gap(const kafka::Message& m) {
  if (kafka_.scaled_out()) return;  // a real cluster may legitimately skip offsets (transaction markers, compaction)
  const TopicPartition tp{m.topic, m.partition};
  auto [it, inserted] = next_offset_.try_emplace(tp, m.offset + 1);
  if (inserted) return;
  if (m.offset > it->second) {
    std::int64_t missing = m.offset - it->second;
    spdlog::error("{}: offsets {}..{} were gone before they were read ({} records lost by the broker)", tp.to_string(),
                  it->second, m.offset - 1, missing);
    context_.metrics().records_lost(m.topic, static_cast<double>(missing));
    kafka_.sink().lost(missing);
  }
  it->second = std::max(it->second, m.offset + 1);
}

bool StreamTask::wait_until_processed() {
  StopRequest& stop = context_.stop();
  std::int64_t confirmed_at = -1;  // the lag refresh at which everything last looked done
  int confirmations = 0;
  while (!stop.requested() && confirmations < 2) {
    stop.wait_for(std::chrono::milliseconds(200));
    const auto refresh = lag_refreshes_.load();
    if (refresh == confirmed_at) continue;
    kafka_.producer().poll();  // serve delivery reports, or queued() never drops to 0
    bool done = assigned_.load() && kafka_.producer().queued() == 0;
    std::map<TopicPartition, std::int64_t> processed, lag;
    {
      std::lock_guard lock(lag_mutex_);
      processed = processed_at_lag_;
      lag = lag_;
    }
    try {
      for (const auto& tp : consumer_->assigned_partitions()) {
        if (!done) break;
        if (tp.topic == ownership_.internal_topic()) continue;
        auto [low, high] = consumer_->query_watermarks(tp, std::chrono::seconds(5));
        // A partition this replica took over already read to its end delivers nothing: its
        // lag (from the committed offset) says so.
        auto it = processed.find(tp);
        auto lag_it = lag.find(tp);
        const bool read_to_end = it != processed.end() ? it->second >= high - 1 : lag_it != lag.end() && lag_it->second == 0;
        if (high > low && !read_to_end) done = false;
      }
      if (done) {
        auto [low, high] = consumer_->query_watermarks(TopicPartition{ownership_.internal_topic(), 0},
                                                       std::chrono::seconds(5));
        done = high <= low || ownership_.offset() >= high - 1;
      }
    } catch (const std::exception&) {
      done = false;
    }
    confirmations = done ? confirmations + 1 : 0;
    confirmed_at = refresh;
  }
  return !stop.requested();
}

void StreamTask::report(nlohmann::json& status) const {
  nlohmann::json lag = nlohmann::json::object();
  {
    std::lock_guard lock(lag_mutex_);
    for (const auto& [tp, n] : lag_) lag[tp.to_string()] = n;
  }
  status["operators"] = {
      {"records", topology_.processed()}, {"lag", lag}, {"in_flight", kafka_.sink().in_flight_records()}};
}

}  // namespace atomd
