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
#include <tuple>
#include <vector>

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
#include "daemon/replay_position.hpp"
#include "daemon/state_topics.hpp"
#include "kafka/kafka.hpp"
#include "operators/checkpointer.hpp"
#include "operators/state_store.hpp"

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
  // Opens the store (moving a corrupt one aside) and restores operators and positions.
  void open_state();
  void restore_state();
  // In the stream thread: a checkpoint when one is due (interval, dirty records, a request)
  // or `force`d; then publishes the events it made durable.
  void maybe_checkpoint(bool force);
  void publish_events();
  // Asks the stream thread for a checkpoint and waits until it is written (false on stop).
  bool request_checkpoint();
  // External mode, after a replay: waits until what it produced is processed (see .cpp).
  void wait_until_processed();
  void start_kafka();
  // Several replicas (kafka.brokers set): stage 2 runs in the owner of the internal topic's
  // partition; the others mirror its tables from atom.aggregates.v1 (DESIGN §1).
  bool external() const { return !config_.kafka.brokers.empty(); }
  std::map<kafka::TopicPartition, std::int64_t> on_assign(const std::vector<kafka::TopicPartition>& partitions);
  void on_revoke(const std::vector<kafka::TopicPartition>& partitions);
  // Restores the per-model state of one hf.models partition from its changelog.
  void restore_downloads_partition(std::int32_t partition);
  // Reads atom.aggregates.v1 to its end (start-up), then follows it in mirror_thread_.
  void mirror_catch_up();
  void mirror_loop();
  // A mirrored checkpoint of stage 2 replaces this replica's, unless it owns stage 2.
  void apply_mirror(std::int64_t internal_offset);
  // After a checkpoint committed: its changes to the changelogs and, from the owner, to
  // atom.aggregates.v1 with the checkpoint marker.
  void publish_state_changes();
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
  kafka::Settings client_settings_;  // bootstrap, kafka.properties and the SASL password
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  InFlightLimit in_flight_;
  std::map<std::string, std::int64_t> next_offset_;
  std::mutex lag_mutex_;
  std::atomic<std::int64_t> lag_refreshes_{0};
  std::map<std::string, std::int64_t> processed_offsets_;  // consumed_offsets_ at the last lag refresh
  std::map<std::string, std::int64_t> last_lag_;  // per "topic/partition", refreshed by the stream thread  // per "topic/partition", to detect gaps

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<ConnectorSet> connectors_;

  // Durable state (DESIGN §5).
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Checkpointer> checkpointer_;
  CheckpointPositions restored_positions_;
  std::int64_t replay_start_line_ = 1;
  std::unique_ptr<ReplayPosition> replay_position_;
  std::map<std::string, std::string> safe_cursors_;      // cursors whose records are all processed
  std::map<std::string, std::int64_t> consumed_offsets_;  // "topic/partition" → last processed offset
  std::vector<Event> outbox_;  // events written by the last checkpoint, published after it
  std::chrono::steady_clock::time_point last_checkpoint_ = std::chrono::steady_clock::now();
  std::int64_t records_since_checkpoint_ = 0;
  std::atomic<std::int64_t> checkpoints_requested_{0};
  std::atomic<std::int64_t> checkpoints_served_{0};  // requests covered by a written checkpoint
  std::atomic<std::int64_t> checkpoints_written_{0};
  std::mutex checkpoint_mutex_;  // guards the two below (read by /api/v1/status)
  std::optional<TimeMs> last_checkpoint_time_;
  double last_checkpoint_seconds_ = 0;

  // Scale-out (external mode).
  std::string internal_topic_;
  std::atomic<bool> stage2_owner_{true};  // embedded: always
  std::mutex stage2_mutex_;               // ownership changes vs. mirror applies
  std::atomic<std::int64_t> stage2_offset_{-1};  // the internal offset stage 2's state covers
  bool publish_full_stage2_ = false;      // a new owner publishes its whole state once
  std::vector<std::tuple<std::string, std::string, std::optional<std::string>>> state_changes_;
  std::atomic<std::int64_t> replay_produced_line_{0};
  std::unique_ptr<kafka::PartitionReader> mirror_reader_;
  std::unique_ptr<AggregatesTable> mirror_table_;
  std::atomic<bool> mirror_stop_{false};

  std::thread io_thread_, stream_thread_, replay_thread_, refresh_thread_, mirror_thread_;
};

}  // namespace atomd
