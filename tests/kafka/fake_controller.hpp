#pragma once
// A minimal Kafka controller speaking just enough of the protocol (ApiVersions, Metadata
// v1, CreateTopics v0-v4) for librdkafka's admin client: it records the CreateTopics
// requests it receives and answers them with per-topic errors chosen by the test. The
// embedded broker has no CreateTopics API, so this is how create_topics' requests are
// checked on the wire.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace atomd::kafka::testing {

struct CreateTopicRequest {
  std::string name;
  std::int32_t partitions = 0;
  std::int16_t replication_factor = 0;
  std::map<std::string, std::string> config;
};

struct CreateTopicsRequest {
  std::int16_t version = 0;
  std::int32_t timeout_ms = 0;
  std::vector<CreateTopicRequest> topics;
};

class FakeController {
 public:
  FakeController();  // listens on 127.0.0.1, an ephemeral port
  ~FakeController();
  FakeController(const FakeController&) = delete;
  FakeController& operator=(const FakeController&) = delete;

  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  // The answer for a topic (Kafka error code and message); unset topics succeed.
  void answer(const std::string& topic, std::int16_t error_code, const std::string& message);
  std::vector<CreateTopicsRequest> requests() const;

 private:
  void accept_loop();
  void serve(int fd);
  std::string respond(std::int16_t api_key, std::int16_t version, const std::string& body);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::string, std::pair<std::int16_t, std::string>> answers_;
  std::vector<CreateTopicsRequest> requests_;
  std::vector<int> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace atomd::kafka::testing
