#include "daemon/kafka_bootstrap.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace atomd {
namespace {

// Embedded broker partitions keep 100k message sets / 5 MiB each; stay well inside that:
// at most 20k records and 1 MiB per partition produced ahead of processing.
constexpr std::int64_t kMaxInFlightRecords = 20'000;
constexpr std::int64_t kMaxInFlightBytesPerPartition = 1 << 20;

std::vector<kafka::TopicSpec> topic_specs(const TopicNames& topics, const Config::Kafka& config) {
  std::vector<kafka::TopicSpec> specs;
  for (const auto& t : topic_layout(topics, config.partitions)) {
    kafka::TopicSpec spec = t.compacted ? kafka::compacted_topic_spec(t.name, t.partitions) : kafka::TopicSpec{};
    spec.name = t.name;
    spec.partitions = t.partitions;
    spec.replication_factor = config.replication_factor;
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace

KafkaBootstrap::KafkaBootstrap(ComponentContext& context) : topics_(context.topics()) {
  const Config::Kafka& config = context.config().kafka;
  kafka::Settings settings;
  settings.group_id = config.group_id;
  settings.properties = config.properties;
  if (const char* password = std::getenv("KAFKA_SASL_PASSWORD")) settings.properties["sasl.password"] = password;
  if (config.brokers.empty()) {
    broker_ = std::make_unique<kafka::EmbeddedBroker>(config.partitions);
    for (const auto& t : topic_layout(topics_, config.partitions)) broker_->create_topic(t.name, t.partitions);
    bootstrap_ = broker_->bootstrap();
    spdlog::info("embedded Kafka-protocol broker at {} (no persistence; state lives in {}); try: kcat -b {} -L",
                 bootstrap_, context.config().state.dir, bootstrap_);
  } else {
    bootstrap_ = config.brokers;
    spdlog::info("using Kafka cluster at {}", bootstrap_);
  }
  settings.brokers = bootstrap_;
  client_settings_ = settings;
  producer_ = std::make_unique<kafka::Producer>(settings);
  sink_ = std::make_unique<SourceSink>(*producer_, topics_, scaled_out(), kMaxInFlightRecords,
                                       kMaxInFlightBytesPerPartition * config.partitions);
  consumer_settings_ = settings;
  if (broker_) {
    // The embedded broker reassigns a departed member's partitions only after the session
    // timeout; Kafka's 45 s default would stall restarts that long.
    consumer_settings_.properties.try_emplace("session.timeout.ms", "6000");
    // Heartbeats well inside that session, or a coordinator move can expire it.
    consumer_settings_.properties.try_emplace("heartbeat.interval.ms", "2000");
    // In-process fetches cost nothing; waiting 500 ms for more data only slows replays.
    consumer_settings_.properties.try_emplace("fetch.wait.max.ms", "5");
    return;
  }
  // Several replicas may share this cluster: the changelogs and state topics must exist
  // (compacted) before anything is written to them.
  kafka::ensure_topics(settings, topic_specs(topics_, config), std::chrono::seconds(10));
  if (!config.properties.contains("group.instance.id"))
    if (const char* pod = std::getenv("POD_NAME")) consumer_settings_.properties["group.instance.id"] = pod;
}

KafkaBootstrap::~KafkaBootstrap() {
  sink_.reset();
  producer_.reset();
  broker_.reset();
}

void KafkaBootstrap::report(nlohmann::json& status) const {
  status["kafka"] = {{"embedded", embedded()}, {"bootstrap", bootstrap_}, {"topic_prefix", topics_.prefix()}};
}

}  // namespace atomd
