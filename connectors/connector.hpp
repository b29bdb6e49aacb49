#pragma once
// A connector fetches, validates, normalises and produces; nothing else. The runner around
// it schedules polls and turns outcomes into metrics and logs (the connector does not count
// itself).
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/records.hpp"
#include "core/reference.hpp"

namespace atomd {

class HttpClient;

// Thrown by a poll that failed as a whole; the message says what failed.
struct ConnectorError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A poll ran out of attempts while the source kept answering 429 (outcome rate_limited).
struct RateLimitedError : ConnectorError {
  using ConnectorError::ConnectorError;
};

// A wait inside a poll was cut short because the runner is stopping; not a failure.
struct PollCancelled : ConnectorError {
  PollCancelled() : ConnectorError("poll cancelled: stopping") {}
};

// What a connector may touch, given by the runner.
class ConnectorContext {
 public:
  virtual ~ConnectorContext() = default;
  // Produces one message to the topic with this short name ("hf.models").
  virtual void emit(std::string_view topic, const std::string& key, const std::string& value) = 0;
  // One input item failed validation; it was skipped.
  virtual void reject(std::string_view topic, RejectReason reason, std::string_view detail) = 0;
  // One request was answered 429; the connector waits as told.
  virtual void rate_limited() = 0;
  // A non-fatal error for part of a poll (e.g. one org's 404), logged and counted.
  virtual void partial_error(std::string_view what) = 0;
  virtual std::shared_ptr<const ReferenceData> reference() = 0;
  virtual HttpClient& http() = 0;
  // Waits (retry backoff, rate limits) go through the context so that the runner can cut
  // them short on stop() (then this throws PollCancelled). Default: a steady_timer.
  virtual boost::asio::awaitable<void> sleep(std::chrono::milliseconds delay);
};

class Connector {
 public:
  virtual ~Connector() = default;
  virtual std::string_view name() const = 0;
  virtual std::chrono::milliseconds interval() const = 0;
  // One full poll. Throws ConnectorError (or HttpError) when it failed as a whole.
  virtual boost::asio::awaitable<void> poll(ConnectorContext& context) = 0;
};

// Optional capability of a connector that polls the tracked list: the tracked models it has
// stopped seeing, for atom_tracked_models_stale. Safe to call from any thread.
class TracksStaleModels {
 public:
  virtual ~TracksStaleModels() = default;
  virtual std::size_t stale_models() const = 0;
};

}  // namespace atomd
