#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <nlohmann/json.hpp>

#include "daemon/adoption_metrics.hpp"
#include "daemon/connector_set.hpp"
#include "daemon/landing_page.hpp"
#include "daemon/reference_loader.hpp"
#include "daemon/summary.hpp"
#include "daemon/version.hpp"

namespace atomd {
namespace {

// Embedded broker partitions keep 100k message sets / 5 MiB each; stay well inside that:
// at most 20k records and 1 MiB per partition produced ahead of processing.
constexpr std::int64_t kMaxInFlightRecords = 20'000;
constexpr std::int64_t kMaxInFlightBytesPerPartition = 1 << 20;
constexpr auto kShutdownBudget = std::chrono::seconds(8);
constexpr auto kLagInterval = std::chrono::seconds(2);

// Checkpointed positions (DESIGN §5), each namespace rewritten whole by every checkpoint.
constexpr std::string_view kReplayNamespace = "replay";    // absolute replay path → resume line
constexpr std::string_view kCursorsNamespace = "cursors";  // connector → cursor
constexpr std::string_view kOffsetsNamespace = "offsets";  // "topic/partition" → last processed offset
constexpr std::string_view kOutboxNamespace = "outbox";    // event id → event, published after the commit
constexpr std::string_view kPositionNamespaces[] = {kReplayNamespace, kCursorsNamespace, kOffsetsNamespace,
                                                    kOutboxNamespace};
// The replay line of a replayed message, so a restart knows what the operators have processed.
constexpr std::string_view kReplayLineHeader = "atomd-replay-line";

std::string replay_key(const std::string& path) {
  std::error_code ec;
  auto absolute = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : absolute.string();
}

void print_progress(std::int64_t done, std::int64_t total) {
  double pct = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  std::fprintf(stderr, "\rreplay: %5.1f%% (%lld / %lld MiB)", pct, static_cast<long long>(done >> 20),
               static_cast<long long>(total >> 20));
  if (done >= total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

Daemon::Daemon(const Config& config, const CommandLine& cli)
    : config_(config),
      cli_(cli),
      topics_(config.kafka.topic_prefix),
      metrics_(kVersion),
      pipeline_(config_, topics_, reference_, metrics_),
      api_(pipeline_, reference_),
      in_flight_(kMaxInFlightRecords, kMaxInFlightBytesPerPartition * config.kafka.partitions) {}

Daemon::~Daemon() {
  stop_.request();
  stream_stop_.store(true);
  io_.stop();
  mirror_stop_.store(true);
  for (auto* t : {&replay_thread_, &refresh_thread_, &stream_thread_, &mirror_thread_, &io_thread_})
    if (t->joinable()) t->join();
}

void Daemon::load_reference_or_throw() {
  auto data = std::make_shared<ReferenceData>(load_reference(config_.reference, fetch_url_blocking));
  if (data->tracked_models().empty())
    throw ReferenceError(config_.reference.tracked_models + ": the tracked-model list is empty");
  spdlog::info("reference data loaded: {} tracked models in {} orgs", data->tracked_models().size(),
               data->tracked_orgs().size());
  reference_.set(std::move(data));
}

void Daemon::open_state() {
  std::vector<StatefulOperator*> operators = pipeline_.stage1_operators();
  for (auto* op : pipeline_.stage2_operators()) operators.push_back(op);
  auto rebuild = [&](const std::string& why) {
    // Never a crash loop: the unreadable store is kept for inspection, and the state is
    // rebuilt from the sources (the replay file from its start, the pollers' next polls).
    store_.reset();
    checkpointer_.reset();
    auto aside = StateStore::move_aside(config_.state.dir);
    spdlog::error("state store {} is corrupt or unreadable ({}); moved it aside to {} and rebuilding the state from "
                  "scratch",
                  config_.state.dir, why, aside.string());
    store_ = StateStore::open(config_.state.dir);
    checkpointer_ = std::make_unique<Checkpointer>(*store_, operators);
    pipeline_.with_stage2_exclusive([&] {
      for (auto* op : operators) op->clear_state();
    });
    restored_positions_.clear();
  };
  try {
    store_ = StateStore::open(config_.state.dir);
  } catch (const StateStoreCorrupt& e) {
    rebuild(e.what());
  }
  // StateFormatRefused (another build's store: refuse rather than guess) and any other
  // StateStoreError (held by another process, permissions, I/O) stop the daemon with the
  // message: moving aside a store that is merely in use would lose it.
  if (!checkpointer_) checkpointer_ = std::make_unique<Checkpointer>(*store_, operators);
  if (external())
    checkpointer_->set_change_observer([this](std::string_view op, std::string_view key, std::optional<std::string_view> v) {
      state_changes_.emplace_back(std::string(op), std::string(key),
                                  v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    });
  try {
    restore_state();
  } catch (const StateStoreCorrupt& e) {
    rebuild(e.what());
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const StateStoreError*>(&e)) throw;
    rebuild(e.what());  // an operator could not decode its stored state
  }
  replay_position_ = std::make_unique<ReplayPosition>(replay_start_line_);
}

void Daemon::restore_state() {
  auto last = checkpointer_->last_checkpoint();
  if (!last) {
    spdlog::info("state store {}: no checkpoint yet; starting from empty state", config_.state.dir);
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  std::map<std::string, std::size_t> restored;
  pipeline_.with_stage2_exclusive([&] { restored = checkpointer_->restore(); });
  restored_positions_ = checkpointer_->positions(kPositionNamespaces);
  std::size_t keys = 0;
  std::string detail;
  for (const auto& [op, n] : restored) {
    keys += n;
    detail += (detail.empty() ? "" : ", ") + op + " " + std::to_string(n);
  }
  if (external()) {
    // The cluster kept the topics: each assigned partition resumes after its stored offset.
    for (const auto& [tp, offset] : restored_positions_[std::string(kOffsetsNamespace)]) {
      if (tp == topics_.full(kTopicInternalContributions) + "/0") {
        stage2_offset_.store(std::stoll(offset));
      } else {
        consumed_offsets_[tp] = std::stoll(offset);
      }
    }
  }
  // With the embedded broker the topics died with the last process: stored offsets mean
  // nothing now, and each source resumes from a point at or before what was processed.
  if (cli_.replay_path) {
    const auto& replay = restored_positions_[std::string(kReplayNamespace)];
    if (auto it = replay.find(replay_key(*cli_.replay_path)); it != replay.end()) replay_start_line_ = std::stoll(it->second);
  }
  for (const auto& [id, value] : restored_positions_[std::string(kOutboxNamespace)]) {
    auto event = decode_event(value);
    if (!event) throw StateStoreCorrupt(config_.state.dir + ": outbox event " + id + " does not decode");
    outbox_.push_back(event.value());
  }
  {
    std::lock_guard lock(checkpoint_mutex_);
    last_checkpoint_time_ = *last;
  }
  spdlog::info("restored state from {} (checkpoint of {}) in {:.2f}s: {} keys ({}){}", config_.state.dir,
               format_rfc3339(*last), std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
               keys, detail,
               cli_.replay_path ? "; the replay resumes at line " + std::to_string(replay_start_line_) : std::string());
}

void Daemon::maybe_checkpoint(bool force) {
  const auto now = std::chrono::steady_clock::now();
  const auto requested_now = checkpoints_requested_.load();
  const bool requested = requested_now > checkpoints_served_.load();
  const bool dirty = records_since_checkpoint_ > 0 || !outbox_.empty();
  const bool due = force || requested || records_since_checkpoint_ >= config_.state.max_dirty_records ||
                   (dirty && now - last_checkpoint_ >= std::chrono::milliseconds(config_.state.checkpoint_interval));
  if (!due) return;
  CheckpointPositions positions;
  if (external()) {
    // What this checkpoint says was processed must have reached the cluster first: the
    // forwarded stage records, the replayed and polled records its positions cover.
    const auto produced_line = replay_produced_line_.load();
    auto cursors = connectors_ ? connectors_->cursors() : std::map<std::string, std::string>{};
    if (!producer_->flush(std::chrono::seconds(30))) {
      spdlog::warn("checkpoint postponed: the producer could not deliver within 30 s");
      last_checkpoint_ = now;
      return;
    }
    safe_cursors_ = std::move(cursors);
    if (cli_.replay_path)
      positions[std::string(kReplayNamespace)][replay_key(*cli_.replay_path)] = std::to_string(produced_line + 1);
  } else {
    if (cli_.replay_path)
      positions[std::string(kReplayNamespace)][replay_key(*cli_.replay_path)] =
          std::to_string(replay_position_->safe_line());
    // A cursor is safe once every record produced before it was read is processed: read the
    // cursors first, then check that nothing is in flight.
    if (connectors_) {
      auto cursors = connectors_->cursors();
      if (in_flight_.caught_up()) safe_cursors_ = std::move(cursors);
    }
  }
  positions[std::string(kCursorsNamespace)] = safe_cursors_;
  auto& offsets = positions[std::string(kOffsetsNamespace)];
  for (const auto& [tp, offset] : consumed_offsets_) offsets[tp] = std::to_string(offset);
  if (stage2_offset_.load() >= 0) offsets[internal_topic_ + "/0"] = std::to_string(stage2_offset_.load());
  auto fresh = pipeline_.take_new_events();
  outbox_.insert(outbox_.end(), fresh.begin(), fresh.end());
  auto& outbox = positions[std::string(kOutboxNamespace)];
  for (const auto& e : outbox_) outbox[e.id()] = encode(e);
  const TimeMs stamp = wall_clock_now();
  CheckpointResult result;
  try {
    state_changes_.clear();
    result = pipeline_.with_stage2_shared([&] { return checkpointer_->checkpoint(positions, stamp); });
  } catch (const std::exception& e) {
    spdlog::critical("state checkpoint to {} failed: {}; stopping (the last good checkpoint stays)", config_.state.dir,
                     e.what());
    failed_.store(true);
    stop_.request();
    stream_stop_.store(true);
    return;
  }
  if (external()) publish_state_changes();
  // Offsets are committed only up to what this checkpoint holds (at-least-once, DESIGN §5).
  for (const auto& [tp, offset] : consumed_offsets_) {
    auto slash = tp.rfind('/');
    consumer_->store_offset(tp.substr(0, slash), std::stoi(tp.substr(slash + 1)), offset);
  }
  if (stage2_owner_.load() && stage2_offset_.load() >= 0) consumer_->store_offset(internal_topic_, 0, stage2_offset_.load());
  last_checkpoint_ = now;
  records_since_checkpoint_ = 0;
  metrics_.checkpoint(result.seconds, static_cast<double>(stamp) / 1000.0);
  {
    std::lock_guard lock(checkpoint_mutex_);
    last_checkpoint_time_ = stamp;
    last_checkpoint_seconds_ = result.seconds;
  }
  spdlog::debug("checkpoint: {} changed keys, {} bytes in {:.3f}s", result.changes, result.bytes, result.seconds);
  publish_events();
  checkpoints_written_.fetch_add(1);
  checkpoints_served_.store(requested_now);
}

void Daemon::publish_state_changes() {
  const auto stage1 = pipeline_.stage1_operators();
  auto is_stage1 = [&](std::string_view op) {
    for (auto* o : stage1)
      if (o->name() == op) return true;
    return false;
  };
  const auto aggregates = topics_.full(kTopicAggregates);
  const bool owner = stage2_owner_.load();
  for (const auto& [op, key, value] : state_changes_) {
    auto tagged = value ? state_put_value(*value) : state_erase_value();
    if (is_stage1(op)) {
      producer_->produce(topics_.changelog(op), key, tagged);
    } else if (owner && !publish_full_stage2_) {
      producer_->produce(aggregates, op + "/" + key, tagged, {}, 0);
    }
  }
  state_changes_.clear();
  if (owner) {
    if (publish_full_stage2_) {
      // A new owner: its whole state replaces whatever an earlier owner published.
      producer_->produce(aggregates, std::string(kAggregatesResetKey), state_put_value(""), {}, 0);
      pipeline_.with_stage2_shared([&] {
        for (auto* op : pipeline_.stage2_operators()) {
          const std::string prefix = std::string(op->name()) + "/";
          op->save_state([&](std::string_view k, std::string_view v) {
            producer_->produce(aggregates, prefix + std::string(k), state_put_value(v), {}, 0);
          });
        }
        return 0;
      });
      publish_full_stage2_ = false;
    }
    producer_->produce(aggregates, std::string(kAggregatesCheckpointKey),
                       state_put_value(std::to_string(stage2_offset_.load())), {}, 0);
  }
  if (!producer_->flush(std::chrono::seconds(30)))
    spdlog::warn("state topics: not every changelog record was delivered within 30 s; offsets stay uncommitted");
}

std::map<kafka::TopicPartition, std::int64_t> Daemon::on_assign(const std::vector<kafka::TopicPartition>& partitions) {
  std::map<kafka::TopicPartition, std::int64_t> starts;
  for (const auto& tp : partitions) {
    if (tp.topic == internal_topic_) {
      std::lock_guard lock(stage2_mutex_);
      stage2_owner_.store(true);
      publish_full_stage2_ = true;
      metrics_.set_stage2_owner(true);
      const auto offset = stage2_offset_.load();
      starts[tp] = offset >= 0 ? offset + 1 : kafka::kOffsetBeginning;
      std::map<std::string, int> counts;
      for (auto name : Pipeline::kInputTopics) {
        const auto topic = topics_.full(name);
        try {
          if (auto n = kafka::partition_count(client_settings_, topic, std::chrono::seconds(5))) counts[topic] = *n;
        } catch (const std::exception& e) {
          spdlog::warn("{}: partition count unknown ({}); its partitions do not hold the watermark", topic, e.what());
        }
      }
      pipeline_.expect_partitions(std::move(counts));
      spdlog::info("this replica now runs stage 2 (owner of {}), from offset {}", tp.to_string(),
                   offset >= 0 ? std::to_string(offset + 1) : std::string("the beginning"));
      continue;
    }
    if (auto it = consumed_offsets_.find(tp.to_string()); it != consumed_offsets_.end()) {
      starts[tp] = it->second + 1;  // this replica's own state covers it up to there
    } else if (tp.topic == topics_.full(kTopicHfModels)) {
      restore_downloads_partition(tp.partition);  // then the group's committed offset
    }
  }
  return starts;
}

void Daemon::on_revoke(const std::vector<kafka::TopicPartition>& partitions) {
  // Their state and offsets are durable, and published, before another replica takes them.
  maybe_checkpoint(true);
  for (const auto& tp : partitions) {
    if (tp.topic != internal_topic_) continue;
    std::lock_guard lock(stage2_mutex_);
    stage2_owner_.store(false);
    metrics_.set_stage2_owner(false);
    spdlog::info("this replica no longer runs stage 2; it mirrors {}", topics_.full(kTopicAggregates));
  }
}

void Daemon::restore_downloads_partition(std::int32_t partition) {
  const std::string topic = topics_.changelog("downloads");
  std::size_t n = 0;
  auto* downloads = pipeline_.stage1_operators().front();
  try {
    kafka::PartitionReader reader(client_settings_, {{kafka::TopicPartition{topic, partition}, kafka::kOffsetBeginning}});
    bool done = reader.read_to_end(std::chrono::seconds(60), [&](const kafka::Message& m) {
      if (auto bytes = state_value(m.value)) {
        downloads->restore_state(m.key, *bytes);
        ++n;
      }
    });
    if (!done) spdlog::warn("{}/{}: changelog not read to its end within 60 s", topic, partition);
  } catch (const std::exception& e) {
    spdlog::error("{}/{}: cannot restore from the changelog ({}); the partition's models restart from their next "
                  "snapshots",
                  topic, partition, e.what());
    return;
  }
  spdlog::info("restored {} per-model states of partition {} from {}", n, partition, topic);
}

void Daemon::mirror_catch_up() {
  mirror_table_ = std::make_unique<AggregatesTable>();
  mirror_reader_ = std::make_unique<kafka::PartitionReader>(
      client_settings_, std::vector<std::pair<kafka::TopicPartition, std::int64_t>>{
                    {kafka::TopicPartition{topics_.full(kTopicAggregates), 0}, kafka::kOffsetBeginning}});
  std::optional<std::int64_t> last;
  bool done = mirror_reader_->read_to_end(std::chrono::seconds(120), [&](const kafka::Message& m) {
    if (auto offset = mirror_table_->add(m.key, m.value)) last = offset;
  });
  if (!done) spdlog::warn("{}: not read to its end within 120 s", topics_.full(kTopicAggregates));
  if (last) apply_mirror(*last);
}

void Daemon::mirror_loop() {
  while (!mirror_stop_.load()) {
    try {
      auto m = mirror_reader_->poll(std::chrono::milliseconds(200));
      if (!m) continue;
      if (auto offset = mirror_table_->add(m->key, m->value)) apply_mirror(*offset);
    } catch (const std::exception& e) {
      spdlog::error("{}: mirror failed: {}", topics_.full(kTopicAggregates), e.what());
      stop_.wait_for(std::chrono::seconds(1));
    }
  }
}

void Daemon::apply_mirror(std::int64_t internal_offset) {
  std::lock_guard lock(stage2_mutex_);
  if (stage2_owner_.load() || internal_offset <= stage2_offset_.load()) return;
  auto operators = pipeline_.stage2_operators();
  pipeline_.with_stage2_exclusive([&] {
    for (auto* op : operators) op->clear_state();
    for (const auto& [k, v] : mirror_table_->state()) {
      auto slash = k.find('/');
      if (slash == std::string::npos) continue;
      const std::string_view name = std::string_view(k).substr(0, slash);
      for (auto* op : operators)
        if (op->name() == name) op->restore_state(std::string_view(k).substr(slash + 1), v);
    }
  });
  stage2_offset_.store(internal_offset);
}

void Daemon::publish_events() {
  // After the commit that holds them; a crash before the next checkpoint publishes them again
  // with the same ids and keys (DESIGN §4 "Events").
  const auto topic = topics_.full(kTopicEvents);
  for (const auto& e : outbox_) producer_->produce(topic, e.id(), encode(e));
  outbox_.clear();
}

void Daemon::wait_until_processed() {
  // This replica's partitions are read to their end and stage 2 (here or in the owner, seen
  // through the mirror) has applied everything on the internal topic, over two consecutive
  // lag refreshes of the stream thread. Other replicas' partitions are theirs to finish.
  std::int64_t confirmed_at = -1;  // the lag refresh at which everything last looked done
  int confirmations = 0;
  while (!stop_.requested() && confirmations < 2) {
    stop_.wait_for(std::chrono::milliseconds(200));
    const auto refresh = lag_refreshes_.load();
    if (refresh == confirmed_at) continue;
    producer_->poll();  // serve delivery reports, or queued() never drops to 0
    bool done = consumer_assigned_.load() && producer_->queued() == 0;
    std::map<std::string, std::int64_t> processed, lag;
    {
      std::lock_guard lock(lag_mutex_);
      processed = processed_offsets_;
      lag = last_lag_;
    }
    try {
      for (const auto& tp : consumer_->assignment()) {
        if (!done) break;
        auto slash = tp.rfind('/');
        const kafka::TopicPartition partition{tp.substr(0, slash), std::stoi(tp.substr(slash + 1))};
        if (partition.topic == internal_topic_) continue;
        auto [low, high] = consumer_->query_watermarks(partition, std::chrono::seconds(5));
        // A partition this replica took over already read to its end delivers nothing: its
        // lag (from the committed offset) says so.
        auto it = processed.find(tp);
        auto lag_it = lag.find(tp);
        const bool read_to_end = it != processed.end() ? it->second >= high - 1
                                                       : lag_it != lag.end() && lag_it->second == 0;
        if (high > low && !read_to_end) done = false;
      }
      if (done) {
        auto [low, high] = consumer_->query_watermarks(kafka::TopicPartition{internal_topic_, 0},
                                                       std::chrono::seconds(5));
        done = high <= low || stage2_offset_.load() >= high - 1;
      }
    } catch (const std::exception&) {
      done = false;
    }
    confirmations = done ? confirmations + 1 : 0;
    confirmed_at = refresh;
  }
}

bool Daemon::request_checkpoint() {
  const auto want = checkpoints_requested_.fetch_add(1) + 1;
  while (checkpoints_served_.load() < want) {
    if (stop_.wait_for(std::chrono::milliseconds(10))) return false;
  }
  return true;
}

void Daemon::start_kafka() {
  kafka::Settings settings;
  settings.group_id = config_.kafka.group_id;
  settings.properties = config_.kafka.properties;
  if (const char* password = std::getenv("KAFKA_SASL_PASSWORD")) settings.properties["sasl.password"] = password;
  if (config_.kafka.brokers.empty()) {
    broker_ = std::make_unique<kafka::EmbeddedBroker>(config_.kafka.partitions);
    for (const auto& t : topic_layout(topics_, config_.kafka.partitions)) broker_->create_topic(t.name, t.partitions);
    bootstrap_ = broker_->bootstrap();
    spdlog::info("embedded Kafka-protocol broker at {} (no persistence; state lives in {}); try: kcat -b {} -L",
                 bootstrap_, config_.state.dir, bootstrap_);
  } else {
    bootstrap_ = config_.kafka.brokers;
    spdlog::info("using Kafka cluster at {}", bootstrap_);
  }
  settings.brokers = bootstrap_;
  client_settings_ = settings;  // the state topics' readers and admin requests use them too
  producer_ = std::make_unique<kafka::Producer>(settings);
  kafka::Settings consumer_settings = settings;
  if (broker_) {
    // The embedded broker reassigns a departed member's partitions only after the session
    // timeout; Kafka's 45 s default would stall restarts that long.
    consumer_settings.properties.try_emplace("session.timeout.ms", "6000");
    // Heartbeats well inside that session, or a coordinator move can expire it.
    consumer_settings.properties.try_emplace("heartbeat.interval.ms", "2000");
    // In-process fetches cost nothing; waiting 500 ms for more data only slows replays.
    consumer_settings.properties.try_emplace("fetch.wait.max.ms", "5");
  }
  std::vector<std::string> inputs;
  for (auto name : kAllTopics)
    if (is_input_topic(name)) inputs.push_back(topics_.full(name));
  internal_topic_ = topics_.full(kTopicInternalContributions);
  if (!external()) {
    consumer_ = std::make_unique<kafka::Consumer>(consumer_settings, inputs);
    metrics_.set_stage2_owner(true);
    return;
  }
  // Several replicas may share this cluster: the changelogs and state topics must exist
  // (compacted) before anything is written to them.
  std::vector<kafka::TopicSpec> specs;
  for (const auto& t : topic_layout(topics_, config_.kafka.partitions)) {
    kafka::TopicSpec spec = t.compacted ? kafka::compacted_topic_spec(t.name, t.partitions) : kafka::TopicSpec{};
    spec.name = t.name;
    spec.partitions = t.partitions;
    specs.push_back(std::move(spec));
  }
  std::vector<kafka::TopicSpec> missing;
  for (auto& spec : specs) {
    try {
      if (!kafka::partition_count(settings, spec.name, std::chrono::seconds(10))) missing.push_back(std::move(spec));
    } catch (const kafka::KafkaError& e) {
      spdlog::warn("cannot read the metadata of {}: {}", spec.name, e.what());
    }
  }
  if (!missing.empty()) {
    try {
      kafka::create_topics(settings, missing, std::chrono::seconds(15));
      for (const auto& spec : missing) spdlog::info("created topic {} ({} partitions{})", spec.name, spec.partitions,
                                                   spec.config.empty() ? "" : ", compacted");
    } catch (const kafka::KafkaError& e) {
      spdlog::warn("could not create missing topics through the admin API ({}); they are auto-created on first use "
                   "with the broker's defaults",
                   e.what());
    }
  }
  stage2_owner_.store(false);
  metrics_.set_stage2_owner(false);
  pipeline_.set_stage_forward([this](const StageRecord& r) {
    producer_->produce(internal_topic_, stage_record_key(r), encode_stage_record(r), {}, 0);
  });
  if (!config_.kafka.properties.contains("group.instance.id"))
    if (const char* pod = std::getenv("POD_NAME")) consumer_settings.properties["group.instance.id"] = pod;
  inputs.push_back(internal_topic_);
  kafka::RebalanceHooks hooks;
  hooks.on_assign = [this](const std::vector<kafka::TopicPartition>& tps) { return on_assign(tps); };
  hooks.on_revoke = [this](const std::vector<kafka::TopicPartition>& tps) { on_revoke(tps); };
  consumer_ = std::make_unique<kafka::Consumer>(consumer_settings, inputs, std::move(hooks));
}

void Daemon::stream_loop() {
  auto last_lag = std::chrono::steady_clock::now();
  auto last_tick = last_lag;
  auto handle = [&](const kafka::Message& m) {
    if (m.topic == internal_topic_) {
      // Stage 2 (this replica owns the internal partition).
      try {
        pipeline_.apply(decode_stage_record(m.value));
      } catch (const std::exception& e) {
        metrics_.rejected(m.topic, to_string(RejectReason::bad_value));
        spdlog::error("{} offset {}: stage record not applied: {}", m.topic, m.offset, e.what());
      }
      stage2_offset_.store(m.offset);
      ++records_since_checkpoint_;
      return;
    }
    try {
      pipeline_.process(m);
    } catch (const std::exception& e) {
      // Bad input never stops the stream: count it and move on.
      metrics_.rejected(m.topic, to_string(RejectReason::bad_value));
      spdlog::error("record on {} partition {} offset {} could not be processed: {}", m.topic, m.partition, m.offset,
                    e.what());
    }
    if (replay_position_)
      if (auto line = m.header(kReplayLineHeader)) {
        try {
          replay_position_->processed(std::stoll(*line));
        } catch (const std::exception&) {
          spdlog::warn("{} partition {} offset {}: malformed {} header '{}'", m.topic, m.partition, m.offset,
                       kReplayLineHeader, *line);
        }
      }
    check_offset_gap(m);
    consumed_offsets_[m.topic + "/" + std::to_string(m.partition)] = m.offset;
    ++records_since_checkpoint_;
    if (!external()) in_flight_.consumed(static_cast<std::int64_t>(m.key.size() + m.value.size()));
  };
  try {
    while (!stream_stop_.load()) {
      if (auto m = consumer_->poll(std::chrono::milliseconds(100))) handle(*m);
      maybe_checkpoint(false);
      if (external() && std::chrono::steady_clock::now() - last_tick >= std::chrono::milliseconds(250)) {
        last_tick = std::chrono::steady_clock::now();
        if (stage2_owner_.load()) pipeline_.tick();
      }
      if (!consumer_assigned_.load()) consumer_assigned_.store(!consumer_->assignment().empty());
      auto now = std::chrono::steady_clock::now();
      if (now - last_lag >= kLagInterval) {
        last_lag = now;
        consumer_assigned_.store(!consumer_->assignment().empty());
        auto lag = consumer_->lag();
        for (const auto& [tp, n] : lag) {
          auto slash = tp.rfind('/');
          metrics_.consumer_lag(tp.substr(0, slash), tp.substr(slash + 1), static_cast<double>(n));
        }
        std::lock_guard lock(lag_mutex_);
        last_lag_ = std::move(lag);
        processed_offsets_ = consumed_offsets_;
        lag_refreshes_.fetch_add(1);
      }
    }
    // Drain what is already fetched, then leave the group cleanly.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = consumer_->poll(std::chrono::milliseconds(200));
      if (!m) break;
      handle(*m);
    }
    maybe_checkpoint(true);
  } catch (const std::exception& e) {
    spdlog::critical("the consumer failed: {}; shutting down", e.what());
    failed_.store(true);
    stop_.request();
  }
  consumer_->close();
}

// Offsets of a partition are consecutive for what this daemon produces; a jump means the
// broker dropped records before they were read (the embedded broker's retention). Loud, and
// the in-flight accounting is corrected so nothing waits for them forever.
void Daemon::check_offset_gap(const kafka::Message& m) {
  if (!broker_) return;  // a real cluster may legitimately skip offsets (transaction markers, compaction)
  auto key = m.topic + "/" + std::to_string(m.partition);
  auto [it, inserted] = next_offset_.try_emplace(key, m.offset + 1);
  if (!inserted) {
    if (m.offset > it->second) {
      std::int64_t missing = m.offset - it->second;
      spdlog::error("{}: offsets {}..{} were gone before they were read ({} records lost by the broker)", key,
                    it->second, m.offset - 1, missing);
      metrics_.records_lost(m.topic, static_cast<double>(missing));
      in_flight_.lost(missing);
    }
    it->second = std::max(it->second, m.offset + 1);
  }
}

void Daemon::replay_loop() {
  ReplaySource source(*cli_.replay_path);
  ReplayStats stats;
  std::set<std::string> produced_topics;
  try {
    stats = source.run(
        [&](const ReplayRecord& r) {
          if (external()) {
            // Other replicas consume too: no local in-flight bound or pacing; the checkpoint
            // records the lines produced and delivered.
            producer_->produce(topics_.full(r.topic), r.key, r.value);
            replay_produced_line_.store(r.line);
            producer_->poll();
            return true;
          }
          if (!in_flight_.wait_for_room(stop_.flag())) return false;
          // Stay within the allowed lateness of event time ahead of what the operators have
          // processed, so that no partition's first records arrive after the watermark has
          // passed them (a partition that has not delivered yet cannot hold it back).
          // Stay within the allowed lateness of event time ahead of what the operators have
          // processed on every topic produced to so far, so that no topic's records are read
          // after the watermark has passed them (a partition that has not delivered yet cannot
          // hold it back; librdkafka may start fetching a topic late).
          produced_topics.insert(r.topic);
          while (r.event_time != kNoTime && in_flight_.in_flight_records() > 0) {
            TimeMs slowest = std::numeric_limits<TimeMs>::max();
            for (const auto& topic : produced_topics) slowest = std::min(slowest, pipeline_.topic_stream_time(topic));
            if (slowest != kNoTime && r.event_time <= slowest + config_.windows.allowed_lateness) break;
            if (stop_.wait_for(std::chrono::milliseconds(2))) return false;
          }
          replay_position_->produced(r.line);
          producer_->produce(topics_.full(r.topic), r.key, r.value, {{std::string(kReplayLineHeader), std::to_string(r.line)}});
          in_flight_.produced(static_cast<std::int64_t>(r.key.size() + r.value.size()));
          producer_->poll();
          return true;
        },
        [&](std::int64_t line, const Rejection& r) {
          metrics_.rejected("replay", to_string(r.reason));
          spdlog::warn("replay {} line {}: {} ({})", *cli_.replay_path, line, to_string(r.reason), r.detail);
        },
        stop_.flag(), isatty(STDERR_FILENO) ? print_progress : std::function<void(std::int64_t, std::int64_t)>(),
        replay_start_line_);
  } catch (const std::exception& e) {
    spdlog::error("replay failed: {}", e.what());
    failed_.store(true);
    stop_.request();
    return;
  }
  producer_->flush(std::chrono::seconds(30));
  while (!stop_.requested() && !in_flight_.caught_up()) stop_.wait_for(std::chrono::milliseconds(50));
  if (external()) wait_until_processed();
  if (stats.stopped || !in_flight_.caught_up()) {
    spdlog::info("replay interrupted after {} of its lines; no summary", stats.lines);
    return;
  }
  // Done means durable: the state and the events of the whole file are checkpointed (and the
  // events published) before the summary; with several replicas, that every record was
  // delivered to the cluster.
  if (!request_checkpoint()) return;
  double rejected_records = 0;
  for (auto topic : Pipeline::kInputTopics)
    for (auto reason : {RejectReason::malformed_json, RejectReason::missing_field, RejectReason::wrong_type,
                        RejectReason::bad_value, RejectReason::bad_relation})
      rejected_records += metrics_.rejected_count(topics_.full(topic), to_string(reason));
  auto reference = reference_.get();
  std::string summary = pipeline_.read([&](const PipelineView& view) {
    return replay_summary(stats, view, *reference, static_cast<std::int64_t>(rejected_records));
  });
  std::fputs(summary.c_str(), stdout);
  std::fflush(stdout);
  replay_done_.store(true);
  if (cli_.exit_after_replay) {
    stop_.request();
  } else {
    spdlog::info("replay done; serving on http://{}:{} (Ctrl-C stops)",
                 config_.http.listen.substr(0, config_.http.listen.rfind(':')), http_->port());
  }
}

void Daemon::reference_refresh_loop() {
  while (!stop_.wait_for(std::chrono::milliseconds(config_.reference.refresh))) {
    try {
      load_reference_or_throw();
    } catch (const std::exception& e) {
      spdlog::error("reference reload failed, keeping the previous data: {}", e.what());
    }
  }
}

bool Daemon::ready() const { return consumer_assigned_.load(); }

std::string Daemon::metrics_text() {
  auto families = metrics_.collect();
  // Only the stage-2 owner exposes the group gauges, so PromQL sums over replicas never
  // double count (DESIGN §1); the others answer the JSON API from their mirror.
  if (!stage2_owner_.load()) return serialize_metrics(families);
  auto reference = reference_.get();
  std::size_t stale = connectors_ ? connectors_->stale_models() : 0;
  auto adoption = pipeline_.read([&](const PipelineView& view) {
    return adoption_families(AdoptionInputs{view.downloads, view.derivatives, view.inference, view.ram, view.overtake,
                                            view.events, *reference, view.watermark.watermark(), stale,
                                            config_.metrics.model_series_per_bucket});
  });
  families.insert(families.end(), std::make_move_iterator(adoption.begin()), std::make_move_iterator(adoption.end()));
  return serialize_metrics(families);
}

std::string Daemon::status_json() {
  using nlohmann::json;
  auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  json body = pipeline_.read([&](const PipelineView& view) {
    return json{{"version", kVersion},
                {"uptime_seconds", uptime},
                {"ready", ready()},
                {"watermark", time_or_null(view.watermark.watermark())},
                {"stream_time", time_or_null(view.downloads.stream_time())},
                {"models", view.downloads.model_count()}};
  });
  body["kafka"] = {{"embedded", broker_ != nullptr}, {"bootstrap", bootstrap_}, {"topic_prefix", topics_.prefix()}};
  body["connectors"] = connector_status_.to_json();
  json lag = json::object();
  {
    std::lock_guard lock(lag_mutex_);
    for (const auto& [tp, n] : last_lag_) lag[tp] = n;
  }
  body["operators"] = {{"records", pipeline_.processed()}, {"lag", lag}, {"in_flight", in_flight_.in_flight_records()}};
  {
    std::lock_guard lock(checkpoint_mutex_);
    body["checkpoint"] = {{"last", last_checkpoint_time_ ? time_or_null(*last_checkpoint_time_) : json(nullptr)},
                          {"count", checkpoints_written_.load()},
                          {"duration_seconds", last_checkpoint_seconds_},
                          {"dir", config_.state.dir}};
  }
  body["stage2"] = {{"owner", stage2_owner_.load()}, {"offset", stage2_offset_.load()}, {"external", external()}};
  body["replay"] = {{"file", cli_.replay_path ? json(*cli_.replay_path) : json(nullptr)}, {"done", replay_done_.load()}};
  return body.dump();
}

ServerResponse Daemon::route(const ServerRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return json_error(405, "method not allowed");
  auto [path, params] = split_target(request.target);
  if (path == "/metrics") return ServerResponse{200, std::string(kPrometheusContentType), metrics_text()};
  if (path == "/-/healthy") return ServerResponse{200, "text/plain; charset=utf-8", "OK\n"};
  if (path == "/-/ready")
    return ready() ? ServerResponse{200, "text/plain; charset=utf-8", "Ready\n"}
                   : ServerResponse{503, "text/plain; charset=utf-8", "Not ready: consumers not assigned yet\n"};
  if (path == "/api/v1/status") return ServerResponse{200, "application/json", status_json()};
  if (auto response = api_.handle(path, params)) return *response;
  if (path == "/") {
    auto reference = reference_.get();
    LandingInfo info{kVersion, broker_ != nullptr, bootstrap_, ready()};
    return ServerResponse{200, "text/html; charset=utf-8",
                          pipeline_.read([&](const PipelineView& v) { return landing_page(info, v, *reference); })};
  }
  return json_error(404, "not found: " + path);
}

int Daemon::run() {
  if (cli_.reset_state) {
    auto removed = StateStore::wipe(config_.state.dir);
    spdlog::info("--reset-state: wiped {} ({} entries)", config_.state.dir, removed);
  }
  load_reference_or_throw();
  open_state();
  http_ = std::make_unique<HttpServer>(io_, config_.http.listen, [this](const ServerRequest& r) { return route(r); });
  start_kafka();
  http_->start();
  spdlog::info("serving http://{}:{} (/metrics, /api/v1/status, /)", config_.http.listen.substr(0, config_.http.listen.rfind(':')),
               http_->port());

  boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      spdlog::info("signal {} received: shutting down", sig);
      stop_.request();
    }
  });
  auto work = boost::asio::make_work_guard(io_);
  connectors_ = std::make_unique<ConnectorSet>(
      io_.get_executor(), ConnectorDeps{config_, topics_, *producer_, in_flight_, metrics_, connector_status_, reference_});
  if (auto c = restored_positions_.find(std::string(kCursorsNamespace)); c != restored_positions_.end())
    connectors_->restore_cursors(c->second);
  publish_events();  // the outbox of the last checkpoint: published again, with the same ids
  connectors_->start();
  io_thread_ = std::thread([this] { io_.run(); });
  if (external()) {
    mirror_catch_up();
    mirror_thread_ = std::thread([this] { mirror_loop(); });
  }
  stream_thread_ = std::thread([this] { stream_loop(); });
  refresh_thread_ = std::thread([this] { reference_refresh_loop(); });
  if (cli_.replay_path) replay_thread_ = std::thread([this] { replay_loop(); });

  stop_.wait();  // a signal, a failure, or the end of a replay with --exit-after-replay
  // Orderly shutdown: stop sources, flush the producer, drain and close the consumer.
  const auto deadline = std::chrono::steady_clock::now() + kShutdownBudget;
  connectors_->stop();
  if (replay_thread_.joinable()) replay_thread_.join();
  producer_->flush(std::chrono::duration_cast<std::chrono::milliseconds>((deadline - std::chrono::steady_clock::now()) / 2));
  stream_stop_.store(true);
  stream_thread_.join();
  mirror_stop_.store(true);
  if (mirror_thread_.joinable()) mirror_thread_.join();
  refresh_thread_.join();
  http_->stop();
  signals.cancel();
  work.reset();
  io_.stop();
  io_thread_.join();
  connectors_.reset();
  producer_.reset();
  consumer_.reset();
  broker_.reset();
  spdlog::info("atomd stopped");
  return failed_.load() ? 1 : 0;
}

}  // namespace atomd
