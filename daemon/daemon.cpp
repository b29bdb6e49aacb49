#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <nlohmann/json.hpp>

#include "daemon/adoption_metrics.hpp"
#include "daemon/connector_set.hpp"
#include "daemon/landing_page.hpp"
#include "daemon/reference_loader.hpp"
#include "daemon/summary.hpp"
#include "daemon/version.hpp"

namespace atomd {
namespace {

// Embedded broker partitions keep 100k message sets / 5 MiB each; stay well inside that:
// at most 20k records and 1 MiB per partition produced ahead of processing.
constexpr std::int64_t kMaxInFlightRecords = 20'000;
constexpr std::int64_t kMaxInFlightBytesPerPartition = 1 << 20;
constexpr auto kShutdownBudget = std::chrono::seconds(8);
constexpr auto kLagInterval = std::chrono::seconds(2);

void print_progress(std::int64_t done, std::int64_t total) {
  double pct = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  std::fprintf(stderr, "\rreplay: %5.1f%% (%lld / %lld MiB)", pct, static_cast<long long>(done >> 20),
               static_cast<long long>(total >> 20));
  if (done >= total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace

Daemon::Daemon(const Config& config, const CommandLine& cli)
    : config_(config),
      cli_(cli),
      topics_(config.kafka.topic_prefix),
      metrics_(kVersion),
      pipeline_(config_, topics_, reference_, metrics_),
      api_(pipeline_, reference_),
      in_flight_(kMaxInFlightRecords, kMaxInFlightBytesPerPartition * config.kafka.partitions) {}

Daemon::~Daemon() {
  stop_.request();
  stream_stop_.store(true);
  io_.stop();
  for (auto* t : {&replay_thread_, &refresh_thread_, &stream_thread_, &io_thread_})
    if (t->joinable()) t->join();
}

void Daemon::load_reference_or_throw() {
  auto data = std::make_shared<ReferenceData>(load_reference(config_.reference, fetch_url_blocking));
  if (data->tracked_models().empty())
    throw ReferenceError(config_.reference.tracked_models + ": the tracked-model list is empty");
  spdlog::info("reference data loaded: {} tracked models in {} orgs", data->tracked_models().size(),
               data->tracked_orgs().size());
  reference_.set(std::move(data));
}

void Daemon::start_kafka() {
  kafka::Settings settings;
  settings.group_id = config_.kafka.group_id;
  settings.properties = config_.kafka.properties;
  if (const char* password = std::getenv("KAFKA_SASL_PASSWORD")) settings.properties["sasl.password"] = password;
  if (config_.kafka.brokers.empty()) {
    broker_ = std::make_unique<kafka::EmbeddedBroker>(config_.kafka.partitions);
    for (auto name : kAllTopics)
      broker_->create_topic(topics_.full(name), config_.kafka.partitions);
    bootstrap_ = broker_->bootstrap();
    spdlog::info("embedded Kafka-protocol broker at {} (no persistence; state lives in {}); try: kcat -b {} -L",
                 bootstrap_, config_.state.dir, bootstrap_);
  } else {
    bootstrap_ = config_.kafka.brokers;
    spdlog::info("using Kafka cluster at {}", bootstrap_);
  }
  settings.brokers = bootstrap_;
  producer_ = std::make_unique<kafka::Producer>(settings);
  kafka::Settings consumer_settings = settings;
  if (broker_) {
    // The embedded broker reassigns a departed member's partitions only after the session
    // timeout; Kafka's 45 s default would stall restarts that long.
    consumer_settings.properties.try_emplace("session.timeout.ms", "6000");
    // In-process fetches cost nothing; waiting 500 ms for more data only slows replays.
    consumer_settings.properties.try_emplace("fetch.wait.max.ms", "5");
  }
  std::vector<std::string> inputs;
  for (auto name : kAllTopics)
    if (is_input_topic(name)) inputs.push_back(topics_.full(name));
  consumer_ = std::make_unique<kafka::Consumer>(consumer_settings, inputs);
  // Events leave once each, keyed by id, outside the in-flight accounting (nothing here
  // consumes them).
  pipeline_.set_event_publisher([this, topic = topics_.full(kTopicEvents)](const Event& e) {
    producer_->produce(topic, e.id(), encode(e));
  });
}

void Daemon::stream_loop() {
  auto last_lag = std::chrono::steady_clock::now();
  auto handle = [&](const kafka::Message& m) {
    try {
      pipeline_.process(m);
    } catch (const std::exception& e) {
      // Bad input never stops the stream: count it and move on.
      metrics_.rejected(m.topic, to_string(RejectReason::bad_value));
      spdlog::error("record on {} partition {} offset {} could not be processed: {}", m.topic, m.partition, m.offset,
                    e.what());
    }
    check_offset_gap(m);
    consumer_->store_offset(m);
    in_flight_.consumed(static_cast<std::int64_t>(m.key.size() + m.value.size()));
  };
  try {
    while (!stream_stop_.load()) {
      if (auto m = consumer_->poll(std::chrono::milliseconds(100))) handle(*m);
      if (!consumer_assigned_.load()) consumer_assigned_.store(!consumer_->assignment().empty());
      auto now = std::chrono::steady_clock::now();
      if (now - last_lag >= kLagInterval) {
        last_lag = now;
        consumer_assigned_.store(!consumer_->assignment().empty());
        auto lag = consumer_->lag();
        for (const auto& [tp, n] : lag) {
          auto slash = tp.rfind('/');
          metrics_.consumer_lag(tp.substr(0, slash), tp.substr(slash + 1), static_cast<double>(n));
        }
        std::lock_guard lock(lag_mutex_);
        last_lag_ = std::move(lag);
      }
    }
    // Drain what is already fetched, then leave the group cleanly.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = consumer_->poll(std::chrono::milliseconds(200));
      if (!m) break;
      handle(*m);
    }
  } catch (const std::exception& e) {
    spdlog::critical("the consumer failed: {}; shutting down", e.what());
    failed_.store(true);
    stop_.request();
  }
  consumer_->close();
}

// Offsets of a partition are consecutive for what this daemon produces; a jump means the
// broker dropped records before they were read (the embedded broker's retention). Loud, and
// the in-flight accounting is corrected so nothing waits for them forever.
void Daemon::check_offset_gap(const kafka::Message& m) {
  if (!broker_) return;  // a real cluster may legitimately skip offsets (transaction markers, compaction)
  auto key = m.topic + "/" + std::to_string(m.partition);
  auto [it, inserted] = next_offset_.try_emplace(key, m.offset + 1);
  if (!inserted) {
    if (m.offset > it->second) {
      std::int64_t missing = m.offset - it->second;
      spdlog::error("{}: offsets {}..{} were gone before they were read ({} records lost by the broker)", key,
                    it->second, m.offset - 1, missing);
      metrics_.records_lost(m.topic, static_cast<double>(missing));
      in_flight_.lost(missing);
    }
    it->second = std::max(it->second, m.offset + 1);
  }
}

void Daemon::replay_loop() {
  ReplaySource source(*cli_.replay_path);
  ReplayStats stats;
  std::set<std::string> produced_topics;
  try {
    stats = source.run(
        [&](const ReplayRecord& r) {
          if (!in_flight_.wait_for_room(stop_.flag())) return false;
          // Stay within the allowed lateness of event time ahead of what the operators have
          // processed, so that no partition's first records arrive after the watermark has
          // passed them (a partition that has not delivered yet cannot hold it back).
          // Stay within the allowed lateness of event time ahead of what the operators have
          // processed on every topic produced to so far, so that no topic's records are read
          // after the watermark has passed them (a partition that has not delivered yet cannot
          // hold it back; librdkafka may start fetching a topic late).
          produced_topics.insert(r.topic);
          while (r.event_time != kNoTime && in_flight_.in_flight_records() > 0) {
            TimeMs slowest = std::numeric_limits<TimeMs>::max();
            for (const auto& topic : produced_topics) slowest = std::min(slowest, pipeline_.topic_stream_time(topic));
            if (slowest != kNoTime && r.event_time <= slowest + config_.windows.allowed_lateness) break;
            if (stop_.wait_for(std::chrono::milliseconds(2))) return false;
          }
          producer_->produce(topics_.full(r.topic), r.key, r.value);
          in_flight_.produced(static_cast<std::int64_t>(r.key.size() + r.value.size()));
          producer_->poll();
          return true;
        },
        [&](std::int64_t line, const Rejection& r) {
          metrics_.rejected("replay", to_string(r.reason));
          spdlog::warn("replay {} line {}: {} ({})", *cli_.replay_path, line, to_string(r.reason), r.detail);
        },
        stop_.flag(), isatty(STDERR_FILENO) ? print_progress : std::function<void(std::int64_t, std::int64_t)>());
  } catch (const std::exception& e) {
    spdlog::error("replay failed: {}", e.what());
    failed_.store(true);
    stop_.request();
    return;
  }
  producer_->flush(std::chrono::seconds(30));
  while (!stop_.requested() && !in_flight_.caught_up()) stop_.wait_for(std::chrono::milliseconds(50));
  if (stats.stopped || !in_flight_.caught_up()) {
    spdlog::info("replay interrupted after {} of its lines; no summary", stats.lines);
    return;
  }
  double rejected_records = 0;
  for (auto topic : Pipeline::kInputTopics)
    for (auto reason : {RejectReason::malformed_json, RejectReason::missing_field, RejectReason::wrong_type,
                        RejectReason::bad_value, RejectReason::bad_relation})
      rejected_records += metrics_.rejected_count(topics_.full(topic), to_string(reason));
  auto reference = reference_.get();
  std::string summary = pipeline_.read([&](const PipelineView& view) {
    return replay_summary(stats, view, *reference, static_cast<std::int64_t>(rejected_records));
  });
  std::fputs(summary.c_str(), stdout);
  std::fflush(stdout);
  replay_done_.store(true);
  if (cli_.exit_after_replay) {
    stop_.request();
  } else {
    spdlog::info("replay done; serving on http://{}:{} (Ctrl-C stops)",
                 config_.http.listen.substr(0, config_.http.listen.rfind(':')), http_->port());
  }
}

void Daemon::reference_refresh_loop() {
  while (!stop_.wait_for(std::chrono::milliseconds(config_.reference.refresh))) {
    try {
      load_reference_or_throw();
    } catch (const std::exception& e) {
      spdlog::error("reference reload failed, keeping the previous data: {}", e.what());
    }
  }
}

bool Daemon::ready() const { return consumer_assigned_.load(); }

std::string Daemon::metrics_text() {
  auto families = metrics_.collect();
  auto reference = reference_.get();
  std::size_t stale = connectors_ ? connectors_->stale_models() : 0;
  auto adoption = pipeline_.read([&](const PipelineView& view) {
    return adoption_families(AdoptionInputs{view.downloads, view.derivatives, view.inference, view.ram, view.overtake,
                                            view.events, *reference, view.watermark.watermark(), stale,
                                            config_.metrics.model_series_per_bucket});
  });
  families.insert(families.end(), std::make_move_iterator(adoption.begin()), std::make_move_iterator(adoption.end()));
  return serialize_metrics(families);
}

std::string Daemon::status_json() {
  using nlohmann::json;
  auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  json body = pipeline_.read([&](const PipelineView& view) {
    return json{{"version", kVersion},
                {"uptime_seconds", uptime},
                {"ready", ready()},
                {"watermark", time_or_null(view.watermark.watermark())},
                {"stream_time", time_or_null(view.downloads.stream_time())},
                {"models", view.downloads.model_count()}};
  });
  body["kafka"] = {{"embedded", broker_ != nullptr}, {"bootstrap", bootstrap_}, {"topic_prefix", topics_.prefix()}};
  body["connectors"] = connector_status_.to_json();
  json lag = json::object();
  {
    std::lock_guard lock(lag_mutex_);
    for (const auto& [tp, n] : last_lag_) lag[tp] = n;
  }
  body["operators"] = {{"records", pipeline_.processed()}, {"lag", lag}, {"in_flight", in_flight_.in_flight_records()}};
  body["checkpoint"] = {{"last", nullptr}, {"note", "no state store yet: state is rebuilt from the sources on start"}};
  body["stage2"] = {{"owner", true}};
  body["replay"] = {{"file", cli_.replay_path ? json(*cli_.replay_path) : json(nullptr)}, {"done", replay_done_.load()}};
  return body.dump();
}

ServerResponse Daemon::route(const ServerRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return json_error(405, "method not allowed");
  auto [path, params] = split_target(request.target);
  if (path == "/metrics") return ServerResponse{200, std::string(kPrometheusContentType), metrics_text()};
  if (path == "/-/healthy") return ServerResponse{200, "text/plain; charset=utf-8", "OK\n"};
  if (path == "/-/ready")
    return ready() ? ServerResponse{200, "text/plain; charset=utf-8", "Ready\n"}
                   : ServerResponse{503, "text/plain; charset=utf-8", "Not ready: consumers not assigned yet\n"};
  if (path == "/api/v1/status") return ServerResponse{200, "application/json", status_json()};
  if (auto response = api_.handle(path, params)) return *response;
  if (path == "/") {
    auto reference = reference_.get();
    LandingInfo info{kVersion, broker_ != nullptr, bootstrap_, ready()};
    return ServerResponse{200, "text/html; charset=utf-8",
                          pipeline_.read([&](const PipelineView& v) { return landing_page(info, v, *reference); })};
  }
  return json_error(404, "not found: " + path);
}

int Daemon::run() {
  if (cli_.reset_state) {
    std::error_code ec;
    auto removed = std::filesystem::remove_all(config_.state.dir, ec);
    if (ec) throw std::runtime_error("--reset-state: cannot wipe " + config_.state.dir + ": " + ec.message());
    spdlog::info("--reset-state: wiped {} ({} entries)", config_.state.dir, removed);
  }
  load_reference_or_throw();
  http_ = std::make_unique<HttpServer>(io_, config_.http.listen, [this](const ServerRequest& r) { return route(r); });
  start_kafka();
  http_->start();
  spdlog::info("serving http://{}:{} (/metrics, /api/v1/status, /)", config_.http.listen.substr(0, config_.http.listen.rfind(':')),
               http_->port());

  boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      spdlog::info("signal {} received: shutting down", sig);
      stop_.request();
    }
  });
  auto work = boost::asio::make_work_guard(io_);
  connectors_ = std::make_unique<ConnectorSet>(
      io_.get_executor(), ConnectorDeps{config_, topics_, *producer_, in_flight_, metrics_, connector_status_, reference_});
  connectors_->start();
  io_thread_ = std::thread([this] { io_.run(); });
  stream_thread_ = std::thread([this] { stream_loop(); });
  refresh_thread_ = std::thread([this] { reference_refresh_loop(); });
  if (cli_.replay_path) replay_thread_ = std::thread([this] { replay_loop(); });

  stop_.wait();  // a signal, a failure, or the end of a replay with --exit-after-replay
  // Orderly shutdown: stop sources, flush the producer, drain and close the consumer.
  const auto deadline = std::chrono::steady_clock::now() + kShutdownBudget;
  connectors_->stop();
  if (replay_thread_.joinable()) replay_thread_.join();
  producer_->flush(std::chrono::duration_cast<std::chrono::milliseconds>((deadline - std::chrono::steady_clock::now()) / 2));
  stream_stop_.store(true);
  stream_thread_.join();
  refresh_thread_.join();
  http_->stop();
  signals.cancel();
  work.reset();
  io_.stop();
  io_thread_.join();
  connectors_.reset();
  producer_.reset();
  consumer_.reset();
  broker_.reset();
  spdlog::info("atomd stopped");
  return failed_.load() ? 1 : 0;
}

}  // namespace atomd
