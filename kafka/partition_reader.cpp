#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <thread>

#include "kafka/client_config.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {
namespace {

constexpr auto kReadSlice = std::chrono::milliseconds(100);
constexpr auto kRetryBackoff = std::chrono::milliseconds(100);

// Errors that asking again will not fix.
bool is_permanent(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__FATAL:
      return true;
    default:
      return false;
  }
}

// At least 1 ms: librdkafka reads 0 as "no wait", and rd_kafka_query_watermark_offsets then
// waits for its request's answer without any deadline (a hang while brokers are down).
int to_ms(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(1, timeout.count()));
}

// librdkafka 2.0.2 assigns partitions only with a group.id; this one is never joined or
// committed to.
constexpr const char* kReaderGroup = "atomd-partition-reader";

// A consumer that never joins a group: partitions are assigned by hand, nothing is
// committed, and (a consumer's default) metadata requests never auto-create a topic.
detail::HandlePtr new_groupless_consumer(const Settings& settings, bool partition_eof) {
  detail::ConfPtr conf = detail::new_conf();
  if (!settings.brokers.empty())
    detail::set_property(conf.get(), "bootstrap.servers", settings.brokers);
  detail::set_property(conf.get(), "group.id", kReaderGroup);
  detail::set_property(conf.get(), "enable.auto.commit", "false");
  detail::set_property(conf.get(), "enable.auto.offset.store", "false");
  detail::set_property(conf.get(), "auto.offset.reset", "earliest");
  detail::set_property(conf.get(), "enable.partition.eof", partition_eof ? "true" : "false");
  detail::set_properties(conf.get(), settings.properties);
  return detail::new_handle(RD_KAFKA_CONSUMER, std::move(conf));
}

// {low, high}, or the error; never throws.
rd_kafka_resp_err_t query_watermarks(rd_kafka_t* handle, const TopicPartition& tp,
                                     std::chrono::milliseconds timeout, std::int64_t& low,
                                     std::int64_t& high) {
  return rd_kafka_query_watermark_offsets(handle, tp.topic.c_str(), tp.partition, &low, &high,
                                          to_ms(timeout));
}

}  // namespace

struct PartitionReader::Impl {
  detail::HandlePtr handle;
  std::vector<std::pair<TopicPartition, std::int64_t>> starts;
  // The next offset each partition will deliver, once a message or the partition's end
  // showed it.
  std::map<TopicPartition, std::int64_t> next;

  void advance(const TopicPartition& tp, std::int64_t next_offset) {
    auto [it, inserted] = next.emplace(tp, next_offset);
    if (!inserted) it->second = std::max(it->second, next_offset);
  }
};

PartitionReader::PartitionReader(const Settings& settings,
                                 std::vector<std::pair<TopicPartition, std::int64_t>> starts)
    : impl_(std::make_unique<Impl>()) {
  if (starts.empty()) throw KafkaError("partition reader: no partitions to read");
  impl_->handle = new_groupless_consumer(settings, /*partition_eof=*/true);
  rd_kafka_poll_set_consumer(impl_->handle.get());
  detail::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(starts.size())));
  for (const auto& [tp, offset] : starts)
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  if (const rd_kafka_resp_err_t err = rd_kafka_assign(impl_->handle.get(), list.get()))
    throw KafkaError(std::string("partition reader: assign: ") + rd_kafka_err2str(err));
  impl_->starts = std::move(starts);
}

