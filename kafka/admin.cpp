#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "kafka/client_config.hpp"
#include "kafka/kafka.hpp"

namespace atomd::kafka {
namespace {

// The admin request has its own deadline; the result event may arrive just after it.
constexpr auto kResultGrace = std::chrono::seconds(1);

std::string quoted_names(const std::vector<TopicSpec>& specs) {
  std::string names;
  for (const auto& spec : specs) names += (names.empty() ? "'" : ", '") + spec.name + "'";
  return names;
}

constexpr const char* kEmbeddedHint =
    "the embedded broker (librdkafka's mock cluster) has no CreateTopics API and names no "
    "controller: there topics are created with EmbeddedBroker::create_topic";

std::string describe(rd_kafka_resp_err_t err, const char* message) {
  const std::string detail =
      message != nullptr && *message != '\0' ? message : rd_kafka_err2str(err);
  std::string text = std::string(rd_kafka_err2name(err)) + ": " + detail;
  // Admin requests go to the controller; the embedded broker's metadata names broker 0,
  // which does not exist, so librdkafka waits for a controller until the deadline.
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT && detail.find("controller") != std::string::npos)
    text += std::string(" (no controller broker answered; ") + kEmbeddedHint + ")";
  else if (err == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE)
    text += std::string(" (the broker has no CreateTopics API; ") + kEmbeddedHint + ")";
  return text;
}

// A broker answers CreateTopics once the controller has the topics; the brokers' metadata,
// which every other client reads, has them a moment later. Until then a reader of a new
// topic sees "Unknown partition". Waits until every topic of `specs` shows its partitions.
void await_topics(const Settings& settings, const std::vector<TopicSpec>& specs, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  for (const auto& spec : specs) {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      try {
        if (partition_count(settings, spec.name, std::max(left, std::chrono::milliseconds(100))).value_or(0) >=
            spec.partitions)
          break;
      } catch (const KafkaError&) {
        // The cluster did not answer this time: ask again until the deadline.
      }
      if (Clock::now() >= deadline) {
        spdlog::warn("created topic {} is not in the cluster's metadata after {} ms", spec.name, timeout.count());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

}  // namespace

TopicSpec compacted_topic_spec(const std::string& name, int partitions) {
  TopicSpec spec;
  spec.name = name;
  spec.partitions = partitions;
  spec.config = {{"cleanup.policy", "compact"}};
  return spec;
}

namespace detail {

std::vector<NewTopicPtr> new_topics(const std::vector<TopicSpec>& specs) {
  std::vector<NewTopicPtr> topics;
  topics.reserve(specs.size());
  for (const auto& spec : specs) {
    // librdkafka 2.0.2 leaves these to the broker; a clear error here is cheaper.
    if (spec.name.empty()) throw KafkaError("create topic '': empty topic name");
    if (spec.partitions < 1)
      throw KafkaError("create topic '" + spec.name + "': " + std::to_string(spec.partitions) +
                       " partitions");
    char reason[512] = {0};
    NewTopicPtr topic(rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions,
                                            spec.replication_factor, reason, sizeof reason));
    if (!topic) throw KafkaError("create topic '" + spec.name + "': " + reason);
    for (const auto& [key, value] : spec.config)
      if (const rd_kafka_resp_err_t err =
              key.empty() ? RD_KAFKA_RESP_ERR__INVALID_ARG
                          : rd_kafka_NewTopic_set_config(topic.get(), key.c_str(), value.c_str()))
        throw KafkaError("create topic '" + spec.name + "': config '" + key +
                         "': " + rd_kafka_err2str(err));
    topics.push_back(std::move(topic));
  }
  return topics;
}

}  // namespace detail

// One admin request: a client of its own, the request's deadline (and with
// `operation_timeout`, the controller's), and the wait for its result event, checked for a
// request-level error.
class AdminRequest {
 public:
  AdminRequest(const Settings& settings, rd_kafka_admin_op_t op, std::string what,
               std::chrono::milliseconds timeout, bool operation_timeout)
      : what_(std::move(what)), timeout_(timeout) {
    detail::ConfPtr conf = detail::new_conf();
    if (!settings.brokers.empty())
      detail::set_property(conf.get(), "bootstrap.servers", settings.brokers);
    detail::set_properties(conf.get(), settings.properties);
    handle_ = detail::new_handle(RD_KAFKA_PRODUCER, std::move(conf));
    options_.reset(rd_kafka_AdminOptions_new(handle_.get(), op));
    const auto timeout_ms = static_cast<int>(std::max<std::int64_t>(1, timeout.count()));
    char reason[512] = {0};
    if (rd_kafka_AdminOptions_set_request_timeout(options_.get(), timeout_ms, reason, sizeof reason) ||
        (operation_timeout &&
         rd_kafka_AdminOptions_set_operation_timeout(options_.get(), timeout_ms, reason, sizeof reason)))
      throw KafkaError(what_ + ": " + reason);
    queue_.reset(rd_kafka_queue_new(handle_.get()));
  }
  rd_kafka_t* handle() const { return handle_.get(); }
  rd_kafka_AdminOptions_t* options() const { return options_.get(); }
  rd_kafka_queue_t* queue() const { return queue_.get(); }
  const std::string& what() const { return what_; }

  // The result event of the request sent on queue(); throws on no answer or a request error.
  detail::EventPtr result() const {
    detail::EventPtr event(rd_kafka_queue_poll(
        queue_.get(), static_cast<int>((timeout_ + std::chrono::milliseconds(kResultGrace)).count())));
    if (!event)
      throw KafkaError(what_ + ": no answer within " + std::to_string(timeout_.count()) + " ms");
    if (const rd_kafka_resp_err_t err = rd_kafka_event_error(event.get()))
      throw KafkaError(what_ + ": " + describe(err, rd_kafka_event_error_string(event.get())));
    return event;
  }

 private:
  std::string what_;
  std::chrono::milliseconds timeout_;
  detail::HandlePtr handle_;
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options_{
      nullptr, &rd_kafka_AdminOptions_destroy};
  detail::QueuePtr queue_;
};

void create_topics(const Settings& settings, const std::vector<TopicSpec>& specs,
                   std::chrono::milliseconds timeout) {
  if (specs.empty()) return;
  const std::vector<detail::NewTopicPtr> topics = detail::new_topics(specs);
  std::vector<rd_kafka_NewTopic_t*> raw_topics;
  for (const auto& topic : topics) raw_topics.push_back(topic.get());

  // The request deadline bounds the wait for a controller too; the operation timeout makes
  // the controller answer once the topics exist, not just once it accepted them.
  const AdminRequest request(settings, RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topics " + quoted_names(specs),
                             timeout, /*operation_timeout=*/true);
  const std::string& what = request.what();
  rd_kafka_CreateTopics(request.handle(), raw_topics.data(), raw_topics.size(), request.options(),
                        request.queue());
  const detail::EventPtr event = request.result();
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  if (result == nullptr)
    throw KafkaError(what + ": unexpected answer " + rd_kafka_event_name(event.get()));
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  std::string failures;
  for (std::size_t i = 0; i < count; ++i) {
    const char* name = rd_kafka_topic_result_name(results[i]);
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::info("kafka: created topic {}", name);
    } else if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      spdlog::debug("kafka: topic {} already exists", name);
    } else {
      failures += std::string(failures.empty() ? "" : "; ") + "'" + name +
                  "': " + describe(err, rd_kafka_topic_result_error_string(results[i]));
    }
  }
  if (!failures.empty()) throw KafkaError("create topics: " + failures);
}

