#pragma once
// `--replay FILE` (DESIGN §2 "Replay files"): one more source on the sources' produce path,
// on its own thread. With the embedded broker it is paced to stay within the allowed
// lateness of what the operators have processed, and every message carries its line so a
// checkpoint knows where a restart resumes. When the file is done and durable it prints the
// summary, then exits the process with --exit-after-replay.
#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "connectors/replay.hpp"
#include "daemon/checkpoint_coordinator.hpp"
#include "daemon/component.hpp"
#include "daemon/replay_position.hpp"
#include "daemon/source_sink.hpp"
#include "daemon/stream_task.hpp"

namespace atomd {

class HttpRoutes;

class ReplayDriver final : public Component, public CheckpointedSource {
 public:
  explicit ReplayDriver(ComponentContext& context);
  ~ReplayDriver() override;
  std::string_view name() const override { return "replay"; }
  void start() override;
  void stop() override;
  void report(nlohmann::json& status) const override;

  std::string_view position_namespace() const override;
  std::optional<std::map<std::string, std::string>> checkpoint_positions() override;

 private:
  void run();
  bool produce(const ReplayRecord& r);
  void finish(const ReplayStats& stats);

  const ComponentContext& context_;
  const std::optional<std::string> path_;
  const bool scaled_out_;
  SourceSink& sink_;
  Topology& topology_;
  StreamTask& stream_;
  CheckpointCoordinator& checkpoints_;
  HttpRoutes* http_ = nullptr;
  std::int64_t start_line_ = 1;
  std::unique_ptr<ReplayPosition> position_;
  std::atomic<std::int64_t> produced_line_{0};
  std::set<std::string> produced_topics_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace atomd
