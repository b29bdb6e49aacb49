#include "daemon/stage2_ownership.hpp"

#include <spdlog/spdlog.h>

namespace atomd {

Stage2Ownership::Stage2Ownership(ComponentContext& context)
    : context_(context),
      kafka_(context.find<KafkaBootstrap>()),
      topology_(context.find<StreamTopology>().topology()),
      scaled_out_(kafka_.scaled_out()),
      internal_topic_(context.topics().full(kTopicInternalContributions)) {
  auto& state = context.find<StateRestore>();
  offset_.store(state.restored_stage2_offset());
  if (!scaled_out_) {
    context.metrics().set_stage2_owner(true);
    return;
  }
  owner_.store(false);
  context.metrics().set_stage2_owner(false);
  state.checkpointer().set_change_observer(
      [this](std::string_view op, std::string_view key, std::optional<std::string_view> v) {
        changes_.emplace_back(std::string(op), std::string(key),
                              v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
      });
  topology_.forward_stage1_to([this](const StageRecord& r) {
    kafka_.producer().produce(internal_topic_, stage_record_key(r), encode_stage_record(r), {}, 0);
  });
}

void Stage2Ownership::start() {
  if (!scaled_out_) return;
  mirror_catch_up();
  mirror_thread_ = std::thread([this] { mirror_loop(); });
}

void Stage2Ownership::stop() {
  mirror_stop_.store(true);
  if (mirror_thread_.joinable()) mirror_thread_.join();
}

void Stage2Ownership::report(nlohmann::json& status) const {
  status["stage2"] = {{"owner", owner_.load()}, {"offset", offset_.load()}, {"external", scaled_out_}};
}

std::int64_t Stage2Ownership::take_over() {
  std::lock_guard lock(mutex_);
  owner_.store(true);
  publish_full_ = true;
  context_.metrics().set_stage2_owner(true);
  const auto offset = offset_.load();
  std::map<std::string, int> counts;
  for (auto name : Topology::kInputTopics) {
    const auto topic = context_.topics().full(name);
    try {
      if (auto n = kafka::partition_count(kafka_.client_settings(), topic, std::chrono::seconds(5))) counts[topic] = *n;
    } catch (const std::exception& e) {
      spdlog::warn("{}: partition count unknown ({}); its partitions do not hold the watermark", topic, e.what());
    }
  }
  topology_.expect_partitions(std::move(counts));
  spdlog::info("this replica now runs stage 2 (owner of {}), from offset {}",
               TopicPartition{internal_topic_, 0}.to_string(),
               offset >= 0 ? std::to_string(offset + 1) : std::string("the beginning"));
  return offset >= 0 ? offset + 1 : kafka::kOffsetBeginning;
}

void Stage2Ownership::hand_over() {
  std::lock_guard lock(mutex_);
  owner_.store(false);
  context_.metrics().set_stage2_owner(false);
  spdlog::info("this replica no longer runs stage 2; it mirrors {}", context_.topics().full(kTopicAggregates));
}

void Stage2Ownership::restore_from_changelog(std::int32_t partition) {
  const std::string topic = context_.topics().changelog("downloads");
  std::size_t n = 0;
  auto& downloads = topology_.store("downloads");
  try {
    kafka::PartitionReader reader(kafka_.client_settings(),
                                  {{kafka::TopicPartition{topic, partition}, kafka::kOffsetBeginning}});
    bool done = reader.read_to_end(std::chrono::seconds(60), [&](const kafka::Message& m) {
      if (auto bytes = state_value(m.value)) {
        downloads.restore_state(m.key, *bytes);
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

void Stage2Ownership::publish_state_changes() {
  kafka::Producer& producer = kafka_.producer();
  const auto aggregates = context_.topics().full(kTopicAggregates);
  const bool owner = owner_.load();
  for (const auto& [op, key, value] : changes_) {
    auto tagged = value ? state_put_value(*value) : state_erase_value();
    if (topology_.is_stage1_store(op)) {
      producer.produce(context_.topics().changelog(op), key, tagged);
    } else if (owner && !publish_full_) {
      producer.produce(aggregates, op + "/" + key, tagged, {}, 0);
    }
  }
  changes_.clear();
  if (owner) {
    if (publish_full_) {
      // A new owner: its whole state replaces whatever an earlier owner published.
      producer.produce(aggregates, std::string(kAggregatesResetKey), state_put_value(""), {}, 0);
      topology_.with_stage2_shared([&] {
        for (auto* op : topology_.stage2_stores()) {
          const std::string prefix = std::string(op->name()) + "/";
          op->save_state([&](std::string_view k, std::string_view v) {
            producer.produce(aggregates, prefix + std::string(k), state_put_value(v), {}, 0);
          });
        }
        return 0;
      });
      publish_full_ = false;
    }
    producer.produce(aggregates, std::string(kAggregatesCheckpointKey), state_put_value(std::to_string(offset_.load())),
                     {}, 0);
  }
  if (!producer.flush(std::chrono::seconds(30)))
    spdlog::warn("state topics: not every changelog record was delivered within 30 s; offsets stay uncommitted");
}

void Stage2Ownership::mirror_catch_up() {
  const auto aggregates = context_.topics().full(kTopicAggregates);
  mirror_table_ = std::make_unique<AggregatesTable>();
  mirror_reader_ = std::make_unique<kafka::PartitionReader>(
      kafka_.client_settings(), std::vector<std::pair<kafka::TopicPartition, std::int64_t>>{
                                    {kafka::TopicPartition{aggregates, 0}, kafka::kOffsetBeginning}});
  std::optional<std::int64_t> last;
  bool done = mirror_reader_->read_to_end(std::chrono::seconds(120), [&](const kafka::Message& m) {
    if (auto offset = mirror_table_->add(m.key, m.value)) last = offset;
  });
  if (!done) spdlog::warn("{}: not read to its end within 120 s", aggregates);
  if (last) apply_mirror(*last);
}

void Stage2Ownership::mirror_loop() {
  while (!mirror_stop_.load()) {
    try {
      auto m = mirror_reader_->poll(std::chrono::milliseconds(200));
      if (!m) continue;
      if (auto offset = mirror_table_->add(m->key, m->value)) apply_mirror(*offset);
    } catch (const std::exception& e) {
      spdlog::error("{}: mirror failed: {}", context_.topics().full(kTopicAggregates), e.what());
      context_.stop().wait_for(std::chrono::seconds(1));
    }
  }
}

void Stage2Ownership::apply_mirror(std::int64_t internal_offset) {
  std::lock_guard lock(mutex_);
  if (owner_.load() || internal_offset <= offset_.load()) return;
  topology_.with_stage2_exclusive([&] {
    for (auto* op : topology_.stage2_stores()) op->clear_state();
    for (const auto& [k, v] : mirror_table_->state()) {
      auto slash = k.find('/');
      if (slash == std::string::npos) continue;
      // A store another build has and this one does not: nothing here to restore into.
      if (auto* store = topology_.find_store(std::string_view(k).substr(0, slash)))
        store->restore_state(std::string_view(k).substr(slash + 1), v);
    }
  });
  offset_.store(internal_offset);
}

}  // namespace atomd