std::map<std::string, std::string> describe_topic_configs(const Settings& settings, const std::string& topic,
                                                          std::chrono::milliseconds timeout) {
  const AdminRequest request(settings, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "describe configs of '" + topic + "'",
                             timeout, /*operation_timeout=*/false);
  const std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()), &rd_kafka_ConfigResource_destroy);
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rd_kafka_DescribeConfigs(request.handle(), resources, 1, request.options(), request.queue());
  const detail::EventPtr event = request.result();
  const rd_kafka_DescribeConfigs_result_t* result = rd_kafka_event_DescribeConfigs_result(event.get());
  if (result == nullptr)
    throw KafkaError(request.what() + ": unexpected answer " + rd_kafka_event_name(event.get()));
  std::size_t count = 0;
  const rd_kafka_ConfigResource_t** described = rd_kafka_DescribeConfigs_result_resources(result, &count);
  if (count != 1) throw KafkaError(request.what() + ": " + std::to_string(count) + " resources in the answer");
  if (const rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(described[0]))
    throw KafkaError(request.what() + ": " + describe(err, rd_kafka_ConfigResource_error_string(described[0])));
  std::size_t entry_count = 0;
  const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(described[0], &entry_count);
  std::map<std::string, std::string> configs;
  for (std::size_t i = 0; i < entry_count; ++i) {
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    // Sensitive entries (passwords) come without a value.
    configs[rd_kafka_ConfigEntry_name(entries[i])] = value != nullptr ? value : "";
  }
  return configs;
}

}  // namespace atomd::kafka

namespace atomd::kafka {

std::vector<TopicSpec> ensure_topics(const Settings& settings, std::vector<TopicSpec> specs,
                                     std::chrono::milliseconds timeout) {
  std::vector<TopicSpec> missing;
  for (auto& spec : specs) {
    try {
      if (!partition_count(settings, spec.name, timeout)) missing.push_back(std::move(spec));
    } catch (const KafkaError& e) {
      spdlog::warn("cannot read the metadata of {}: {}", spec.name, e.what());
    }
  }
  if (missing.empty()) return missing;
  try {
    create_topics(settings, missing, timeout + std::chrono::seconds(5));
    await_topics(settings, missing, timeout);
    for (const auto& spec : missing)
      spdlog::info("created topic {} ({} partitions{})", spec.name, spec.partitions,
                   spec.config.empty() ? "" : ", compacted");
  } catch (const KafkaError& e) {
    spdlog::warn("could not create missing topics through the admin API ({}); they are auto-created on first "
                 "use with the broker's defaults",
                 e.what());
    missing.clear();
  }
  return missing;
}

}  // namespace atomd::kafka
