#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "kafka/client_config.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {
namespace {

constexpr int kMetadataTimeoutMs = 5000;

rd_kafka_t* as_handle(void* handle) { return static_cast<rd_kafka_t*>(handle); }
rd_kafka_mock_cluster_t* as_cluster(void* cluster) {
  return static_cast<rd_kafka_mock_cluster_t*>(cluster);
}

// Partition count of an existing topic, or -1 when the cluster does not know it. Asks for
// all topics: a request naming the topic would auto-create it.
int existing_partition_count(rd_kafka_t* handle, const std::string& topic) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(handle, /*all_topics=*/1, nullptr, &metadata, kMetadataTimeoutMs);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("embedded broker: metadata for '" + topic + "': " + rd_kafka_err2str(err));
  int count = -1;
  for (int i = 0; i < metadata->topic_cnt; ++i)
    if (topic == metadata->topics[i].topic) count = metadata->topics[i].partition_cnt;
  rd_kafka_metadata_destroy(metadata);
  return count;
}

}  // namespace

EmbeddedBroker::EmbeddedBroker(int partitions, int brokers)
    : partitions_(partitions), brokers_(brokers) {
  if (partitions < 1) throw KafkaError("embedded broker: partitions must be >= 1");
  if (brokers < 1) throw KafkaError("embedded broker: brokers must be >= 1");
  // test.mock.num.brokers makes this idle producer own the mock cluster and points it at
  // the cluster, so it can also read metadata; other clients connect by bootstrap().
  detail::ConfPtr conf = detail::new_conf();
  detail::set_property(conf.get(), "test.mock.num.brokers", std::to_string(brokers));
  detail::set_property(conf.get(), "client.id", "atomd-embedded-broker");
  detail::HandlePtr handle = detail::new_handle(RD_KAFKA_PRODUCER, std::move(conf));
  rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(handle.get());
  if (cluster == nullptr) throw KafkaError("embedded broker: librdkafka created no mock cluster");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster);
  handle_ = handle.release();
  cluster_ = cluster;
  spdlog::info("embedded kafka broker: {} broker(s) at {}, {} partitions per atomd topic", brokers,
               bootstrap_, partitions);
}

EmbeddedBroker::~EmbeddedBroker() {
  // Destroying the owning handle destroys the mock cluster; connected clients see the
  // brokers go away.
  rd_kafka_destroy(as_handle(handle_));
}

void EmbeddedBroker::create_topic(const std::string& topic, int partitions) {
  if (partitions < 1)
    throw KafkaError("embedded broker: topic '" + topic + "' needs >= 1 partitions");
  const int replication = std::min(brokers_, 3);
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(as_cluster(cluster_), topic.c_str(), partitions, replication);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::debug("embedded broker: created topic {} with {} partitions", topic, partitions);
    return;
  }
  if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    throw KafkaError("embedded broker: creating topic '" + topic + "': " + rd_kafka_err2str(err));
  const int existing = existing_partition_count(as_handle(handle_), topic);
  if (existing != partitions)
    throw KafkaError("embedded broker: topic '" + topic + "' already exists with " +
                     std::to_string(existing) + " partitions, not " + std::to_string(partitions) +
                     " (auto-created by a client before create_topic?)");
}

void EmbeddedBroker::set_brokers_up(bool up) {
  const rd_kafka_resp_err_t err = up ? rd_kafka_mock_broker_set_up(as_cluster(cluster_), -1)
                                     : rd_kafka_mock_broker_set_down(as_cluster(cluster_), -1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError(std::string("embedded broker: set brokers ") + (up ? "up" : "down") + ": " +
                     rd_kafka_err2str(err));
  spdlog::info("embedded kafka broker: brokers {}", up ? "up" : "down");
}

void EmbeddedBroker::set_broker_up(std::int32_t broker_id, bool up) {
  check_broker_id(broker_id);
  const rd_kafka_resp_err_t err =
      up ? rd_kafka_mock_broker_set_up(as_cluster(cluster_), broker_id)
         : rd_kafka_mock_broker_set_down(as_cluster(cluster_), broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("embedded broker: set broker " + std::to_string(broker_id) +
                     (up ? " up: " : " down: ") + rd_kafka_err2str(err));
  spdlog::info("embedded kafka broker: broker {} {}", broker_id, up ? "up" : "down");
}

void EmbeddedBroker::push_request_errors(std::int16_t api_key,
                                         const std::vector<int>& error_codes) {
  std::vector<rd_kafka_resp_err_t> errors;
  errors.reserve(error_codes.size());
  for (const int code : error_codes) errors.push_back(static_cast<rd_kafka_resp_err_t>(code));
  rd_kafka_mock_push_request_errors_array(as_cluster(cluster_), api_key, errors.size(),
                                          errors.data());
}

void EmbeddedBroker::set_coordinator(const std::string& group, std::int32_t broker_id) {
  check_broker_id(broker_id);
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_coordinator_set(as_cluster(cluster_), "group", group.c_str(), broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("embedded broker: coordinator of group '" + group + "': " +
                     rd_kafka_err2str(err));
}

void EmbeddedBroker::set_partition_leader(const std::string& topic, std::int32_t partition,
                                          std::int32_t broker_id) {
  if (broker_id != -1) check_broker_id(broker_id);
  const rd_kafka_resp_err_t err = rd_kafka_mock_partition_set_leader(
      as_cluster(cluster_), topic.c_str(), partition, broker_id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("embedded broker: leader of " + detail::partition_name(topic, partition) +
                     ": " + rd_kafka_err2str(err));
}

void EmbeddedBroker::check_broker_id(std::int32_t broker_id) const {
  // The mock numbers its brokers 1..n and accepts unknown ids silently for some calls.
  if (broker_id < 1 || broker_id > brokers_)
    throw KafkaError("embedded broker: no broker " + std::to_string(broker_id) + " (ids are 1.." +
                     std::to_string(brokers_) + ")");
}

}  // namespace atomd::kafka
