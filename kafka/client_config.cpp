#include "kafka/client_config.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "kafka/kafka.hpp"

namespace atomd::kafka::detail {
namespace {

// librdkafka reports syslog levels (0 emergency .. 7 debug).
spdlog::level::level_enum to_spdlog_level(int syslog_level) {
  if (syslog_level <= 2) return spdlog::level::critical;
  if (syslog_level == 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

void log_to_spdlog(const rd_kafka_t* handle, int level, const char* facility, const char* line) {
  spdlog::log(to_spdlog_level(level), "librdkafka {} {}: {}", handle ? rd_kafka_name(handle) : "-",
              facility, line);
}

// Client-wide errors; partition-level ones reach the caller through poll/delivery reports.
// librdkafka recovers from all but fatal ones by itself.
void log_client_error(rd_kafka_t* handle, int error, const char* reason, void* /*opaque*/) {
  const auto code = static_cast<rd_kafka_resp_err_t>(error);
  const auto level = code == RD_KAFKA_RESP_ERR__FATAL ? spdlog::level::err : spdlog::level::warn;
  spdlog::log(level, "kafka {}: {} ({})", rd_kafka_name(handle), reason, rd_kafka_err2name(code));
}

}  // namespace

bool is_secret_key(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("password") != std::string::npos ||
         lower.find("secret") != std::string::npos ||
         lower.find("sasl.oauthbearer") != std::string::npos;
}

ConfPtr new_conf() {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), log_to_spdlog);
  rd_kafka_conf_set_error_cb(conf.get(), log_client_error);
  return conf;
}

void set_property(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char reason[512] = {0};
  const rd_kafka_conf_res_t result =
      rd_kafka_conf_set(conf, key.c_str(), value.c_str(), reason, sizeof reason);
  if (result == RD_KAFKA_CONF_OK) return;
  if (result == RD_KAFKA_CONF_UNKNOWN)
    throw KafkaError("kafka property '" + key + "': unknown property");
  // librdkafka's reason quotes the rejected value.
  if (is_secret_key(key))
    throw KafkaError("kafka property '" + key + "': invalid value (not shown: secret)");
  throw KafkaError("kafka property '" + key + "': " + reason);
}

void set_properties(rd_kafka_conf_t* conf, const std::map<std::string, std::string>& properties) {
  for (const auto& [key, value] : properties) set_property(conf, key, value);
}

HandlePtr new_handle(rd_kafka_type_t type, ConfPtr conf) {
  char reason[512] = {0};
  rd_kafka_t* handle = rd_kafka_new(type, conf.get(), reason, sizeof reason);
  if (handle == nullptr)
    throw KafkaError(std::string("creating kafka ") +
                     (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") + ": " + reason);
  (void)conf.release();  // rd_kafka_new took ownership
  return HandlePtr(handle);
}

std::string partition_name(std::string_view topic, std::int32_t partition) {
  return TopicPartition{std::string(topic), partition}.to_string();
}

}  // namespace atomd::kafka::detail
