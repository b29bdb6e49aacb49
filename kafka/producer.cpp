#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

#include "kafka/client_config.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {
namespace {

constexpr auto kQueueFullPoll = std::chrono::milliseconds(100);
constexpr auto kQueueFullWarnEvery = std::chrono::seconds(10);
constexpr auto kPurgeServe = std::chrono::milliseconds(500);
// A purge or a long outage fails messages by the thousand; one line per interval is enough.
constexpr auto kFailureLogInterval = std::chrono::seconds(1);

std::string fatal_reason(rd_kafka_t* handle) {
  char reason[512] = {0};
  const rd_kafka_resp_err_t err = rd_kafka_fatal_error(handle, reason, sizeof reason);
  return std::string(rd_kafka_err2name(err)) + ": " + reason;
}

}  // namespace

struct Producer::Impl {
  detail::HandlePtr handle;
  std::chrono::milliseconds close_timeout{0};
  std::atomic<std::int64_t> delivered{0};
  std::atomic<std::int64_t> failed{0};
  std::mutex failure_log_mutex;
  std::chrono::steady_clock::time_point next_failure_log{};
  std::int64_t unlogged_failures = 0;

  // Runs on whichever thread polls; opaque is this Impl.
  static void on_delivery(rd_kafka_t* /*handle*/, const rd_kafka_message_t* message,
                          void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->delivered.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    self->failed.fetch_add(1, std::memory_order_relaxed);
    self->log_failure(*message);
  }

  void log_failure(const rd_kafka_message_t& message) {
    std::lock_guard lock(failure_log_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now < next_failure_log) {
      ++unlogged_failures;
      return;
    }
    next_failure_log = now + kFailureLogInterval;
    spdlog::error("kafka delivery failed: topic {} partition {}: {} ({}){}",
                  rd_kafka_topic_name(message.rkt), message.partition,
                  rd_kafka_err2str(message.err), rd_kafka_err2name(message.err),
                  unlogged_failures > 0
                      ? fmt::format(" (+{} more since the last report)", unlogged_failures)
                      : std::string());
    unlogged_failures = 0;
  }
};

Producer::Producer(const Settings& settings) : impl_(std::make_unique<Impl>()) {
  impl_->close_timeout = settings.close_timeout;
  detail::ConfPtr conf = detail::new_conf();
  if (!settings.brokers.empty())
    detail::set_property(conf.get(), "bootstrap.servers", settings.brokers);
  detail::set_property(conf.get(), "acks", "all");
  // Retries after a broker outage then neither duplicate nor reorder within a partition.
  detail::set_property(conf.get(), "enable.idempotence", "true");
  // Same key -> same partition as Java clients (Kafka Streams, kafka-console-producer).
  detail::set_property(conf.get(), "partitioner", "murmur2_random");
  detail::set_properties(conf.get(), settings.properties);
  rd_kafka_conf_set_opaque(conf.get(), impl_.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), Impl::on_delivery);
  impl_->handle = detail::new_handle(RD_KAFKA_PRODUCER, std::move(conf));
}

Producer::~Producer() {
  rd_kafka_t* handle = impl_->handle.get();
  if (flush(impl_->close_timeout)) return;
  // Undelivered messages are reported as failed (and logged) rather than silently dropped.
  spdlog::warn("kafka producer: {} message(s) undelivered after a {} ms flush; purging them",
               rd_kafka_outq_len(handle), impl_->close_timeout.count());
  rd_kafka_purge(handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(handle, static_cast<int>(kPurgeServe.count()));
  spdlog::warn("kafka producer closed: {} delivered, {} failed", impl_->delivered.load(),
               impl_->failed.load());
}

void Producer::produce(const std::string& topic, const std::string& key,
                       const std::string& value) {
  produce(topic, key, value, Headers{});
}

void Producer::produce(const std::string& topic, const std::string& key, const std::string& value,
                       const Headers& headers, std::optional<std::int32_t> partition) {
  rd_kafka_t* handle = impl_->handle.get();
  // librdkafka copies the key, value and each header on a successful produce.
  std::vector<rd_kafka_vu_t> fields(4 + headers.size() + (partition ? 1 : 0));
  std::size_t n = 0;
  fields[n].vtype = RD_KAFKA_VTYPE_TOPIC;
  fields[n++].u.cstr = topic.c_str();
  fields[n].vtype = RD_KAFKA_VTYPE_KEY;
  fields[n++].u.mem = {const_cast<char*>(key.data()), key.size()};
  fields[n].vtype = RD_KAFKA_VTYPE_VALUE;
  fields[n++].u.mem = {const_cast<char*>(value.data()), value.size()};
  fields[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  fields[n++].u.i = RD_KAFKA_MSG_F_COPY;
  if (partition) {
    fields[n].vtype = RD_KAFKA_VTYPE_PARTITION;
    fields[n++].u.i32 = *partition;
  }
  for (const auto& [name, header_value] : headers) {
    fields[n].vtype = RD_KAFKA_VTYPE_HEADER;
    fields[n].u.header.name = name.c_str();
    fields[n].u.header.val = header_value.data();
    fields[n++].u.header.size = static_cast<ssize_t>(header_value.size());
  }

  const auto where = [&] {
    return "produce to '" + topic + "'" +
           (partition ? " partition " + std::to_string(*partition) : std::string());
  };
  auto next_warning = std::chrono::steady_clock::now() + kQueueFullWarnEvery;
  for (;;) {
    rd_kafka_error_t* error = rd_kafka_produceva(handle, fields.data(), fields.size());
    if (error == nullptr) {
      rd_kafka_poll(handle, 0);
      return;
    }
    const rd_kafka_resp_err_t err = rd_kafka_error_code(error);
    const std::string reason = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    if (err == RD_KAFKA_RESP_ERR__FATAL)
      throw KafkaError(where() + ": fatal producer error " + fatal_reason(handle));
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw KafkaError(where() + ": " + reason);
    // The local queue is full: wait for deliveries to make room.
    rd_kafka_poll(handle, static_cast<int>(kQueueFullPoll.count()));
    if (const auto now = std::chrono::steady_clock::now(); now >= next_warning) {
      spdlog::warn("kafka producer: local queue full ({} messages), produce to {} waiting",
                   rd_kafka_outq_len(handle), topic);
      next_warning = now + kQueueFullWarnEvery;
    }
  }
}

void Producer::poll(std::chrono::milliseconds timeout) {
  rd_kafka_poll(impl_->handle.get(), static_cast<int>(timeout.count()));
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(impl_->handle.get(), static_cast<int>(timeout.count())) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::int64_t Producer::delivered() const { return impl_->delivered.load(); }
std::int64_t Producer::failed() const { return impl_->failed.load(); }
std::int64_t Producer::queued() const { return rd_kafka_outq_len(impl_->handle.get()); }

}  // namespace atomd::kafka
