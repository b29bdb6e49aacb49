#pragma once
// What the connector tests share: a ConnectorContext that records everything a connector
// does, a way to run one coroutine to completion, and file helpers.
#include <utility>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/connector.hpp"
#include "connectors/http_client.hpp"
#include "core/reference.hpp"

namespace atomd::testing {

struct Emitted {
  std::string topic, key, value;
};

struct Rejected {
  std::string topic;
  RejectReason reason;
  std::string detail;
};

class RecordingContext : public ConnectorContext {
 public:
  RecordingContext(HttpClient& http, std::shared_ptr<const ReferenceData> reference)
      : http_(http), reference_(std::move(reference)) {}

  void emit(std::string_view topic, const std::string& key, const std::string& value) override {
    emitted.push_back({std::string(topic), key, value});
  }
  void reject(std::string_view topic, RejectReason reason, std::string_view detail) override {
    rejected.push_back({std::string(topic), reason, std::string(detail)});
  }
  void rate_limited() override { ++rate_limited_count; }
  void partial_error(std::string_view what) override { partial_errors.emplace_back(what); }
  std::shared_ptr<const ReferenceData> reference() override { return reference_; }
  HttpClient& http() override { return http_; }
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds delay) override {
    sleeps.push_back(delay);
    if (on_sleep) on_sleep(delay);
    co_await ConnectorContext::sleep(delay);
  }

  std::vector<Emitted> emitted;
  std::vector<Rejected> rejected;
  int rate_limited_count = 0;
  std::vector<std::string> partial_errors;
  std::vector<std::chrono::milliseconds> sleeps;
  // Called as each sleep begins: lets a test see where in a sequence of requests it falls.
  std::function<void(std::chrono::milliseconds)> on_sleep;

 private:
  HttpClient& http_;
  std::shared_ptr<const ReferenceData> reference_;
};

// Runs `task` on `ioc` until it finishes; rethrows what it threw.
template <class T>
T run_task(boost::asio::io_context& ioc, boost::asio::awaitable<T> task) {
  std::optional<T> result;
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) result = std::move(value);
  });
  ioc.restart();
  ioc.run();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

inline void run_task(boost::asio::io_context& ioc, boost::asio::awaitable<void> task) {
  std::exception_ptr error;
  boost::asio::co_spawn(ioc, std::move(task), [&](std::exception_ptr e) { error = e; });
  ioc.restart();
  ioc.run();
  if (error) std::rethrow_exception(error);
}

// Runs one poll that must fail; its ConnectorError's message, or "no error".
inline std::string poll_error(boost::asio::io_context& ioc, Connector& connector, ConnectorContext& context) {
  try {
    run_task(ioc, connector.poll(context));
  } catch (const ConnectorError& e) {
    return e.what();
  }
  return "no error";
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(ATOMD_SOURCE_DIR) / "tests/connectors/fixtures" / name;
}

inline std::filesystem::path api_samples() {
  return std::filesystem::path(ATOMD_SHARED_DIR) / "data/api-samples";
}

inline std::shared_ptr<const ReferenceData> tracked(const std::string& tracked_models_csv) {
  ReferenceTexts texts;
  texts.tracked_models = tracked_models_csv;
  return std::make_shared<const ReferenceData>(ReferenceData::parse(texts));
}

}  // namespace atomd::testing
