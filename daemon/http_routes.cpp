#include "daemon/http_routes.hpp"

#include <spdlog/spdlog.h>

#include "daemon/adoption_metrics.hpp"
#include "daemon/kafka_bootstrap.hpp"
#include "daemon/landing_page.hpp"
#include "daemon/pollers.hpp"
#include "daemon/stage2_ownership.hpp"
#include "daemon/version.hpp"

namespace atomd {

HttpRoutes::HttpRoutes(ComponentContext& context)
    : context_(context),
      reference_(context.find<ReferenceRefresh>().holder()),
      topology_(context.find<StreamTopology>().topology()),
      api_(topology_, reference_),
      work_(boost::asio::make_work_guard(io_)),
      server_(std::make_unique<HttpServer>(io_, context.config().http.listen,
                                           [this](const ServerRequest& r) { return route(r); })) {}

HttpRoutes::~HttpRoutes() { stop(); }

void HttpRoutes::start() {
  kafka_ = &context_.find<KafkaBootstrap>();
  ownership_ = &context_.find<Stage2Ownership>();
  pollers_ = context_.find_optional<Pollers>();
  server_->start();
  thread_ = std::thread([this] { io_.run(); });
  const auto& listen = context_.config().http.listen;
  spdlog::info("serving http://{}:{} (/metrics, /api/v1/status, /)", listen.substr(0, listen.rfind(':')),
               server_->port());
}

void HttpRoutes::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  work_.reset();
  io_.stop();
  thread_.join();
}

bool HttpRoutes::all_ready() const {
  for (const auto& part : context_.parts())
    if (!part->ready()) return false;
  return true;
}

std::string HttpRoutes::metrics_text() {
  auto families = context_.metrics().collect();
  // Only the stage-2 owner exposes the group gauges, so PromQL sums over replicas never
  // double count (DESIGN §1); the others answer the JSON API from their mirror.
  if (!ownership_->owner()) return serialize_metrics(families);
  auto reference = reference_.get();
  const std::size_t stale = pollers_ ? pollers_->stale_models() : 0;
  const int per_bucket = context_.config().metrics.model_series_per_bucket;
  auto adoption = topology_.read([&](const TopologyView& view) {
    return adoption_families(AdoptionInputs{view.downloads, view.derivatives, view.inference, view.ram, view.overtake,
                                            view.events, *reference, view.watermark.watermark(), stale, per_bucket});
  });
  families.insert(families.end(), std::make_move_iterator(adoption.begin()), std::make_move_iterator(adoption.end()));
  return serialize_metrics(families);
}

std::string HttpRoutes::status_json() {
  nlohmann::json body = {{"version", kVersion},
                         {"uptime_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()},
                         {"ready", all_ready()}};
  for (const auto& part : context_.parts()) part->report(body);
  return body.dump();
}

ServerResponse HttpRoutes::route(const ServerRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return json_error(405, "method not allowed");
  auto [path, params] = split_target(request.target);
  if (path == "/metrics") return ServerResponse{200, std::string(kPrometheusContentType), metrics_text()};
  if (path == "/-/healthy") return ServerResponse{200, "text/plain; charset=utf-8", "OK\n"};
  if (path == "/-/ready")
    return all_ready() ? ServerResponse{200, "text/plain; charset=utf-8", "Ready\n"}
                       : ServerResponse{503, "text/plain; charset=utf-8", "Not ready: consumers not assigned yet\n"};
  if (path == "/api/v1/status") return ServerResponse{200, "application/json", status_json()};
  if (auto response = api_.handle(path, params)) return *response;
  if (path == "/") {
    auto reference = reference_.get();
    LandingInfo info{kVersion, kafka_->embedded(), kafka_->bootstrap(), all_ready()};
    return ServerResponse{200, "text/html; charset=utf-8",
                          topology_.read([&](const TopologyView& v) { return landing_page(info, v, *reference); })};
  }
  return json_error(404, "not found: " + path);
}

}  // namespace atomd
