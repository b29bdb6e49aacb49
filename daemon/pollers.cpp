#include "daemon/pollers.hpp"

#include "daemon/reference_refresh.hpp"
#include "daemon/state_restore.hpp"

namespace atomd {

Pollers::Pollers(ComponentContext& context)
    : sink_(context.find<KafkaBootstrap>().sink()), work_(boost::asio::make_work_guard(io_)) {
  connectors_ = std::make_unique<ConnectorSet>(
      io_.get_executor(), ConnectorDeps{context.config(), context.topics(), sink_, context.metrics(), status_,
                                        context.find<ReferenceRefresh>().holder()});
  connectors_->restore_cursors(context.find<StateRestore>().restored(kCursorsNamespace));
  context.find<CheckpointCoordinator>().add_source(*this);
}

Pollers::~Pollers() {
  stop();
  connectors_.reset();
}

void Pollers::start() {
  connectors_->start();
  thread_ = std::thread([this] { io_.run(); });
}

void Pollers::stop() {
  if (connectors_) connectors_->stop();
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void Pollers::report(nlohmann::json& status) const { status["connectors"] = status_.to_json(); }

std::string_view Pollers::position_namespace() const { return kCursorsNamespace; }

std::optional<std::map<std::string, std::string>> Pollers::checkpoint_positions() {
  // A cursor is safe once every record produced before it was read is processed: read the
  // cursors first, then check that nothing is in flight.
  auto cursors = connectors_->cursors();
  if (!sink_.caught_up()) return std::nullopt;
  return cursors;
}

}  // namespace atomd
