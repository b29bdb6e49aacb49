#pragma once
// Kafka for this process: the embedded broker (no kafka.brokers) with every topic created
// on it, or an external cluster on which missing topics are created through the admin API
// (scaled-out mode: several replicas share it). Owns the producer and the sources' produce
// path, and the client settings every other client reuses (bootstrap, kafka.properties and
// the SASL password from KAFKA_SASL_PASSWORD).
#include <memory>
#include <string>

#include "daemon/component.hpp"
#include "daemon/source_sink.hpp"
#include "kafka/kafka.hpp"

namespace atomd {

class KafkaBootstrap final : public Component {
 public:
  explicit KafkaBootstrap(ComponentContext& context);
  ~KafkaBootstrap() override;
  std::string_view name() const override { return "kafka"; }
  void report(nlohmann::json& status) const override;

  // Several replicas share an external cluster: stage 2 runs in one of them (DESIGN §1).
  bool scaled_out() const { return broker_ == nullptr; }
  bool embedded() const { return broker_ != nullptr; }
  const std::string& bootstrap() const { return bootstrap_; }
  const kafka::Settings& client_settings() const { return client_settings_; }
  // The consumer group's settings: the embedded broker's session timing; scaled out, static
  // membership (group.instance.id from POD_NAME).
  const kafka::Settings& consumer_settings() const { return consumer_settings_; }
  kafka::Producer& producer() { return *producer_; }
  SourceSink& sink() { return *sink_; }

 private:
  const TopicNames& topics_;
  std::unique_ptr<kafka::EmbeddedBroker> broker_;
  std::string bootstrap_;
  kafka::Settings client_settings_;
  kafka::Settings consumer_settings_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<SourceSink> sink_;
};

}  // namespace atomd
