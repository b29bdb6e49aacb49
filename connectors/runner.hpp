#pragma once
// Runs connectors on an io_context: one loop per connector that polls, reports the outcome to
// an observer (the daemon's Prometheus counters), logs failures, and sleeps the interval.
#include <utility>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string_view>

#include "connectors/connector.hpp"
#include "core/time.hpp"

namespace atomd {

enum class PollOutcome { ok, error, rate_limited };
std::string_view to_string(PollOutcome outcome);  // the `outcome` label value

struct PollReport {
  std::string_view connector;
  PollOutcome outcome = PollOutcome::ok;
  std::string_view error;  // empty when ok
  TimeMs finished_at = 0;  // wall clock
  std::chrono::milliseconds duration{0};
};

// Called on the runner's strand; implementations must not block.
class ConnectorObserver {
 public:
  virtual ~ConnectorObserver() = default;
  // atom_connector_polls_total{connector,outcome}; when ok, last_success_timestamp_seconds.
  virtual void on_poll(const PollReport& report) = 0;
  // One 429 answer (atom_connector_rate_limited_total); the poll may still end ok.
  virtual void on_rate_limited(std::string_view connector) = 0;
  // A non-fatal error for part of a poll (already logged by the runner).
  virtual void on_partial_error(std::string_view /*connector*/, std::string_view /*what*/) {}
};

class ConnectorRunner {
 public:
  // `observer` must outlive the runner; the runner must be destroyed before the io_context.
  ConnectorRunner(boost::asio::any_io_executor executor, ConnectorObserver& observer);
  ~ConnectorRunner();  // stop()
  ConnectorRunner(const ConnectorRunner&) = delete;
  ConnectorRunner& operator=(const ConnectorRunner&) = delete;

  // The runner wraps `context`: every call is forwarded, rate_limited() and partial_error()
  // also reach the observer, and sleep() becomes cancellable by stop().
  void add(std::shared_ptr<Connector> connector, std::shared_ptr<ConnectorContext> context);
  // Starts a loop per connector: poll at once, then every interval (measured from the start
  // of the previous poll; an overrunning poll is followed at once by the next).
  void start();
  // No new polls; interval sleeps and waits inside polls end at once (the poll unwinds with
  // PollCancelled, not reported). An HTTP request in flight ends by its own deadline.
  // Polls that end after stop() are not reported. Callable from any thread.
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace atomd