PartitionReader::~PartitionReader() {
  // Nothing to commit and no group to leave, so no consumer close (it would wait for an
  // unreachable coordinator).
  if (impl_->handle)
    rd_kafka_destroy_flags(impl_->handle.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

std::optional<Message> PartitionReader::poll(std::chrono::milliseconds timeout) {
  rd_kafka_t* handle = impl_->handle.get();
  const detail::MessagePtr owned(rd_kafka_consumer_poll(handle, to_ms(timeout)));
  if (!owned) return std::nullopt;
  const rd_kafka_message_t& raw = *owned;
  switch (raw.err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR: {
      Message message = detail::to_message(raw);
      impl_->advance({message.topic, message.partition}, message.offset + 1);
      return message;
    }
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      // The end's offset: control records and compaction leave gaps a message never shows.
      impl_->advance({rd_kafka_topic_name(raw.rkt), raw.partition}, raw.offset);
      return std::nullopt;
    case RD_KAFKA_RESP_ERR__FATAL: {
      char reason[512] = {0};
      rd_kafka_fatal_error(handle, reason, sizeof reason);
      throw KafkaError(std::string("partition reader: fatal error: ") + reason);
    }
    default:
      spdlog::warn("partition reader: {}{}: {}", raw.rkt ? rd_kafka_topic_name(raw.rkt) : "",
                   raw.rkt ? "/" + std::to_string(raw.partition) : std::string(),
                   rd_kafka_message_errstr(&raw));
      return std::nullopt;
  }
}

bool PartitionReader::read_to_end(std::chrono::milliseconds timeout,
                                  const std::function<void(const Message&)>& f) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  const auto remaining = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  };
  // The end of each partition that still has records to deliver.
  std::map<TopicPartition, std::int64_t> ends;
  for (const auto& [tp, start] : impl_->starts) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    for (;;) {
      if (remaining() <= std::chrono::milliseconds(0)) return false;
      const rd_kafka_resp_err_t err =
          query_watermarks(impl_->handle.get(), tp, remaining(), low, high);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (is_permanent(err))
        throw KafkaError("partition reader: end of " + tp.to_string() + ": " +
                         rd_kafka_err2str(err));
      // Broker unreachable, leader moving...: ask again until the deadline.
      if (remaining() <= kRetryBackoff) return false;
      std::this_thread::sleep_for(kRetryBackoff);
    }
    // A start past the end is out of range: auto.offset.reset reads from the beginning.
    const bool nothing_to_read = low >= high || start == kOffsetEnd || start == high;
    if (!nothing_to_read) ends[tp] = high;
  }
  const auto reached = [&] {
    for (auto it = ends.begin(); it != ends.end();) {
      const auto next = impl_->next.find(it->first);
      it = next != impl_->next.end() && next->second >= it->second ? ends.erase(it) : std::next(it);
    }
    return ends.empty();
  };
  while (!reached()) {
    const auto left = remaining();
    if (left.count() <= 0) return false;
    if (auto message = poll(std::min(left, std::chrono::milliseconds(kReadSlice)))) f(*message);
  }
  return true;
}

std::optional<int> partition_count(const Settings& settings, const std::string& topic,
                                   std::chrono::milliseconds timeout) {
  const detail::HandlePtr handle = new_groupless_consumer(settings, /*partition_eof=*/false);
  // All topics: a request naming the topic could auto-create it.
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(handle.get(), /*all_topics=*/1, nullptr, &metadata, to_ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw KafkaError("partition count of '" + topic + "': metadata: " + rd_kafka_err2str(err));
  std::optional<int> count;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& entry = metadata->topics[i];
    if (topic != entry.topic || entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    count = entry.partition_cnt;
  }
  rd_kafka_metadata_destroy(metadata);
  return count;
}

std::pair<std::int64_t, std::int64_t> watermark_offsets(const Settings& settings,
                                                        const TopicPartition& tp,
                                                        std::chrono::milliseconds timeout) {
  const detail::HandlePtr handle = new_groupless_consumer(settings, /*partition_eof=*/false);
  std::int64_t low = 0;
  std::int64_t high = 0;
  if (const rd_kafka_resp_err_t err = query_watermarks(handle.get(), tp, timeout, low, high))
    throw KafkaError("watermarks of " + tp.to_string() + ": " + rd_kafka_err2str(err));
  return {low, high};
}

}  // namespace atomd::kafka
