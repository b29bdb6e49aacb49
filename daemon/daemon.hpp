#pragma once
// One atomd process: owns the parts and the threads that run them.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "connectors/replay.hpp"
#include "core/topics.hpp"
#include "daemon/api.hpp"
#include "daemon/cli.hpp"
#include "daemon/config.hpp"
#include "daemon/connector_status.hpp"
#include "daemon/http_server.hpp"
#include "daemon/in_flight.hpp"
#include "daemon/metrics.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/reference_holder.hpp"
#include "kafka/kafka.hpp"

namespace atomd {

class ConnectorSet;

std::string fetch_url_blocking(const std::string& url);

// A one-shot stop request that threads can wait on.
class StopRequest {
 public:
  void request() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    flag_.store(true);
    cv_.notify_all();
  }
  const std::atomic<bool>& flag() const { return flag_; }
  bool requested() const { return flag_.load(); }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stop_; });
  }
  // Waits up to `timeout`; true when stop was requested.
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return stop_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> flag_{false};
};

class Daemon {
 public:
  Daemon(const Config& config, const CommandLine& cli);
  ~Daemon();
  int run();

 private:
  void load_reference_or_throw();
  void start_kafka();
  void stream_loop();
  void check_offset_gap(const kafka::Message& m);
  void replay_loop();
  void reference_refresh_loop();
  ServerResponse route(const ServerRequest& request);
  std::string status_json();
  std::string metrics_text();
  bool ready() const;

  Config config_;
  CommandLine cli_;
  TopicNames topics_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  Metrics metrics_;
  ReferenceHolder reference_;
  Pipeline pipeline_;
  Api api_;
  ConnectorStatusBoard connector_status_;
  StopRequest stop_;
  std::atomic<bool> stream_stop_{false};
  std::atomic<bool> consumer_assigned_{false};
  std::atomic<bool> replay_done_{false};
  std::atomic<bool> failed_{false};  // a part failed: exit non-zero after shutdown

  std::unique_ptr<kafka::EmbeddedBroker> broker_;
  std::string bootstrap_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  InFlightLimit in_flight_;
  std::map<std::string, std::int64_t> next_offset_;
  std::mutex lag_mutex_;
  std::map<std::string, std::int64_t> last_lag_;  // per "topic/partition", refreshed by the stream thread  // per "topic/partition", to detect gaps

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<ConnectorSet> connectors_;

  std::thread io_thread_, stream_thread_, replay_thread_, refresh_thread_;
};

}  // namespace atomd
