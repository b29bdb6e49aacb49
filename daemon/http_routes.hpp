#pragma once
// The HTTP side of the process (DESIGN §6) on its own io thread: /metrics, /-/healthy,
// /-/ready, /api/v1/status (every part reports its own section), the JSON API and the
// landing page. The port is bound when the part is built, so a port in use stops start-up
// before Kafka or the state are touched further.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "daemon/api.hpp"
#include "daemon/component.hpp"
#include "daemon/http_server.hpp"
#include "daemon/reference_refresh.hpp"
#include "daemon/stream_topology.hpp"

namespace atomd {

class KafkaBootstrap;
class Pollers;
class Stage2Ownership;

class HttpRoutes final : public Component {
 public:
  explicit HttpRoutes(ComponentContext& context);
  ~HttpRoutes() override;
  std::string_view name() const override { return "http"; }
  // Resolves the parts built after this one (status, readiness, stale models), then serves.
  void start() override;
  void stop() override;

  unsigned short port() const { return server_->port(); }
  ServerResponse route(const ServerRequest& request);

 private:
  std::string status_json();
  std::string metrics_text();
  bool all_ready() const;

  const ComponentContext& context_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  ReferenceHolder& reference_;
  Topology& topology_;
  Api api_;
  KafkaBootstrap* kafka_ = nullptr;
  Stage2Ownership* ownership_ = nullptr;
  Pollers* pollers_ = nullptr;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

}  // namespace atomd
