#include "daemon/replay_driver.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <limits>

#include "daemon/http_routes.hpp"
#include "daemon/reference_refresh.hpp"
#include "daemon/state_restore.hpp"
#include "daemon/summary.hpp"

namespace atomd {
namespace {

// The replay line of a replayed message, so a restart knows what the operators have processed.
constexpr std::string_view kReplayLineHeader = "atomd-replay-line";

void print_progress(std::int64_t done, std::int64_t total) {
  double pct = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  std::fprintf(stderr, "\rreplay: %5.1f%% (%lld / %lld MiB)", pct, static_cast<long long>(done >> 20),
               static_cast<long long>(total >> 20));
  if (done >= total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

ReplayDriver::ReplayDriver(ComponentContext& context)
    : context_(context),
      path_(context.cli().replay_path),
      scaled_out_(context.find<KafkaBootstrap>().scaled_out()),
      sink_(context.find<KafkaBootstrap>().sink()),
      topology_(context.find<StreamTopology>().topology()),
      stream_(context.find<StreamTask>()),
      checkpoints_(context.find<CheckpointCoordinator>()),
      http_(context.find_optional<HttpRoutes>()) {
  if (!path_) return;
  start_line_ = context.find<StateRestore>().replay_resume_line(*path_);
  produced_line_.store(start_line_ - 1);
  position_ = std::make_unique<ReplayPosition>(start_line_);
  checkpoints_.add_source(*this);
  stream_.on_processed([this](const kafka::Message& m) {
    auto line = m.header(kReplayLineHeader);
    if (!line) return;
    try {
      position_->processed(std::stoll(*line));
    } catch (const std::exception&) {
      spdlog::warn("{} partition {} offset {}: malformed {} header '{}'", m.topic, m.partition, m.offset,
                   kReplayLineHeader, *line);
    }
  });
}

ReplayDriver::~ReplayDriver() { stop(); }

void ReplayDriver::start() {
  if (path_) thread_ = std::thread([this] { run(); });
}

void ReplayDriver::stop() {
  if (thread_.joinable()) thread_.join();
}

std::string_view ReplayDriver::position_namespace() const { return kReplayNamespace; }

std::optional<std::map<std::string, std::string>> ReplayDriver::checkpoint_positions() {
  // Scaled out, other replicas process what this one produced: the lines produced count
  // once the flush before the commit delivered them.
  const auto line = scaled_out_ ? produced_line_.load() + 1 : position_->safe_line();
  return std::map<std::string, std::string>{{replay_key(*path_), std::to_string(line)}};
}

void ReplayDriver::report(nlohmann::json& status) const {
  status["replay"] = {{"file", path_ ? nlohmann::json(*path_) : nlohmann::json(nullptr)}, {"done", done_.load()}};
}

bool ReplayDriver::produce(const ReplayRecord& r) {
  StopRequest& stop = context_.stop();
  if (scaled_out_) {
    // Other replicas consume too: no local in-flight bound or pacing; the checkpoint
    // records the lines produced and delivered.
    sink_.produce(r.topic, r.key, r.value);
    produced_line_.store(r.line);
    return true;
  }
  if (!sink_.wait_for_room(stop.flag())) return false;
  // Stay within the allowed lateness of event time ahead of what the operators have
  // processed on every topic produced to so far, so that no topic's records are read after
  // the watermark has passed them (a partition that has not delivered yet cannot hold it
  // back; librdkafka may start fetching a topic late).
  produced_topics_.insert(r.topic);
  const TimeMs lateness = context_.config().windows.allowed_lateness;
  while (r.event_time != kNoTime && sink_.in_flight_records() > 0) {
    TimeMs slowest = std::numeric_limits<TimeMs>::max();
    for (const auto& topic : produced_topics_) slowest = std::min(slowest, topology_.topic_stream_time(topic));
    if (slowest != kNoTime && r.event_time <= slowest + lateness) break;
    if (stop.wait_for(std::chrono::milliseconds(2))) return false;
  }
  position_->produced(r.line);
  sink_.produce(r.topic, r.key, r.value, {{std::string(kReplayLineHeader), std::to_string(r.line)}});
  return true;
}

void ReplayDriver::run() {
  ReplaySource source(*path_);
  ReplayStats stats;
  try {
    stats = source.run([this](const ReplayRecord& r) { return produce(r); },
                       [this](std::int64_t line, const Rejection& r) {
                         context_.metrics().rejected("replay", to_string(r.reason));
                         spdlog::warn("replay {} line {}: {} ({})", *path_, line, to_string(r.reason), r.detail);
                       },
                       context_.stop().flag(),
                       isatty(STDERR_FILENO) ? print_progress : std::function<void(std::int64_t, std::int64_t)>(),
                       start_line_);
  } catch (const std::exception& e) {
    spdlog::error("replay failed: {}", e.what());
    context_.fail();
    return;
  }
  finish(stats);
}

void ReplayDriver::finish(const ReplayStats& stats) {
  StopRequest& stop = context_.stop();
  sink_.producer().flush(std::chrono::seconds(30));
  while (!stop.requested() && !sink_.caught_up()) stop.wait_for(std::chrono::milliseconds(50));
  if (scaled_out_) stream_.wait_until_processed();
  if (stats.stopped || !sink_.caught_up()) {
    spdlog::info("replay interrupted after {} of its lines; no summary", stats.lines);
    return;
  }
  // Done means durable: the state and the events of the whole file are checkpointed (and the
  // events published) before the summary; with several replicas, that every record was
  // delivered to the cluster.
  if (!checkpoints_.request_checkpoint()) return;
  const TopicNames& topics = context_.topics();
  double rejected_records = 0;
  for (auto topic : Topology::kInputTopics)
    for (auto reason : {RejectReason::malformed_json, RejectReason::missing_field, RejectReason::wrong_type,
                        RejectReason::bad_value, RejectReason::bad_relation})
      rejected_records += context_.metrics().rejected_count(topics.full(topic), to_string(reason));
  auto reference = context_.find<ReferenceRefresh>().holder().get();
  std::string summary = topology_.read([&](const TopologyView& view) {
    return replay_summary(stats, view, *reference, static_cast<std::int64_t>(rejected_records));
  });
  std::fputs(summary.c_str(), stdout);
  std::fflush(stdout);
  done_.store(true);
  if (context_.cli().exit_after_replay) {
    stop.request();
  } else if (http_) {
    const auto& listen = context_.config().http.listen;
    spdlog::info("replay done; serving on http://{}:{} (Ctrl-C stops)", listen.substr(0, listen.rfind(':')),
                 http_->port());
  }
}

}  // namespace atomd
